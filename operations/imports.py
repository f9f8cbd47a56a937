"""Importing units and experts from the templates' workbooks: a dry run reports every row; a commit is the
same dry run followed by writing the rows it found valid, in the caller's one transaction.

Rows are matched with what is stored: an expert by the keyed hash of the ID number (models/encrypted.py),
a unit by its credit code, so the same file imported twice changes nothing the second time. Nothing is
committed here (the view or the command commits once); the import is one audit entry.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import secrets
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import (ChangeRequest, College, Discipline, Expert, ExpertEvent, ManagingDepartment, Organization,
                    ReferenceItem, User, db, utcnow)
from models.base import serialise
from models.encrypted import lookup_hash
from operations import audit
from rules import InvalidInput
from rules.admission import IN_LIBRARY
from rules.changes import CHANGE_OPEN
from rules.imports import (COLUMNS, IMPORT_STATUSES, KINDS, MAX_ROWS, Issue, Lookups, ParsedRow, changed_fields,
                           clean_text, parse_expert_row, parse_unit_row, read_header)
from rules.record import label_of

_CFB = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: a .xls, or an .xlsx sealed with a password
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")
_EXAMPLE = ("（示例）", "(示例)")  # the template's example row, skipped
_MERGE = re.compile(rb'<(?:\w+:)?mergeCell\s+ref="([A-Z]+)(\d+)(?::([A-Z]+)(\d+))?"')
# A one-time password is 12 random characters (~71 bits): a fast hash is enough, and it is replaced at first login.
ONE_TIME_HASH = "pbkdf2:sha256:1000"
_IMPORT_LOCK = 7_202_618  # one import commits at a time (models.base.serialise): the next one matches its rows
BLANK_ROWS_END = 10_000  # this many empty rows in a row end the data (a sheet formatted down to row 1,048,576)
KEEP_UPLOADS_DAYS = 2  # a dry run's file not confirmed within this is removed
# The snapshot fields (operations/profile.py) an expert row may carry, compared to find what changed.
EXPERT_FIELDS = ("name", "id_type", "id_number", "birth_month", "title_level", "position", "education_id",
                 "degree_id", "mobile", "office_phone", "email", "bank_name", "bank_account", "organization_id",
                 "college_id", "expert_type", "basic_condition_declared", "equivalent_level", "years_in_field",
                 "primary_discipline_id", "secondary_discipline_ids", "priority_categories", "provincial_library",
                 "research_keywords", "bad_record", "title_name", "title_issued_on")
UNIT_FIELDS = ("name", "credit_code", "unit_type_id", "district_id", "in_shaoxing", "department_id", "address")
UNIT_LABELS = {"name": "单位名称", "credit_code": "统一社会信用代码", "unit_type_id": "单位类型",
               "district_id": "单位所在地", "in_shaoxing": "绍兴市内", "department_id": "归口管理部门",
               "address": "地址"}


@dataclass
class RowResult:
    """One row's outcome: new, update, unchanged or error, with what changed or what is wrong."""

    row: int
    outcome: str
    name: str = ""
    issues: list[Issue] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)  # labels
    values: dict = field(default_factory=dict, repr=False)
    match: object = field(default=None, repr=False)  # the stored row an update applies to
    expert: object = field(default=None, repr=False)  # the record written (a commit)
    changes: dict = field(default_factory=dict, repr=False)  # {field: [old, new]} written (a commit)


@dataclass
class ImportReport:
    """A dry run's (or a commit's) report: the file's digest and every row's outcome."""

    kind: str
    digest: str
    rows: list[RowResult] = field(default_factory=list)
    committed: bool = False
    accounts: int = 0

    @property
    def counts(self) -> dict[str, int]:
        counts = {"new": 0, "update": 0, "unchanged": 0, "error": 0}
        for row in self.rows:
            counts[row.outcome] += 1
        return counts

    @property
    def issues(self) -> list[Issue]:
        return [issue for row in self.rows for issue in row.issues]

    def summary(self) -> str:
        c = self.counts
        verb = "已导入" if self.committed else "预检"
        text = (f"{verb}{KINDS[self.kind]} {len(self.rows)} 行：新增 {c['new']}，更新 {c['update']}，"
                f"无变化 {c['unchanged']}，错误 {c['error']}")
        if self.committed and self.accounts:
            text += f"；开通账号 {self.accounts} 个（首次登录须修改密码，通知已排入发件箱）"
        return text


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --- reading the workbook -------------------------------------------------------------------------------------

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


# --- matching --------------------------------------------------------------------------------------------------

