"""Accounts: registering an expert, logging in, and the lock-out counted in the database."""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import func, select
from werkzeug.security import check_password_hash, generate_password_hash

from models import Expert, ExpertEvent, User, db
from operations import audit

# Checked against when the user does not exist, so that every path costs one hash check (below).
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def authenticate(username: str, password: str, now: datetime) -> User | None:
    """The user if the credentials are right and the account is not locked; else None.

    Every path checks exactly one password hash, the same kind of check, before it decides: an
    unknown, locked or disabled account answers no faster than a wrong password (no enumeration by time).
    """
    username = (username or "").strip()
    user = db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))
    password_ok = check_password_hash(user.password_hash if user else _DUMMY_HASH, password or "")
    if user is not None and not user.password_hash.startswith("scrypt:"):
        # An imported account's one-time password is hashed fast (it is random: new_expert_account); the
        # scrypt check every other login costs is paid here too, so the time does not single such an account out.
        check_password_hash(_DUMMY_HASH, password or "")
    if user is None:
        audit.record("login_failed", username=username[:50], reason="unknown_user")
        return None
    if user.locked_until and user.locked_until > now:
        audit.record("login_failed", user=user, reason="locked")
        return None
    if not password_ok or not user.active:
        reason = "wrong_password" if user.active else "inactive"
        if count_failure(user, now):
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


def count_failure(user: User, now: datetime) -> bool:
    """One more wrong password (at login, or the current one when changing it); at the threshold the
    account locks for a while. True when this failure locked it.

    Counted in SQL, so failures from several processes at once all count."""
    user.failed_logins = User.failed_logins + 1
    db.session.flush()
    db.session.refresh(user, ["failed_logins"])
    if user.failed_logins < current_app.config["LOCKOUT_THRESHOLD"]:
        return False
    user.locked_until = now + timedelta(minutes=current_app.config["LOCKOUT_MINUTES"])
    user.failed_logins = 0
    return True


def new_expert_account(username: str, name: str, email: str, password: str, *, must_change_password: bool,
                       password_method: str | None = None) -> User:
    """An expert's login, added to the session (not flushed). An account the bureau made (invited, imported)
    has a password the holder did not choose: they replace it at first login. `password_method`: a cheaper
    hash for a random one-time password (operations/imports.py), whose strength is its randomness."""
    account = User(username=username, name=name, role="expert", email=email)
    account.set_password(password, method=password_method)
    account.must_change_password = must_change_password
    db.session.add(account)
    return account


def register_expert(*, username: str, name: str, password: str, mobile: str, email: str,
                    invited_by: User | None = None) -> Expert:
    """An expert's account and record. Self-registered: a draft the person fills in and submits.
    Invited by the bureau (邀请入库): the bureau chose the password, so the holder replaces it at first
    login, and only the bureau reviews the record."""
    account = new_expert_account(username, name, email, password, must_change_password=invited_by is not None)
    db.session.flush()
    expert = Expert(user_id=account.id, name=name, mobile=mobile, email=email,
                    status="invited" if invited_by else "draft",
                    admission_route="invitation" if invited_by else "open")
    db.session.add(expert)
    db.session.flush()
    if invited_by is None:
        audit.record("register", expert, user=account)
        return expert
    db.session.add(ExpertEvent(expert_id=expert.id, user_id=invited_by.id, actor_label=invited_by.name,
                               action="invite", from_status="", to_status="invited"))
    audit.record("expert_invite", expert, user=invited_by, username_invited=username)
    return expert


def sign_out(user: User) -> None:
    """Logging out ends every session of the account: a copy of the cookie kept elsewhere stops working."""
    user.end_sessions()
    audit.record("logout", user=user)


def change_own_password(user: User, current: str, new: str, now: datetime) -> str:
    """'changed'; 'wrong' when the current password is wrong; 'locked' when that wrong guess locked the
    account, and then every session of it ends, so a borrowed session cannot be used to guess."""
    if user.check_password(current):
        user.set_password(new)  # a new session token as well: every other session ends
        user.must_change_password = False
        user.failed_logins = 0
        audit.record("password_changed", user, user=user)
        return "changed"
    locked = count_failure(user, now)
    if locked:
        user.end_sessions()
    audit.record("password_change_failed", user, user=user, reason="locked_out" if locked else "wrong_password")
    return "locked" if locked else "wrong"
