"""Reviewing an admitted expert's change request; approval applies it."""
from __future__ import annotations

from sqlalchemy import update

from models import ChangeRequest, Expert, db, utcnow
from operations import audit
from operations.admission import stand_ins
from operations.profile import apply_change
from operations.scope import change_scope, within
from rules import InvalidInput
from rules.changes import allowed_change_actions, change_next_state


def choices_for(change: ChangeRequest, user) -> list[str]:
    """The decisions this user may take on the change request now (the bureau standing in as in admission)."""
    return allowed_change_actions(change.status, user.role, **stand_ins(change.organization))


def decide(change: ChangeRequest, action: str, user, reason: str = "") -> str:
    """endorse / approve / reject; approval writes the new values onto the expert."""
    if not within(change_scope, user, change):
        raise InvalidInput("该变更申请不在您的管理范围内")
    old = change.status
    new = change_next_state(old, action, user.role, **stand_ins(change.organization))
    if action == "reject" and not reason.strip():
        raise InvalidInput("请填写不予通过的理由")
    result = db.session.execute(
        update(ChangeRequest).where(ChangeRequest.id == change.id, ChangeRequest.status == old)
        .values(status=new, reason=reason.strip(), decided_at=utcnow() if new in ("approved", "rejected") else None)
        .execution_options(synchronize_session=False))
    if result.rowcount != 1:
        raise InvalidInput("该变更申请已被处理，请刷新页面")
    db.session.refresh(change)
    if new == "approved":
        apply_change(db.session.get(Expert, change.expert_id), change)
    audit.record("change_" + action, change, user=user, from_status=old, to_status=new,
                 expert_id=change.expert_id, reason=reason.strip())
    return new