def lookups() -> Lookups:
    """The reference lists a row names, each read in one query."""
    found = Lookups()
    for item in db.session.scalars(select(ReferenceItem)):
        table = getattr(found, item.kind)
        table[item.name] = item.id
        table.setdefault(item.code, item.id)
    found.department = dict(db.session.execute(select(ManagingDepartment.name, ManagingDepartment.id)).all())
    found.discipline = dict(db.session.execute(select(Discipline.code, Discipline.id)).all())
    for unit_id, name, code in db.session.execute(select(Organization.id, Organization.name, Organization.credit_code)):
        found.unit_by_code[code] = unit_id
        found.unit_by_name.setdefault(name, []).append(unit_id)
    found.college = {(o, n): i for i, o, n in db.session.execute(select(College.id, College.organization_id,
                                                                          College.name))}
    return found


def _stored_experts(keys: set[tuple[str, str]]) -> dict[tuple[str, str], Expert]:
    """The experts with these (ID type, keyed hash) pairs, in a few queries."""
    hashes = sorted({h for _t, h in keys})
    stored = {}
    for start in range(0, len(hashes), 500):
        chunk = hashes[start:start + 500]
        for expert in db.session.scalars(select(Expert).where(Expert.id_number_hash.in_(chunk))
                                         .options(selectinload(Expert.secondary_disciplines))):
            stored[(expert.id_type, expert.id_number_hash)] = expert
    return stored


def _comparable(values: dict) -> dict:
    """Row values as a snapshot keeps them (ISO dates), limited to the record's fields."""
    return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in values.items() if k in EXPERT_FIELDS}


def _snapshot(expert: Expert) -> dict:
    from operations.profile import snapshot

    return snapshot(expert)


def dry_run(data: bytes, kind: str, today: date | None = None, max_rows: int | None = None,
            progress=None) -> ImportReport:
    """Every row's outcome, nothing written. InvalidInput for a file that cannot be read at all."""
    if kind not in KINDS:
        raise InvalidInput("未知的导入类别")
    today = today or date.today()
    report = ImportReport(kind=kind, digest=digest_of(data))
    raw_rows, cell_issues = read_rows(data, kind, max_rows, progress)
    issues_by_row: dict[int, list[Issue]] = {}
    for issue in cell_issues:
        issues_by_row.setdefault(issue.row, []).append(issue)
    known = lookups()
    if kind == "experts":
        parsed = [parse_expert_row(n, cells, known, today) for n, cells in raw_rows]
    else:
        parsed = [parse_unit_row(n, cells, known) for n, cells in raw_rows]
    for row in parsed:
        row.issues[:0] = issues_by_row.get(row.row, [])
    (_classify_experts if kind == "experts" else _classify_units)(report, parsed, known)
    return report


def _classify_experts(report: ImportReport, parsed: list[ParsedRow], known: Lookups) -> None:
    keys = {(r.values["id_type"], lookup_hash(r.values["id_number"])) for r in parsed
            if not r.issues and "id_number" in r.values}
    stored = _stored_experts(keys)
    open_changes = set(db.session.scalars(select(ChangeRequest.expert_id).where(
        ChangeRequest.status.in_(CHANGE_OPEN),
        ChangeRequest.expert_id.in_([e.id for e in stored.values()])))) if stored else set()
    first_row: dict[tuple[str, str], int] = {}
    for row in parsed:
        result = RowResult(row.row, "error", name=str(row.values.get("name", "")), issues=list(row.issues),
                           values=row.values)
        report.rows.append(result)
        if result.issues:
            continue
        key = (row.values["id_type"], lookup_hash(row.values["id_number"]))
        if key in first_row:
            result.issues.append(Issue(row.row, "证件号码", f"与第{first_row[key]}行的证件号码重复"))
            continue
        first_row[key] = row.row
        expert = stored.get(key)
        if expert is None:
            result.outcome = "new"
            continue
        if expert.status == "exited":
            result.issues.append(Issue(row.row, "证件号码", f"该专家（{expert.name}）已出库，不能通过导入修改其信息"))
            continue
        if expert.id in open_changes:
            result.issues.append(Issue(row.row, "证件号码", f"该专家（{expert.name}）有一项信息变更在审核中，"
                                                             "请待其办结后再导入更新"))
            continue
        result.match = expert
        result.changed = [label_of(k) for k in changed_fields(_snapshot(expert), _comparable(row.values))]
        if expert.user_id is None and (row.values.get("mobile") or row.values.get("email")):
            result.changed.append("开通账号")
        result.outcome = "update" if result.changed else "unchanged"


