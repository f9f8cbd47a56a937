"""Rosters: a filtered list of experts as a printable, formula-safe workbook, streamed row by row."""
from __future__ import annotations

from typing import Iterable

import xlsxwriter

from exports.common import TEXT_ONLY

# (header, width in characters)
COLUMNS = [("序号", 5), ("姓名", 8), ("性别", 4), ("证件号码", 20), ("出生年月", 8), ("职称级别", 8),
           ("职称名称", 12), ("工作单位", 26), ("所在地", 7), ("主学科", 22), ("专家类型", 8),
           ("移动电话", 12), ("银行账号", 21), ("状态", 7)]


def write_roster(path: str, rows: Iterable[list[str]], *, title: str, filter_text: str, exported_by: str,
                 exported_at: str) -> int:
    """Write the roster to `path` in constant-memory mode; returns the number of experts written."""
    workbook = xlsxwriter.Workbook(path, {
        "constant_memory": True,  # rows go straight to disk: 100,000 experts in a few MB of memory
        **TEXT_ONLY,
    })
    workbook.set_properties({"title": title, "author": exported_by})
    ws = workbook.add_worksheet("专家名册")
    font = {"font_name": "宋体", "font_size": 10}
    title_format = workbook.add_format({**font, "bold": True, "font_size": 14})
    note = workbook.add_format({**font, "font_color": "#555555"})
    header = workbook.add_format({**font, "bold": True, "bg_color": "#E8EEF4", "border": 1, "align": "center",
                                  "valign": "vcenter", "text_wrap": True})
    cell = workbook.add_format({**font, "border": 1, "valign": "vcenter"})
    ws.set_landscape()
    ws.set_paper(9)
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.7, bottom=0.6)
    ws.repeat_rows(3)
    ws.set_header(f"&L&8{title}&R&8导出：{exported_by.replace('&', '&&')} {exported_at}")
    ws.set_footer(f"&L&8{filter_text.replace('&', '&&')[:120]}&R&8第 &P 页，共 &N 页")
    for i, (_name, width) in enumerate(COLUMNS):
        ws.set_column(i, i, width)
    ws.freeze_panes(4, 2)
    ws.write_string(0, 0, title, title_format)
    ws.write_string(1, 0, f"筛选条件：{filter_text}", note)
    ws.write_string(2, 0, f"导出：{exported_by}　{exported_at}　（本名册涉及个人信息，严禁复制、泄露）", note)
    for i, (name, _width) in enumerate(COLUMNS):
        ws.write_string(3, i, name, header)
    count = 0
    for count, values in enumerate(rows, start=1):
        ws.write_number(3 + count, 0, count, cell)
        for i, value in enumerate(values, start=1):
            ws.write_string(3 + count, i, "" if value is None else str(value), cell)
    ws.autofilter(3, 0, 3 + max(count, 1), len(COLUMNS) - 1)
    workbook.close()
    return count
