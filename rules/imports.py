"""Importing the existing library from Excel: the templates' columns and each row checked (each cell read by
rules/cells.py).

Plain values in, plain values out: a row is a dict of the cells read under each column; the reference
lists (education, units, disciplines…) come in as dicts of name → id. Every message is the one the forms
show for the same field (the checks are those of rules/idcard.py, credit_code.py, contact.py, text.py).
A row's problems are collected, never raised: the report names every row, column and message.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from rules import InvalidInput
from rules.cells import (clean_code, clean_text, half_width, labels_of, parse_bool, parse_choice, parse_date, parse_int,
                         parse_month_cell, parse_priorities, split_list)
from rules.contact import (validate_bank_account, validate_email, validate_mobile, validate_not_future,
                           validate_office_phone)
from rules.credit_code import validate_credit_code
from rules.eligibility import EXPERT_TYPES, PRIORITY_CATEGORIES, TITLE_LEVELS
from rules.idcard import ID_TYPES, check_birth_month, parse_resident_id, validate_id_number
from rules.record import LABELS, REQUIRED_MESSAGES
from rules.text import check_no_control_characters

# One file at most this many data rows (the CLI takes several files for a larger migration).
MAX_ROWS = 50_000
# What a new expert becomes: the existing library (已入库, with its admission date), or a batch the bureau reviews.
IMPORT_STATUSES = {"admitted": "已入库", "pending_bureau": "待市科技局审核"}
OUTCOMES = {"new": "新增", "update": "更新", "unchanged": "无变化", "error": "错误"}
KINDS = {"experts": "专家", "units": "工作单位"}



@dataclass(frozen=True)
class Column:
    """One column of a template: the value's key, its Chinese header, and how a cell is read."""

    key: str
    label: str
    kind: str = "text"  # text, code, int, bool, date, month, choice, choices, reference
    required: bool = False
    max_length: int | None = None
    note: str = ""
    aliases: tuple[str, ...] = ()
    choices: tuple[str, ...] = ()  # the labels a dropdown offers (choice/choices); reference lists are read later


EXPERT_COLUMNS: tuple[Column, ...] = (
    Column("name", LABELS["name"], required=True, max_length=50, aliases=("姓名",)),
    Column("id_type", LABELS["id_type"], "choice", choices=labels_of(ID_TYPES), note="留空即居民身份证"),
    Column("id_number", LABELS["id_number"], "code", required=True, aliases=("身份证号码", "身份证号", "证件号"),
           note="请将该列设为文本格式，以免Excel把18位号码改成科学计数"),
    Column("birth_month", LABELS["birth_month"], "month", aliases=("出生日期",),
           note="如 1975-06；居民身份证可留空（取自号码），填写的须与号码一致"),
    Column("title_level", LABELS["title_level"], "choice", choices=labels_of(TITLE_LEVELS)),
    Column("position", LABELS["position"], max_length=50),
    Column("education", LABELS["education"], "reference"),
    Column("degree", LABELS["degree"], "reference"),
    Column("mobile", LABELS["mobile"], "code", aliases=("手机", "手机号码"),
           note="有手机号码或电子邮箱的专家将开通账号，首次登录须修改密码"),
    Column("office_phone", LABELS["office_phone"], "code", note="如 0575-88157551"),
    Column("email", LABELS["email"], "code", aliases=("邮箱",)),
    Column("bank_name", LABELS["bank_name"], max_length=100),
    Column("bank_account", LABELS["bank_account"], "code", note="请设为文本格式"),
    Column("organization", LABELS["organization"], max_length=100, aliases=("工作单位名称", "单位名称"),
           note="须为已登记的单位（可先导入工作单位）；填写信用代码时以代码为准"),
    Column("credit_code", "工作单位统一社会信用代码", "code", aliases=("统一社会信用代码", "单位信用代码")),
    Column("college", LABELS["college"], max_length=100, note="高校专家填写，须为该单位已登记的院系"),
    Column("expert_type", LABELS["expert_type"], "choice", choices=labels_of(EXPERT_TYPES), note="留空即技术专家"),
    Column("basic_condition_declared", "符合基本条件", "bool", note=LABELS["basic_condition_declared"]),
    Column("equivalent_level", "具有同等专业技术水平", "bool", note=LABELS["equivalent_level"]),
    Column("years_in_field", LABELS["years_in_field"], "int"),
    Column("primary_discipline", "主学科代码", "code", required=True,
           aliases=(LABELS["primary_discipline"], "学科代码", "主学科"),
           note="GB/T 13745-2009 学科分类与代码，如 54020"),
    Column("secondary_disciplines", "其他学科代码", "code", aliases=(LABELS["secondary_disciplines"],),
           note="多个代码用“；”分隔"),
    Column("priority_categories", LABELS["priority_categories"], "choices", choices=labels_of(PRIORITY_CATEGORIES),
           aliases=("优先入库条件",), note="多项用“；”分隔"),
    Column("provincial_library", LABELS["provincial_library"], "bool"),
    Column("research_keywords", LABELS["research_keywords"], max_length=500, note="多个关键词用“；”分隔"),
    Column("bad_record", "有不良记录", "bool", note=LABELS["bad_record"]),
    Column("title_name", LABELS["title_name"], max_length=100),
    Column("title_issued_on", LABELS["title_issued_on"], "date", note="如 2015-12-01"),
    Column("admitted_on", "入库日期", "date", note="导入为“已入库”时使用；留空即导入时选择的入库日期"),
)

