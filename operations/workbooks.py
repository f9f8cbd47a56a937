"""An uploaded import workbook: opened (refusing, with the reason, what is not a readable .xlsx), read row by
row under the template's header, and kept by its SHA-256 between the dry run and the bureau's confirmation
(so the commit reads the very bytes the dry run read). operations/imports.py classifies and writes the rows."""
from __future__ import annotations

import hashlib
import io
import re

from rules import InvalidInput
from rules.cells import clean_text
from rules.imports import KINDS, MAX_ROWS, Issue, read_header

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: a .xls, or an .xlsx sealed with a password
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_EXAMPLE = ("（示例）", "(示例)")  # the template's example row, skipped
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
BLANK_ROWS_END = 10_000  # this many empty rows in a row end the data (a sheet formatted down to row 1,048,576)
KEEP_UPLOADS_DAYS = 2  # a dry run's file not confirmed within this is removed


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _column_number(letters: str) -> int:
    number = 0
    for char in letters:
        number = number * 26 + ord(char) - 64
    return number


def open_sheet(data: bytes, kind: str):
    """The template's data sheet, opened read-only; InvalidInput says why a file cannot be read."""
    import openpyxl

    if not data:
        raise InvalidInput("文件是空的，请选择填写好的导入模板")
    if data.startswith(_CFB):
        if _ENCRYPTED in data:
            raise InvalidInput("文件设置了打开密码，请在Excel中取消密码（文件→信息→保护工作簿）后重新上传")
        raise InvalidInput("这是旧版Excel（.xls）文件，请在Excel中“另存为”Excel工作簿（.xlsx）后重新上传")
    if not data.startswith(b"PK\x03\x04"):
        raise InvalidInput("不是Excel（.xlsx）文件，请下载导入模板，填写后上传")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises many kinds on a damaged or foreign archive; each means the same to the user
        raise InvalidInput("文件已损坏，或不是Excel（.xlsx）文件，请下载导入模板，填写后上传") from None
    names = workbook.sheetnames
    if not names:
        raise InvalidInput("文件中没有工作表")
    wanted = KINDS[kind]
    return workbook[wanted] if wanted in names else workbook[names[0]]


def _merged_rows(sheet) -> dict[int, set[int]]:
    """Row → columns covered by a merged range beyond its first cell (read from the sheet's XML: the
    read-only sheet does not parse them)."""
    try:
        source = sheet._get_source()  # openpyxl has no public way to the merged ranges of a read-only sheet
        xml = source.read()
    except Exception:
        return {}
    covered: dict[int, set[int]] = {}
    for m in _MERGE.finditer(xml):
        if not m[3]:
            continue
        c1, r1, c2, r2 = _column_number(m[1].decode()), int(m[2]), _column_number(m[3].decode()), int(m[4])
        for r in range(r1, r2 + 1):
            for c in range(c1, c2 + 1):
                if (r, c) != (r1, c1):
                    covered.setdefault(r, set()).add(c)
    return covered


def read_rows(data: bytes, kind: str, max_rows: int | None = None,
              progress=None) -> tuple[list[tuple[int, dict]], list[Issue]]:
    """The data rows as (row number, {column key: cell value}) plus the problems of cells as such (formulas,
    merged cells), after the header row is found among the first ten. InvalidInput for a file that is not
    the template, is empty, or has more rows than one import takes."""
    max_rows = max_rows or MAX_ROWS
    sheet = open_sheet(data, kind)
    merged = _merged_rows(sheet)
    if progress is not None and sheet.max_row:
        progress.length = sheet.max_row  # a click progress bar: the sheet's own idea of its size
    sheet.reset_dimensions()  # read every row there is, whatever size the file claims
    header, first_error = None, None
    rows, blank_run = [], 0
    cell_issues: list[Issue] = []
    for number, cells in enumerate(sheet.iter_rows(min_row=1), start=1):
        if progress is not None:
            progress.update(1)
        if header is None:
            values = [getattr(c, "value", None) for c in cells]
            if all(clean_text(v) == "" for v in values):
                continue
            try:
                header = read_header(values, kind)
            except InvalidInput as e:
                first_error = first_error or e
                if number >= 10:
                    raise first_error from None
            continue
        by_key, empty = {}, True
        for index, column in header.items():
            cell = cells[index] if index < len(cells) else None
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f":
                cell_issues.append(Issue(number, column.label, f"单元格是公式（{str(value)[:30]}），请复制后"
                                                               "“选择性粘贴→数值”再导入"))
                empty = False
                continue
            if index + 1 in merged.get(number, ()):
                cell_issues.append(Issue(number, column.label, "合并单元格，请取消合并并在每一行填写完整"))
                empty = False
                continue
            if clean_text(value) != "":
                empty = False
            by_key[column.key] = value
        if empty:
            blank_run += 1
            if blank_run >= BLANK_ROWS_END:
                break
            continue
        blank_run = 0
        first = next(iter(by_key.values()), None)
        if isinstance(first, str) and first.strip().startswith(_EXAMPLE):
            continue
        if len(rows) >= max_rows:
            raise InvalidInput(f"文件超过单次导入上限{max_rows}行，请拆分为多个文件分别导入")
        rows.append((number, by_key))
    if header is None:
        raise first_error or InvalidInput("文件是空的：没有表头，也没有数据行，请下载导入模板填写")
    if not rows:
        raise InvalidInput("文件中没有数据行：请在表头下方逐行填写（示例行不会导入）")
    return rows, cell_issues


def save_upload(data: bytes) -> str:
    """Keep an uploaded workbook under its digest (UPLOAD_DIR/imports), so the confirmation re-reads the very
    bytes the dry run read, on whichever host serves it. Returns the digest."""
    from operations.files import upload_dir

    import time

    digest = digest_of(data)
    folder = upload_dir() / "imports"
    folder.mkdir(exist_ok=True)
    for old in folder.glob("*.xlsx"):  # dry runs never confirmed
        try:
            if old.stat().st_mtime < time.time() - KEEP_UPLOADS_DAYS * 86400:
                old.unlink()
        except OSError:
            pass  # removed by another worker meanwhile
    target = folder / f"{digest}.xlsx"
    if not target.exists():
        tmp = target.with_suffix(".part")
        tmp.write_bytes(data)
        tmp.replace(target)
    return digest


def load_upload(digest: str) -> bytes:
    """The workbook kept under `digest`, checked against it; InvalidInput when it is gone or altered."""
    from operations.files import upload_dir

    if not re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        raise InvalidInput("找不到预检的文件，请重新上传")
    path = upload_dir() / "imports" / f"{digest}.xlsx"
    try:
        data = path.read_bytes()
    except OSError:
        raise InvalidInput("找不到预检的文件，请重新上传") from None
    if digest_of(data) != digest:
        raise InvalidInput("预检的文件已被改动，请重新上传")
    return data


def forget_upload(digest: str) -> None:
    from operations.files import upload_dir

    if re.fullmatch(r"[0-9a-f]{64}", digest or ""):
        (upload_dir() / "imports" / f"{digest}.xlsx").unlink(missing_ok=True)
