"""The 专家信息表 export: labels, values, check boxes, page setup, text-only cells, one printed page."""
from __future__ import annotations

import dataclasses
import io
import os
import re
import shutil
import subprocess
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest

from exports.expert_form import BASIC_CONDITION, ExpertFormData, expert_form_xlsx
from tests.prerequisites import missing

LABELS = [
    "专家信息表",
    "一、基本信息",
    "专家姓名", "证件类型", "证件号码", "出生年月", "职称级别", "职务", "学历", "学位",
    "移动电话", "办公电话", "电子邮箱", "开户银行", "银行账号",
    "二、工作单位",
    "单位名称", "统一社会信用代码", "单位类型", "单位所在地", "归口管理部门", "地域（绍兴市内/市外）",
    "三、学术信息",
    "专家类型", "学科分类", "是否符合优先入库条件",
    "四、职称信息",
    "职称名称", "发证时间", "职称证书",
    "五、盖章",
    "单位意见",
]

SAMPLE = ExpertFormData(
    name="王建国", id_type="居民身份证", id_number="330602197506151234", birth_month="1975年06月",
    title_level="正高级", position="研究院副院长", education="研究生", degree="博士",
    mobile="13905751234", office_phone="0575-88001234", email="wangjianguo@example.edu.cn",
    bank_name="中国工商银行绍兴越城支行", bank_account="6222021203001234567",
    unit_name="浙江大学绍兴研究院", credit_code="12330600MB1234567X",
    unit_type="高等院校及科研院所", unit_location="浙江省绍兴市越城区", department="绍兴市科学技术局",
    region="绍兴市内", expert_type="technical", basic_condition=True,
    disciplines="54020 纺织材料；54099 纺织科学技术其他学科",
    priority="是：两院院士", title_name="教授级高级工程师", title_issued_on="2012年12月",
    title_certificate="已上传：职称证书.pdf", exported_by="张三", exported_at="2026-11-28 10:00",
)
TEXT_FIELDS = [f.name for f in dataclasses.fields(ExpertFormData)
               if f.type in ("str", str) and f.name not in ("expert_type", "exported_by", "exported_at")]
INJECTION = '=HYPERLINK("http://x","y")'


def _sheet(data: ExpertFormData):
    workbook = openpyxl.load_workbook(io.BytesIO(expert_form_xlsx(data)))
    return workbook, workbook.worksheets[0]


def _cells(sheet) -> list:
    return [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _right_of(sheet, label: str):
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == label:
                return sheet.cell(cell.row, cell.column + 1).value
    raise AssertionError(f"label {label!r} not found")


def test_every_label_of_attachment_1_is_present():
    _, sheet = _sheet(SAMPLE)
    values = _cells(sheet)
    missing = [label for label in LABELS if label not in values]
    assert not missing


def test_sections_come_in_the_order_of_the_form():
    _, sheet = _sheet(SAMPLE)
    rows = {cell.value: cell.row for row in sheet.iter_rows() for cell in row if cell.value in LABELS}
    sections = ["专家信息表", "一、基本信息", "二、工作单位", "三、学术信息", "四、职称信息", "五、盖章"]
    assert [rows[s] for s in sections] == sorted(rows[s] for s in sections)
    assert rows["银行账号"] < rows["二、工作单位"] < rows["单位名称"] < rows["三、学术信息"]
    assert rows["职称证书"] < rows["五、盖章"] < rows["单位意见"]


def test_every_value_is_printed_next_to_its_label():
    _, sheet = _sheet(SAMPLE)
    expected = {
        "专家姓名": SAMPLE.name, "证件类型": SAMPLE.id_type, "证件号码": SAMPLE.id_number,
        "出生年月": SAMPLE.birth_month, "职称级别": SAMPLE.title_level, "职务": SAMPLE.position,
        "学历": SAMPLE.education, "学位": SAMPLE.degree, "移动电话": SAMPLE.mobile,
        "办公电话": SAMPLE.office_phone, "电子邮箱": SAMPLE.email, "开户银行": SAMPLE.bank_name,
        "银行账号": SAMPLE.bank_account, "单位名称": SAMPLE.unit_name,
        "统一社会信用代码": SAMPLE.credit_code, "单位类型": SAMPLE.unit_type,
        "单位所在地": SAMPLE.unit_location, "归口管理部门": SAMPLE.department,
        "地域（绍兴市内/市外）": SAMPLE.region, "学科分类": SAMPLE.disciplines,
        "是否符合优先入库条件": SAMPLE.priority, "职称名称": SAMPLE.title_name,
        "发证时间": SAMPLE.title_issued_on, "职称证书": SAMPLE.title_certificate,
    }
    assert {label: _right_of(sheet, label) for label in expected} == expected
    # Every text field of the data class is covered above.
    assert sorted(getattr(SAMPLE, f) for f in TEXT_FIELDS) == sorted(expected.values())


def test_the_stamp_box_is_empty_but_for_the_stamp_and_date():
    _, sheet = _sheet(SAMPLE)
    box = _right_of(sheet, "单位意见")
    lines = [line.strip() for line in box.split("\n") if line.strip()]
    assert lines == ["（单位盖章）", "年    月    日"]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == box)
    assert cell.alignment.horizontal == "right"
    assert cell.alignment.vertical in (None, "bottom")  # absent means bottom
    merged = next(r for r in sheet.merged_cells.ranges if cell.coordinate in r)
    assert (merged.min_col, merged.max_col) == (2, 4)
    assert merged.max_row - merged.min_row + 1 >= 5


