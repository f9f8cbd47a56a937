"""The 专家抽取 exports: the result notice (accepted experts only, nothing about the pool) and
the archive record (everything, signatures); page setup, text-only cells, printed pages."""
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

from exports.draw_sheets import (
    ONE_PAGE_MAX_EXPERTS, DrawExpertRow, DrawSheetData, draw_record_xlsx, draw_result_xlsx,
)
from tests.prerequisites import missing

NAMES = ["王建国", "李晓梅", "张伟", "刘海峰", "陈静", "杨志强", "赵敏", "黄立新", "周文斌", "吴晓燕",
         "徐国庆", "孙丽华", "胡明", "朱建华", "高秀英", "林志远", "何雪梅", "郭振华", "马俊", "罗红",
         "梁永康", "宋佳", "郑一鸣", "谢丹", "韩磊"]
UNITS = ["浙江大学绍兴研究院", "绍兴文理学院", "浙江理工大学", "绍兴市柯桥区纺织产业创新中心",
         "浙江工业大学", "中国计量大学", "绍兴越州纺织科技有限公司", "浙江省现代纺织技术创新中心"]
TITLES = ["正高级 教授", "副高级 副教授", "正高级 研究员", "副高级 高级工程师", "正高级 教授级高级工程师"]
DISCIPLINES = ["54020 纺织材料", "52020 人工智能", "520 计算机科学技术", "43045 高分子材料", "54099 纺织科学技术其他学科"]
# (role, response, attendance, rating) for the 20 experts of the sample, in draw order.
OUTCOMES = (
    [("抽中", "已接受", "出席", "5")] * 6
    + [("抽中", "已拒绝：出差", "", ""), ("抽中", "超时未答复", "", ""), ("抽中", "已接受", "缺席（有理由：突发疾病）", "")]
    + [("抽中", "已接受", "出席", "4")] * 5
    + [("抽中", "回避冲突", "", "")]
    + [("备选", "已接受", "出席", "5"), ("备选", "已接受", "出席", "4"), ("备选", "已拒绝：时间冲突", "", ""),
       ("备选", "未启用", "", "")]
    + [("特邀", "已接受（特邀）", "出席", "5")]
)


def _expert(i: int, role: str, response: str, attendance: str = "", rating: str = "") -> DrawExpertRow:
    return DrawExpertRow(
        order=i + 1, role=role, name=NAMES[i % len(NAMES)], unit=UNITS[i % len(UNITS)],
        title=TITLES[i % len(TITLES)], discipline=DISCIPLINES[i % len(DISCIPLINES)],
        mobile=f"13{i % 10}****{2000 + i:04d}", response=response, attendance=attendance, rating=rating)


SAMPLE = DrawSheetData(
    request_no="CQ-2026-0012",
    activity="2026年度市级科技计划项目评审",
    activity_type="项目评审",
    time="2026-12-10 09:00 至 2026-12-10 17:00",
    place="绍兴市科技大楼三楼第一会议室",
    usage_unit="绍兴市科学技术局高新技术处",
    conditions=[("学科", "520 计算机科学技术；52020 人工智能"), ("最低职称", "副高级"), ("地域", "不限"),
                ("年龄", "35–65周岁"), ("专家类型", "技术专家"), ("每单位最多", "1人")],
    need=15, backups=4,
    draws=[("首次抽取", "2026-12-01 10:02:11 操作人 张楚奇"),
           ("补充抽取 #2", "2026-12-03 15:40:27 操作人 张楚奇 原因：备选用尽")],
    pool_size=4317,
    pool_digest="9f2c1e7a4b6d8e0f3a5c7e9b1d3f5a7c9e1b3d5f7a9c1e3b5d7f9a1c3e5b7d9f",
    seed="5e8a1c3f7b9d2e4a6c8f0b1d3e5a7c9f2b4d6e8a0c1f3b5d7e9a2c4f6b8d0e1a",
    algorithm_version="sha256-stratified-v1",
    exclusions=[("参评项目负责人或成员", 3), ("与参评项目单位相同", 12), ("申请方声明回避", 2),
                ("活动时间请假或已有安排", 5)],
    experts=[_expert(i, *outcome) for i, outcome in enumerate(OUTCOMES)],
    verification="复核一致（2026-12-01 10:30 监督员复核）",
    exported_by="张楚奇", exported_at="2026-12-05 09:15",
)
ACCEPTED = [e for e in SAMPLE.experts if e.response.startswith("已接受")]
NOT_ACCEPTED = [e for e in SAMPLE.experts if not e.response.startswith("已接受")]
INJECTION = '=HYPERLINK("http://x","y")'
SIGNATURES = ["经办人（签字）：________ 日期：________", "监督人（签字）：________ 日期：________"]
RECORD_SECTIONS = ["专家抽取记录表", "一、活动信息", "二、抽取条件", "三、抽取过程", "四、回避与排除",
                   "五、抽取结果", "六、复核"]