UNIT_COLUMNS: tuple[Column, ...] = (
    Column("name", "单位名称", required=True, max_length=100, aliases=("工作单位",)),
    Column("credit_code", "统一社会信用代码", "code", required=True, aliases=("信用代码",)),
    Column("unit_type", "单位类型", "reference"),
    Column("district", "单位所在地", "reference", aliases=("所在地", "区、县（市）"), note="绍兴市内的区、县（市）"),
    Column("in_shaoxing", "绍兴市内", "bool", note="留空即“是”；市外单位由市科技局代行归口部门审核"),
    Column("department", "归口管理部门", "reference", note="须为已登记的归口管理部门；留空即由市科技局代行"),
    Column("address", "地址", max_length=200),
    Column("colleges", LABELS["college"], note="高校填写，多个用“；”分隔；已登记的院系保留，只增加新的"),
)

COLUMNS = {"experts": EXPERT_COLUMNS, "units": UNIT_COLUMNS}
# What the forms say of a field left too long (forms/expert.py, admin_views/organizations.py).
_TOO_LONG = {"name": "姓名不超过50个字", "position": "职务不超过50个字"}


@dataclass(frozen=True)
class Issue:
    """A problem of one cell (or of the row, column ""), as the report shows it."""

    row: int
    column: str
    message: str


@dataclass
class ParsedRow:
    """One data row: its number in the sheet, the values read (only cells that hold something), its issues."""

    row: int
    values: dict = field(default_factory=dict)
    issues: list[Issue] = field(default_factory=list)

    def refuse(self, column: str, message: str) -> None:
        self.issues.append(Issue(self.row, column, message))


@dataclass
class Lookups:
    """The reference lists a row is checked against, as plain dicts (filled in by operations/imports.py)."""

    education: dict[str, int] = field(default_factory=dict)  # name or code → id
    degree: dict[str, int] = field(default_factory=dict)
    unit_type: dict[str, int] = field(default_factory=dict)
    district: dict[str, int] = field(default_factory=dict)
    department: dict[str, int] = field(default_factory=dict)  # name → id
    discipline: dict[str, int] = field(default_factory=dict)  # code → id
    unit_by_code: dict[str, int] = field(default_factory=dict)
    unit_by_name: dict[str, list[int]] = field(default_factory=dict)
    college: dict[tuple[int, str], int] = field(default_factory=dict)  # (unit id, name) → id


def read_header(cells: list, kind: str) -> dict[int, Column]:
    """The template's columns by position, from its header row: a header matches a column's label (or an
    alias), whatever its spaces, full-width characters or the "*" of a required column. Raises when a required
    column is missing, naming the other template when that is what was uploaded."""
    by_name = {}
    for column in COLUMNS[kind]:
        for name in (column.label, *column.aliases):
            by_name.setdefault(_header_key(name), column)
    found: dict[int, Column] = {}
    for index, cell in enumerate(cells):
        column = by_name.get(_header_key(clean_text(cell)))
        if column is not None and column not in found.values():
            found[index] = column
    missing = [c.label for c in COLUMNS[kind] if c.required and c not in found.values()]
    if missing:
        other = next(k for k in COLUMNS if k != kind)
        other_required = {_header_key(c.label) for c in COLUMNS[other] if c.required}
        if other_required <= {_header_key(clean_text(c)) for c in cells} and kind == "experts":
            raise InvalidInput("这是工作单位的导入模板，请在“导入工作单位”中上传，或下载专家导入模板填写")
        if kind == "units" and {_header_key(LABELS["id_number"])} <= {_header_key(clean_text(c)) for c in cells}:
            raise InvalidInput("这是专家的导入模板，请在“导入专家”中上传，或下载工作单位导入模板填写")
        raise InvalidInput(f"不是{KINDS[kind]}导入模板：第一行缺少“" + "”“".join(missing)
                           + "”列，请下载模板，按模板的表头填写")
    return found


