"""Which rows a user may see: one place, used by every view, count and export."""
from __future__ import annotations

from sqlalchemy import false, select, true

from models import Expert, Organization

WHOLE_LIBRARY = {"bureau", "leader", "supervisor"}


def expert_scope(user):
    """A WHERE clause limiting experts to those under the user's unit or department."""
    role = getattr(user, "role", None)
    if role in WHOLE_LIBRARY:
        return true()
    if role == "unit":
        return Expert.organization_id == user.organization_id
    if role == "dept":
        under = select(Organization.id).where(Organization.department_id == user.department_id)
        return Expert.organization_id.in_(under)
    return false()


def organization_scope(user):
    """Organizations a reviewer may assign an expert to."""
    role = getattr(user, "role", None)
    if role == "bureau":
        return true()
    if role == "unit":
        return Organization.id == user.organization_id
    if role == "dept":
        return Organization.department_id == user.department_id
    return false()
