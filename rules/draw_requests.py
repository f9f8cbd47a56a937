"""A draw request's life (rules §10–§14) as a table: who may do what to it, in which state."""
from __future__ import annotations

from rules import InvalidInput

STATES = {
    "draft": "草稿", "submitted": "待审批", "approved": "已批准", "rejected": "未批准",
    "drawn": "已抽取", "released": "已公布名单", "closed": "已办结",
}
ACTIVITY_TYPES = {"review": "项目评审", "evaluation": "成果评价", "consulting": "咨询论证",
                  "acceptance": "项目验收", "other": "其他"}
REGIONS = {"any": "不限", "in": "绍兴市内", "out": "绍兴市外"}
ATTENDANCE = {"attended": "出席", "absent_excused": "缺席（有理由）", "absent_unexcused": "缺席（无理由）"}
SPECIAL_STATES = {"proposed": "待市科技局同意", "approved": "已同意（特邀）", "rejected": "未同意"}

# The conditions a draw is made on (§11–§12); a supplementary draw may be made on revised ones.
CONDITION_FIELDS = ("discipline_codes", "expert_type", "min_title", "region", "age_min", "age_max")

ACTIONS = {
    "edit": "修改申请", "propose_conditions": "提出调整抽取条件", "submit": "提交申请", "approve": "批准", "reject": "不予批准",
    "draw": "随机抽取", "supplement": "补充抽取", "release": "向使用单位公布名单",
    "decide_special": "审核特邀专家", "attendance": "记录出席情况", "spot_check": "抽查评价",
}

# (state, action, role) → the state after it. Actions on a request's experts leave its state as it is.
TRANSITIONS: dict[tuple[str, str, str], str] = {
    ("draft", "edit", "usage"): "draft",
    ("draft", "submit", "usage"): "submitted",
    ("submitted", "approve", "bureau"): "approved",
    ("submitted", "reject", "bureau"): "rejected",
    ("approved", "draw", "bureau"): "drawn",
    ("drawn", "release", "bureau"): "released",
    # §12: when places stay open after the backups, a supplementary draw, before or after release.
    ("drawn", "supplement", "bureau"): "drawn",
    ("released", "supplement", "bureau"): "released",
    # §12 若抽取专家数量不足，可重新设定条件: the usage unit may propose revised conditions; the bureau's
    # supplementary draw on them is their approval.
    ("drawn", "propose_conditions", "usage"): "drawn",
    ("released", "propose_conditions", "usage"): "released",
    # 特邀专家: decided by the bureau once the request is filed, while it is still being served.
    **{(s, "decide_special", "bureau"): s for s in ("submitted", "approved", "drawn", "released")},
    # After the activity: the usage unit records attendance once it has the names; the bureau spot-checks.
    **{(s, "attendance", "usage"): s for s in ("released", "closed")},
    **{(s, "spot_check", "bureau"): s for s in ("drawn", "released", "closed")},
}

# The usage unit sees who was drawn only once the bureau has released the names (§17).
NAMES_RELEASED = frozenset({"released", "closed"})


def next_state(state: str, action: str, role: str) -> str:
    """The state the request reaches, or InvalidInput saying why the action is refused."""
    if state not in STATES or action not in ACTIONS:
        raise InvalidInput("未知的申请状态或操作")
    target = TRANSITIONS.get((state, action, role))
    if target is not None:
        return target
    if any(k[:2] == (state, action) for k in TRANSITIONS):
        raise InvalidInput(f"您无权执行“{ACTIONS[action]}”")
    raise InvalidInput(f"申请当前为“{STATES[state]}”，不能执行“{ACTIONS[action]}”")


def allowed_actions(state: str, role: str) -> list[str]:
    """The actions `role` may take on a request in `state`, in ACTIONS order."""
    return [a for a in ACTIONS if (state, a, role) in TRANSITIONS]


def names_visible(state: str, role: str) -> bool:
    """Whether `role` may see who was drawn: staff always, the usage unit after release."""
    return role != "usage" or state in NAMES_RELEASED


def may_export(kind: str, state: str, role: str) -> bool:
    """The result sheet goes to the bureau and, after release, the usage unit; the record form to the archive."""
    if kind == "result":
        return role == "bureau" or (role == "usage" and state in NAMES_RELEASED)
    if kind == "record":
        return role in ("bureau", "supervisor")
    return False
