"""Accounts: one role each, with the lock-out counters kept in the database."""
from __future__ import annotations

import hmac
import secrets
from datetime import datetime

from flask_login import UserMixin
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from models.base import db, in_list, utcnow
from models.organizations import ManagingDepartment, Organization

ROLES = {
    "expert": "专家",
    "unit": "单位审核员",
    "dept": "归口管理部门审核员",
    "bureau": "市科技局管理员",
    "usage": "使用单位经办人",
    "leader": "领导",
    "supervisor": "监督员",
}
STAFF_ROLES = frozenset(ROLES) - {"expert"}


def new_session_token() -> str:
    return secrets.token_hex(16)


class User(UserMixin, db.Model):
    """A person who logs in."""

    __tablename__ = "user_account"
    __table_args__ = (
        db.CheckConstraint(in_list("role", ROLES), name="role"),
        # A reviewer or usage clerk acts for exactly one organization or department.
        db.CheckConstraint(
            "role NOT IN ('unit', 'usage') OR organization_id IS NOT NULL", name="org_role"
        ),
        db.CheckConstraint("role <> 'dept' OR department_id IS NOT NULL", name="dept_role"),
        db.CheckConstraint("failed_logins >= 0", name="failed_logins"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(50), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    role: Mapped[str] = mapped_column(String(20))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    organization: Mapped[Organization | None] = relationship()
    department_id: Mapped[int | None] = mapped_column(
        ForeignKey("managing_department.id"), index=True
    )
    department: Mapped[ManagingDepartment | None] = relationship()
    email: Mapped[str] = mapped_column(String(254), default="")
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(default=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None]
    last_login_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Part of the login id kept in the session cookie (get_id): replacing it ends every session.
    session_token: Mapped[str] = mapped_column(String(32), default=new_session_token, server_default="")
    # Set on accounts the bureau creates or resets: the holder must choose their own password first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=db.false())

    def __str__(self) -> str:
        return f"{self.name}（{self.username}）"

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive accounts
        return self.active

    @property
    def role_label(self) -> str:
        return ROLES.get(self.role, self.role)

    def get_id(self) -> str:
        """The id Flask-Login keeps in the session: the row and its current session token."""
        return f"{self.id}:{self.session_token or ''}"

    def matches_session(self, token: str) -> bool:
        return hmac.compare_digest((self.session_token or "").encode(), (token or "").encode())

    def end_sessions(self) -> None:
        """Invalidate every session of this account (logout, password change)."""
        self.session_token = new_session_token()

    def set_password(self, password: str, method: str | None = None) -> None:
        """A new password also ends every session signed in with the old one."""
        self.password_hash = generate_password_hash(password, **({"method": method} if method else {}))  # scrypt
        self.end_sessions()

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    def has_role(self, *roles: str) -> bool:
        return self.role in roles