HEADER_FIELDS = {"编号": SAMPLE.request_no, "活动": SAMPLE.activity, "类型": SAMPLE.activity_type,
                 "时间": SAMPLE.time, "地点": SAMPLE.place, "使用单位": SAMPLE.usage_unit}
NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
BUILDERS = {"result": draw_result_xlsx, "record": draw_record_xlsx}


def _many(n: int) -> DrawSheetData:
    experts = [_expert(i, "抽中" if i < n - 2 else "备选", "已接受", "出席", "5") for i in range(n)]
    return dataclasses.replace(SAMPLE, experts=experts, need=n - 2, backups=2)


def _sheet(content: bytes):
    workbook = openpyxl.load_workbook(io.BytesIO(content))
    return workbook, workbook.worksheets[0]


def _values(sheet) -> list[str]:
    return [cell.value for row in sheet.iter_rows() for cell in row if cell.value is not None]


def _find(sheet, value: str):
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value == value:
                return cell
    raise AssertionError(f"{value!r} not found")


def _right_of(sheet, label: str):
    """The value of the next non-empty cell to the right of label (labels may span merged cells)."""
    cell = _find(sheet, label)
    for col in range(cell.column + 1, sheet.max_column + 1):
        value = sheet.cell(cell.row, col).value
        if value is not None:
            return value
    raise AssertionError(f"nothing right of {label!r}")


def _table(sheet, header: str) -> list[list[str]]:
    """The rows under the table whose first header cell is header, up to the first non-numbered row."""
    start = _find(sheet, header).row
    rows = []
    for r in range(start + 1, sheet.max_row + 1):
        cells = [sheet.cell(r, c).value for c in range(1, sheet.max_column + 1)]
        if not (cells[0] or "").isdigit():
            break
        rows.append([v for v in cells if v is not None])
    return rows


# --- the record form -------------------------------------------------------------------------

def test_record_has_every_section_label_and_value():
    _, sheet = _sheet(draw_record_xlsx(SAMPLE))
    values = _values(sheet)
    labels = RECORD_SECTIONS + list(HEADER_FIELDS) + [label for label, _ in SAMPLE.conditions] + [
        "需要专家", "备选人数", "候选库人数", "候选库摘要", "随机种子", "算法版本", "排除原因", "人数", "合计",
        "序号", "类别", "姓名", "工作单位", "职称", "答复情况", "出席", "评分", "复核结果",
    ] + [label for label, _ in SAMPLE.draws] + [reason for reason, _ in SAMPLE.exclusions]
    assert [label for label in labels if label not in values] == []
    expected = {**HEADER_FIELDS, **dict(SAMPLE.conditions), **dict(SAMPLE.draws),
                "需要专家": "15 人", "备选人数": "4 人", "候选库人数": "4317 人",
                "候选库摘要": SAMPLE.pool_digest, "随机种子": SAMPLE.seed,
                "算法版本": SAMPLE.algorithm_version, "复核结果": SAMPLE.verification,
                **{reason: f"{count} 人" for reason, count in SAMPLE.exclusions}, "合计": "22 人"}
    assert {label: _right_of(sheet, label) for label in expected} == expected


def test_record_sections_come_in_order_and_signatures_close_it():
    _, sheet = _sheet(draw_record_xlsx(SAMPLE))
    rows = [_find(sheet, s).row for s in RECORD_SECTIONS + SIGNATURES]
    assert rows == sorted(rows) and len(set(rows)) == len(rows)
    assert _find(sheet, SIGNATURES[1]).row == sheet.max_row
    assert _find(sheet, "首次抽取").row < _find(sheet, "补充抽取 #2").row < _find(sheet, "候选库摘要").row


