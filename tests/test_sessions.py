"""Sessions end on logout and on a password change; accounts the bureau makes choose their own password first."""
from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from models import AuditEntry, Expert, Organization, User, db
from tests.conftest import DEMO_PASSWORD, Browser

NEW_PASSWORD = "Jianhu2027x"


def _user(app, username: str) -> User:
    with app.app_context():
        user = db.session.scalar(select(User).where(User.username == username))
        db.session.expunge(user)
        return user


def _signed_in(app, username: str, password: str = DEMO_PASSWORD) -> Browser:
    browser = Browser(app.test_client())
    assert browser.login(username, password).status_code == 302
    return browser


def _session_cookie(browser: Browser) -> str:
    return browser.client.get_cookie("session").value


def _with_cookie(app, value: str) -> Browser:
    """A different browser that presents a copied session cookie (a stolen or left-behind one)."""
    other = Browser(app.test_client())
    other.client.set_cookie("session", value, domain="localhost")
    return other


def _is_signed_in(browser: Browser, url: str = "/admin/") -> bool:
    response = browser.get(url)
    if response.status_code == 302 and "/login" in response.headers["Location"]:
        return False
    assert response.status_code == 200, (url, response.status_code)
    return True


def _change_password(browser: Browser, current: str, new: str, again: str | None = None):
    return browser.post("/password", {"current_password": current, "new_password": new,
                                      "new_password2": new if again is None else again},
                        token_from="/password")


def _field_error(page: str, field: str) -> str:
    """The error shown under a field of templates/_form.html."""
    match = re.search(rf'id="{field}"[^>]*>\s*(?:<small[^>]*>.*?</small>\s*)?<div class="invalid-feedback">(.*?)</div>',
                      page, re.S)
    assert match, f"no error shown at {field}"
    return unescape(match.group(1))


# Sessions


def test_the_session_id_carries_a_token_and_an_id_without_it_is_refused(demo_app):
    """A session from before migration 0009 (or a forged "_user_id") does not sign anyone in."""
    unit = _user(demo_app, "unit")
    assert unit.get_id() == f"{unit.id}:{unit.session_token}" and len(unit.session_token) == 32
    browser = Browser(demo_app.test_client())
    with browser.client.session_transaction() as session:
        session["_user_id"], session["_fresh"] = str(unit.id), True
    assert not _is_signed_in(browser)
    with browser.client.session_transaction() as session:
        session["_user_id"] = f"{unit.id}:{'0' * 32}"
    assert not _is_signed_in(browser)


def test_changing_ones_password_ends_every_other_session(demo_app):
    here = _signed_in(demo_app, "unit")
    elsewhere = _signed_in(demo_app, "unit")
    here_before = _session_cookie(here)
    assert _is_signed_in(elsewhere)
    response = _change_password(here, DEMO_PASSWORD, NEW_PASSWORD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/landing")
    # The browser that changed it carries on; the other one and the old cookie are signed out.
    assert _is_signed_in(here)
    assert not _is_signed_in(elsewhere)
    assert not _is_signed_in(_with_cookie(demo_app, here_before))
    # The new password works, the old one not.
    assert Browser(demo_app.test_client()).login("unit", DEMO_PASSWORD).status_code == 200
    assert _is_signed_in(_signed_in(demo_app, "unit", NEW_PASSWORD))
    with demo_app.app_context():
        actions = db.session.scalars(select(AuditEntry.action).where(AuditEntry.username == "unit")).all()
    assert "password_changed" in actions


def test_a_password_reset_by_the_bureau_ends_the_accounts_sessions(demo_app):
    victim = _signed_in(demo_app, "unit")
    unit = _user(demo_app, "unit")
    bureau = _signed_in(demo_app, "bureau")
    response = bureau.post(f"/admin/user/edit/?id={unit.id}", {
        "username": "unit", "name": unit.name, "role": "unit", "organization": str(unit.organization_id),
        "department": "__None", "email": unit.email or "", "active": "y", "new_password": NEW_PASSWORD,
    }, token_from="/admin/user/")
    assert response.status_code == 302
    assert not _is_signed_in(victim)
    assert _is_signed_in(bureau)
    # The bureau knows that password: the holder must replace it on the next login.
    assert _user(demo_app, "unit").must_change_password
    with demo_app.app_context():
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "update",
                                                           AuditEntry.object_type == "User"))
    assert unit.session_token not in entry.detail and "session_token" in entry.detail


