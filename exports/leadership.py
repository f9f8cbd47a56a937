"""领导统计报表: the expert library's statistics for the bureau's leaders, as one .xlsx.

The first sheet "封面" holds the report title, its scope, who exported it and when,
the key figures as a two-column table, and a list of the sheets that follow. Then
each ``Table`` gets a sheet of its own: title, note, a bordered table with a frozen
header row, and a native chart of the table (column, bar, pie or line) to the right
of the table, or below it when the table is wide. A table without rows says "无数据"
and has no chart; a chart plots at most MAX_CHART_ROWS rows, and the note says so.

Every sheet prints on A4 landscape, one page wide, with the exporter and the time
in the footer. Every text is written with ``write_string``: a label that looks like
a formula (``=HYPERLINK(...)``) stays text. Plain values in, bytes out: no Flask or
database imports here.
"""
from __future__ import annotations

import io
import math
import re
import unicodedata
from dataclasses import dataclass, field

import xlsxwriter

from exports.common import footer_text, TEXT_ONLY

__all__ = ["Table", "LeadershipData", "leadership_xlsx", "COVER_SHEET", "CHART_KINDS", "MAX_CHART_ROWS", "NO_DATA"]

COVER_SHEET = "封面"
CHART_KINDS = ("column", "bar", "pie", "line")
MAX_CHART_ROWS = 30  # a chart plots at most this many rows; the note row says so
NO_DATA = "无数据"

FONT = "宋体"  # SimSun; viewers without it fall back to another CJK font.
DEFAULT_FONT = "Arial"  # the workbook's default font: the unit of the column widths (see draw_sheets)
FONT_SIZE = 10
MARGINS = {"left": 0.5, "right": 0.5, "top": 0.6, "bottom": 0.6}  # inches

# Rows of a table sheet (0-based): title, note, blank, header, data...
TITLE_ROW, NOTE_ROW, HEADER_ROW = 0, 1, 3
FIRST_DATA_ROW = HEADER_ROW + 1
TITLE_HEIGHT, NOTE_HEIGHT, GAP_HEIGHT, HEADER_HEIGHT, DATA_HEIGHT = 28, 18, 8, 30, 18  # points
DEFAULT_ROW_PX = 20  # rows without an explicit height (15 pt)
CHART_COL_WIDTH = 10  # character units of the columns under a chart placed to the right
GAP_COL_WIDTH = 2
CHART_RIGHT_MAX_TABLE_PX = 560  # a wider table gets its chart below it
CHART_WIDTH, CHART_HEIGHT = 640, 360  # pixels
MAX_CHART_WIDTH = 1000
MAX_CHART_HEIGHT = 540  # a landscape A4 page holds this much under the title rows


@dataclass(frozen=True)
class Table:
    """One statistics sheet: a title, column headers, rows, and how to chart it."""

    sheet: str  # sheet name ≤ 31 chars, e.g. "按学科"
    title: str  # e.g. "入库专家按学科（一级）分布"
    headers: list[str]  # e.g. ["学科", "人数"]
    rows: list[list]  # first column text, the others numbers; rates are fractions 0..1
    chart: str  # "column", "bar", "pie" or "line"
    value_columns: list[int]  # indexes into headers (1 = the first column after the label) to plot
    percent_columns: list[int] = field(default_factory=list)  # shown as 0.0%; secondary axis on a line chart
    note: str = ""  # a line under the title, e.g. "统计范围：2026年；地域：全部"


@dataclass(frozen=True)
class LeadershipData:
    """The whole report: cover facts and the tables, one sheet each."""

    title: str  # e.g. "绍兴市科技专家库统计报表（2026年）"
    key_figures: list[tuple[str, str]]  # cover: (label, value), e.g. ("在库专家", "1,234")
    scope: str  # e.g. "年度：2026；地域：全部"
    exported_by: str
    exported_at: str
    tables: list[Table]


# --- measuring -----------------------------------------------------------------------------

def _text_units(text: str, size: float = FONT_SIZE) -> float:
    """Approximate width in Excel character units (7 px digits of Arial 10); CJK glyphs are one em."""
    em = size / FONT_SIZE
    return sum((1.95 if unicodedata.east_asian_width(ch) in "WF" else 1.05) * em for ch in text)


