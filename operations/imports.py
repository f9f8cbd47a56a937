"""Importing units and experts from the templates' workbooks: a dry run reports every row; a commit is the
same dry run followed by writing the rows it found valid, in the caller's one transaction.

Rows are matched with what is stored: an expert by the keyed hash of the ID number (models/encrypted.py),
a unit by its credit code, so the same file imported twice changes nothing the second time. Nothing is
committed here (the view or the command commits once); the import is one audit entry.
"""
from __future__ import annotations

import json
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
from operations.workbooks import digest_of, read_rows
from rules.imports import (COLUMNS, IMPORT_STATUSES, KINDS, Issue, Lookups, ParsedRow, changed_fields, parse_expert_row,
                           parse_unit_row)
from rules.record import label_of

# A one-time password is 12 random characters (~71 bits): a fast hash is enough, and it is replaced at first login.
ONE_TIME_HASH = "pbkdf2:sha256:1000"
_IMPORT_LOCK = 7_202_618  # one import commits at a time (models.base.serialise): the next one matches its rows
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


def _distinct(report: ImportReport, parsed: list[ParsedRow], column: str, key_of):
    """Each parsed row onto the report (as an error until classified); yields (row, its result, its key) for
    the rows without problems whose key — ID number, credit code — did not come earlier in the file."""
    first_row: dict = {}
    for row in parsed:
        result = RowResult(row.row, "error", name=str(row.values.get("name", "")), issues=list(row.issues),
                           values=row.values)
        report.rows.append(result)
        if result.issues:
            continue
        key = key_of(row)
        if key in first_row:
            result.issues.append(Issue(row.row, column, f"与第{first_row[key]}行的{column}重复"))
            continue
        first_row[key] = row.row
        yield row, result, key


def _classify_experts(report: ImportReport, parsed: list[ParsedRow], known: Lookups) -> None:
    keys = {(r.values["id_type"], lookup_hash(r.values["id_number"])) for r in parsed
            if not r.issues and "id_number" in r.values}
    stored = _stored_experts(keys)
    open_changes = set(db.session.scalars(select(ChangeRequest.expert_id).where(
        ChangeRequest.status.in_(CHANGE_OPEN),
        ChangeRequest.expert_id.in_([e.id for e in stored.values()])))) if stored else set()
    for row, result, key in _distinct(report, parsed, "证件号码",
                                      lambda r: (r.values["id_type"], lookup_hash(r.values["id_number"]))):
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
    for row, result, code in _distinct(report, parsed, "统一社会信用代码", lambda r: r.values["credit_code"]):
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


__all__ = ["COLUMNS", "ImportReport", "RowResult", "commit", "dry_run"]
