"""Tests for rules.imports: cells normalised, headers found, rows checked with the forms' own messages."""
from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import InvalidInput
from rules.credit_code import credit_code_check_char
from rules.idcard import resident_id_check_char
from rules.cells import clean_code, clean_text, parse_bool, parse_date, parse_month_cell, parse_priorities
from rules.imports import EXPERT_COLUMNS, UNIT_COLUMNS, Lookups, parse_expert_row, parse_unit_row, read_header

TODAY = date(2026, 3, 15)
BODY = "33060219750612001"
ID = BODY + resident_id_check_char(BODY)
CODE = "91330602MA2BC1234" + credit_code_check_char("91330602MA2BC1234")
LOOKUPS = Lookups(education={"博士研究生": 1, "doctoral": 1}, discipline={"54020": 7, "54030": 8},
                  unit_by_code={CODE: 3}, unit_by_name={"绍兴某某科技有限公司": [3], "同名单位": [4, 5]},
                  department={"越城区科技局": 2}, unit_type={"企业": 9}, college={(3, "纺织学院"): 11})


def full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


@given(st.text(alphabet="0123456789ABCDEFGHJKLMNPQRTUWXY-@.", max_size=30))
def test_full_width_codes_read_as_their_half_width_selves(text):
    assert clean_code(full_width(text) + "　 ", "证件号码") == text


@given(st.text(max_size=20))
def test_cleaning_is_idempotent_and_strips_the_spaces_excel_users_leave(text):
    once = clean_text(text)
    assert clean_text(once) == once
    assert once == once.strip(" \t\r\n\u00a0\u3000\u200b\ufeff")


@given(st.dates(min_value=date(1900, 3, 1), max_value=date(2100, 12, 31)))
def test_a_date_reads_the_same_as_an_excel_serial_as_text_and_as_a_date(day):
    serial = (day - date(1899, 12, 30)).days
    assert parse_date(serial) == parse_date(day.isoformat()) == day
    if serial >= 10_000:  # as text only a five-digit serial (from 1927-05-18) is read as one, never "1975"
        assert parse_date(str(serial)) == day
    assert parse_date(datetime(day.year, day.month, day.day)) == parse_date(f"{day.year}年{day.month}月{day.day}日") == day
    assert parse_month_cell(serial) == parse_month_cell(f"{day.year}-{day.month:02d}") == day.replace(day=1)


@pytest.mark.parametrize("value", ["1975-06", "1975/6", "1975年6月", "1975.06", 1975.06, 197506, "１９７５－０６",
                                   datetime(1975, 6, 12), "1975-06-12"])
def test_a_birth_month_in_any_usual_spelling(value):
    assert parse_month_cell(value) == date(1975, 6, 1)


def test_a_month_excel_turned_into_a_number_that_hides_october_is_refused():
    with pytest.raises(InvalidInput, match="无法区分1月和10月"):
        parse_month_cell(1975.1)


def test_long_numbers_stored_as_numbers_are_refused_not_guessed():
    with pytest.raises(InvalidInput, match="末几位已丢失"):
        clean_code(330602197506120000, "证件号码")
    with pytest.raises(InvalidInput, match="设为文本格式"):
        clean_code(3.306021975e17 + 0.5, "证件号码")
    assert clean_code(13905751234, "移动电话") == "13905751234"
    assert clean_code(13905751234.0, "移动电话") == "13905751234"


@pytest.mark.parametrize("value, expected", [("是", True), ("否", False), (" Y ", True), ("√", True), (True, True),
                                             (0, False), ("无", False)])
def test_yes_and_no(value, expected):
    assert parse_bool(value) is expected


def test_headers_are_found_by_label_alias_and_required_star_and_the_other_template_is_named():
    header = read_header(["姓名", " 证件号码* ", "主学科代码", "备注"], "experts")
    assert [c.key for c in header.values()] == ["name", "id_number", "primary_discipline"]
    with pytest.raises(InvalidInput, match="这是工作单位的导入模板"):
        read_header([c.label for c in UNIT_COLUMNS], "experts")
    with pytest.raises(InvalidInput, match="这是专家的导入模板"):
        read_header([c.label for c in EXPERT_COLUMNS], "units")
    with pytest.raises(InvalidInput, match="缺少“证件号码”“主学科代码”列"):
        read_header(["专家姓名"], "experts")