def test_record_lists_every_expert_in_draw_order():
    shuffled = dataclasses.replace(SAMPLE, experts=list(reversed(SAMPLE.experts)))
    _, sheet = _sheet(draw_record_xlsx(shuffled))
    expert_rows = _table(sheet, "类别")  # the expert table; its first column is 序号
    assert expert_rows == [
        [str(e.order), e.role, e.name, e.unit, e.title, e.response] + [v for v in (e.attendance, e.rating) if v]
        for e in SAMPLE.experts
    ]
    assert any(r[5].startswith("已拒绝") for r in expert_rows) and any(r[1] == "特邀" for r in expert_rows)


def test_record_repeats_the_expert_table_header_on_every_printed_page():
    _, sheet = _sheet(draw_record_xlsx(_many(80)))
    header_row = _find(sheet, "类别").row
    assert sheet.print_title_rows == f"${header_row}:${header_row}"


def test_record_without_exclusions_or_experts_says_so():
    _, sheet = _sheet(draw_record_xlsx(dataclasses.replace(SAMPLE, exclusions=[], experts=[])))
    values = _values(sheet)
    assert "无" in values and "（无）" in values
    assert _right_of(sheet, "合计") == "0 人"
    assert SIGNATURES[0] in values and SIGNATURES[1] in values


def test_record_digest_and_seed_are_small_monospace_and_wrap():
    _, sheet = _sheet(draw_record_xlsx(dataclasses.replace(SAMPLE, seed="ab" * 80)))
    digest, seed, plain = _find(sheet, SAMPLE.pool_digest), _find(sheet, "ab" * 80), _find(sheet, SAMPLE.activity)
    for cell in (digest, seed):
        assert cell.font.name == "Courier New" and cell.font.sz < plain.font.sz
        assert cell.alignment.wrap_text is True
    assert sheet.row_dimensions[seed.row].height > sheet.row_dimensions[digest.row].height


# --- the result notice -----------------------------------------------------------------------

def test_result_has_the_header_and_only_the_accepted_experts():
    _, sheet = _sheet(draw_result_xlsx(SAMPLE))
    values = _values(sheet)
    assert "专家抽取结果" in values
    assert {label: _right_of(sheet, label) for label in HEADER_FIELDS} == HEADER_FIELDS
    header = _find(sheet, "序号")
    assert [sheet.cell(header.row, c).value for c in range(1, 7)] == ["序号", "姓名", "工作单位", "职称", "学科", "联系电话"]
    assert _table(sheet, "序号") == [
        [str(i), e.name, e.unit, e.title, e.discipline, e.mobile] for i, e in enumerate(ACCEPTED, start=1)
    ]
    assert len(ACCEPTED) == 15 and any(e.role == "备选" for e in ACCEPTED) and any(e.role == "特邀" for e in ACCEPTED)
    for expert in NOT_ACCEPTED:
        assert expert.mobile not in values
        assert expert.response not in values
    assert f"共 {len(ACCEPTED)} 名专家已接受邀请。" in values


def test_result_never_shows_the_pool():
    content = draw_result_xlsx(SAMPLE)
    _, sheet = _sheet(content)
    text = "\n".join(_values(sheet))
    forbidden = ["4317", SAMPLE.pool_digest, SAMPLE.seed, SAMPLE.algorithm_version, "候选库", "随机种子",
                 "排除", "回避", "复核", SAMPLE.verification] + [reason for reason, _ in SAMPLE.exclusions]
    assert [word for word in forbidden if word in text] == []
    # Nor anywhere in the file: properties, shared strings, defined names.
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        raw = "".join(archive.read(name).decode("utf-8", "replace") for name in archive.namelist())
    assert [word for word in forbidden if word in raw] == []


def test_result_without_accepted_experts_says_so():
    data = dataclasses.replace(SAMPLE, experts=NOT_ACCEPTED)
    _, sheet = _sheet(draw_result_xlsx(data))
    values = _values(sheet)
    assert "（暂无已接受邀请的专家）" in values and "共 0 名专家已接受邀请。" in values
    assert not any(e.name in values for e in NOT_ACCEPTED)


