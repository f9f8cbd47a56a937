"""The leadership workbook: a cover with the key figures, every table on its sheet with one native chart
of the asked kind, numbers stored as numbers, text never a formula, and LibreOffice prints it."""
import io
import re
import shutil
import subprocess
import zipfile

import pytest
from openpyxl import load_workbook
from openpyxl.chart import BarChart, LineChart, PieChart

from exports.leadership import MAX_CHART_ROWS, NO_DATA, LeadershipData, Table, leadership_xlsx
from tests.prerequisites import missing

DISCIPLINES = ["机械工程", "化学工程", "材料科学", "电子与通信技术", "计算机科学技术", "纺织科学技术", "土木建筑工程",
               "环境科学技术及资源科学技术", "生物学", "临床医学", "农学", "食品科学技术", "管理学", "经济学", "能源科学技术"]
DISTRICTS = ["越城区", "柯桥区", "上虞区", "诸暨市", "嵊州市", "新昌县", "绍兴市外"]

TABLES = [
    Table("按学科", "在库专家按学科（一级）分布", ["学科", "人数"],
          [[name, 60 - 3 * i] for i, name in enumerate(DISCIPLINES)], "bar", [1], note="统计范围：2026年；地域：全部"),
    Table("按地区", "在库专家按地区分布", ["地区", "人数"], [[d, 49 - 5 * i] for i, d in enumerate(DISTRICTS)],
          "column", [1]),
    Table("按状态", "专家状态构成", ["状态", "人数"], [["在库", 1234], ["暂停", 56], ["退出", 31], ["公示中", 12]], "pie", [1]),
    Table("抽取月度", "2026年专家抽取情况（按月）", ["月份", "抽取次数", "拒绝率", "缺席率", "平均评分"],
          [[f"{m}月", 3 + m % 5, 0.05 * (m % 4), 0.02 * (m % 3), 4.0 + 0.1 * (m % 6)] for m in range(1, 13)],
          "line", [1, 2, 3], [2, 3]),
    Table("按单位类型", "在库专家按单位类型分布", ["单位类型", "人数", "占比"],
          [["高等院校", 300, 0.4], ["企业", 250, 0.33333], ["科研院所", 200, 0.26667]], "column", [1], [2]),
    Table("空表", "没有数据的表", ["单位", "金额"], [], "bar", [1]),
]
KINDS = {"bar": (BarChart, "bar"), "column": (BarChart, "col"), "pie": (PieChart, None), "line": (LineChart, None)}


def sample(**kw):
    data = dict(title="绍兴市科技专家库统计报表（2026年）", key_figures=[("在库专家", "1,234"), ("本年抽取次数", "56"),
                                                                  ("本年新入库", "87")],
                scope="年度：2026；地域：全部", exported_by="局领导", exported_at="2026-11-28 14:00", tables=TABLES)
    data.update(kw)
    return LeadershipData(**data)


def open_book(data):
    return load_workbook(io.BytesIO(leadership_xlsx(data)))


def test_returns_xlsx_bytes():
    content = leadership_xlsx(sample())
    assert isinstance(content, bytes) and content[:2] == b"PK"


def test_cover_has_title_scope_exporter_and_every_key_figure():
    wb = open_book(sample())
    assert wb.sheetnames[0] == "封面"
    cover = wb["封面"]
    texts = [c.value for row in cover.iter_rows() for c in row if isinstance(c.value, str)]
    joined = "\n".join(texts)
    assert "绍兴市科技专家库统计报表（2026年）" in texts
    assert "年度：2026；地域：全部" in joined and "局领导" in joined and "2026-11-28 14:00" in joined
    for label, value in sample().key_figures:
        # Label and value side by side, both in bordered cells.
        (cell,) = [c for row in cover.iter_rows() for c in row if c.value == label]
        value_cell = cover.cell(cell.row, cell.column + 1)
        assert value_cell.value == value
        assert cell.border.left.style and value_cell.border.right.style
    # The cover prints upright on exactly one A4 page.
    assert cover.page_setup.orientation == "portrait" and cover.page_setup.paperSize == 9
    # fitToWidth/fitToHeight default to 1 when absent (ECMA-376); 0 would mean "as many as needed".
    assert cover.sheet_properties.pageSetUpPr.fitToPage
    assert cover.page_setup.fitToWidth in (None, 1) and cover.page_setup.fitToHeight in (None, 1)
    assert "局领导" in cover.oddFooter.left.text and "2026-11-28 14:00" in cover.oddFooter.left.text


def test_every_table_has_its_sheet_values_formats_and_one_chart_of_its_kind():
    wb = open_book(sample())
    assert wb.sheetnames == ["封面"] + [t.sheet for t in TABLES]
    for table in TABLES:
        ws = wb[table.sheet]
        assert ws["A1"].value == table.title
        assert [ws.cell(4, c + 1).value for c in range(len(table.headers))] == table.headers
        assert all(ws.cell(4, c + 1).font.b for c in range(len(table.headers)))
        assert ws.freeze_panes == "A5"
        for r, row in enumerate(table.rows, start=5):
            cells = [ws.cell(r, c + 1) for c in range(len(row))]
            assert cells[0].value == row[0] and [c.value for c in cells[1:]] == pytest.approx(row[1:])
            assert cells[0].data_type == "s"
            for c in range(1, len(row)):
                assert cells[c].data_type == "n", (table.sheet, r, c)
                if c in table.percent_columns:
                    assert cells[c].number_format == "0.0%"
                elif isinstance(row[c], float):
                    assert cells[c].number_format == "0.00"
                else:
                    assert cells[c].number_format == "#,##0"
        assert ws.page_setup.orientation == "landscape" and ws.page_setup.paperSize == 9
        # fitToWidth 1 is the default, so it may be left out of the XML.
        assert ws.page_setup.fitToWidth in (None, 1) and ws.page_setup.fitToHeight == 0
        assert ws.sheet_properties.pageSetUpPr.fitToPage
        if not table.rows:
            assert ws._charts == [] and ws.cell(5, 1).value == NO_DATA
            continue
        assert len(ws._charts) == 1, table.sheet
        cls, direction = KINDS[table.chart]
        chart = ws._charts[0]
        assert isinstance(chart, cls), table.sheet
        if direction:
            assert chart.type == direction
        # A secondary axis is a second chart of the same type combined with the first.
        assert all(isinstance(part, cls) for part in chart._charts)
        series = sum(len(part.series) for part in chart._charts)
        assert series == (1 if table.chart == "pie" else len(table.value_columns))


