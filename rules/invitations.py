"""An invitation's life ("one draw, one engagement", rules §12–§13) as a table of events."""
from __future__ import annotations

from rules import InvalidInput

STATES = {
    "waiting": "备选待启用", "invited": "已邀请待答复", "accepted": "已接受", "declined": "已拒绝",
    "expired": "超时未答复", "conflict": "接受时发现回避冲突", "cancelled": "已取消",
    "recused": "申请回避",
}
ROLES = {"selected": "抽中", "backup": "备选", "special": "特邀"}
EVENTS = {
    "call": "启用备选", "skip": "备选不可用", "accept": "接受", "decline": "拒绝",
    "conflict": "接受时发现回避", "expire": "超过答复期限", "cancel": "取消", "recuse": "申请回避",
}

# (state, event) → state
TRANSITIONS: dict[tuple[str, str], str] = {
    ("waiting", "call"): "invited",
    ("waiting", "skip"): "conflict",  # unavailable by the time their turn came: skipped with the reason
    ("invited", "accept"): "accepted",
    ("invited", "conflict"): "conflict",  # accepted, but a conflict arose since the draw
    ("invited", "decline"): "declined",
    # §13, §8(七): the expert knows of a conflict the system cannot see and asks to recuse — recorded as such,
    # not as a decline (an expert who should have recused and did not may be exited).
    ("invited", "recuse"): "recused",
    ("invited", "expire"): "expired",
    # The expert left the library before the activity: every engagement not yet served ends.
    ("waiting", "cancel"): "cancelled",
    ("invited", "cancel"): "cancelled",
    ("accepted", "cancel"): "cancelled",
}

# Holding one of the request's places (or being asked to): counted against the need and the yearly cap.
ENGAGING = ("invited", "accepted")
# What the expert sees of their own invitations (backups never called are not news to them).
SHOWN_TO_EXPERT = tuple(s for s in STATES if s not in ("waiting", "cancelled"))


def next_state(state: str, event: str) -> str:
    """The state after `event`, or InvalidInput when it cannot happen now (e.g. a second answer)."""
    target = TRANSITIONS.get((state, event))
    if target is None:
        raise InvalidInput("该邀请当前不能答复" if event in ("accept", "decline", "conflict", "recuse") else
                           f"邀请当前为“{STATES.get(state, state)}”，不能{EVENTS.get(event, event)}")
    return target


def holds_place(state: str) -> bool:
    return state in ENGAGING


# How an invitation reaches the expert (§12 一次抽取一次受聘: whoever has no e-mail is still asked).
CHANNELS = {"email": "电子邮件", "sms": "短信", "phone": "电话"}


def channels_for(has_email: bool, has_mobile: bool, sms_gateway: bool) -> list[str]:
    """Every channel an invitation goes out by: e-mail where there is an address, SMS where there is a
    mobile number and a gateway; with neither, the bureau telephones (the message waits as 待电话通知)."""
    chosen = [c for c, ok in (("email", has_email), ("sms", has_mobile and sms_gateway)) if ok]
    return chosen or ["phone"]