def test_the_bureau_resetting_its_own_password_stays_signed_in(demo_app):
    bureau = _signed_in(demo_app, "bureau")
    other = _signed_in(demo_app, "bureau")
    me = _user(demo_app, "bureau")
    response = bureau.post(f"/admin/user/edit/?id={me.id}", {
        "username": "bureau", "name": me.name, "role": "bureau", "organization": "__None",
        "department": "__None", "email": me.email or "", "active": "y", "new_password": NEW_PASSWORD,
    }, token_from="/admin/user/")
    assert response.status_code == 302
    assert _is_signed_in(bureau)
    assert not _is_signed_in(other)
    assert not _user(demo_app, "bureau").must_change_password


def test_logout_ends_the_session_for_a_copy_of_the_cookie_too(demo_app):
    browser = _signed_in(demo_app, "leader")
    cookie = _session_cookie(browser)
    assert _is_signed_in(_with_cookie(demo_app, cookie))
    browser.post("/logout", {})
    assert not _is_signed_in(browser)
    assert not _is_signed_in(_with_cookie(demo_app, cookie))
    # Signing in again works as before.
    assert _is_signed_in(_signed_in(demo_app, "leader"))


def test_wrong_current_passwords_lock_the_account_and_end_the_session(demo_app):
    browser = _signed_in(demo_app, "dept")
    for attempt in range(4):
        page = _change_password(browser, f"Wrong{attempt}2026", NEW_PASSWORD).get_data(as_text=True)
        assert "当前密码不正确" in _field_error(page, "current_password")
    response = _change_password(browser, "Wrong42026", NEW_PASSWORD)
    assert response.headers["Location"].endswith("/login")
    assert not _is_signed_in(browser)
    assert _user(demo_app, "dept").locked_until is not None
    assert Browser(demo_app.test_client()).login("dept").status_code == 200  # locked


# First login


def _new_account(app, bureau: Browser, username: str = "keqiao_clerk") -> None:
    with app.app_context():
        org = db.session.scalar(select(Organization.id).where(Organization.name == "绍兴越州纺织科技有限公司"))
    response = bureau.post("/admin/user/new/", {
        "username": username, "name": "柯桥经办人", "role": "usage", "organization": str(org),
        "department": "__None", "email": "clerk@example.cn", "active": "y", "new_password": "Keqiao2026",
    }, token_from="/admin/user/new/")
    assert response.status_code == 302


def test_demo_and_registered_accounts_are_not_flagged(demo_app):
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).where(User.must_change_password)) == 0
    browser = Browser(demo_app.test_client())
    response = browser.post("/register", {"username": "self_registered", "name": "自助注册",
                                          "mobile": "13905751239", "email": "self@example.cn",
                                          "password": "Yuecheng2026", "password2": "Yuecheng2026"})
    assert response.status_code == 302
    assert not _user(demo_app, "self_registered").must_change_password
    assert browser.get("/me/profile").status_code == 200