def _col_px(width: float) -> int:
    """Pixels of a column width character units wide (xlsxwriter's own rule)."""
    return int(width * 7 + 0.5) + 5 if width >= 1 else int(width * 12 + 0.5)



def _sheet_names(tables: list[Table]) -> list[str]:
    """Valid, unique sheet names: no []:*?/\\, no edge apostrophes, ≤ 31 characters."""
    used = {COVER_SHEET.lower()}
    names = []
    for index, table in enumerate(tables, start=1):
        name = re.sub(r"[\[\]:*?/\\]", "_", str(table.sheet)).strip().strip("'")[:31].strip() or f"表{index}"
        candidate, n = name, 2
        while candidate.lower() in used:
            suffix = f"({n})"
            candidate = name[:31 - len(suffix)] + suffix
            n += 1
        used.add(candidate.lower())
        names.append(candidate)
    return names


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


# --- the workbook --------------------------------------------------------------------------

class _Formats:
    def __init__(self, workbook):
        base = {"font_name": FONT, "font_size": FONT_SIZE, "font_charset": 134, "valign": "vcenter"}
        boxed = {**base, "border": 1}
        add = workbook.add_format
        self.title = add({**base, "font_size": 20, "bold": True, "text_wrap": True})
        self.sheet_title = add({**base, "font_size": 14, "bold": True})
        self.line = add({**base, "font_size": 11})
        self.note = add({**base, "font_color": "#595959"})
        self.section = add({**base, "font_size": 12, "bold": True})
        self.head = add({**boxed, "bold": True, "align": "center", "text_wrap": True, "bg_color": "#DCE6F1"})
        self.text = add({**boxed, "align": "left", "indent": 1})
        self.int = add({**boxed, "num_format": "#,##0"})
        self.float = add({**boxed, "num_format": "0.00"})
        self.pct = add({**boxed, "num_format": "0.0%"})
        self.other = add({**boxed, "align": "right"})  # a non-number in a number column
        self.empty = add({**boxed, "align": "center", "font_color": "#7F7F7F"})
        self.key = add({**boxed, "font_size": 12, "align": "left", "indent": 1, "bg_color": "#F2F2F2"})
        self.key_value = add({**boxed, "font_size": 14, "bold": True, "align": "right", "indent": 1})
        self.link = add({**base, "font_size": 11, "font_color": "#1F4E79", "underline": 1})


def leadership_xlsx(data: LeadershipData) -> bytes:
    """The leadership statistics workbook as .xlsx bytes: the cover, then one sheet and chart per table."""
    output = io.BytesIO()
    workbook = xlsxwriter.Workbook(output, {
        "in_memory": True,
        **TEXT_ONLY,
        "default_format_properties": {"font_name": DEFAULT_FONT, "font_size": FONT_SIZE},
    })
    workbook.set_properties({"title": data.title, "author": data.exported_by})
    formats = _Formats(workbook)
    names = _sheet_names(data.tables)
    header = f"&L&8{footer_text(data.title, 80)}"
    footer = (f"&L&8导出：{footer_text(data.exported_by)} {footer_text(data.exported_at)}"
              f"&R&8第 &P 页 / 共 &N 页")

    def page_setup(sheet, last_row: int, last_col: int) -> None:
        sheet.set_paper(9)  # A4
        sheet.set_landscape()
        sheet.fit_to_pages(1, 0)
        sheet.set_margins(**MARGINS)
        sheet.hide_gridlines(2)
        sheet.print_area(0, 0, last_row, last_col)
        sheet.set_header(header, {"margin": 0.3})
        sheet.set_footer(footer, {"margin": 0.3})

    _cover(workbook, formats, data, names, page_setup)
    for table, name in zip(data.tables, names):
        _table_sheet(workbook, formats, table, name, page_setup)
    workbook.close()
    return output.getvalue()