def test_result_freezes_and_repeats_the_table_header():
    workbook, sheet = _sheet(draw_result_xlsx(SAMPLE))
    header_row = _find(sheet, "姓名").row
    assert sheet.freeze_panes == f"A{header_row + 1}"
    assert sheet.print_title_rows == f"${header_row}:${header_row}"
    widths = {col: sheet.column_dimensions[col].width for col in "ABCDEF"}
    assert widths["C"] > widths["B"] > widths["A"] and widths["E"] > widths["D"]


# --- both ------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, experts, fit_height", [
    ("result", 20, 1), ("result", ONE_PAGE_MAX_EXPERTS, 1), ("result", ONE_PAGE_MAX_EXPERTS + 1, 0),
    ("record", 20, 1), ("record", ONE_PAGE_MAX_EXPERTS, 1), ("record", ONE_PAGE_MAX_EXPERTS + 1, 0)])
def test_page_setup_is_a4_portrait_one_page_wide(kind, experts, fit_height):
    _, sheet = _sheet(BUILDERS[kind](_many(experts)))
    setup = sheet.page_setup
    assert int(setup.paperSize) == 9
    assert setup.orientation == "portrait"
    assert sheet.sheet_properties.pageSetUpPr.fitToPage is True
    # An absent fitToWidth / fitToHeight means 1 in SpreadsheetML; 0 means "as many as needed".
    assert int(setup.fitToWidth if setup.fitToWidth is not None else 1) == 1
    assert int(setup.fitToHeight if setup.fitToHeight is not None else 1) == fit_height
    last_col = "F" if kind == "result" else "H"
    assert sheet.print_area.endswith(f"!$A$1:${last_col}${sheet.max_row}")
    assert sheet.print_options.horizontalCentered is True
    assert sheet.sheet_view.showGridLines is False


@pytest.mark.parametrize("kind, title", [("result", "专家抽取结果"), ("record", "专家抽取记录表")])
def test_footer_and_properties_name_who_exported_it(kind, title):
    data = dataclasses.replace(SAMPLE, exported_by="R&D 李四")
    workbook, sheet = _sheet(BUILDERS[kind](data))
    assert "导出：R&&D 李四 2026-12-05 09:15" in sheet.oddFooter.left.text
    assert "第 &P 页" in sheet.oddFooter.right.text
    assert workbook.properties.title == title
    assert workbook.properties.creator == "R&D 李四"


@pytest.mark.parametrize("kind", ["result", "record"])
def test_rows_have_explicit_heights_and_long_values_wrap(kind):
    long_unit = "绍兴市某某纺织新材料科技股份有限公司研究院"
    experts = [dataclasses.replace(e, unit=long_unit) if e.order == 1 else e for e in SAMPLE.experts]
    _, sheet = _sheet(BUILDERS[kind](dataclasses.replace(SAMPLE, experts=experts)))
    for row in range(1, sheet.max_row + 1):
        assert sheet.row_dimensions[row].height, f"row {row} has no explicit height"
    unit = _find(sheet, long_unit)
    assert unit.alignment.wrap_text is True
    assert unit.border.left.style and unit.border.bottom.style
    assert sheet.row_dimensions[unit.row].height > sheet.row_dimensions[unit.row + 1].height


def _injected() -> DrawSheetData:
    """Every text value of the sample, the experts' included, replaced by a formula."""
    expert_fields = [f.name for f in dataclasses.fields(DrawExpertRow) if f.name != "order"]
    experts = [dataclasses.replace(e, **{f: INJECTION for f in expert_fields}) for e in SAMPLE.experts]
    # Keep the responses "accepted" so the result notice prints the injected names.
    experts = [dataclasses.replace(e, response="已接受" + INJECTION) for e in experts]
    fields = [f.name for f in dataclasses.fields(DrawSheetData)
              if f.type in ("str", str) and f.name not in ("exported_by", "exported_at")]
    return dataclasses.replace(
        SAMPLE, **{f: INJECTION for f in fields}, experts=experts,
        conditions=[(INJECTION, INJECTION)], draws=[(INJECTION, INJECTION)], exclusions=[(INJECTION, 1)])


@pytest.mark.parametrize("kind", ["result", "record"])
def test_formula_like_values_are_stored_as_text(kind):
    content = BUILDERS[kind](_injected())
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheet_xml = archive.read("xl/worksheets/sheet1.xml").decode()
        shared = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
    assert not re.search(r"<f[\s>/]", sheet_xml)
    assert INJECTION in [t.text for t in shared.iter(f"{NS}t")]
    _, sheet = _sheet(content)
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert {c.data_type for c in cells} == {"s"}
    name = _find(sheet, "姓名")
    assert sheet.cell(name.row + 1, name.column).value == INJECTION  # the first expert's name
    assert len([c for c in cells if c.value == INJECTION]) >= 4 * len(SAMPLE.experts)


