"""Which rows a user may see or act on: one place, used by every view, count, action and export.

Each scope is a WHERE clause; `within` asks the same clause of one row, so a list and an action
on a row can never disagree about who may reach it.
"""
from __future__ import annotations

from sqlalchemy import and_, exists, false, not_, or_, select, true

from models import ChangeRequest, DrawRequest, ExitRequest, Expert, Invitation, Objection, Organization, User, db

# Leadership and the supervisor read the library's lists (masked), never a record's own files or actions.
LIST_READERS = {"leader", "supervisor"}


def _under_reviewer(user, column):
    """`column` (an organization's id) is the reviewer's unit, or one of the units of their department."""
    if user.role == "unit":
        return column == user.organization_id
    return column.in_(select(Organization.id).where(Organization.department_id == user.department_id))


def _reviewed_by(user, column):
    """The bureau: every row; a unit or department reviewer: the rows whose `column` (an organization's
    id) is under them; anyone else: none."""
    role = getattr(user, "role", None)
    if role == "bureau":
        return true()
    if role in ("unit", "dept"):
        return _under_reviewer(user, column)
    return false()


def record_scope(user):
    """Whose records the user may open and act on: the bureau every one; a reviewer those under their
    unit or department; an expert their own."""
    if getattr(user, "role", None) == "expert":
        return Expert.user_id == user.id
    return _reviewed_by(user, Expert.organization_id)


def expert_scope(user):
    """Experts in the user's lists and counts: their records, or the whole library for its readers."""
    return true() if getattr(user, "role", None) in LIST_READERS else record_scope(user)


def organization_scope(user):
    """Organizations a reviewer may assign an expert to."""
    return _reviewed_by(user, Organization.id)


def change_scope(user):
    """Change requests reviewed by the user's unit or department (the new unit when the expert moves)."""
    return _reviewed_by(user, ChangeRequest.organization_id)


def request_scope(user):
    """Draw requests: the usage unit's own; all of them for the bureau and the supervisor."""
    role = getattr(user, "role", None)
    if role in ("bureau", "supervisor"):
        return true()
    if role == "usage":
        return DrawRequest.organization_id == user.organization_id
    return false()


def _bureau_stands_in(step: str, column):
    """`column` (an organization's id) names a unit whose chain lacks the reviewer of `step` ('unit' or
    'dept'), so that the bureau acts in its place: operations.admission.stand_ins as one SQL clause."""
    if step == "unit":
        return or_(column.is_(None), not_(exists().where(
            User.role == "unit", User.active.is_(True), User.organization_id == column)))
    lacking = select(Organization.id).where(or_(Organization.bureau_is_department, not_(exists().where(
        User.role == "dept", User.active.is_(True), User.department_id == Organization.department_id))))
    return or_(column.is_(None), column.in_(lacking))


def _awaiting(user, status, column):
    """Rows at a review step this user decides: their own step, and the steps the bureau stands in for."""
    role = getattr(user, "role", None)
    if role == "unit":
        return and_(status == "pending_unit", _under_reviewer(user, column))
    if role == "dept":
        return and_(status == "pending_dept", _under_reviewer(user, column),
                    not_(column.in_(select(Organization.id).where(Organization.bureau_is_department))))
    if role == "bureau":
        return or_(status == "pending_bureau",
                   and_(status == "pending_unit", _bureau_stands_in("unit", column)),
                   and_(status == "pending_dept", _bureau_stands_in("dept", column)))
    return false()


def awaiting_review(user):
    """Applications waiting for this user's decision (the home page's to-do, the lists' 待我处理)."""
    return _awaiting(user, Expert.status, Expert.organization_id)


def awaiting_change(user):
    """Change requests waiting for this user's decision."""
    return _awaiting(user, ChangeRequest.status, ChangeRequest.organization_id)


def awaiting_request(user):
    """Draw requests waiting for this user's step: the bureau approves submitted ones and draws approved
    ones; the usage unit submits its drafts and records attendance once names are out."""
    role = getattr(user, "role", None)
    if role == "bureau":
        return DrawRequest.status.in_(("submitted", "approved"))
    if role == "usage":
        return and_(request_scope(user), DrawRequest.status.in_(("draft", "released")))
    return false()


def late_invitations(user, now):
    """Draw requests (within the user's scope) with an invitation still unanswered past its deadline:
    the bureau may take the answer by telephone before the daily job passes the place on."""
    late = select(Invitation.request_id).where(Invitation.status == "invited", Invitation.deadline < now)
    return and_(request_scope(user), DrawRequest.id.in_(late))


def awaiting_objection(user):
    """Objections to a publicity the bureau has yet to decide."""
    return Objection.status == "open" if getattr(user, "role", None) == "bureau" else false()


def awaiting_exit(user):
    """Requests to leave the library the bureau has yet to decide."""
    return ExitRequest.status == "pending" if getattr(user, "role", None) == "bureau" else false()


def within(scope, user, row) -> bool:
    """Whether `row` is inside `scope` for `user` (the same clause the lists use)."""
    model = type(row)
    return db.session.scalar(select(model.id).where(model.id == row.id, scope(user))) is not None
