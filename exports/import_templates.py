"""The import templates (units, experts): a sheet to fill in with Chinese headers, an example row and dropdowns
for every coded column; a 填写说明 sheet; the allowed values; for experts the discipline codes."""
from __future__ import annotations

import io

import xlsxwriter

from exports.common import TEXT_ONLY
from rules.imports import COLUMNS, KINDS, MAX_ROWS

_KIND_NOTES = {
    "choice": "从下拉列表选择", "choices": "可填多项，用“；”分隔", "reference": "从下拉列表选择",
    "bool": "填“是”或“否”", "date": "日期，如 2015-12-01", "month": "年月，如 1975-06", "int": "整数",
}


def _width(text: str) -> int:
    """Columns a text takes in Excel: a Chinese character two, others one."""
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text)


def import_template(kind: str, lists: dict[str, list[str]], example: dict[str, str],
                    disciplines: list[tuple[str, str]] = ()) -> bytes:
    """The template of `kind` ("experts" or "units"). `lists`: the allowed values of each coded column by its
    key (the rules' own choices are filled in here); `example`: the example row's cells by key."""
    columns = COLUMNS[kind]
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **TEXT_ONLY})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1, "text_wrap": True, "valign": "vcenter"})
    need = book.add_format({"bold": True, "bg_color": "#FCE4D6", "border": 1, "text_wrap": True, "valign": "vcenter"})
    text = book.add_format({"num_format": "@"})
    grey = book.add_format({"num_format": "@", "font_color": "#808080", "italic": True})
    wrap = book.add_format({"text_wrap": True, "valign": "top"})

    sheet = book.add_worksheet(KINDS[kind])
    codes = book.add_worksheet("代码表")
    notes = book.add_worksheet("填写说明")
    sheet.activate()

    values_of = {c.key: list(c.choices) or list(lists.get(c.key, ())) for c in columns}
    code_column = 0
    for index, column in enumerate(columns):
        sheet.write_string(0, index, column.label + ("*" if column.required else ""), need if column.required else head)
        shown = (column.label, str(example.get(column.key, "")))  # wide enough for the header and the example
        sheet.set_column(index, index, max(10, min(30, max(_width(t) for t in shown) + 3)), text)
        sheet.write_string(1, index, str(example.get(column.key, "")), grey)
        allowed = values_of[column.key]
        if allowed and column.kind in ("choice", "reference"):
            codes.write_string(0, code_column, column.label, head)
            for n, value in enumerate(allowed, start=1):
                codes.write_string(n, code_column, value)
            letter = xlsxwriter.utility.xl_col_to_name(code_column)
            sheet.data_validation(1, index, MAX_ROWS + 1, index, {
                "validate": "list", "source": f"='代码表'!${letter}$2:${letter}${len(allowed) + 1}",
                "error_title": "不在可选值中", "error_message": f"请从下拉列表中选择{column.label}"})
            codes.set_column(code_column, code_column, 28)
            code_column += 1
        elif column.kind == "bool":
            sheet.data_validation(1, index, MAX_ROWS + 1, index, {
                "validate": "list", "source": ["是", "否"], "error_title": "请填“是”或“否”",
                "error_message": f"{column.label}：请填“是”或“否”"})
    sheet.set_row(0, 32)
    sheet.freeze_panes(1, 1)

    notes.set_column(0, 0, 26)
    notes.set_column(1, 1, 8)
    notes.set_column(2, 2, 60)
    notes.set_column(3, 3, 60)
    notes.write_string(0, 0, f"{KINDS[kind]}导入模板：填写说明", head)
    lines = [
        f"在“{KINDS[kind]}”工作表中每行填写一条，第一行表头不要修改；带“*”的列必须填写。",
        "第二行灰色的（示例）行不会导入，可以保留或删除。",
        "证件号码、银行账号、电话等请保持文本格式，以免Excel把长数字改成科学计数。",
        "不要使用公式和合并单元格；日期可填 2015-12-01 或 2015年12月1日。",
        f"每个文件最多{MAX_ROWS}行，更多请拆分为多个文件。",
        "上传后先预检：逐行显示新增、更新、无变化或错误（行号、列名、原因），确认后才导入。",
        "同一文件重复导入不会重复新增；修改后的文件只更新改动的内容，留空的单元格不会清除已有信息。",
    ]
    if kind == "experts":
        lines += ["专家按证件号码匹配；工作单位按统一社会信用代码（或单位名称）匹配已登记的单位，请先导入工作单位。",
                  "新增专家的状态在上传时选择：已入库（填写入库日期），或待市科技局审核。",
                  "有手机号码或电子邮箱的新专家将开通账号（用户名为手机号码或邮箱），"
                  "账号和初始密码通过邮件或短信发送，首次登录须修改密码。"]
    else:
        lines += ["单位按统一社会信用代码匹配：已登记的单位更新名称、类型、所在地、归口管理部门等信息。"]
    for n, line in enumerate(lines, start=1):
        notes.write_string(n, 0, f"{n}. {line}")
    top = len(lines) + 2
    for col, title in enumerate(("列名", "必填", "说明", "可选值")):
        notes.write_string(top, col, title, head)
    for n, column in enumerate(columns, start=top + 1):
        notes.write_string(n, 0, column.label)
        notes.write_string(n, 1, "是" if column.required else "")
        notes.write_string(n, 2, "；".join(x for x in (_KIND_NOTES.get(column.kind, ""), column.note) if x), wrap)
        notes.write_string(n, 3, "、".join(values_of[column.key]) if column.kind in ("choice", "choices", "reference")
                           else "", wrap)

    if disciplines:
        table = book.add_worksheet("学科代码")
        table.write_string(0, 0, "学科代码", head)
        table.write_string(0, 1, "学科名称", head)
        table.set_column(0, 0, 12)
        table.set_column(1, 1, 40)
        for n, (code, name) in enumerate(disciplines, start=1):
            table.write_string(n, 0, code)
            table.write_string(n, 1, name)
    book.close()
    return out.getvalue()


def import_report(report, kind_label: str) -> bytes:
    """The dry run's (or the import's) report, every row: its number, outcome, name, and each problem or
    changed field on a line of its own — for fixing a large file in Excel."""
    from rules.imports import OUTCOMES

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **TEXT_ONLY})
    head = book.add_format({"bold": True, "bg_color": "#DDEBF7", "border": 1})
    error = book.add_format({"font_color": "#C00000"})
    sheet = book.add_worksheet(f"{kind_label}导入报告"[:31])
    for column, (title, width) in enumerate([("行号", 8), ("结果", 8), ("名称", 24), ("列", 22), ("说明", 70)]):
        sheet.write_string(0, column, title, head)
        sheet.set_column(column, column, width)
    line = 1
    for row in report.rows:
        details = ([(issue.column or "—", issue.message) for issue in row.issues] if row.outcome == "error" else
                   [("", "变动：" + "、".join(row.changed))] if row.outcome == "update" else [("", "")])
        for column_name, said in details:
            sheet.write_number(line, 0, row.row)
            sheet.write_string(line, 1, OUTCOMES[row.outcome], error if row.outcome == "error" else None)
            sheet.write_string(line, 2, row.name or "")
            sheet.write_string(line, 3, column_name)
            sheet.write_string(line, 4, said)
            line += 1
    sheet.freeze_panes(1, 0)
    sheet.autofilter(0, 0, max(line - 1, 1), 4)
    sheet.set_landscape()
    sheet.set_paper(9)  # A4
    sheet.fit_to_pages(1, 0)  # one page wide, as many long as it takes
    sheet.repeat_rows(0)
    book.close()
    return out.getvalue()
