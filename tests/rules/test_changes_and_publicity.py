"""Change-request workflow and the publicity clock."""
import itertools
from datetime import date

import pytest

from rules import InvalidInput
from rules.changes import (CHANGE_ACTIONS, CHANGE_STATES, CHANGE_TRANSITIONS, allowed_change_actions, change_next_state, diff,
                           first_change_state)
from rules.publicity import (OBJECTION_DECISIONS, OBJECTION_STATES, decide_objection, may_admit_after_publicity,
                             publicity_over, publicity_period)

ROLES = ["expert", "unit", "dept", "bureau", "usage", "leader", "supervisor"]


@pytest.mark.parametrize("state, action, role, flag",
                         list(itertools.product(CHANGE_STATES, CHANGE_ACTIONS, ROLES, [False, True])))
def test_change_transitions_are_exactly_the_table(state, action, role, flag):
    actors = {"bureau": ["bureau", "dept"], "dept": []}.get(role, [role]) if flag else [role]
    expected = next((CHANGE_TRANSITIONS[(state, action, a)] for a in actors
                     if (state, action, a) in CHANGE_TRANSITIONS), None)
    if expected is None:
        with pytest.raises(InvalidInput, match="无权"):
            change_next_state(state, action, role, bureau_is_department=flag)
    else:
        assert change_next_state(state, action, role, bureau_is_department=flag) == expected


def test_who_proposes_decides_where_a_change_starts():
    """§7: the expert's goes to the unit; the unit's or department's to the bureau; the bureau's own
    correction takes effect at once (recorded as a change); nobody else proposes one."""
    assert first_change_state("expert") == "pending_unit"
    assert first_change_state("unit") == "pending_bureau"
    assert first_change_state("dept") == "pending_bureau"
    assert first_change_state("bureau") == "approved"
    for role in ("usage", "leader", "supervisor", "public"):
        with pytest.raises(InvalidInput):
            first_change_state(role)


@pytest.mark.parametrize("unit, dept", [(True, False), (False, True), (True, True)])
def test_the_bureau_stands_in_for_a_change_as_for_an_admission(unit, dept):
    """One rule for both chains (rules.admission.actors_for): a missing unit reviewer or department."""
    flags = {"bureau_is_unit": unit, "bureau_is_department": dept}
    assert ("endorse" in allowed_change_actions("pending_unit", "bureau", **flags)) == unit
    assert ("endorse" in allowed_change_actions("pending_dept", "bureau", **flags)) == dept
    assert allowed_change_actions("pending_dept", "dept", **flags) == ([] if dept else ["endorse", "reject"])


def test_diff_lists_only_changed_fields():
    assert diff({"a": 1, "b": "x"}, {"a": 1, "b": "y", "c": None}) == {"b": ("x", "y")}


def test_publicity_lasts_seven_days_and_ends_the_day_after():
    start, end = publicity_period(date(2026, 11, 2))
    assert (end - start).days == 6
    assert not publicity_over(end, end)
    assert publicity_over(end, date(2026, 11, 9))
    assert not may_admit_after_publicity(end, date(2026, 11, 9), open_objections=1)
    assert may_admit_after_publicity(end, date(2026, 11, 9), open_objections=0)
    assert not may_admit_after_publicity(end, date(2026, 11, 8), open_objections=0)


@pytest.mark.parametrize("status, decision, reason", list(itertools.product(
    list(OBJECTION_STATES) + ["resolved"], list(OBJECTION_DECISIONS) + ["", "object"], ["", "   ", "经核实不属实"])))
def test_an_objection_is_decided_once_and_dismissed_only_with_a_reason(status, decision, reason):
    if status != "open":
        expected = "该异议已处理"
    elif decision not in OBJECTION_DECISIONS:
        expected = "请选择异议成立或不成立"
    elif decision == "dismiss" and not reason.strip():
        expected = "驳回异议须写明理由"
    else:
        assert decide_objection(status, decision, reason) == {"uphold": "upheld", "dismiss": "dismissed"}[decision]
        return
    with pytest.raises(InvalidInput, match=expected):
        decide_objection(status, decision, reason)
