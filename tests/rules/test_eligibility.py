"""Tests for rules.eligibility."""

from dataclasses import FrozenInstanceError, replace
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rules import InvalidInput
from rules.eligibility import (
    EXPERT_TYPES,
    MAX_AGE,
    MIN_YEARS,
    PRIORITY_CATEGORIES,
    TITLE_LEVELS,
    Applicant,
    Condition,
    EligibilityReport,
    age_on,
    birthday_in,
    check_eligibility,
)

TODAY = date(2026, 3, 15)
GOOD = Applicant(birth_date=date(1970, 1, 1), years_in_field=10, title_level="senior")


def codes(conditions) -> list[str]:
    return [c.code for c in conditions]


# --- constants ------------------------------------------------------------------------

def test_constants():
    assert MAX_AGE == 65
    assert MIN_YEARS == 5
    assert TITLE_LEVELS == {
        "senior": ("正高级", 4),
        "associate": ("副高级", 3),
        "intermediate": ("中级", 2),
        "junior": ("初级", 1),
        "none": ("无", 0),
    }
    assert list(PRIORITY_CATEGORIES) == [
        "academician", "talent_program", "award", "project_leader", "senior_professional",
    ]
    assert PRIORITY_CATEGORIES["academician"] == "两院院士"
    assert EXPERT_TYPES == {"technical": "技术专家", "financial": "财务专家"}


# --- age_on ---------------------------------------------------------------------------

def test_age_example_from_brief():
    assert age_on(date(1960, 3, 15), date(2026, 3, 14)) == 65
    assert age_on(date(1960, 3, 15), date(2026, 3, 15)) == 66


@pytest.mark.parametrize(
    "birth, day, age",
    [
        (date(1960, 3, 15), date(1960, 3, 15), 0),
        (date(1960, 3, 15), date(1961, 3, 14), 0),
        (date(1960, 3, 15), date(1961, 3, 15), 1),
        (date(1960, 12, 31), date(2025, 12, 30), 64),
        (date(1960, 12, 31), date(2025, 12, 31), 65),
        (date(1960, 1, 1), date(2025, 12, 31), 65),
        (date(1960, 1, 1), date(2026, 1, 1), 66),
    ],
)
def test_age_table(birth, day, age):
    assert age_on(birth, day) == age


@pytest.mark.parametrize(
    "day, age",
    [
        (date(2025, 2, 28), 64),   # common year: not yet
        (date(2025, 3, 1), 65),    # common year: birthday counts as 1 March
        (date(2024, 2, 28), 63),
        (date(2024, 2, 29), 64),   # leap year: the real birthday
        (date(2024, 3, 1), 64),
        (date(2026, 2, 28), 65),
        (date(2026, 3, 1), 66),
    ],
)
def test_age_feb_29_birth(day, age):
    assert age_on(date(1960, 2, 29), day) == age


def test_birthday_in():
    assert birthday_in(date(1960, 2, 29), 2025) == date(2025, 3, 1)
    assert birthday_in(date(1960, 2, 29), 2024) == date(2024, 2, 29)
    assert birthday_in(date(1960, 2, 29), 2100) == date(2100, 3, 1)  # 2100 is not leap
    assert birthday_in(date(1960, 2, 29), 2000) == date(2000, 2, 29)
    assert birthday_in(date(1960, 3, 15), 2026) == date(2026, 3, 15)


def test_age_on_rejects_day_before_birth():
    with pytest.raises(InvalidInput):
        age_on(date(2000, 1, 2), date(2000, 1, 1))


births = st.dates(min_value=date(1900, 1, 1), max_value=date(2026, 12, 31))


@given(births, st.integers(min_value=1, max_value=50_000))
def test_age_increments_exactly_on_birthdays(birth, offset):
    day = birth + timedelta(days=offset)
    step = age_on(birth, day) - age_on(birth, day - timedelta(days=1))
    is_birthday = day == birthday_in(birth, day.year)
    assert step == (1 if is_birthday else 0)


@given(births, st.integers(0, 50_000), st.integers(0, 50_000))
def test_age_is_monotonic(birth, a, b):
    d1, d2 = sorted((birth + timedelta(days=a), birth + timedelta(days=b)))
    assert age_on(birth, d1) <= age_on(birth, d2)


@given(births, st.integers(0, 150))
def test_age_on_birthday_equals_years(birth, years):
    assert age_on(birth, birthday_in(birth, birth.year + years)) == years
    if years:
        assert age_on(birth, birthday_in(birth, birth.year + years) - timedelta(days=1)) == years - 1


# --- basic eligibility ----------------------------------------------------------------

def test_fully_eligible():
    r = check_eligibility(GOOD, TODAY)
    assert r == EligibilityReport(unmet=(), relaxed=(), priority=False)
    assert r.eligible
    assert r.summary() == "符合入库条件"


def test_report_and_applicant_are_frozen():
    r = check_eligibility(GOOD, TODAY)
    with pytest.raises(FrozenInstanceError):
        r.priority = True  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        GOOD.bad_record = True  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        Condition("a", "b").code = "c"  # type: ignore[misc]


