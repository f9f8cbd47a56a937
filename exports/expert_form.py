"""专家信息表 (attachment 1 of the notice) for one expert, as an .xlsx ready to print.

The sheet copies the paper form: a centered title, then one bordered table of
four columns (label, value, label, value) in five sections, ending with a large
empty box for the unit's opinion and stamp. It prints on one A4 portrait page.

Every value is written with ``write_string``: text that looks like a formula
(``=HYPERLINK(...)``) stays text.
"""
from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass

import xlsxwriter

from exports.common import footer_text, TEXT_ONLY

__all__ = ["ExpertFormData", "expert_form_xlsx", "expert_type_text", "BASIC_CONDITION", "EXPERT_TYPES"]

TITLE = "专家信息表"
BASIC_CONDITION = "从事相关专业领域工作累计 5 年及以上，具有副高级（含）以上职称或同等专业技术水平"
# Both types are listed on the form, in this order, each with its condition line.
EXPERT_TYPES = (("technical", "1.技术专家"), ("financial", "2.财务专家"))
CHECKED, UNCHECKED = "☑", "☐"
# Bottom-right of the opinion box; the trailing spaces and blank line keep it off the border.
STAMP_TEXT = "（单位盖章）      \n年    月    日      \n"

FONT = "宋体"  # SimSun; viewers without it fall back to another CJK font.
FONT_SIZE = 11
LABEL_WIDTH = 20  # column widths, in Excel character units
VALUE_WIDTH = 28
LINE_HEIGHT = 17  # points per line of 11 pt CJK text, with the fonts' leading
ROW_PADDING = 8
MIN_ROW_HEIGHT = 30
MAX_ROW_HEIGHT = 409  # Excel's limit
OPINION_ROWS = 6
OPINION_ROW_HEIGHT = 32


@dataclass(frozen=True)
class ExpertFormData:
    """Every field of attachment 1, as the text to print."""

    name: str
    id_type: str
    id_number: str
    birth_month: str  # e.g. "1975年06月"
    title_level: str
    position: str
    education: str
    degree: str
    mobile: str
    office_phone: str
    email: str
    bank_name: str
    bank_account: str
    unit_name: str
    credit_code: str
    unit_type: str
    unit_location: str
    department: str
    region: str  # "绍兴市内" / "绍兴市外"
    expert_type: str  # "technical" or "financial"
    basic_condition: bool  # the box BASIC_CONDITION
    disciplines: str  # e.g. "54020 纺织材料；54099 纺织科学技术其他学科"
    priority: str  # e.g. "是：两院院士" or "否"
    title_name: str
    title_issued_on: str
    title_certificate: str  # e.g. "已上传：职称证书.pdf" or "未上传"
    exported_by: str
    exported_at: str  # shown small in the footer, e.g. "张三 2026-11-28 10:00"


def expert_type_text(expert_type: str, basic_condition: bool) -> str:
    """The 专家类型 box: both types, ☑ on the chosen one and on its condition if declared."""
    lines = []
    for code, label in EXPERT_TYPES:
        chosen = code == expert_type
        lines.append(f"{CHECKED if chosen else UNCHECKED} {label}")
        ticked = chosen and basic_condition
        lines.append(f"    {CHECKED if ticked else UNCHECKED} {BASIC_CONDITION}")
    return "\n".join(lines)


def _text_units(text: str) -> float:
    """Approximate printed width in Excel character units (CJK glyphs are double width)."""
    return sum(2.1 if unicodedata.east_asian_width(ch) in "WF" else 1.1 for ch in text)


def _line_count(text: str, width: float) -> int:
    usable = max(width - 3, 1)  # cell padding and indent
    return sum(max(1, math.ceil(_text_units(part) / usable)) for part in text.split("\n"))


def _row_height(*cells: tuple[str, float]) -> float:
    """A row height (points) that fits every (text, column width) given, wrapped."""
    lines = max(_line_count(text, width) for text, width in cells)
    return min(MAX_ROW_HEIGHT, max(MIN_ROW_HEIGHT, lines * LINE_HEIGHT + ROW_PADDING))