def _cover(workbook, formats: _Formats, data: LeadershipData, names: list[str], page_setup) -> None:
    sheet = workbook.add_worksheet(COVER_SHEET)
    label_width = max([_text_units(label, 12) + 4 for label, _ in data.key_figures] + [24])
    value_width = max([_text_units(value, 14) * 1.1 + 4 for _, value in data.key_figures] + [20])
    label_width, value_width = min(label_width, 60), min(value_width, 60)
    # The title runs across B:D; D widens it so the title fits on one or two lines.
    title_units = _text_units(data.title, 20)
    lines_units = max([_text_units(data.scope, 11), _text_units(data.exported_by + data.exported_at, 11) + 14]
                      + [_text_units(t.title, 11) + 4 for t in data.tables] + [0])
    filler = max(2, min(max(title_units, lines_units) + 2, 110) - label_width - value_width)
    sheet.set_column(0, 0, 4)
    sheet.set_column(1, 1, label_width)
    sheet.set_column(2, 2, value_width)
    sheet.set_column(3, 3, filler)
    span = label_width + value_width + filler

    row = 1
    title_lines = max(1, math.ceil(title_units * 1.05 / max(span - 2, 1)))
    sheet.set_row(row, 34 * title_lines)
    sheet.merge_range(row, 1, row, 3, "", formats.title)
    sheet.write_string(row, 1, data.title, formats.title)
    row += 2
    for text in (f"统计范围：{data.scope}", f"导出人：{data.exported_by}", f"导出时间：{data.exported_at}"):
        sheet.set_row(row, 20)
        sheet.write_string(row, 1, text, formats.line)
        row += 1
    row += 1

    sheet.set_row(row, 22)
    sheet.write_string(row, 1, "主要指标", formats.section)
    row += 1
    for label, value in data.key_figures:
        sheet.set_row(row, 26)
        sheet.write_string(row, 1, str(label), formats.key)
        sheet.write_string(row, 2, str(value), formats.key_value)
        row += 1
    if not data.key_figures:
        sheet.merge_range(row, 1, row, 2, "", formats.empty)
        sheet.write_string(row, 1, NO_DATA, formats.empty)
        row += 1
    row += 1

    if data.tables:
        sheet.set_row(row, 22)
        sheet.write_string(row, 1, "报表目录", formats.section)
        row += 1
        for index, (table, name) in enumerate(zip(data.tables, names), start=1):
            sheet.set_row(row, 18)
            target = "internal:'" + name.replace("'", "''") + "'!A1"
            sheet.write_url(row, 1, target, formats.link, string=f"{index}. {table.title or name}")
            row += 1
    page_setup(sheet, row, 3)
    sheet.set_portrait()  # the cover is a list, not a wide table: one upright page
    sheet.fit_to_pages(1, 1)


