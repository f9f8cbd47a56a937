"""Logging in: password check, lock-out counted in the database, audit of every attempt."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from models import User, db
from operations import audit

# Checked against when the user does not exist, so both paths cost the same time.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(username: str, password: str, now: datetime) -> User | None:
    """The user if the credentials are right and the account is not locked; else None."""
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        audit.record("login_failed", username=username[:50], reason="unknown_user")
        return None
    if user.locked_until and user.locked_until > now:
        audit.record("login_failed", user=user, reason="locked")
        return None
    if not user.check_password(password or "") or not user.active:
        # Increment in SQL so concurrent attempts from several processes all count.
        user.failed_logins = User.failed_logins + 1
        db.session.flush()
        db.session.refresh(user, ["failed_logins"])
        reason = "wrong_password" if user.active else "inactive"
        if user.failed_logins >= current_app.config["LOCKOUT_THRESHOLD"]:
            user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
            user.failed_logins = 0
            reason = "locked_out"
        audit.record("login_failed", user=user, reason=reason)
        return None
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    audit.record("login", user=user)
    if user.role == "expert":
        from operations.lifecycle import wake_on_login

        wake_on_login(user)
    return user
