"""The admission workflow as a transition table (notice §2)."""

from rules import InvalidInput

STATES: dict[str, str] = {
    "invited": "已邀请",
    "draft": "草稿",
    "pending_unit": "待单位审核",
    "pending_dept": "待归口部门审核",
    "pending_bureau": "待市科技局审核",
    "returned": "退回修改",
    "rejected": "不予入库",
    "publicizing": "公示中",
    "admitted": "已入库",
}

# Every status of an expert's record: the admission path above, then the lifecycle after it.
STATUSES: dict[str, str] = {**STATES, "dormant": "休眠", "exited": "已出库"}

# In the library: drawn from (when active), counted in the statistics, and changed only by change requests (§7).
IN_LIBRARY = ("admitted", "dormant")

# Who may correct a record in place, and at which statuses. After admission an edit is a change
# request instead (§7); while a reviewer holds an application, the expert waits.
EDIT_IN_PLACE: dict[str, frozenset[str]] = {
    "expert": frozenset({"draft", "returned", "invited"}),
    "unit": frozenset({"pending_unit"}),
    "dept": frozenset({"pending_dept"}),
    # The bureau corrects any record before admission; one in the library only by a recorded change (§7).
    "bureau": frozenset(STATUSES) - {"exited"} - frozenset(IN_LIBRARY),
}

ACTIONS: dict[str, str] = {
    "submit": "提交",
    "endorse": "推荐",
    "return": "退回",
    "reject": "不予入库",
    "publicize": "公示",
    "object": "异议成立",
    "admit": "入库",
    "confirm": "确认入库",
    "reapply": "重新申请",
    "withdraw": "撤回申请",
}

ACTORS: dict[str, str] = {
    "expert": "专家",
    "unit": "推荐单位",
    "dept": "归口部门",
    "bureau": "市科技局",
    "public": "公众",
    "system": "系统",
}

ROUTES: dict[str, str] = {
    "open": "公开征集",
    "invitation": "邀请入库",
    "provincial": "浙江省科技专家库专家",
}

TRANSITIONS: dict[tuple[str, str, str, str], str] = {
    # 公开征集: expert -> unit -> managing department -> bureau -> publicity -> admitted.
    ("open", "draft", "submit", "expert"): "pending_unit",
    ("open", "returned", "submit", "expert"): "pending_unit",
    ("open", "pending_unit", "endorse", "unit"): "pending_dept",
    ("open", "pending_dept", "endorse", "dept"): "pending_bureau",
    ("open", "pending_unit", "return", "unit"): "returned",
    ("open", "pending_dept", "return", "dept"): "returned",
    ("open", "pending_bureau", "return", "bureau"): "returned",
    ("open", "pending_bureau", "publicize", "bureau"): "publicizing",
    ("open", "pending_bureau", "reject", "bureau"): "rejected",
    # An objection the bureau upholds (rules/publicity.py) sends the expert back to its review.
    ("open", "publicizing", "object", "bureau"): "pending_bureau",
    ("open", "publicizing", "admit", "bureau"): "admitted",
    # The daily job admits automatically once the publicity period ends without objection.
    ("open", "publicizing", "admit", "system"): "admitted",
    # 邀请入库: the bureau invited the expert, so only the bureau reviews.
    ("invitation", "invited", "submit", "expert"): "pending_bureau",
    ("invitation", "pending_bureau", "confirm", "bureau"): "admitted",
    ("invitation", "pending_bureau", "return", "bureau"): "invited",
    ("invitation", "pending_bureau", "reject", "bureau"): "rejected",
    # 浙江省科技专家库专家: already vetted by the province, the bureau only confirms.
    ("provincial", "draft", "submit", "expert"): "pending_bureau",
    ("provincial", "returned", "submit", "expert"): "pending_bureau",
    ("provincial", "pending_bureau", "confirm", "bureau"): "admitted",
    ("provincial", "pending_bureau", "return", "bureau"): "returned",
    ("provincial", "pending_bureau", "reject", "bureau"): "rejected",
    # 常年受理 (the notice, 三.3; rules §6(一)1): after 不予入库 the applicant may apply again on the same
    # account, starting a new draft; the rejection stays in the history for the next reviewers.
    **{(route, "rejected", "reapply", "expert"): "draft" for route in ("open", "invitation", "provincial")},
    # The expert takes a submitted application back before the unit decides, to change it.
    ("open", "pending_unit", "withdraw", "expert"): "draft",
}

# The decisions a reviewer takes on the review page (the others belong to the expert, the public,
# a bulk action or the daily job).
REVIEW_DECISIONS = ("endorse", "return", "reject", "publicize", "confirm")