def test_age_boundary_day_before_66th_birthday_is_eligible():
    a = replace(GOOD, birth_date=date(1960, 3, 16))
    assert check_eligibility(a, TODAY).eligible


def test_age_boundary_66th_birthday_is_not_eligible():
    a = replace(GOOD, birth_date=date(1960, 3, 15))
    r = check_eligibility(a, TODAY)
    assert not r.eligible
    assert r.unmet == (Condition("age", "年龄超过65周岁（现为66周岁）"),)


def test_age_boundary_feb_29():
    born = date(1960, 2, 29)
    a = replace(GOOD, birth_date=born)
    assert check_eligibility(a, date(2026, 2, 28)).eligible
    assert not check_eligibility(a, date(2026, 3, 1)).eligible


@pytest.mark.parametrize("years, ok", [(5, True), (6, True), (4, False), (0, False)])
def test_years_boundary(years, ok):
    r = check_eligibility(replace(GOOD, years_in_field=years), TODAY)
    assert r.eligible is ok
    if not ok:
        assert r.unmet == (Condition("years", f"从事相关专业领域工作不足5年（现为{years}年）"),)


def test_years_message_example():
    r = check_eligibility(replace(GOOD, years_in_field=3), TODAY)
    assert r.unmet[0].message == "从事相关专业领域工作不足5年（现为3年）"


def test_negative_years_is_invalid_input():
    with pytest.raises(InvalidInput):
        check_eligibility(replace(GOOD, years_in_field=-1), TODAY)


@pytest.mark.parametrize("level, ok", [("senior", True), ("associate", True), ("intermediate", False), ("junior", False), ("none", False)])
def test_title_levels(level, ok):
    r = check_eligibility(replace(GOOD, title_level=level), TODAY)
    assert r.eligible is ok
    assert codes(r.unmet) == ([] if ok else ["title"])


def test_title_message_names_level():
    r = check_eligibility(replace(GOOD, title_level="intermediate"), TODAY)
    assert r.unmet[0].message == "职称级别低于副高级（现为中级），且未声明同等专业技术水平"
    r = check_eligibility(replace(GOOD, title_level="junior"), TODAY)
    assert r.unmet[0].message == "职称级别低于副高级（现为初级），且未声明同等专业技术水平"
    r = check_eligibility(replace(GOOD, title_level="none"), TODAY)
    assert r.unmet[0].message == "无专业技术职称，且未声明同等专业技术水平"


@pytest.mark.parametrize("level", ["intermediate", "junior", "none", None])
def test_equivalent_level_accepted_instead_of_title(level):
    a = replace(GOOD, title_level=level, equivalent_level=True)
    r = check_eligibility(a, TODAY)
    assert r.eligible
    assert r.relaxed == ()


def test_unknown_title_level():
    with pytest.raises(InvalidInput) as e:
        check_eligibility(replace(GOOD, title_level="professor"), TODAY)
    assert "professor" in str(e.value)


def test_bad_record():
    r = check_eligibility(replace(GOOD, bad_record=True), TODAY)
    assert r.unmet == (Condition("bad_record", "有学术道德问题、科技信用不良或违纪违法记录"),)
    assert r.summary() == "不符合：有学术道德问题、科技信用不良或违纪违法记录"


# --- missing values -------------------------------------------------------------------

def test_missing_everything():
    a = Applicant(birth_date=None, years_in_field=None, title_level=None)
    r = check_eligibility(a, TODAY)
    assert r.unmet == (
        Condition("years", "未填写从事相关专业领域工作年限"),
        Condition("title", "未填写职称级别，且未声明同等专业技术水平"),
        Condition("age", "未填写出生日期"),
    )
    assert not r.eligible
    assert r.priority is False


def test_missing_birth_date_only():
    r = check_eligibility(replace(GOOD, birth_date=None), TODAY)
    assert r.unmet == (Condition("age", "未填写出生日期"),)


def test_birth_date_in_future_is_invalid():
    with pytest.raises(InvalidInput):
        check_eligibility(replace(GOOD, birth_date=TODAY + timedelta(days=1)), TODAY)


def test_unmet_order_is_fixed():
    a = Applicant(birth_date=date(1950, 1, 1), years_in_field=1, title_level="junior", bad_record=True)
    r = check_eligibility(a, TODAY)
    assert codes(r.unmet) == ["years", "title", "age", "bad_record"]


# --- priority -------------------------------------------------------------------------

FAILING = {
    "years": replace(GOOD, years_in_field=2),
    "title": replace(GOOD, title_level="intermediate"),
    "age": replace(GOOD, birth_date=date(1960, 3, 15)),
}
EXPECTED_RELAXED = {
    "years": "从事相关专业领域工作不足5年（现为2年），按优先入库条件放宽",
    "title": "职称级别低于副高级（现为中级），且未声明同等专业技术水平，按优先入库条件放宽",
    "age": "年龄超过65周岁（现为66周岁），按优先入库条件放宽",
}