def _classify_units(report: ImportReport, parsed: list[ParsedRow], known: Lookups) -> None:
    codes = [r.values["credit_code"] for r in parsed if "credit_code" in r.values]
    stored = {}
    for start in range(0, len(codes), 500):
        stored.update({o.credit_code: o for o in db.session.scalars(
            select(Organization).where(Organization.credit_code.in_(codes[start:start + 500])))})
    first_row: dict[str, int] = {}
    for row in parsed:
        result = RowResult(row.row, "error", name=str(row.values.get("name", "")), issues=list(row.issues),
                           values=row.values)
        report.rows.append(result)
        if result.issues:
            continue
        code = row.values["credit_code"]
        if code in first_row:
            result.issues.append(Issue(row.row, "统一社会信用代码", f"与第{first_row[code]}行的统一社会信用代码重复"))
            continue
        first_row[code] = row.row
        unit = stored.get(code)
        if unit is None:
            result.outcome = "new"
            continue
        result.match = unit
        old = {f: getattr(unit, f) for f in UNIT_FIELDS}
        result.changed = [UNIT_LABELS[k] for k in changed_fields(old, {k: v for k, v in row.values.items()
                                                                      if k != "colleges"})]
        if set(row.values.get("colleges", ())) - {c.name for c in unit.colleges}:
            result.changed.append("院系")  # only added: a college experts already name is never dropped
        result.outcome = "update" if result.changed else "unchanged"


# --- committing ------------------------------------------------------------------------------------------------

def commit(data: bytes, kind: str, user, *, filename: str = "", status: str = "admitted",
           admitted_on: date | None = None, today: date | None = None, max_rows: int | None = None,
           progress=None) -> ImportReport:
    """The dry run, then every valid row written (errors are left out), one audit entry, a timeline entry per
    expert created or changed, an account with a queued invitation for each new one with a mobile or e-mail.
    Flushes; the caller commits once."""
    if kind == "experts" and status not in IMPORT_STATUSES:
        raise InvalidInput("请选择导入专家的状态：已入库或待市科技局审核")
    today = today or date.today()
    serialise(_IMPORT_LOCK)  # two imports of the same file at once: the second finds the first's rows stored
    report = dry_run(data, kind, today, max_rows, progress)
    if kind == "experts":
        _write_experts(report, user, status, admitted_on or today, filename)
    else:
        _write_units(report)
    db.session.flush()
    report.committed = True
    counts = report.counts
    audit.record("import_experts" if kind == "experts" else "import_units", None, user=user,
                 username=getattr(user, "username", "") or "cli",
                 file=filename, sha256=report.digest, rows=len(report.rows), added=counts["new"],
                 updated=counts["update"], unchanged=counts["unchanged"], errors=counts["error"],
                 **({"status": status, "accounts": report.accounts} if kind == "experts" else {}))
    return report


def _write_units(report: ImportReport) -> None:
    for row in report.rows:
        values = dict(row.values)
        colleges = values.pop("colleges", [])
        if row.outcome == "new":
            unit = Organization(**{"in_shaoxing": True, **values}, verified=True)
            db.session.add(unit)
        elif row.outcome == "update":
            unit = row.match
            for key, value in values.items():
                setattr(unit, key, value)
        else:
            continue
        known = {c.name for c in unit.colleges}
        unit.colleges.extend(College(name=name) for name in colleges if name not in known)


def _write_experts(report: ImportReport, user, status: str, admitted_on: date, filename: str) -> None:
    from operations.accounts import new_expert_account
    from operations.notify import notify_expert

    actor = getattr(user, "name", None) or "系统（命令行导入）"
    user_id = getattr(user, "id", None)
    disciplines = {d.id: d for d in db.session.scalars(select(Discipline))}
    usernames = {u.lower() for u in db.session.scalars(select(User.username))}
    note = f"批量导入（{filename or '文件'}，摘要 {report.digest[:12]}）"
    accounts = []
    for row in report.rows:
        if row.outcome not in ("new", "update"):
            continue
        values = dict(row.values)
        row_admitted_on = values.pop("admitted_on", None)
        expert = row.match
        if expert is None:
            expert = Expert(mobile="", email="", status=status,
                            admission_route="provincial" if values.get("provincial_library") else "invitation",
                            admitted_on=(row_admitted_on or admitted_on) if status == "admitted" else None)
            db.session.add(expert)
        changes = _apply(expert, values, disciplines)
        if expert.user is None and (expert.mobile or expert.email):
            password = _one_time_password()
            username = _free_username(expert, usernames)
            expert.user = new_expert_account(username, expert.name, expert.email, password,
                                             must_change_password=True, password_method=ONE_TIME_HASH)
            accounts.append((expert, username, password))
        row.expert = expert
        row.changes = changes
    db.session.flush()  # ids for the timeline and the change records
    for row in report.rows:
        if row.outcome == "new":
            db.session.add(ExpertEvent(expert_id=row.expert.id, user_id=user_id, actor_label=actor, action="import",
                                       from_status="", to_status=row.expert.status, reason=note))
        elif row.outcome == "update":
            expert = row.expert
            db.session.add(ExpertEvent(expert_id=expert.id, user_id=user_id, actor_label=actor,
                                       action="import_update", from_status=expert.status, to_status=expert.status,
                                       reason=f"{note}更新：" + "、".join(row.changed)))
            if expert.status in IN_LIBRARY and row.changes:
                # In the library a correction is a change on record, old and new (§7), taking effect at once.
                db.session.add(ChangeRequest(expert_id=expert.id, changes=json.dumps(row.changes, ensure_ascii=False),
                                             organization_id=expert.organization_id, status="approved",
                                             proposed_by_id=user_id, proposal_reason=note, decided_at=utcnow()))
    for expert, username, password in accounts:
        notify_expert("account_opened", expert, username=username, password=password)
    report.accounts = len(accounts)