# The decisions at which the bureau answers for eligibility (§4; §5's relaxations for priority experts):
# putting an open applicant to publicity, and confirming an invited one. An expert of the provincial
# library enters on the bureau's check of the proof of membership alone (§5 "自动入库"): no override.
ELIGIBILITY_CHECKED = {("open", "publicize"), ("invitation", "confirm")}

REASON_REQUIRED = {"return", "reject", "object"}
_REASON_MESSAGES = {
    "return": "请填写退回理由",
    "reject": "请填写不予入库理由",
    "object": "请填写异议理由",
}


def _check_known(state: str, route: str, action: str | None = None) -> None:
    if route not in ROUTES:
        raise InvalidInput(f"未知的入库途径：{route}")
    if state not in STATUSES:  # the lifecycle's states are known too: no admission step leads from them
        raise InvalidInput(f"未知的状态：{state}")
    if action is not None and action not in ACTIONS:
        raise InvalidInput(f"未知的操作：{action}")


def actors_for(role: str, *, bureau_is_department: bool = False, bureau_is_unit: bool = False) -> tuple[str, ...]:
    """Return the workflow actors a user role may act as, in order of precedence."""
    if bureau_is_unit and role == "bureau":
        # A unit with no reviewer account cannot recommend: the bureau does it, so nothing waits forever.
        return ("bureau", "dept", "unit") if bureau_is_department else ("bureau", "unit")
    if bureau_is_department:
        # Notice §2.1.3: with no managing department (or an expert outside Shaoxing)
        # the bureau reviews in its place, so the department has no say.
        if role == "bureau":
            return ("bureau", "dept")
        if role == "dept":
            return ()
    return (role,) if role in ACTORS else ()


def next_state(state: str, action: str, role: str, *, route: str = "open",
               bureau_is_department: bool = False, bureau_is_unit: bool = False) -> str:
    """Return the state reached when role performs action in state, or raise InvalidInput."""
    _check_known(state, route, action)
    for actor in actors_for(role, bureau_is_department=bureau_is_department, bureau_is_unit=bureau_is_unit):
        target = TRANSITIONS.get((route, state, action, actor))
        if target is not None:
            return target
    state_label, action_label = STATUSES[state], ACTIONS[action]
    if bureau_is_department and role == "dept" and (route, state, action, "dept") in TRANSITIONS:
        raise InvalidInput(f"该申请由市科技局代行归口部门审核，您无权执行“{action_label}”")
    if not any(k[:3] == (route, state, action) for k in TRANSITIONS):
        raise InvalidInput(f"当前状态“{state_label}”下不能执行“{action_label}”")
    raise InvalidInput(f"当前状态“{state_label}”下，您无权执行“{action_label}”")


def allowed_actions(state: str, role: str, *, route: str = "open",
                    bureau_is_department: bool = False, bureau_is_unit: bool = False) -> list[str]:
    """Return the actions role may perform in state, in ACTIONS order."""
    _check_known(state, route)
    actors = actors_for(role, bureau_is_department=bureau_is_department, bureau_is_unit=bureau_is_unit)
    return [
        action for action in ACTIONS
        if any((route, state, action, actor) in TRANSITIONS for actor in actors)
    ]


def require_reason(action: str, reason: str | None) -> str:
    """Return the stripped reason, raising if the action requires one and it is blank."""
    if action not in ACTIONS:
        raise InvalidInput(f"未知的操作：{action}")
    text = reason.strip() if isinstance(reason, str) else ""
    if action in REASON_REQUIRED and not text:
        raise InvalidInput(_REASON_MESSAGES[action])
    return text


def may_edit_in_place(status: str, role: str) -> bool:
    """Whether `role` may change the record itself at `status` (else it is read-only or a change request)."""
    return status in EDIT_IN_PLACE.get(role, frozenset())


def may_propose_change(status: str, role: str) -> bool:
    """A record in the library changes only by a change request (§7): the expert's own, reviewed by unit,
    department and bureau; the unit's or department's, reviewed by the bureau; the bureau's own, recorded."""
    return role in ("expert", "unit", "dept", "bureau") and status in IN_LIBRARY


def may_ever(role: str, action: str) -> bool:
    """Whether `role` takes `action` on some route and status, standing in where the rules let it."""
    actors = set(actors_for(role)) | set(actors_for(role, bureau_is_department=True, bureau_is_unit=True))
    return any(key[2] == action and key[3] in actors for key in TRANSITIONS)


def route_for(current_route: str, provincial_library: bool) -> str:
    """The path an application takes when submitted: an invited expert stays on the bureau's own route;
    a provincial-library expert enters on the bureau's check of their proof (§5); everyone else is open."""
    if current_route == "invitation":
        return "invitation"
    return "provincial" if provincial_library else "open"


def eligibility_checked(route: str, action: str) -> bool:
    """Whether taking `action` on `route` needs the expert eligible, or a written override (§4–§5)."""
    return (route, action) in ELIGIBILITY_CHECKED