@pytest.mark.parametrize("basic_condition", [True, False])
@pytest.mark.parametrize("expert_type", ["technical", "financial"])
def test_check_boxes_follow_the_type_and_the_condition(expert_type, basic_condition):
    data = dataclasses.replace(SAMPLE, expert_type=expert_type, basic_condition=basic_condition)
    _, sheet = _sheet(data)
    lines = _right_of(sheet, "专家类型").split("\n")
    chosen = "☑" if basic_condition else "☐"
    if expert_type == "technical":
        marks = ["☑", chosen, "☐", "☐"]
    else:
        marks = ["☐", "☐", "☑", chosen]
    assert [line.strip() for line in lines] == [
        f"{marks[0]} 1.技术专家", f"{marks[1]} {BASIC_CONDITION}",
        f"{marks[2]} 2.财务专家", f"{marks[3]} {BASIC_CONDITION}",
    ]
    assert lines[1].startswith("    ") and lines[3].startswith("    ")


def test_page_setup_is_one_a4_portrait_page_with_a_print_area():
    workbook, sheet = _sheet(SAMPLE)
    setup = sheet.page_setup
    assert int(setup.paperSize) == 9
    assert setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    # An absent fitToWidth / fitToHeight means 1 in SpreadsheetML; 0 would mean "as many as needed".
    assert int(setup.fitToWidth if setup.fitToWidth is not None else 1) == 1
    assert int(setup.fitToHeight if setup.fitToHeight is not None else 1) == 1
    assert sheet.print_area is not None
    assert sheet.print_area.endswith(f"!$A$1:$D${sheet.max_row}")
    assert sheet.print_options.horizontalCentered is True
    assert sheet.sheet_view.showGridLines is False


def test_footer_and_properties_name_who_exported_it():
    data = dataclasses.replace(SAMPLE, exported_by="R&D 李四")
    workbook, sheet = _sheet(data)
    assert "导出：R&&D 李四 2026-11-28 10:00" in sheet.oddFooter.left.text
    assert "第 &P 页" in sheet.oddFooter.right.text
    assert workbook.properties.title == "专家信息表"
    assert workbook.properties.creator == "R&D 李四"


def test_rows_have_explicit_heights_and_values_wrap():
    _, sheet = _sheet(dataclasses.replace(SAMPLE, unit_name="很长的单位名称" * 10))
    for row in range(1, sheet.max_row + 1):
        assert sheet.row_dimensions[row].height, f"row {row} has no explicit height"
    unit = next(c for row in sheet.iter_rows() for c in row if c.value == "很长的单位名称" * 10)
    assert unit.alignment.wrap_text is True
    assert sheet.row_dimensions[unit.row].height > sheet.row_dimensions[unit.row - 1].height


def test_formula_like_values_are_stored_as_text():
    data = dataclasses.replace(SAMPLE, **{field: INJECTION for field in TEXT_FIELDS})
    content = expert_form_xlsx(data)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        shared = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
    assert not re.search(r"<f[\s>/]", sheet_xml)
    ns = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
    assert INJECTION in [t.text for t in shared.iter(f"{ns}t")]
    _, sheet = _sheet(data)
    cells = [c for row in sheet.iter_rows() for c in row if c.value == INJECTION]
    assert len(cells) == len(TEXT_FIELDS)
    assert {c.data_type for c in cells} == {"s"}


def test_no_value_goes_through_the_type_guessing_write(monkeypatch):
    # write() and merge_range(data) guess the type: "=..." would become a formula
    # in a workbook without strings_to_formulas=False. Only blanks may take that path.
    from xlsxwriter.worksheet import Worksheet

    guessed = []
    original = Worksheet._write

    def spy(self, row, col, *args):
        if args and args[0] not in ("", None):
            guessed.append(args[0])
        return original(self, row, col, *args)

    monkeypatch.setattr(Worksheet, "_write", spy)
    expert_form_xlsx(SAMPLE)
    assert guessed == []


def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _pdf_pages(pdf: bytes, path) -> int:
    if shutil.which("pdfinfo"):
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))
    return len(re.findall(rb"/Type\s*/Page[^s]", pdf))


@pytest.mark.parametrize("long_values", [False, True], ids=["sample", "long-values"])
def test_libreoffice_prints_it_on_one_page(tmp_path, long_values):
    soffice = _soffice()
    if soffice is None:
        pytest.skip(missing("workbook rendering tests", "LibreOffice not installed"))
    data = SAMPLE
    if long_values:
        data = dataclasses.replace(
            SAMPLE, unit_name="绍兴市某某纺织新材料科技股份有限公司研究院" * 3,
            disciplines="；".join(["54020 纺织材料", "54099 纺织科学技术其他学科", "43045 高分子材料"] * 4),
            priority="是：" + "、".join(["两院院士", "国家级人才计划入选者", "省级人才计划入选者"] * 3))
    source = tmp_path / "expert-form.xlsx"
    source.write_bytes(expert_form_xlsx(data))
    profile = tmp_path / "lo-profile"
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), str(source)],
        env=env, capture_output=True, timeout=180, check=True)
    pdf = tmp_path / "expert-form.pdf"
    assert pdf.exists(), "LibreOffice wrote no PDF"
    assert _pdf_pages(pdf.read_bytes(), pdf) == 1