def _apply(expert: Expert, values: dict, disciplines: dict) -> dict:
    """Write the row's values onto the record; returns {field: [old, new]} of what changed (snapshot form)."""
    from operations.profile import snapshot

    old = snapshot(expert) if expert.id else {}
    for key, value in values.items():
        if key == "secondary_discipline_ids":
            expert.secondary_disciplines = [disciplines[i] for i in value]
        else:
            setattr(expert, key, value)
    if not expert.id:
        return {}
    new = _comparable(values)
    return {k: [old.get(k), new[k]] for k in changed_fields(old, new)}


def _one_time_password() -> str:
    return secrets.token_urlsafe(9)


def _free_username(expert: Expert, taken: set[str]) -> str:
    """The mobile number, else the e-mail address, else either with a number added; recorded as taken."""
    candidates = [c for c in (expert.mobile, expert.email) if c and len(c) <= 40]
    for candidate in candidates:
        if candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
    base = (candidates or [f"expert{secrets.randbelow(10 ** 6):06d}"])[0]
    n = 2
    while f"{base}-{n}".lower() in taken:
        n += 1
    taken.add(f"{base}-{n}".lower())
    return f"{base}-{n}"


def template_workbook(kind: str) -> tuple[bytes, str]:
    """The import template of `kind` with today's reference lists: (content, file name)."""
    from exports.import_templates import import_template
    from rules.idcard import resident_id_check_char
    from rules.credit_code import credit_code_check_char

    if kind not in KINDS:
        raise InvalidInput("未知的导入类别")
    lists: dict[str, list[str]] = {}
    for item in db.session.scalars(select(ReferenceItem).order_by(ReferenceItem.sort_order, ReferenceItem.id)):
        lists.setdefault(item.kind, []).append(item.name)
    lists["department"] = list(db.session.scalars(select(ManagingDepartment.name).order_by(ManagingDepartment.id)))
    credit = "91330602MA2B" + "C1234"
    credit += credit_code_check_char(credit)
    if kind == "units":
        example = {"name": "（示例）绍兴某某科技有限公司", "credit_code": credit, "unit_type": "企业",
                   "district": "越城区", "in_shaoxing": "是", "department": (lists["department"] or [""])[0],
                   "address": "绍兴市越城区某某路1号"}
        return import_template(kind, lists, example), "工作单位导入模板.xlsx"
    body = "33060219750612001"
    example = {"name": "（示例）张三", "id_type": "居民身份证", "id_number": body + resident_id_check_char(body),
               "birth_month": "1975-06", "title_level": "正高级", "position": "总工程师", "education": "博士研究生",
               "degree": "博士", "mobile": "13905751234", "office_phone": "0575-88157551",
               "email": "zhangsan@example.com", "bank_name": "中国银行绍兴分行", "bank_account": "6216600000000000000",
               "organization": "绍兴某某科技有限公司", "credit_code": credit, "expert_type": "技术专家",
               "basic_condition_declared": "是", "equivalent_level": "否", "years_in_field": "20",
               "primary_discipline": "54020", "secondary_disciplines": "54030；41030",
               "priority_categories": "", "provincial_library": "否", "research_keywords": "纺织材料；功能纤维",
               "bad_record": "否", "title_name": "正高级工程师", "title_issued_on": "2015-12-01",
               "admitted_on": ""}
    disciplines = list(db.session.execute(select(Discipline.code, Discipline.name).order_by(Discipline.code)).all())
    return import_template(kind, lists, example, disciplines), "专家导入模板.xlsx"


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


__all__ = ["COLUMNS", "ImportReport", "RowResult", "commit", "dry_run", "save_upload", "load_upload"]