def test_a_good_expert_row_becomes_the_records_values():
    row = parse_expert_row(2, {"name": "张三 ", "id_number": full_width(ID), "title_level": "正高级",
                               "education": "博士研究生", "mobile": "139 0575 1234", "credit_code": CODE.lower(),
                               "college": "纺织学院", "primary_discipline": 54020, "secondary_disciplines": "54030、",
                               "priority_categories": "两院院士；近三年承担省部级及以上科研项目（课题）的负责人",
                               "basic_condition_declared": "是", "title_issued_on": "2015年12月1日"}, LOOKUPS, TODAY)
    assert row.issues == []
    assert row.values == {
        "name": "张三", "id_type": "resident", "id_number": ID, "birth_month": date(1975, 6, 1),
        "title_level": "senior", "education_id": 1, "mobile": "13905751234", "organization_id": 3, "college_id": 11,
        "primary_discipline_id": 7, "secondary_discipline_ids": [8],
        "priority_categories": "academician,project_leader", "basic_condition_declared": True,
        "title_issued_on": date(2015, 12, 1)}


def test_every_problem_of_a_row_is_reported_with_its_column():
    row = parse_expert_row(9, {"name": "李\n四", "id_type": "护照", "id_number": "P1", "years_in_field": 90,
                               "organization": "同名单位", "primary_discipline": "1", "title_issued_on": "2030-01-01",
                               "office_phone": "88157551", "bad_record": "也许"}, LOOKUPS, TODAY)
    assert {(i.row, i.column, i.message) for i in row.issues} == {
        (9, "专家姓名", "不能包含控制字符（如换行、制表符）"),
        (9, "证件号码", "护照号码应为5至20位字母或数字"),
        (9, "从事本领域年限", "年限应在0到80之间"),
        (9, "工作单位", "名为“同名单位”的工作单位不止一个，请填写统一社会信用代码"),
        (9, "主学科代码", "学科代码“1”不在学科分类与代码（GB/T 13745-2009）中"),
        (9, "发证时间", "发证时间不能晚于今天"),
        (9, "办公电话", "办公电话请加上区号，示例：0575-88157551"),
        (9, "有不良记录", "请填写“是”或“否”"),
    }


def test_required_cells_and_a_missing_unit():
    row = parse_expert_row(3, {"name": "王五"}, LOOKUPS, TODAY)
    assert {(i.column, i.message) for i in row.issues} == {
        ("证件号码", "请填写证件号码"), ("主学科代码", "请填写主学科代码"), ("工作单位", "请选择工作单位")}


def test_a_unit_row():
    row = parse_unit_row(2, {"name": "绍兴某某科技有限公司", "credit_code": f" {CODE} ", "unit_type": "企业",
                             "in_shaoxing": "否", "department": "越城区科技局"}, LOOKUPS)
    assert row.issues == [] and row.values == {"name": "绍兴某某科技有限公司", "credit_code": CODE, "unit_type_id": 9,
                                               "in_shaoxing": False, "department_id": 2}
    bad = parse_unit_row(3, {"name": "某单位", "credit_code": "123", "unit_type": "工厂", "department": "无此部门"},
                         LOOKUPS)
    assert [i.column for i in bad.issues] == ["统一社会信用代码", "单位类型", "归口管理部门"]
    assert bad.issues[0].message == "统一社会信用代码应为18位（现为3位）"


def test_priority_conditions_keep_the_forms_order_whatever_order_they_are_typed_in():
    typed = "国家科技奖励排名前6位或省部级科技奖励三等奖及以上排名前3位获得者；academician"
    assert parse_priorities(typed) == "academician,award"
    with pytest.raises(InvalidInput, match="符合的优先入库条件应为以下之一"):
        parse_priorities("院士")