def _table_sheet(workbook, formats: _Formats, table: Table, name: str, page_setup) -> None:
    sheet = workbook.add_worksheet(name)
    headers = [str(h) for h in table.headers]
    rows = [list(r) for r in table.rows]
    ncols = max([len(headers)] + [len(r) for r in rows] + [1])
    headers += [""] * (ncols - len(headers))
    percent = {c for c in table.percent_columns if 0 < c < ncols}
    float_cols = {c for c in range(1, ncols)
                  if any(isinstance(r[c], float) for r in rows if c < len(r) and _is_number(r[c]))}
    # A column holding only text (a unit's name beside the expert's) reads as the label column does.
    text_cols = {0} | {c for c in range(1, ncols) if rows and not any(
        _is_number(r[c]) for r in rows if c < len(r)) and any(r[c] for r in rows if c < len(r))}
    charted_rows = min(len(rows), MAX_CHART_ROWS)
    value_cols = [c for c in table.value_columns if 0 < c < ncols]
    kind = table.chart if table.chart in CHART_KINDS else "column"
    if kind == "pie":
        value_cols = value_cols[:1]  # a pie shows one series

    # Column widths from the text they hold.
    widths = []
    for c in range(ncols):
        cells = [headers[c]] + [_cell_text(r[c], c in percent, c in float_cols) for r in rows if c < len(r)]
        units = max(_text_units(t) for t in cells) + (4 if c in text_cols else 3)
        widths.append(min(max(units, 12 if c in text_cols else 9), 40 if c in text_cols else 16))
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)

    sheet.set_row(TITLE_ROW, TITLE_HEIGHT)
    sheet.write_string(TITLE_ROW, 0, str(table.title), formats.sheet_title)
    note = str(table.note or "")
    if len(rows) > MAX_CHART_ROWS:
        note = (note + "；" if note else "") + f"共 {len(rows)} 行，图表仅显示前 {MAX_CHART_ROWS} 行"
    sheet.set_row(NOTE_ROW, NOTE_HEIGHT)
    if note:
        sheet.write_string(NOTE_ROW, 0, note, formats.note)
    sheet.set_row(NOTE_ROW + 1, GAP_HEIGHT)

    header_lines = max(math.ceil(_text_units(h) / max(w - 2, 1)) for h, w in zip(headers, widths)) if headers else 1
    sheet.set_row(HEADER_ROW, max(HEADER_HEIGHT, 15 * header_lines + 6))
    for c, text in enumerate(headers):
        sheet.write_string(HEADER_ROW, c, text, formats.head)
    sheet.freeze_panes(FIRST_DATA_ROW, 0)
    sheet.repeat_rows(HEADER_ROW)

    for r, values in enumerate(rows, start=FIRST_DATA_ROW):
        sheet.set_row(r, DATA_HEIGHT)
        for c in range(ncols):
            value = values[c] if c < len(values) else None
            if c in text_cols:
                sheet.write_string(r, c, "" if value is None else str(value), formats.text)
            elif value is None:
                sheet.write_blank(r, c, None, formats.int)
            elif _is_number(value):
                fmt = formats.pct if c in percent else formats.float if c in float_cols else formats.int
                sheet.write_number(r, c, value, fmt)
            else:
                sheet.write_string(r, c, str(value), formats.other)

    last_table_row = FIRST_DATA_ROW + len(rows) - 1
    if not rows:
        if ncols > 1:
            sheet.merge_range(FIRST_DATA_ROW, 0, FIRST_DATA_ROW, ncols - 1, "", formats.empty)
        sheet.set_row(FIRST_DATA_ROW, DATA_HEIGHT)
        sheet.write_string(FIRST_DATA_ROW, 0, NO_DATA, formats.empty)
        last_table_row = FIRST_DATA_ROW
    if not rows or not value_cols:
        last_col = max(ncols - 1, _cols_for_text(widths, _text_units(str(table.title), 14), _text_units(note)))
        page_setup(sheet, last_table_row, last_col)
        return

    chart = _chart(workbook, table, name, headers, kind, value_cols, percent, charted_rows, rows)
    chart_w, chart_h = chart.width_px, chart.height_px
    chart.set_size({"width": chart_w, "height": chart_h})

    table_px = sum(_col_px(w) for w in widths)
    if table_px <= CHART_RIGHT_MAX_TABLE_PX:
        # To the right: a narrow gap column, then columns as wide as the chart.
        first_col = ncols + 1
        sheet.set_column(ncols, ncols, GAP_COL_WIDTH)
        n_chart_cols = math.ceil((chart_w + 10) / _col_px(CHART_COL_WIDTH))
        sheet.set_column(first_col, first_col + n_chart_cols - 1, CHART_COL_WIDTH)
        sheet.insert_chart(HEADER_ROW, first_col, chart, {"x_offset": 4, "y_offset": 0, "object_position": 1})
        chart_top = HEADER_ROW
        last_col = first_col + n_chart_cols - 1
    else:
        # Below: two rows under the table, from column A.
        chart_top = last_table_row + 2
        sheet.insert_chart(chart_top, 0, chart, {"x_offset": 0, "y_offset": 4, "object_position": 1})
        px, last_col = 0, -1
        while px < chart_w + 10:
            last_col += 1
            px += _col_px(widths[last_col]) if last_col < ncols else 64
    # The last row the chart reaches, with the heights set above.
    heights = {TITLE_ROW: TITLE_HEIGHT, NOTE_ROW: NOTE_HEIGHT, NOTE_ROW + 1: GAP_HEIGHT}
    heights[HEADER_ROW] = max(HEADER_HEIGHT, 15 * header_lines + 6)
    row, px = chart_top, 0
    while px < chart_h + 10:
        height = heights.get(row, DATA_HEIGHT if FIRST_DATA_ROW <= row <= last_table_row else 15)
        px += height * 4 / 3
        row += 1
    last_col = max(last_col, _cols_for_text(widths, _text_units(str(table.title), 14), _text_units(note)))
    page_setup(sheet, max(last_table_row, row), last_col)