@pytest.mark.parametrize("category", list(PRIORITY_CATEGORIES))
@pytest.mark.parametrize("condition", ["years", "title", "age"])
def test_every_priority_category_relaxes_each_condition(category, condition):
    base = FAILING[condition]
    assert codes(check_eligibility(base, TODAY).unmet) == [condition]
    r = check_eligibility(replace(base, priority_categories=frozenset({category})), TODAY)
    assert r.eligible
    assert r.priority is True
    assert r.relaxed == (Condition(condition, EXPECTED_RELAXED[condition]),)


@pytest.mark.parametrize("category", list(PRIORITY_CATEGORIES))
def test_priority_never_relaxes_bad_record(category):
    a = replace(GOOD, bad_record=True, priority_categories=frozenset({category}))
    r = check_eligibility(a, TODAY)
    assert not r.eligible
    assert codes(r.unmet) == ["bad_record"]
    assert r.relaxed == ()
    assert r.priority is True


def test_priority_relaxes_all_three_at_once_but_not_bad_record():
    a = Applicant(
        birth_date=date(1950, 1, 1), years_in_field=1, title_level="junior", bad_record=True,
        priority_categories=frozenset({"academician", "award"}),
    )
    r = check_eligibility(a, TODAY)
    assert codes(r.relaxed) == ["years", "title", "age"]
    assert codes(r.unmet) == ["bad_record"]
    assert r.summary() == "不符合：有学术道德问题、科技信用不良或违纪违法记录"


def test_priority_relaxes_missing_values():
    a = Applicant(birth_date=None, years_in_field=None, title_level=None,
                  priority_categories=frozenset({"academician"}))
    r = check_eligibility(a, TODAY)
    assert r.eligible
    assert codes(r.relaxed) == ["years", "title", "age"]


def test_priority_without_anything_to_relax():
    r = check_eligibility(replace(GOOD, priority_categories=frozenset({"talent_program"})), TODAY)
    assert r == EligibilityReport(unmet=(), relaxed=(), priority=True)
    assert r.summary() == "符合入库条件"


def test_unknown_priority_category():
    with pytest.raises(InvalidInput) as e:
        check_eligibility(replace(GOOD, priority_categories=frozenset({"academician", "nobel"})), TODAY)
    assert "nobel" in str(e.value)


def test_priority_accepts_plain_set():
    r = check_eligibility(replace(FAILING["age"], priority_categories={"award"}), TODAY)  # type: ignore[arg-type]
    assert r.eligible


# --- summary --------------------------------------------------------------------------

def test_summary_unmet_joins_messages():
    a = replace(GOOD, years_in_field=3, birth_date=date(1960, 3, 15))
    assert check_eligibility(a, TODAY).summary() == (
        "不符合：从事相关专业领域工作不足5年（现为3年）；年龄超过65周岁（现为66周岁）"
    )


def test_summary_relaxed():
    a = replace(GOOD, birth_date=date(1955, 1, 1), title_level="intermediate",
                priority_categories=frozenset({"academician"}))
    assert check_eligibility(a, TODAY).summary() == "优先入库：已放宽职称、年龄要求"


def test_summary_relaxed_single():
    a = replace(FAILING["years"], priority_categories=frozenset({"project_leader"}))
    assert check_eligibility(a, TODAY).summary() == "优先入库：已放宽工作年限要求"


def test_eligible_property_follows_unmet():
    assert EligibilityReport((), (Condition("age", "x"),), True).eligible
    assert not EligibilityReport((Condition("age", "x"),), (), False).eligible


# Age from a birth month alone (identity documents other than the resident ID) --------------------------

@pytest.mark.parametrize("month, last", [(date(1961, 2, 1), date(1961, 2, 28)), (date(1960, 2, 1), date(1960, 2, 29)),
                                         (date(1961, 12, 1), date(1961, 12, 31)), (date(1961, 4, 1), date(1961, 4, 30))])
def test_a_birth_month_counts_from_its_last_day(month, last):
    from rules.eligibility import birth_date_for_age

    assert birth_date_for_age(None, month) == last
    assert birth_date_for_age(date(1961, 2, 3), month) == date(1961, 2, 3)  # the ID's exact date wins
    assert birth_date_for_age(None, None) is None


@given(st.dates(min_value=date(1930, 1, 1), max_value=date(2000, 12, 31)),
       st.dates(min_value=date(2001, 1, 1), max_value=date(2040, 12, 31)))
def test_an_age_from_the_month_never_exceeds_the_true_age(born, today):
    """Whoever was born in that month, the age counted from the month is never more than their true age."""
    from rules.eligibility import birth_date_for_age

    assert age_on(birth_date_for_age(None, born.replace(day=1)), today) <= age_on(born, today)


def test_a_65_year_old_known_by_month_is_not_read_as_66():
    from rules.eligibility import birth_date_for_age

    born_month = date(1961, 3, 1)  # turned 65 in March 2026, on some day of the month
    on = date(2027, 3, 15)  # the first of the month would already make them 66
    assert age_on(born_month, on) == 66
    assert age_on(birth_date_for_age(None, born_month), on) == 65
    report = check_eligibility(replace(GOOD, birth_date=birth_date_for_age(None, born_month),
                                       birth_date_from_month=True), on)
    assert report.eligible and "出生年月的最后一天" in report.notes[0]
