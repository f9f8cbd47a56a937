"""What may be uploaded: PDF, JPG or PNG, recognised by content, at most 10 MB."""
from __future__ import annotations

from dataclasses import dataclass

from rules import InvalidInput
from rules.text import control_characters, replace_extension

MAX_BYTES = 10 * 1024 * 1024
# The largest request the app reads (its MAX_CONTENT_LENGTH): one file of MAX_BYTES, the form's other
# fields and the multipart framing. A file up to it hears the rule's own message below; a larger
# request is refused before it is read (413), naming this limit (web/errors.py).
MAX_REQUEST_BYTES = MAX_BYTES + 1024 * 1024


def megabytes(size: int) -> str:
    """A size as people read it: 10 MB, 10.5 MB."""
    return f"{size / 1024 / 1024:.1f}".removesuffix(".0") + " MB"
# Magic numbers: the file's own first bytes decide its type, never its name.
SIGNATURES = [
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
]
# The extension a stored file is served with: that of its detected type.
EXTENSIONS = {content_type: extension for _magic, content_type, extension in SIGNATURES}


@dataclass(frozen=True)
class UploadCheck:
    content_type: str
    extension: str
    original_name: str


def check_upload(name: str | None, head: bytes, size: int) -> UploadCheck:
    """Accept or refuse a file from its name, its first bytes and its size."""
    name = (name or "").strip()
    if not name:
        raise InvalidInput("请选择要上传的文件")
    if "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise InvalidInput("文件名不能包含路径，请重命名后再上传")
    if control_characters(name):
        raise InvalidInput("文件名不能包含控制字符（如换行、制表符），请重命名后再上传")
    if len(name) > 200:
        raise InvalidInput("文件名过长（不超过200个字符）")
    if size == 0:
        raise InvalidInput("文件是空的")
    if size > MAX_BYTES:
        raise InvalidInput(f"文件过大（{megabytes(size)}），单个文件不超过{megabytes(MAX_BYTES)}")
    for magic, content_type, extension in SIGNATURES:
        if head.startswith(magic):
            return UploadCheck(content_type, extension, name)
    raise InvalidInput("只能上传PDF、JPG或PNG文件（按文件内容识别，改扩展名无效）")


def served_name(original_name: str, content_type: str) -> str:
    """The name a stored file is downloaded under: the uploaded name's stem with the extension of the
    type its content was recognised as ("evil.html" holding a PDF is served as "evil.pdf"), so the name a
    person chose never decides how a browser or desktop opens the file."""
    return replace_extension(original_name, EXTENSIONS.get(content_type, ".bin"))