def chart_xml(content: bytes, number: int) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        return z.read(f"xl/charts/chart{number}.xml").decode()


def test_chart_series_are_named_from_headers_titled_and_labelled():
    content = leadership_xlsx(sample())
    bar = chart_xml(content, 1)  # 按学科
    assert "在库专家按学科（一级）分布" in bar and "<c:v>人数</c:v>" in bar
    assert '<c:showVal val="1"/>' in bar
    assert f"$B$5:$B${4 + len(DISCIPLINES)}" in bar and f"$A$5:$A${4 + len(DISCIPLINES)}" in bar
    pie = chart_xml(content, 3)
    assert '<c:showPercent val="1"/>' in pie
    line = chart_xml(content, 4)  # counts on the primary axis, the two rates on a secondary one
    assert line.count("<c:lineChart>") == 2
    assert "<c:v>抽取次数</c:v>" in line and "<c:v>拒绝率</c:v>" in line and "<c:v>缺席率</c:v>" in line
    assert 'formatCode="0%"' in line


def test_line_with_only_counts_has_no_secondary_axis():
    table = Table("月度", "月度", ["月份", "次数"], [["1月", 1], ["2月", 2]], "line", [1])
    line = chart_xml(leadership_xlsx(sample(tables=[table])), 1)
    assert line.count("<c:lineChart>") == 1


def test_an_empty_table_gives_no_chart_and_no_error():
    wb = open_book(sample(tables=[Table("空", "空表", ["学科", "人数"], [], "pie", [1])], key_figures=[]))
    ws = wb["空"]
    assert ws._charts == [] and ws["A5"].value == NO_DATA


def test_a_long_table_charts_only_the_first_rows_and_says_so():
    rows = [[f"学科{i}", i] for i in range(1, 46)]
    content = leadership_xlsx(sample(tables=[Table("长表", "长表", ["学科", "人数"], rows, "bar", [1])]))
    ws = load_workbook(io.BytesIO(content))["长表"]
    assert ws.cell(4 + 45, 1).value == "学科45"  # every row in the table
    assert str(MAX_CHART_ROWS) in ws["A2"].value
    xml = chart_xml(content, 1)
    assert f"$B$5:$B${4 + MAX_CHART_ROWS}" in xml and "$B$49" not in xml


def test_a_label_that_looks_like_a_formula_stays_text():
    evil = '=HYPERLINK("http://x","y")'
    data = sample(title=evil, key_figures=[(evil, evil)],
                  tables=[Table("按学科", evil, [evil, "人数"], [[evil, 1], ["+1+2", 2], ["-3", 3]], "bar", [1],
                                note=evil)])
    content = leadership_xlsx(data)
    with zipfile.ZipFile(io.BytesIO(content)) as z:
        sheets = [z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        strings = z.read("xl/sharedStrings.xml").decode()
    assert sheets and all("<f>" not in sheet for sheet in sheets)
    assert "HYPERLINK" in strings and "+1+2" in strings
    ws = load_workbook(io.BytesIO(content))["按学科"]
    assert ws["A5"].value == evil and ws["A5"].data_type == "s"
    assert ws["A6"].value == "+1+2" and ws["A7"].value == "-3" and ws["A7"].data_type == "s"


def test_awkward_sheet_names_are_made_valid_and_unique():
    tables = [Table("a/b:c*?[x]", "t1", ["x", "n"], [["a", 1]], "column", [1]),
              Table("封面", "t2", ["x", "n"], [["a", 1]], "pie", [1]),
              Table("同名" * 20, "t3", ["x", "n"], [["a", 1]], "line", [1]),
              Table("同名" * 20, "t4", ["x", "n"], [["a", 1]], "bar", [1])]
    wb = open_book(sample(tables=tables))
    names = wb.sheetnames
    assert len(names) == 5 and len(set(names)) == 5
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") for n in names)
    assert all(len(wb[n]._charts) == 1 for n in names[1:])


def test_libreoffice_converts_it_to_pdf(tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip(missing("workbook rendering tests", "LibreOffice not installed"))
    assert len(TABLES) == 6
    path = tmp_path / "leadership.xlsx"
    path.write_bytes(leadership_xlsx(sample()))
    subprocess.run([soffice, "--headless", f"-env:UserInstallation=file://{tmp_path}/profile", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(path)], check=True, capture_output=True, timeout=180)
    pdf = (tmp_path / "leadership.pdf").read_bytes()
    assert pdf.startswith(b"%PDF")
    pages = len(re.findall(rb"/Type\s*/Page[^s]", pdf))
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(tmp_path / "leadership.pdf")], capture_output=True, text=True).stdout
        pages = int(re.search(r"Pages:\s+(\d+)", info).group(1))
    # The cover and each table sheet at least one page.
    assert pages >= 1 + len(TABLES)
