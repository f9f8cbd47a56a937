"""Tests for rules.admission."""

import itertools
import re

import pytest

from rules import InvalidInput
from rules.admission import (
    ACTIONS,
    REASON_REQUIRED,
    ROUTES,
    STATES,
    TRANSITIONS,
    allowed_actions,
    next_state,
    require_reason,
)

CJK = re.compile(r"[\u4e00-\u9fff]")
ROLES = ["expert", "unit", "dept", "bureau", "public", "system", "usage", "leader", "supervisor"]

# The table from the specification, written out independently of the module.
EXPECTED = {
    ("open", "draft", "submit", "expert"): "pending_unit",
    ("open", "returned", "submit", "expert"): "pending_unit",
    ("open", "pending_unit", "endorse", "unit"): "pending_dept",
    ("open", "pending_dept", "endorse", "dept"): "pending_bureau",
    ("open", "pending_unit", "return", "unit"): "returned",
    ("open", "pending_dept", "return", "dept"): "returned",
    ("open", "pending_bureau", "return", "bureau"): "returned",
    ("open", "pending_bureau", "publicize", "bureau"): "publicizing",
    ("open", "pending_bureau", "reject", "bureau"): "rejected",
    ("open", "publicizing", "object", "bureau"): "pending_bureau",
    ("open", "publicizing", "admit", "bureau"): "admitted",
    ("open", "publicizing", "admit", "system"): "admitted",
    ("invitation", "invited", "submit", "expert"): "pending_bureau",
    ("invitation", "pending_bureau", "confirm", "bureau"): "admitted",
    ("invitation", "pending_bureau", "return", "bureau"): "invited",
    ("invitation", "pending_bureau", "reject", "bureau"): "rejected",
    ("provincial", "draft", "submit", "expert"): "pending_bureau",
    ("provincial", "returned", "submit", "expert"): "pending_bureau",
    ("provincial", "pending_bureau", "confirm", "bureau"): "admitted",
    ("provincial", "pending_bureau", "return", "bureau"): "returned",
    ("provincial", "pending_bureau", "reject", "bureau"): "rejected",
    # 常年受理: a rejected applicant applies again on the same account.
    ("open", "rejected", "reapply", "expert"): "draft",
    ("invitation", "rejected", "reapply", "expert"): "draft",
    ("provincial", "rejected", "reapply", "expert"): "draft",
    # Withdrawn by the expert before the unit decides.
    ("open", "pending_unit", "withdraw", "expert"): "draft",
}


def acting_as(role: str, bureau_is_department: bool) -> list[str]:
    """Actors a role may act as, per notice §2.1.3."""
    if bureau_is_department and role == "bureau":
        return ["bureau", "dept"]
    if bureau_is_department and role == "dept":
        return []
    return [role] if role in {"expert", "unit", "dept", "bureau", "public", "system"} else []


def expected_target(route, state, action, role, flag):
    for actor in acting_as(role, flag):
        if (route, state, action, actor) in EXPECTED:
            return EXPECTED[(route, state, action, actor)]
    return None


# --- tables ---------------------------------------------------------------------------

def test_states_and_actions():
    assert list(STATES.items()) == [
        ("invited", "已邀请"), ("draft", "草稿"), ("pending_unit", "待单位审核"),
        ("pending_dept", "待归口部门审核"), ("pending_bureau", "待市科技局审核"),
        ("returned", "退回修改"), ("rejected", "不予入库"), ("publicizing", "公示中"),
        ("admitted", "已入库"),
    ]
    assert list(ACTIONS.items()) == [
        ("submit", "提交"), ("endorse", "推荐"), ("return", "退回"), ("reject", "不予入库"),
        ("publicize", "公示"), ("object", "异议成立"), ("admit", "入库"), ("confirm", "确认入库"),
        ("reapply", "重新申请"), ("withdraw", "撤回申请"),
    ]
    assert set(ROUTES) == {"open", "invitation", "provincial"}


def test_transition_table_matches_specification():
    assert TRANSITIONS == EXPECTED


def test_table_only_uses_known_codes():
    for (route, state, action, actor), target in TRANSITIONS.items():
        assert route in ROUTES and state in STATES and target in STATES and action in ACTIONS
        assert actor in {"expert", "unit", "dept", "bureau", "public", "system"}


