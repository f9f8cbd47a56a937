"""专家抽取 (random expert draw) exports: the result notice and the archive record, as .xlsx.

* ``draw_result_xlsx`` — 专家抽取结果通知单, for the usage unit once the list is
  released: the activity and the experts who accepted, with their phones. It
  never shows the candidate pool, its digest, the seed or the exclusions.
* ``draw_record_xlsx`` — 专家抽取记录表, for the archive: everything about the
  draw (conditions, executions, pool, seed, exclusions, every expert and the
  answers), the check, and the two signature lines.

Both print on A4 portrait, one page wide; up to ONE_PAGE_MAX_EXPERTS experts on
one page (scaled down if need be), more flow over further pages with the table's
header repeated. Every row has an explicit height, estimated from its wrapped text,
because LibreOffice does not autofit. Every value is written with ``write_string``:
text that looks like a formula (``=HYPERLINK(...)``) stays text.
"""
from __future__ import annotations

import io
import math
import unicodedata
from dataclasses import dataclass

import xlsxwriter

from exports.common import footer_text, TEXT_ONLY

__all__ = [
    "DrawExpertRow", "DrawSheetData", "draw_result_xlsx", "draw_record_xlsx", "accepted_experts",
    "RESULT_TITLE", "RECORD_TITLE", "ONE_PAGE_MAX_EXPERTS", "SIGNATURE_LINES",
]

RESULT_TITLE = "专家抽取结果"
RESULT_SHEET = "专家抽取结果通知单"
RECORD_TITLE = "专家抽取记录表"
ACCEPTED_PREFIX = "已接受"
SIGNATURE_LINES = (
    "经办人（签字）：________ 日期：________",
    "监督人（签字）：________ 日期：________",
)
RESULT_NOTE = "注：以上专家信息仅用于本次活动的联络与组织，请妥善保管，不得外传。"
# Up to this many experts on a sheet it is forced onto one page (scaled down if need be);
# beyond it the height flows over as many pages as needed, still one page wide.
ONE_PAGE_MAX_EXPERTS = 25

FONT = "宋体"  # SimSun; viewers without it fall back to another CJK font.
DEFAULT_FONT = "Arial"  # the workbook's default font: the unit of the column widths
MONO_FONT = "Courier New"  # LibreOffice substitutes the metric-compatible Liberation Mono.
SMALL_SIZE = 8  # the pool digest and the seed
MONO_LINE_HEIGHT = 10  # points per line of 8 pt monospace text
MAX_ROW_HEIGHT = 409  # Excel's limit
CELL_PADDING = 5  # points of a cell's inner margins, both sides
INDENT = 8  # points of one indent level
TITLE_HEIGHT = 32
MARGINS = {"left": 0.6, "right": 0.6, "top": 0.6, "bottom": 0.75}  # inches


@dataclass(frozen=True)
class _Style:
    """Text size and row heights of one sheet (points)."""

    font_size: float
    line_height: float  # one line of CJK text at font_size, with the fonts' leading
    row_padding: float  # above and below the text of a row
    min_row_height: float
    section_height: float


# The notice is short and read by people outside the bureau: larger text, roomier rows.
RESULT_STYLE = _Style(font_size=10.5, line_height=15.5, row_padding=3, min_row_height=21, section_height=20)
# The record holds much more on one page: 10 pt text, tight rows.
RECORD_STYLE = _Style(font_size=10, line_height=14.5, row_padding=1.5, min_row_height=17, section_height=18)

# Result notice: 序号, 姓名, 工作单位, 职称, 学科, 联系电话 (Excel character units).
RESULT_WIDTHS = (5, 9, 24, 17, 21, 15)
RESULT_HEADERS = ("序号", "姓名", "工作单位", "职称", "学科", "联系电话")
# Record form: 序号, 类别, 姓名, 工作单位, 职称, 答复情况, 出席, 评分. A little wider than
# the page at 100 %: fit-to-width shrinks it slightly, and fewer values wrap.
RECORD_WIDTHS = (5, 5, 8, 28, 23, 17, 13, 5)
RECORD_HEADERS = ("序号", "类别", "姓名", "工作单位", "职称", "答复情况", "出席", "评分")


@dataclass(frozen=True)
class DrawExpertRow:
    """One drawn, backup or invited expert, as the text to print."""

    order: int  # 1, 2, … in draw order
    role: str  # "抽中" or "备选" or "特邀"
    name: str
    unit: str
    title: str  # e.g. "正高级 教授"
    discipline: str  # e.g. "54020 纺织材料"
    mobile: str  # already masked or full, as given
    response: str  # e.g. "已接受" / "已拒绝：出差" / "超时未答复" / "回避冲突" / "未启用"
    attendance: str = ""  # e.g. "出席" / "缺席（有理由：…）" / ""
    rating: str = ""  # e.g. "5" or ""


