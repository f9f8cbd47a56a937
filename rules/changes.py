"""Changes to an admitted expert's record (rules §7): reviewed before they take effect."""
from __future__ import annotations

from rules import InvalidInput
from rules.admission import actors_for

CHANGE_STATES = {
    "pending_unit": "待单位审核",
    "pending_dept": "待归口部门审核",
    "pending_bureau": "待市科技局审核",
    "approved": "已生效",
    "rejected": "未通过",
}
# Still waiting for a decision: an expert has at most one of these at a time.
CHANGE_OPEN = ("pending_unit", "pending_dept", "pending_bureau")
CHANGE_ACTIONS = {"endorse": "推荐", "approve": "批准生效", "reject": "不予通过"}

# (state, action, actor) → new state
CHANGE_TRANSITIONS = {
    ("pending_unit", "endorse", "unit"): "pending_dept",
    ("pending_dept", "endorse", "dept"): "pending_bureau",
    ("pending_bureau", "approve", "bureau"): "approved",
    ("pending_unit", "reject", "unit"): "rejected",
    ("pending_dept", "reject", "dept"): "rejected",
    ("pending_bureau", "reject", "bureau"): "rejected",
}


# Who proposed a change, as the expert and the reviewers read it.
PROPOSERS = {"expert": "专家本人", "unit": "所在单位", "dept": "归口管理部门", "bureau": "市科技局"}


def first_change_state(proposed_by: str) -> str:
    """§7: an expert's change is reviewed by the unit, the department and the bureau; one proposed by the
    unit or the department goes to the bureau; the bureau's own correction takes effect at once — and
    is recorded as a change all the same, with its old and new values and its reason."""
    if proposed_by not in PROPOSERS:
        raise InvalidInput("您不能提出信息变更")
    return {"expert": "pending_unit", "bureau": "approved"}.get(proposed_by, "pending_bureau")


def change_next_state(state: str, action: str, role: str, *, bureau_is_department: bool = False,
                      bureau_is_unit: bool = False) -> str:
    """The state a change request reaches, or InvalidInput naming why not. The bureau stands in for a
    missing unit reviewer or department exactly as in admission (rules.admission.actors_for)."""
    if state not in CHANGE_STATES or action not in CHANGE_ACTIONS:
        raise InvalidInput("未知的状态或操作")
    for actor in actors_for(role, bureau_is_department=bureau_is_department, bureau_is_unit=bureau_is_unit):
        target = CHANGE_TRANSITIONS.get((state, action, actor))
        if target:
            return target
    raise InvalidInput(f"变更申请当前为“{CHANGE_STATES[state]}”，您无权执行“{CHANGE_ACTIONS[action]}”")


def allowed_change_actions(state: str, role: str, *, bureau_is_department: bool = False,
                           bureau_is_unit: bool = False) -> list[str]:
    """What `role` may decide on a change request in `state`, standing in as admission does (§7)."""
    actors = actors_for(role, bureau_is_department=bureau_is_department, bureau_is_unit=bureau_is_unit)
    return [a for a in CHANGE_ACTIONS if any((state, a, x) in CHANGE_TRANSITIONS for x in actors)]


def diff(old: dict, new: dict) -> dict[str, tuple]:
    """The fields whose value differs, as {field: (old, new)}."""
    return {k: (old.get(k), v) for k, v in new.items() if old.get(k) != v}