def test_admission_is_final_and_a_rejection_only_opens_a_new_application():
    for route, role, flag in itertools.product(ROUTES, ROLES, [False, True]):
        assert allowed_actions("admitted", role, route=route, bureau_is_department=flag) == []
        assert allowed_actions("rejected", role, route=route, bureau_is_department=flag) == (
            ["reapply"] if role == "expert" else [])


# --- the full product -----------------------------------------------------------------

PRODUCT = list(itertools.product(ROUTES, STATES, ACTIONS, ROLES, [False, True]))


def test_product_size_and_some_allowed():
    assert len(PRODUCT) == 3 * 9 * 10 * 9 * 2
    allowed = [p for p in PRODUCT if expected_target(*p) is not None]
    # 25 entries per flag value: with the flag on, the dept's two entries move to the bureau.
    assert len(allowed) == 25 + 25
    flagged = {p[:4] for p in allowed if p[4]}
    assert ("open", "pending_dept", "endorse", "bureau") in flagged
    assert ("open", "pending_dept", "endorse", "dept") not in flagged


@pytest.mark.parametrize("route, state, action, role, flag", PRODUCT)
def test_next_state_full_product(route, state, action, role, flag):
    target = expected_target(route, state, action, role, flag)
    if target is not None:
        assert next_state(state, action, role, route=route, bureau_is_department=flag) == target
    else:
        with pytest.raises(InvalidInput) as e:
            next_state(state, action, role, route=route, bureau_is_department=flag)
        assert str(e.value).strip()
        assert CJK.search(str(e.value))


@pytest.mark.parametrize("route, state, role, flag", list(itertools.product(ROUTES, STATES, ROLES, [False, True])))
def test_allowed_actions_full_product(route, state, role, flag):
    expected = [a for a in ACTIONS if expected_target(route, state, a, role, flag) is not None]
    assert allowed_actions(state, role, route=route, bureau_is_department=flag) == expected


# --- bureau acting as the managing department -----------------------------------------

def test_dept_can_act_normally():
    assert next_state("pending_dept", "endorse", "dept") == "pending_bureau"
    assert next_state("pending_dept", "return", "dept") == "returned"
    assert allowed_actions("pending_dept", "dept") == ["endorse", "return"]


def test_bureau_cannot_act_as_dept_normally():
    with pytest.raises(InvalidInput) as e:
        next_state("pending_dept", "endorse", "bureau")
    assert str(e.value) == "当前状态“待归口部门审核”下，您无权执行“推荐”"
    assert allowed_actions("pending_dept", "bureau") == []


def test_bureau_acts_as_dept_when_bureau_is_department():
    assert next_state("pending_dept", "endorse", "bureau", bureau_is_department=True) == "pending_bureau"
    assert next_state("pending_dept", "return", "bureau", bureau_is_department=True) == "returned"
    assert allowed_actions("pending_dept", "bureau", bureau_is_department=True) == ["endorse", "return"]


def test_bureau_keeps_its_own_actions_when_bureau_is_department():
    assert allowed_actions("pending_bureau", "bureau", bureau_is_department=True) == ["return", "reject", "publicize"]
    assert next_state("publicizing", "admit", "bureau", bureau_is_department=True) == "admitted"


@pytest.mark.parametrize("action", ["endorse", "return"])
def test_dept_cannot_act_when_bureau_is_department(action):
    with pytest.raises(InvalidInput) as e:
        next_state("pending_dept", action, "dept", bureau_is_department=True)
    assert "市科技局" in str(e.value)
    assert ACTIONS[action] in str(e.value)
    assert allowed_actions("pending_dept", "dept", bureau_is_department=True) == []


def test_other_roles_unaffected_by_flag():
    assert next_state("pending_unit", "endorse", "unit", bureau_is_department=True) == "pending_dept"
    assert next_state("draft", "submit", "expert", bureau_is_department=True) == "pending_unit"


# --- messages and unknown codes -------------------------------------------------------

def test_no_right_message_names_state_and_action():
    with pytest.raises(InvalidInput) as e:
        next_state("pending_unit", "endorse", "expert")
    assert str(e.value) == "当前状态“待单位审核”下，您无权执行“推荐”"