def test_an_account_the_bureau_creates_must_change_its_password_first(demo_app):
    bureau = _signed_in(demo_app, "bureau")
    _new_account(demo_app, bureau)
    assert _user(demo_app, "keqiao_clerk").must_change_password
    assert "须修改密码" in bureau.get("/admin/user/").get_data(as_text=True)

    clerk = Browser(demo_app.test_client())
    response = clerk.login("keqiao_clerk", "Keqiao2026")
    assert response.status_code == 302
    landing = clerk.get(response.headers["Location"])
    assert landing.headers["Location"].endswith("/password")
    page = clerk.get("/password").get_data(as_text=True)
    assert "请先设置只有您自己知道的新密码" in page

    # Nothing else answers: pages, other roles' pages, public pages, unknown pages and posts.
    with demo_app.app_context():
        expert = db.session.scalar(select(Expert.id).limit(1))
    for url in ["/", "/landing", "/admin/", "/admin/drawrequest/", "/admin/drawrequest/new/",
                "/admin/expert/", f"/admin/expert/details/?id={expert}", "/admin/dashboard/",
                "/me/", "/publicity", "/login", "/no-such-page"]:
        response = clerk.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/password"), url
    with demo_app.app_context():
        before = db.session.scalar(select(func.count()).select_from(AuditEntry))
    response = clerk.post("/admin/drawrequest/new/", {"title": "不应保存"}, token_from="/password")
    assert response.status_code == 302 and response.headers["Location"].endswith("/password")
    with demo_app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == before
    # The stylesheets still load on the change page.
    assert clerk.get("/static/app.css").status_code == 200

    # The new password must pass rules/passwords.validate_password; messages at the field.
    for new, again, field, message in [
        ("short1", None, "new_password", "密码至少8位"),
        ("onlyletters", None, "new_password", "密码须同时包含字母和数字"),
        ("password123", None, "new_password", "该密码过于常见"),
        ("keqiao_clerk9", None, "new_password", "密码不能包含用户名"),
        ("Keqiao2026", None, "new_password", "新密码不能与当前密码相同"),
        ("Shaoxing2027", "Shaoxing2028", "new_password2", "两次输入的新密码不一致"),
        ("", None, "new_password", "请设置新密码"),
    ]:
        page = _change_password(clerk, "Keqiao2026", new, again).get_data(as_text=True)
        assert message in _field_error(page, field), (new, page)
        assert _user(demo_app, "keqiao_clerk").must_change_password
    page = _change_password(clerk, "Wrong2026", "Shaoxing2027").get_data(as_text=True)
    assert "当前密码不正确" in _field_error(page, "current_password")
    assert clerk.get("/admin/").headers["Location"].endswith("/password")

    # A good one: the flag goes, the back office opens, and the next login goes straight in.
    response = _change_password(clerk, "Keqiao2026", "Shaoxing2027")
    assert response.status_code == 302
    assert not _user(demo_app, "keqiao_clerk").must_change_password
    assert clerk.get("/admin/drawrequest/").status_code == 200
    clerk.post("/logout", {})
    again = Browser(demo_app.test_client())
    assert again.login("keqiao_clerk", "Keqiao2026").status_code == 200  # the bureau's password is gone
    response = again.login("keqiao_clerk", "Shaoxing2027")
    assert again.get(response.headers["Location"]).headers["Location"].endswith("/admin/")


def test_logout_is_open_while_the_password_must_change(demo_app):
    bureau = _signed_in(demo_app, "bureau")
    _new_account(demo_app, bureau, "keqiao_clerk2")
    clerk = _signed_in(demo_app, "keqiao_clerk2", "Keqiao2026")
    response = clerk.post("/logout", {})
    assert response.headers["Location"].endswith("/login")
    assert "登录" in clerk.get("/login").get_data(as_text=True)


@pytest.mark.parametrize("role", ["expert", "supervisor"])
def test_any_account_can_change_its_own_password(demo_app, role):
    browser = _signed_in(demo_app, role)
    assert "修改密码" in browser.get("/password").get_data(as_text=True)
    assert _change_password(browser, DEMO_PASSWORD, NEW_PASSWORD).status_code == 302
    assert _is_signed_in(browser, "/me/" if role == "expert" else "/admin/")