@dataclass(frozen=True)
class DrawSheetData:
    """One draw request with its executions and experts, as the text to print."""

    request_no: str  # e.g. "CQ-2026-0012"
    activity: str
    activity_type: str
    time: str  # e.g. "2026-12-10 09:00 至 2026-12-10 17:00"
    place: str
    usage_unit: str
    conditions: list[tuple[str, str]]  # (label, value), in the order to print
    need: int
    backups: int
    draws: list[tuple[str, str]]  # one line per execution: (label, text)
    pool_size: int
    pool_digest: str  # hex sha256
    seed: str  # hex
    algorithm_version: str
    exclusions: list[tuple[str, int]]  # (reason label, count)
    experts: list[DrawExpertRow]
    verification: str  # e.g. "复核一致（2026-12-01 10:30 监督员复核）" or "未复核"
    exported_by: str
    exported_at: str  # shown small in the footer


def accepted_experts(data: DrawSheetData) -> list[DrawExpertRow]:
    """The experts the usage unit may see: those who accepted, in draw order."""
    return [e for e in sorted(data.experts, key=lambda e: e.order) if e.response.startswith(ACCEPTED_PREFIX)]


# --- text measuring: LibreOffice does not autofit row heights, so every row gets one ---

def _column_points(width: float) -> float:
    """Printed width (points) of columns totalling width Excel character units (7 px each, 5 px padding)."""
    return (width * 7 + 5) * 0.75


def _text_points(text: str, size: float, mono: bool = False) -> float:
    """Approximate printed width (points): CJK glyphs are one em, others about 0.6 em."""
    if mono:
        return len(text) * 0.6 * size
    return sum(size if unicodedata.east_asian_width(ch) in "WF" else 0.6 * size for ch in text)


def _line_count(text: str, width: float, size: float, mono: bool = False, indent: int = 0) -> int:
    """Lines that text takes, wrapped in a cell width Excel character units wide."""
    usable = max(_column_points(width) - CELL_PADDING - indent * INDENT, 1)
    count = 0
    for part in text.split("\n"):
        # Wrapping breaks between glyphs, not on exact widths: keep a margin.
        count += max(1, math.ceil(_text_points(part, size, mono) * 1.02 / usable))
    return count