def _cell_text(value, percent: bool, is_float: bool) -> str:
    if not _is_number(value):
        return "" if value is None else str(value)
    if percent:
        return f"{value:.1%}"
    return f"{value:,.2f}" if is_float else f"{value:,.0f}"


def _cols_for_text(widths: list[float], *units: float) -> int:
    """The last column that text of units width, starting in column A, reaches."""
    need, total, col = max(units) + 1, 0.0, -1
    while total < need:
        col += 1
        total += widths[col] if col < len(widths) else 8.43
    return max(col, 0)


def _chart(workbook, table: Table, sheet_name: str, headers: list[str], kind: str, value_cols: list[int],
           percent: set[int], charted_rows: int, rows: list[list]):
    chart = workbook.add_chart({"type": kind})
    first, last = FIRST_DATA_ROW, FIRST_DATA_ROW + charted_rows - 1
    font = {"name": FONT, "size": 9}
    secondary = kind == "line" and any(c in percent for c in value_cols) and any(c not in percent for c in value_cols)
    for c in value_cols:
        series = {
            # A cell reference, not the text: a header starting with "=" would be read as a formula.
            "name": [sheet_name, HEADER_ROW, c],
            "categories": [sheet_name, first, 0, last, 0],
            "values": [sheet_name, first, c, last, c],
        }
        if kind in ("column", "bar"):
            series["data_labels"] = {"value": True, "font": font,
                                     **({"num_format": "0.0%"} if c in percent else {})}
            series["gap"] = 60
        elif kind == "pie":
            series["data_labels"] = {"category": True, "percentage": True, "leader_lines": True,
                                     "position": "best_fit", "separator": "\n", "font": font}
        else:
            series["marker"] = {"type": "circle", "size": 5}
            if secondary and c in percent:
                series["y2_axis"] = True
                series["line"] = {"dash_type": "dash", "width": 1.75}
        chart.add_series(series)

    title = str(table.title)
    # Chart text is a formula when it starts with "="; point at the title cell instead.
    chart.set_title({"name": [sheet_name, TITLE_ROW, 0] if title.startswith("=") else title,
                     "name_font": {"name": FONT, "size": 12, "bold": True}})
    if kind == "pie" or len(value_cols) > 1:
        chart.set_legend({"position": "right" if kind == "pie" else "bottom", "font": font})
    else:
        chart.set_legend({"none": True})

    all_percent = all(c in percent for c in value_cols)
    value_axis = {"num_font": font, "major_gridlines": {"visible": True, "line": {"color": "#D9D9D9"}},
                  "min": 0, **({"num_format": "0%"} if all_percent else {})}
    counted = [r[c] for r in rows[:charted_rows] for c in value_cols if c not in percent and c < len(r)]
    if not all_percent and counted and all(isinstance(v, int) for v in counted) and max(counted) <= 10:
        value_axis.update({"major_unit": 1, "max": max(counted) + 1})  # small counts: no 0.2-person ticks
    category_axis = {"num_font": font}
    width, height = CHART_WIDTH, CHART_HEIGHT
    if kind == "bar":
        # Categories top to bottom in table order; the value axis stays at the bottom.
        small = {"num_font": {**font, "size": 8}} if charted_rows > 20 else {}
        chart.set_y_axis({**category_axis, **small, "reverse": True, "crossing": "max"})
        chart.set_x_axis(value_axis)
        # Taller for more bars, but never taller than what one landscape page holds below the title.
        height = min(MAX_CHART_HEIGHT, max(CHART_HEIGHT, 20 * charted_rows + 110))
    elif kind in ("column", "line"):
        chart.set_x_axis(category_axis)
        chart.set_y_axis(value_axis)
        if secondary:
            counts = [c for c in value_cols if c not in percent]
            if len(counts) == 1:  # the axis named after its one series (a cell reference, never a formula)
                chart.set_y_axis({**value_axis, "name": [sheet_name, HEADER_ROW, counts[0]],
                                  "name_font": {**font, "bold": False}})
            chart.set_y2_axis({"num_font": font, "num_format": "0%", "min": 0,
                               "name": "比率", "name_font": {**font, "bold": False}})
        width = min(MAX_CHART_WIDTH, max(CHART_WIDTH, 42 * charted_rows + 160))
    chart.width_px, chart.height_px = width, height
    return chart
