"""The activity clock and exit reasons."""
from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from rules import InvalidInput
from rules.lifecycle import EXIT_REASONS, activity_state, anniversary, check_leave, may_reapply, warning_due


@pytest.mark.parametrize("today, state", [
    (date(2025, 3, 10), "active"),
    (date(2026, 3, 10), "active"),  # the first anniversary itself
    (date(2026, 3, 11), "dormant"),  # the day after
    (date(2027, 3, 10), "dormant"),  # the second anniversary itself
    (date(2027, 3, 11), "exit"),  # the day after
])
def test_the_clock_boundaries(today, state):
    assert activity_state(date(2025, 3, 10), today) == state


def test_a_29_february_login_counts_from_1_march():
    assert anniversary(date(2024, 2, 29), 1) == date(2025, 3, 1)
    assert activity_state(date(2024, 2, 29), date(2025, 3, 1)) == "active"
    assert activity_state(date(2024, 2, 29), date(2025, 3, 2)) == "dormant"


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(0, 1200))
def test_the_state_only_moves_forward(login, days):
    order = ["active", "dormant", "exit"]
    today = login + timedelta(days=days)
    assert order.index(activity_state(login, today)) <= order.index(activity_state(login, today + timedelta(days=1)))


def test_warnings_are_due_from_thirty_days_before_each_change_until_it_comes():
    login = date(2025, 3, 10)  # dormant from 2026-03-11, out from 2027-03-11
    assert warning_due(login, date(2026, 3, 11) - timedelta(days=31)) is None
    assert warning_due(login, date(2026, 3, 11) - timedelta(days=30)) == "dormancy"
    assert warning_due(login, date(2026, 3, 11) - timedelta(days=1)) == "dormancy"  # the job missed the day
    assert warning_due(login, date(2026, 3, 11)) is None  # dormant now: nothing left to warn of
    assert warning_due(login, date(2027, 3, 11) - timedelta(days=31)) is None
    assert warning_due(login, date(2027, 3, 11) - timedelta(days=30)) == "exit"
    assert warning_due(login, date(2027, 3, 10)) == "exit"
    assert warning_due(login, date(2027, 3, 11)) is None


def test_eleven_exit_reasons_and_who_may_apply_again():
    assert len(EXIT_REASONS) == 11
    assert may_reapply("own_request") and may_reapply("inactivity")
    for reason in ("misconduct", "leaking", "failed_to_recuse", "legal_liability"):
        assert not may_reapply(reason)
    with pytest.raises(ValueError):
        may_reapply("nonsense")


# A leave: registered at most a year ahead, at most a year long, not over before today.
TODAY = date(2026, 11, 30)


@pytest.mark.parametrize("start, end, said", [
    (date(2026, 12, 2), date(2026, 12, 1), "结束日期不能早于开始日期"),
    (date(2026, 11, 1), date(2026, 11, 29), "结束日期不能早于今天"),
    (date(2026, 12, 1), date(9999, 12, 31), "请假最长一年：自2026年12月01日开始的请假最晚到2027年11月30日结束"),
    (date(2027, 12, 1), date(2027, 12, 2), "开始日期最晚为2027年11月30日"),
])
def test_a_leave_is_refused_with_the_reason(start, end, said):
    with pytest.raises(InvalidInput, match=said):
        check_leave(start, end, "", TODAY)


def test_a_leave_at_the_bounds_is_accepted():
    check_leave(date(2026, 11, 1), TODAY, "", TODAY)  # begun before, ends today
    check_leave(TODAY, date(2027, 11, 29), "长" * 200, TODAY)  # a whole year
    check_leave(date(2027, 11, 30), date(2028, 11, 29), "", TODAY)  # the latest start, a year long
    with pytest.raises(InvalidInput, match="现为201字"):
        check_leave(TODAY, TODAY, "长" * 201, TODAY)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 1, 1)), st.integers(-800, 800),
       st.integers(-10, 800))
def test_an_accepted_leave_is_current_and_at_most_a_year_long(today, offset, length):
    start = today + timedelta(days=offset)
    end = start + timedelta(days=length)
    try:
        check_leave(start, end, "", today)
    except InvalidInput:
        accepted = False
    else:
        accepted = True
    fits = start <= end and end >= today and start <= anniversary(today, 1) and end < anniversary(start, 1)
    assert accepted == fits
    if accepted:  # at most 366 days (a leap year), never ending past two years from today
        assert (end - start).days < 366 and end < anniversary(today, 2)