class _Form:
    """One worksheet laid out on a fixed grid of columns, row by row, text only."""

    def __init__(self, workbook, sheet_name: str, widths: tuple[int, ...], style: _Style):
        self.workbook = workbook
        self.sheet = workbook.add_worksheet(sheet_name)
        self.widths = widths
        self.style = style
        self.row = 0
        self._indent: dict[int, int] = {}
        self._mono: set[int] = set()
        for col, width in enumerate(widths):
            self.sheet.set_column(col, col, width)
        base = {"font_name": FONT, "font_size": style.font_size, "font_charset": 134, "valign": "vcenter"}
        boxed = {**base, "border": 1, "text_wrap": True}
        self.title_fmt = self.add_format({**base, "font_size": 18, "bold": True, "align": "center"})
        self.section_fmt = self.add_format(
            {**boxed, "bold": True, "align": "left", "indent": 1, "bg_color": "#F2F2F2"})
        self.label_fmt = self.add_format({**boxed, "align": "center"})
        self.value_fmt = self.add_format({**boxed, "align": "left", "indent": 1})
        self.center_fmt = self.add_format({**boxed, "align": "center"})
        self.head_fmt = self.add_format({**boxed, "bold": True, "align": "center", "bg_color": "#F2F2F2"})
        self.mono_fmt = self.add_format({
            **boxed, "font_name": MONO_FONT, "font_size": SMALL_SIZE, "font_charset": 0,
            "align": "left", "indent": 1})
        self._mono.add(id(self.mono_fmt))
        self.plain_fmt = self.add_format({**base, "align": "left", "text_wrap": True})
        self.sign_fmt = self.add_format({**base, "align": "left", "indent": 2, "valign": "bottom"})

    def add_format(self, properties: dict):
        fmt = self.workbook.add_format(properties)
        self._indent[id(fmt)] = properties.get("indent", 0)
        return fmt

    def span(self, first: int, last: int) -> float:
        """Width of columns first..last in character units, with the padding of the inner columns."""
        return sum(self.widths[first:last + 1]) + (last - first) * 5 / 7

    @property
    def last_col(self) -> int:
        return len(self.widths) - 1

    def lines(self, text: str, first: int, last: int, fmt) -> int:
        mono = id(fmt) in self._mono
        size = SMALL_SIZE if mono else self.style.font_size
        return _line_count(text, self.span(first, last), size, mono, self._indent.get(id(fmt), 0))

    def merged(self, row: int, first_col: int, last_col: int, text: str, fmt) -> None:
        # merge_range() would write() its data, which turns "=..." into a formula.
        if first_col != last_col:
            self.sheet.merge_range(row, first_col, row, last_col, "", fmt)
        if text:
            self.sheet.write_string(row, first_col, text, fmt)
        else:
            self.sheet.write_blank(row, first_col, None, fmt)

    def cells(self, spans: list[tuple[int, int, str, object]], height: float | None = None) -> None:
        """One row of (first col, last col, text, format) cells, as tall as its longest text."""
        if height is None:
            height = self.style.min_row_height
            for first, last, text, fmt in spans:
                lines = self.lines(text, first, last, fmt)
                line_height = MONO_LINE_HEIGHT if id(fmt) in self._mono else self.style.line_height
                height = max(height, lines * line_height + 2 * self.style.row_padding)
            height = min(MAX_ROW_HEIGHT, height)
        self.sheet.set_row(self.row, height)
        for first, last, text, fmt in spans:
            self.merged(self.row, first, last, text, fmt)
        self.row += 1

    def title(self, text: str) -> None:
        self.cells([(0, self.last_col, text, self.title_fmt)], TITLE_HEIGHT)

    def section(self, text: str) -> None:
        self.cells([(0, self.last_col, text, self.section_fmt)], self.style.section_height)

    def spacer(self, height: float = 8) -> None:
        self.sheet.set_row(self.row, height)
        self.row += 1

    def page_setup(self, title: str, data: DrawSheetData, fit_height: int) -> None:
        sheet = self.sheet
        sheet.set_paper(9)  # A4
        sheet.set_portrait()
        sheet.fit_to_pages(1, fit_height)
        sheet.set_margins(**MARGINS)
        sheet.center_horizontally()
        sheet.hide_gridlines(2)
        sheet.print_area(0, 0, self.row - 1, self.last_col)
        footer = f"{title} 导出：{footer_text(data.exported_by)} {footer_text(data.exported_at)}"
        sheet.set_footer(f"&L&8{footer}&R&8第 &P 页", {"margin": 0.3})


def _workbook(output: io.BytesIO, title: str, data: DrawSheetData):
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True,
        **TEXT_ONLY,
        # Column widths are counted in digits of the default font. Arial 10 has the same 7 px
        # digit as Excel's Calibri 11, and LibreOffice has a metric twin of it (Liberation
        # Sans), so the widths print the same there instead of ~30 % wider with DejaVu Sans.
        "default_format_properties": {"font_name": DEFAULT_FONT, "font_size": 10},
    })
    workbook.set_properties({"title": title, "author": data.exported_by})
    return workbook


def draw_result_xlsx(data: DrawSheetData) -> bytes:
    """专家抽取结果通知单 for the usage unit: the activity and the experts who accepted.

    Holds nothing about the pool: no pool size, digest, seed or exclusions.
    """
    output = io.BytesIO()
    workbook = _workbook(output, RESULT_TITLE, data)
    form = _Form(workbook, RESULT_SHEET, RESULT_WIDTHS, RESULT_STYLE)
    last = form.last_col  # columns: 0 序号, 1 姓名, 2 工作单位, 3 职称, 4 学科, 5 联系电话

    form.title(RESULT_TITLE)
    form.cells([(0, 1, "编号", form.label_fmt), (2, 2, data.request_no, form.value_fmt),
                (3, 3, "类型", form.label_fmt), (4, last, data.activity_type, form.value_fmt)])
    for label, value in (("活动", data.activity), ("时间", data.time), ("地点", data.place),
                         ("使用单位", data.usage_unit)):
        form.cells([(0, 1, label, form.label_fmt), (2, last, value, form.value_fmt)])
    form.spacer()

    experts = accepted_experts(data)
    header_row = form.row
    form.cells([(c, c, text, form.head_fmt) for c, text in enumerate(RESULT_HEADERS)], 22)
    for index, expert in enumerate(experts, start=1):
        values = (str(index), expert.name, expert.unit, expert.title, expert.discipline, expert.mobile)
        form.cells([(c, c, text, form.center_fmt if c in (0, 1, 5) else form.value_fmt)
                    for c, text in enumerate(values)])
    if not experts:
        form.cells([(0, last, "（暂无已接受邀请的专家）", form.center_fmt)])
    form.cells([(0, last, f"共 {len(experts)} 名专家已接受邀请。", form.plain_fmt)], 22)
    form.cells([(0, last, RESULT_NOTE, form.plain_fmt)])

    form.sheet.freeze_panes(header_row + 1, 0)
    form.sheet.repeat_rows(header_row)  # the table's header on every printed page
    form.page_setup(RESULT_TITLE, data, 1 if len(experts) <= ONE_PAGE_MAX_EXPERTS else 0)
    workbook.close()
    return output.getvalue()