def expert_form_xlsx(data: ExpertFormData) -> bytes:
    """The filled 专家信息表 as .xlsx bytes."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True,
        **TEXT_ONLY,
    })
    workbook.set_properties({"title": TITLE, "author": data.exported_by})
    sheet = workbook.add_worksheet(TITLE)

    base = {"font_name": FONT, "font_size": FONT_SIZE, "font_charset": 134, "valign": "vcenter"}
    boxed = {**base, "border": 1, "text_wrap": True}
    title_fmt = workbook.add_format({**base, "font_size": 18, "bold": True, "align": "center"})
    section_fmt = workbook.add_format({**boxed, "bold": True, "align": "left", "indent": 1, "bg_color": "#F2F2F2"})
    label_fmt = workbook.add_format({**boxed, "align": "center"})
    value_fmt = workbook.add_format({**boxed, "align": "left", "indent": 1})
    stamp_fmt = workbook.add_format({**boxed, "align": "right", "valign": "bottom"})

    sheet.set_column(0, 0, LABEL_WIDTH)
    sheet.set_column(1, 1, VALUE_WIDTH)
    sheet.set_column(2, 2, LABEL_WIDTH)
    sheet.set_column(3, 3, VALUE_WIDTH)
    wide_value = VALUE_WIDTH * 2 + LABEL_WIDTH  # a value merged across columns B:D

    row = 0

    def merged(first_row: int, first_col: int, last_row: int, last_col: int, text: str, fmt) -> None:
        # merge_range() would write() its data, which turns "=..." into a formula.
        if (first_row, first_col) != (last_row, last_col):
            sheet.merge_range(first_row, first_col, last_row, last_col, "", fmt)
        sheet.write_string(first_row, first_col, text, fmt)

    def section(text: str) -> None:
        nonlocal row
        sheet.set_row(row, 24)
        merged(row, 0, row, 3, text, section_fmt)
        row += 1

    def pair(label1: str, value1: str, label2: str, value2: str) -> None:
        nonlocal row
        sheet.set_row(row, _row_height((label1, LABEL_WIDTH), (value1, VALUE_WIDTH),
                                       (label2, LABEL_WIDTH), (value2, VALUE_WIDTH)))
        sheet.write_string(row, 0, label1, label_fmt)
        sheet.write_string(row, 1, value1, value_fmt)
        sheet.write_string(row, 2, label2, label_fmt)
        sheet.write_string(row, 3, value2, value_fmt)
        row += 1

    def wide(label: str, value: str) -> None:
        nonlocal row
        sheet.set_row(row, _row_height((label, LABEL_WIDTH), (value, wide_value)))
        sheet.write_string(row, 0, label, label_fmt)
        merged(row, 1, row, 3, value, value_fmt)
        row += 1

    sheet.set_row(row, 36)
    merged(row, 0, row, 3, TITLE, title_fmt)
    row += 1

    section("一、基本信息")
    pair("专家姓名", data.name, "证件类型", data.id_type)
    pair("证件号码", data.id_number, "出生年月", data.birth_month)
    pair("职称级别", data.title_level, "职务", data.position)
    pair("学历", data.education, "学位", data.degree)
    pair("移动电话", data.mobile, "办公电话", data.office_phone)
    pair("电子邮箱", data.email, "开户银行", data.bank_name)
    wide("银行账号", data.bank_account)

    section("二、工作单位")
    pair("单位名称", data.unit_name, "统一社会信用代码", data.credit_code)
    pair("单位类型", data.unit_type, "单位所在地", data.unit_location)
    pair("归口管理部门", data.department, "地域（绍兴市内/市外）", data.region)

    section("三、学术信息")
    wide("专家类型", expert_type_text(data.expert_type, data.basic_condition))
    wide("学科分类", data.disciplines)
    wide("是否符合优先入库条件", data.priority)

    section("四、职称信息")
    pair("职称名称", data.title_name, "发证时间", data.title_issued_on)
    wide("职称证书", data.title_certificate)

    section("五、盖章")
    first, last = row, row + OPINION_ROWS - 1
    for r in range(first, last + 1):
        sheet.set_row(r, OPINION_ROW_HEIGHT)
    merged(first, 0, last, 0, "单位意见", label_fmt)
    merged(first, 1, last, 3, STAMP_TEXT, stamp_fmt)
    row = last + 1

    sheet.set_paper(9)  # A4
    sheet.set_portrait()
    sheet.fit_to_pages(1, 1)
    sheet.set_margins(left=0.6, right=0.6, top=0.6, bottom=0.75)
    sheet.center_horizontally()
    sheet.hide_gridlines(2)
    sheet.print_area(0, 0, row - 1, 3)
    footer = f"导出：{footer_text(data.exported_by)} {footer_text(data.exported_at)}"
    sheet.set_footer(f"&L&8{footer}&R&8第 &P 页", {"margin": 0.3})

    workbook.close()
    return output.getvalue()