def test_impossible_action_message():
    with pytest.raises(InvalidInput) as e:
        next_state("admitted", "submit", "expert")
    assert str(e.value) == "当前状态“已入库”下不能执行“提交”"


def test_route_matters():
    assert next_state("pending_bureau", "return", "bureau", route="invitation") == "invited"
    assert next_state("pending_bureau", "return", "bureau", route="provincial") == "returned"
    assert next_state("draft", "submit", "expert", route="provincial") == "pending_bureau"
    with pytest.raises(InvalidInput):
        next_state("pending_bureau", "confirm", "bureau")
    with pytest.raises(InvalidInput):
        next_state("pending_bureau", "publicize", "bureau", route="invitation")


def test_objection_goes_back_to_bureau():
    assert next_state("publicizing", "object", "bureau") == "pending_bureau"
    assert next_state("publicizing", "admit", "system") == "admitted"


@pytest.mark.parametrize(
    "kwargs, fragment",
    [
        (dict(state="archived", action="submit", role="expert"), "archived"),
        (dict(state="draft", action="delete", role="expert"), "delete"),
        (dict(state="draft", action="submit", role="expert", route="fast"), "fast"),
    ],
)
def test_unknown_codes_raise(kwargs, fragment):
    with pytest.raises(InvalidInput) as e:
        next_state(**kwargs)
    assert fragment in str(e.value)
    assert CJK.search(str(e.value))


def test_allowed_actions_unknown_state_or_route():
    with pytest.raises(InvalidInput):
        allowed_actions("archived", "expert")
    with pytest.raises(InvalidInput):
        allowed_actions("draft", "expert", route="fast")


def test_unknown_role_has_no_actions():
    assert allowed_actions("draft", "nobody") == []
    with pytest.raises(InvalidInput):
        next_state("draft", "submit", "nobody")


# --- reasons --------------------------------------------------------------------------

def test_reason_required_set():
    assert REASON_REQUIRED == {"return", "reject", "object"}


@pytest.mark.parametrize(
    "action, msg",
    [("return", "请填写退回理由"), ("reject", "请填写不予入库理由"), ("object", "请填写异议理由")],
)
@pytest.mark.parametrize("reason", ["", "   ", "\n\t", None])
def test_require_reason_blank(action, msg, reason):
    with pytest.raises(InvalidInput) as e:
        require_reason(action, reason)
    assert str(e.value) == msg


@pytest.mark.parametrize("action", sorted(REASON_REQUIRED))
def test_require_reason_returns_stripped(action):
    assert require_reason(action, "  材料不全，请补充业绩证明 \n") == "材料不全，请补充业绩证明"


@pytest.mark.parametrize("action", sorted(set(ACTIONS) - REASON_REQUIRED))
def test_reason_optional_for_other_actions(action):
    assert require_reason(action, None) == ""
    assert require_reason(action, "  ") == ""
    assert require_reason(action, " 同意 ") == "同意"


def test_require_reason_unknown_action():
    with pytest.raises(InvalidInput):
        require_reason("delete", "x")


def test_the_bureau_stands_in_for_a_unit_without_a_reviewer_only_when_told():
    from rules.admission import allowed_actions, next_state

    assert next_state("pending_unit", "endorse", "bureau", bureau_is_unit=True) == "pending_dept"
    assert "endorse" in allowed_actions("pending_unit", "bureau", bureau_is_unit=True)
    assert "endorse" not in allowed_actions("pending_unit", "bureau")
    with pytest.raises(InvalidInput):
        next_state("pending_unit", "endorse", "bureau")
    # Standing in for the unit changes nothing for the other roles.
    assert allowed_actions("pending_unit", "dept", bureau_is_unit=True) == allowed_actions("pending_unit", "dept")


@pytest.mark.parametrize("state", ["dormant", "exited"])
@pytest.mark.parametrize("role", ROLES)
def test_no_admission_step_leads_from_a_lifecycle_state_but_it_is_known(state, role):
    assert allowed_actions(state, role) == []
    with pytest.raises(InvalidInput, match="下不能执行"):
        next_state(state, "endorse", role)
