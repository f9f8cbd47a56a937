"""Text people type, and the file names the system hands back: no control characters in either.

A control character typed into a name ends up in places that treat it as structure: a line break
in a download's Content-Disposition header splits the header, a tab shifts a CSV column. Input
refuses them (a text area keeps its line breaks and tabs); a download name drops them, and keeps
only characters a browser cannot read as the header's own syntax.
"""
from __future__ import annotations

import re
import unicodedata

from rules import InvalidInput

# What a text area (several lines) may hold besides printable text.
MULTILINE_ALLOWED = frozenset("\t\n\r")
SINGLE_LINE_MESSAGE = "不能包含控制字符（如换行、制表符）"
MULTILINE_MESSAGE = "不能包含控制字符（换行、制表符除外）"


def control_characters(text: str, *, multiline: bool = False) -> list[str]:
    """The control characters (Unicode category Cc) in `text`, and in a single line also the line and
    paragraph separators (U+2028, U+2029); a text area may keep tabs and line breaks."""
    found = []
    for char in text:
        category = unicodedata.category(char)
        if multiline and char in MULTILINE_ALLOWED:
            continue
        if category == "Cc" or (not multiline and category in ("Zl", "Zp")):
            found.append(char)
    return found


def check_no_control_characters(text: str, *, multiline: bool = False) -> str:
    """`text` unchanged, or InvalidInput with the message shown at the field."""
    if control_characters(text, multiline=multiline):
        raise InvalidInput(MULTILINE_MESSAGE if multiline else SINGLE_LINE_MESSAGE)
    return text


# Characters no file system or browser takes in a file name (Windows' reserved set, which also
# holds the quote and backslash of a quoted header parameter).
_RESERVED = re.compile(r'[\\/:*?"<>|]')
MAX_NAME = 150


def download_name(name: str) -> str:
    """A download's file name as the user sees it: without control or format characters (Unicode
    category C: line breaks, a right-to-left override that would show "gpj.exe" as "exe.jpg"), line
    separators or reserved characters, at most 150 characters with its extension kept."""
    kept = "".join("_" if _RESERVED.match(c) else c for c in name
                   if not unicodedata.category(c).startswith("C") and unicodedata.category(c) not in ("Zl", "Zp"))
    stem, dot, extension = kept.rpartition(".")
    if dot and extension.isalnum() and len(extension) <= 8:
        extension = "." + extension
    else:
        stem, extension = kept, ""
    stem = stem.strip(" .")[:MAX_NAME - len(extension)].strip(" .") or "download"
    return stem + extension


def ascii_fallback(name: str) -> str:
    """The name for a browser that ignores RFC 5987's `filename*`: ASCII letters, digits, '.', '_' and
    '-' only (a header token, never quoted), e.g. "download.xlsx" for an all-Chinese name."""
    stem, dot, extension = name.rpartition(".")
    if not dot:
        stem, extension = name, ""

    def plain(text: str) -> str:
        ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
        return re.sub(r"[^A-Za-z0-9-]+", "_", ascii_text).strip("_-")

    extension = plain(extension)
    return (plain(stem) or "download") + ("." + extension if extension else "")


def replace_extension(name: str, extension: str) -> str:
    """`name` with its last extension (if any) replaced by `extension` (".pdf"): "evil.html" → "evil.pdf"."""
    stem, dot, _old = name.rpartition(".")
    return (stem if dot and stem else name) + extension