def _header_key(text: str) -> str:
    return re.sub(r"[\s*＊:：]", "", half_width(text or ""))


# --- rows -------------------------------------------------------------------------------------------------

def _text_value(row: ParsedRow, column: Column, raw) -> str | None:
    text = clean_text(raw)
    try:
        check_no_control_characters(text)
    except InvalidInput as e:
        row.refuse(column.label, str(e))
        return None
    if column.max_length and len(text) > column.max_length:
        row.refuse(column.label, _TOO_LONG.get(column.key, f"不超过{column.max_length}个字"))
        return None
    return text


def _reference(row: ParsedRow, column: Column, raw, table: dict[str, int], what: str) -> int | None:
    text = clean_text(raw)
    if text in table:
        return table[text]
    shown = "、".join(list(dict.fromkeys(k for k in table if not k.isascii()))[:12])
    row.refuse(column.label, f"“{text}”不是有效的{what}" + (f"，应为以下之一：{shown}" if shown else ""))
    return None


def _cells(row_number: int, cells: dict, columns: tuple[Column, ...]) -> tuple[ParsedRow, dict]:
    """The row and its non-empty cells by key; required columns left empty are refused."""
    row = ParsedRow(row_number)
    present = {key: value for key, value in cells.items() if clean_text(value) != ""}
    for column in columns:
        if column.required and column.key not in present:
            row.refuse(column.label, REQUIRED_MESSAGES.get(column.key) or f"请填写{column.label}")
    return row, present


def parse_expert_row(row_number: int, cells: dict, lookups: Lookups, today: date) -> ParsedRow:
    """One expert row: the record's values (as operations/profile.snapshot keeps them, dates as dates) for the
    cells that hold something, and every problem found. The unit is `organization_id`."""
    row, present = _cells(row_number, cells, EXPERT_COLUMNS)
    columns = {c.key: c for c in EXPERT_COLUMNS}
    values = row.values
    for key, raw in present.items():
        column = columns[key]
        try:
            if key in ("name", "position", "bank_name", "research_keywords", "title_name"):
                text = _text_value(row, column, raw)
                if text is not None:
                    values[key] = text
            elif key == "id_type":
                values[key] = parse_choice(raw, ID_TYPES, column.label)
            elif key == "title_level":
                values[key] = parse_choice(raw, TITLE_LEVELS, column.label)
            elif key == "expert_type":
                values[key] = parse_choice(raw, EXPERT_TYPES, column.label)
            elif key in ("education", "degree"):
                found = _reference(row, column, raw, getattr(lookups, key), column.label)
                if found is not None:
                    values[f"{key}_id"] = found
            elif key == "mobile":
                values[key] = validate_mobile(clean_code(raw, column.label))
            elif key == "office_phone":
                values[key] = validate_office_phone(clean_code(raw, column.label))
            elif key == "email":
                values[key] = validate_email(clean_code(raw, column.label))
            elif key == "bank_account":
                values[key] = validate_bank_account(clean_code(raw, column.label))
            elif column.kind == "bool":
                values[key] = parse_bool(raw)
            elif key == "years_in_field":
                values[key] = parse_int(raw, 0, 80, "年限应在0到80之间")
            elif key == "primary_discipline":
                code = clean_code(raw, column.label)
                if code not in lookups.discipline:
                    raise InvalidInput(f"学科代码“{code}”不在学科分类与代码（GB/T 13745-2009）中")
                values["primary_discipline_id"] = lookups.discipline[code]
            elif key == "secondary_disciplines":
                unknown = [c for c in split_list(raw) if c not in lookups.discipline]
                if unknown:
                    raise InvalidInput("学科代码“" + "”“".join(unknown) + "”不在学科分类与代码（GB/T 13745-2009）中")
                values["secondary_discipline_ids"] = sorted({lookups.discipline[c] for c in split_list(raw)})
            elif key == "priority_categories":
                values[key] = parse_priorities(raw)
            elif key in ("title_issued_on", "admitted_on"):
                values[key] = validate_not_future(parse_date(raw), today, "发证时间" if key == "title_issued_on"
                                                  else "入库日期")
            elif key == "birth_month":
                values[key] = validate_not_future(parse_month_cell(raw), today, "出生年月")
        except InvalidInput as e:
            row.refuse(column.label, str(e))
    _check_identity(row, present, columns, today)
    _check_unit(row, present, columns, lookups)
    return row