def draw_record_xlsx(data: DrawSheetData) -> bytes:
    """专家抽取记录表 for the archive: conditions, process, exclusions, all experts, check, signatures."""
    output = io.BytesIO()
    workbook = _workbook(output, RECORD_TITLE, data)
    form = _Form(workbook, RECORD_TITLE, RECORD_WIDTHS, RECORD_STYLE)
    last = form.last_col
    # Label/value slots: label A:C, value D:E, label F, value G:H; a wide value runs D:H.
    label1, value1, label2, value2, wide = (0, 2), (3, 4), (5, 5), (6, 7), (3, last)

    def wide_row(label: str, value: str, fmt=None) -> None:
        form.cells([(*label1, label, form.label_fmt), (*wide, value, fmt or form.value_fmt)])

    def fits(text: str, slot: tuple[int, int]) -> bool:
        return form.lines(text, *slot, form.value_fmt) == 1

    def fields(items: list[tuple[str, str]]) -> None:
        """(label, value) rows: two to a row where both fit on one line, else one wide row each."""
        i = 0
        while i < len(items):
            l1, v1 = items[i]
            if i + 1 < len(items):
                l2, v2 = items[i + 1]
                if fits(l1, label1) and fits(v1, value1) and fits(l2, label2) and fits(v2, value2):
                    form.cells([(*label1, l1, form.label_fmt), (*value1, v1, form.value_fmt),
                                (*label2, l2, form.label_fmt), (*value2, v2, form.value_fmt)])
                    i += 2
                    continue
            wide_row(l1, v1)
            i += 1

    form.title(RECORD_TITLE)

    form.section("一、活动信息")
    fields([("编号", data.request_no), ("类型", data.activity_type)])
    fields([("活动", data.activity), ("时间", data.time)])
    fields([("地点", data.place), ("使用单位", data.usage_unit)])

    form.section("二、抽取条件")
    fields([("需要专家", f"{data.need} 人"), ("备选人数", f"{data.backups} 人"), *data.conditions])

    form.section("三、抽取过程")
    for label, text in data.draws:
        wide_row(label, text)
    fields([("候选库人数", f"{data.pool_size} 人"), ("算法版本", data.algorithm_version)])
    wide_row("候选库摘要", data.pool_digest, form.mono_fmt)
    wide_row("随机种子", data.seed, form.mono_fmt)

    form.section("四、回避与排除")
    form.cells([(0, 0, "序号", form.head_fmt), (1, 5, "排除原因", form.head_fmt), (6, last, "人数", form.head_fmt)])
    for index, (reason, count) in enumerate(data.exclusions, start=1):
        form.cells([(0, 0, str(index), form.center_fmt), (1, 5, reason, form.value_fmt),
                    (6, last, f"{count} 人", form.center_fmt)])
    if not data.exclusions:
        form.cells([(0, 0, "", form.center_fmt), (1, 5, "无", form.value_fmt), (6, last, "", form.center_fmt)])
    total = sum(count for _, count in data.exclusions)
    form.cells([(0, 5, "合计", form.label_fmt), (6, last, f"{total} 人", form.center_fmt)])

    form.section("五、抽取结果")
    # When many experts run the table over pages, each later page starts with its header.
    form.sheet.repeat_rows(form.row)
    form.cells([(c, c, text, form.head_fmt) for c, text in enumerate(RECORD_HEADERS)])
    experts = sorted(data.experts, key=lambda e: e.order)
    for expert in experts:
        values = (str(expert.order), expert.role, expert.name, expert.unit, expert.title,
                  expert.response, expert.attendance, expert.rating)
        # Centered, as on the paper form: no indent, so more fits on a line of these narrow columns.
        form.cells([(c, c, text, form.center_fmt) for c, text in enumerate(values)])
    if not experts:
        form.cells([(0, last, "（无）", form.center_fmt)])

    form.section("六、复核")
    wide_row("复核结果", data.verification)

    form.spacer(6)
    for line in SIGNATURE_LINES:
        form.cells([(0, last, line, form.sign_fmt)], 26)

    form.page_setup(RECORD_TITLE, data, 1 if len(data.experts) <= ONE_PAGE_MAX_EXPERTS else 0)
    workbook.close()
    return output.getvalue()