@pytest.mark.parametrize("kind", ["result", "record"])
def test_no_value_goes_through_the_type_guessing_write(monkeypatch, kind):
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
    BUILDERS[kind](SAMPLE)
    assert guessed == []


# --- printed by LibreOffice ------------------------------------------------------------------

def _soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def _pdf_info(path) -> tuple[int, str]:
    """(pages, page size line) of a PDF."""
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1)), re.search(r"^Page size:(.*)$", info, re.M).group(1)


def _to_pdf(tmp_path, files: dict[str, bytes]) -> dict[str, object]:
    """Convert every {stem: xlsx bytes} to PDF in one LibreOffice run; {stem: pdf path}."""
    soffice = _soffice()
    if soffice is None:
        pytest.skip(missing("workbook rendering tests", "LibreOffice not installed"))
    if shutil.which("pdfinfo") is None:
        pytest.skip(missing("workbook rendering tests", "pdfinfo (poppler-utils) not installed"))
    sources = []
    for stem, content in files.items():
        source = tmp_path / f"{stem}.xlsx"
        source.write_bytes(content)
        sources.append(str(source))
    profile = tmp_path / "lo-profile"
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp_path), *sources],
        env=env, capture_output=True, timeout=300, check=True)
    pdfs = {stem: tmp_path / f"{stem}.pdf" for stem in files}
    assert all(p.exists() for p in pdfs.values()), "LibreOffice wrote no PDF"
    return pdfs


def _pdf_text(path) -> str:
    if shutil.which("pdftotext") is None:
        return ""
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_libreoffice_prints_each_on_one_a4_page(tmp_path):
    long_values = dataclasses.replace(
        _many(ONE_PAGE_MAX_EXPERTS),
        place="绍兴市越城区某某路 88 号绍兴市科技创新服务中心大楼三楼第一会议室（请从北门进入）",
        conditions=SAMPLE.conditions + [("活动时间", SAMPLE.time)],
        draws=SAMPLE.draws + [("补充抽取 #3", "2026-12-04 09:12:40 操作人 张楚奇 原因：专家临时回避，备选已用尽")])
    pdfs = _to_pdf(tmp_path, {
        "result": draw_result_xlsx(SAMPLE),
        "result-20-accepted": draw_result_xlsx(_many(20)),
        "result-25-accepted": draw_result_xlsx(_many(ONE_PAGE_MAX_EXPERTS)),
        "record": draw_record_xlsx(SAMPLE),
        "record-25": draw_record_xlsx(long_values),
    })
    for stem, pdf in pdfs.items():
        pages, size = _pdf_info(pdf)
        assert pages == 1, f"{stem}: {pages} pages"
        assert "(A4)" in size and size.strip().startswith("595"), f"{stem}: {size}"  # A4 portrait
    record_text = _pdf_text(pdfs["record"])
    if record_text:
        squeezed = re.sub(r"\s+", "", record_text)
        assert all(e.name in squeezed for e in SAMPLE.experts)
        assert "经办人（签字）" in squeezed and "监督人（签字）" in squeezed
        result_text = re.sub(r"\s+", "", _pdf_text(pdfs["result"]))
        assert all(e.name in result_text for e in ACCEPTED)
        assert "4317" not in result_text and SAMPLE.seed[:16] not in result_text


def test_libreoffice_lets_long_lists_flow_over_pages_one_page_wide_with_the_header_repeated(tmp_path):
    pdfs = _to_pdf(tmp_path, {"result-80": draw_result_xlsx(_many(80)), "record-80": draw_record_xlsx(_many(80))})
    for stem, pdf in pdfs.items():
        pages, size = _pdf_info(pdf)
        assert pages >= 2, stem
        assert "(A4)" in size and size.strip().startswith("595"), f"{stem}: {size}"
        if shutil.which("pdftotext"):
            page2 = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True,
                                   text=True, check=True).stdout
            assert "姓名" in page2 and "工作单位" in page2, f"{stem}: no table header on page 2"