def _check_identity(row: ParsedRow, present: dict, columns: dict, today: date) -> None:
    """The ID number for its type (check digit, birth date), and the birth month against it (or from it)."""
    values = row.values
    id_type = values.get("id_type", "resident")
    if "id_type" not in values and "id_type" in present:
        return  # an unknown type: already refused
    values["id_type"] = id_type
    if "id_number" not in present:
        return
    try:
        number = validate_id_number(id_type, clean_code(present["id_number"], columns["id_number"].label), today)
    except InvalidInput as e:
        row.refuse(columns["id_number"].label, str(e))
        return
    values["id_number"] = number
    if "birth_month" in values:
        try:
            check_birth_month(id_type, number, values["birth_month"])
        except InvalidInput as e:
            row.refuse(columns["birth_month"].label, str(e))
    elif id_type == "resident":
        values["birth_month"] = parse_resident_id(number, today).birth_date.replace(day=1)
    elif "birth_month" not in present:
        row.refuse(columns["birth_month"].label, REQUIRED_MESSAGES["birth_month"])


def _check_unit(row: ParsedRow, present: dict, columns: dict, lookups: Lookups) -> None:
    """The work unit, by credit code where given, else by its exact name; then the college within it."""
    unit_id = None
    if "credit_code" in present:
        label = columns["credit_code"].label
        try:
            code = validate_credit_code(clean_code(present["credit_code"], label))
        except InvalidInput as e:
            row.refuse(label, str(e))
            return
        unit_id = lookups.unit_by_code.get(code)
        if unit_id is None:
            row.refuse(label, f"未找到统一社会信用代码为{code}的工作单位，请先导入或登记该单位")
            return
    elif "organization" in present:
        name = clean_text(present["organization"])
        matches = lookups.unit_by_name.get(name, [])
        if len(matches) != 1:
            row.refuse(columns["organization"].label, f"未找到名为“{name}”的工作单位，请先导入或登记该单位"
                       if not matches else f"名为“{name}”的工作单位不止一个，请填写统一社会信用代码")
            return
        unit_id = matches[0]
    else:
        row.refuse(columns["organization"].label, "请选择工作单位")
        return
    row.values["organization_id"] = unit_id
    if "college" in present:
        name = clean_text(present["college"])
        college_id = lookups.college.get((unit_id, name))
        if college_id is None:
            row.refuse(columns["college"].label, f"该工作单位没有名为“{name}”的院系，请先在工作单位中添加")
        else:
            row.values["college_id"] = college_id


def parse_unit_row(row_number: int, cells: dict, lookups: Lookups) -> ParsedRow:
    """One unit row: name, credit code, type, district, in Shaoxing, managing department, address (ids for lists),
    and the colleges a university registers (names, in the order given)."""
    row, present = _cells(row_number, cells, UNIT_COLUMNS)
    columns = {c.key: c for c in UNIT_COLUMNS}
    values = row.values
    for key, raw in present.items():
        column = columns[key]
        try:
            if key in ("name", "address"):
                text = _text_value(row, column, raw)
                if text is not None:
                    values[key] = text
            elif key == "credit_code":
                values[key] = validate_credit_code(clean_code(raw, column.label))
            elif key == "in_shaoxing":
                values[key] = parse_bool(raw)
            elif key == "colleges":
                names = list(dict.fromkeys(split_list(raw)))
                if too_long := [n for n in names if len(n) > 100]:
                    raise InvalidInput(f"院系名称不超过100个字：{too_long[0][:20]}…")
                values[key] = names
            elif key == "department":
                name = clean_text(raw)
                if name not in lookups.department:
                    raise InvalidInput(f"“{name}”不是已登记的归口管理部门，请先在“归口管理部门”中添加")
                values["department_id"] = lookups.department[name]
            else:  # unit_type, district
                found = _reference(row, column, raw, getattr(lookups, key), column.label)
                if found is not None:
                    values[f"{key}_id"] = found
        except InvalidInput as e:
            row.refuse(column.label, str(e))
    return row


def changed_fields(old: dict, new: dict) -> list[str]:
    """The keys of `new` whose value differs from `old` (a value missing from `new` is kept, not cleared)."""
    return sorted(k for k, v in new.items() if old.get(k) != v)
