"""The activity clock and exit reasons."""
from datetime import date, timedelta

import pytest
from hypothesis import given, strategies as st

from rules.lifecycle import EXIT_REASONS, activity_state, anniversary, may_reapply, warning_due


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
