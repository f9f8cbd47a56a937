"""Login, lock-out, logout, CSRF and cookie flags."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from models import AuditEntry, User, db, utcnow
from web.auth import LOGIN_FAILED


def _user(app, username):
    with app.app_context():
        return db.session.scalar(select(User).where(User.username == username))


def test_login_page_is_chinese_and_has_the_fixed_fields(browser):
    page = browser.get("/login").get_data(as_text=True)
    assert "登录" in page and 'name="username"' in page and 'name="password"' in page
    assert 'lang="zh-CN"' in page


@pytest.mark.parametrize("username", ["bureau", "dept", "unit", "usage", "leader", "supervisor"])
def test_staff_demo_account_lands_in_the_back_office(demo_browser, username):
    response = demo_browser.login(username)
    assert response.status_code == 302
    assert demo_browser.get("/landing").headers["Location"].endswith("/admin/")
    assert demo_browser.get("/admin/").status_code == 200


def test_expert_lands_in_the_portal_and_is_refused_the_back_office(demo_browser):
    demo_browser.login("expert")
    assert demo_browser.get("/landing").headers["Location"].endswith("/me/")
    assert "我的专家信息" in demo_browser.get("/me/").get_data(as_text=True)
    assert demo_browser.get("/admin/").status_code == 403


def test_wrong_password_and_unknown_user_get_the_same_message(demo_browser):
    wrong = demo_browser.login("bureau", "Wrong@2026").get_data(as_text=True)
    unknown = demo_browser.login("nobody", "Wrong@2026").get_data(as_text=True)
    assert LOGIN_FAILED in wrong and LOGIN_FAILED in unknown
    assert demo_browser.get("/admin/").status_code == 302  # still anonymous


def test_five_failures_lock_the_account_for_fifteen_minutes(demo_app, demo_browser, monkeypatch):
    for _ in range(5):
        demo_browser.login("bureau", "Wrong@2026")
    locked = _user(demo_app, "bureau")
    assert locked.locked_until is not None
    assert timedelta(minutes=14) < locked.locked_until - utcnow() <= timedelta(minutes=15)
    # The right password is refused while locked, with the same message.
    page = demo_browser.login("bureau").get_data(as_text=True)
    assert LOGIN_FAILED in page
    # Sixteen minutes later it works again.
    later = utcnow() + timedelta(minutes=16)
    monkeypatch.setattr("web.auth.utcnow", lambda: later)
    assert demo_browser.login("bureau").status_code == 302
    assert _user(demo_app, "bureau").failed_logins == 0


@pytest.mark.parametrize("path", ["unknown user", "wrong password", "locked account", "disabled account"])
def test_every_failed_login_costs_one_password_hash_check(demo_app, demo_browser, monkeypatch, path):
    """The same work on every failure path, so the time taken does not tell whether an account exists,
    is locked or disabled (a locked account answered in 0.04 s, an unknown user in 0.34 s)."""
    import models.users
    import operations.accounts

    with demo_app.app_context():
        account = db.session.scalar(select(User).where(User.username == "leader"))
        if path == "locked account":
            account.locked_until = utcnow() + timedelta(minutes=10)
        if path == "disabled account":
            account.active = False
        db.session.commit()
    checks = []

    def spy(original):
        def check(stored, password):
            checks.append(stored)
            return original(stored, password)
        return check

    for module in (operations.accounts, models.users):
        monkeypatch.setattr(module, "check_password_hash", spy(module.check_password_hash))
    username = "nobody" if path == "unknown user" else "leader"
    password = "Demo@2026" if path in ("locked account", "disabled account") else "Wrong@2026"
    page = demo_browser.login(username, password).get_data(as_text=True)
    assert LOGIN_FAILED in page
    assert len(checks) == 1, path


def test_failures_are_counted_in_the_database_across_clients(demo_app):
    from tests.conftest import Browser

    for _ in range(4):
        Browser(demo_app.test_client()).login("unit", "Wrong@2026")
    assert _user(demo_app, "unit").failed_logins == 4
    assert _user(demo_app, "unit").locked_until is None
    Browser(demo_app.test_client()).login("unit", "Wrong@2026")
    assert _user(demo_app, "unit").locked_until is not None


def test_logins_and_failures_are_audited(demo_app, demo_browser):
    demo_browser.login("bureau", "Wrong@2026")
    demo_browser.login("ghost", "Wrong@2026")
    demo_browser.login("bureau")
    with demo_app.app_context():
        actions = db.session.execute(
            select(AuditEntry.action, AuditEntry.username).order_by(AuditEntry.seq)).all()
    assert ("login_failed", "bureau") in actions
    assert ("login_failed", "ghost") in actions
    assert actions[-1] == ("login", "bureau")


def test_login_post_without_csrf_token_is_refused(demo_browser):
    response = demo_browser.client.post("/login", data={"username": "bureau", "password": "Demo@2026"})
    assert response.status_code == 400
    assert demo_browser.get("/admin/").status_code == 302


def test_session_cookie_is_httponly_and_samesite(demo_browser):
    response = demo_browser.login("bureau")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_logout_ends_the_session(demo_browser):
    demo_browser.login("bureau")
    assert demo_browser.get("/admin/").status_code == 200
    response = demo_browser.post("/logout", {})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert demo_browser.get("/admin/").status_code == 302


def test_logout_is_a_post_with_the_csrf_token_only(demo_browser):
    """A link or an image on another site cannot log anyone out: GET is refused (405), and so is a POST
    without the session's CSRF token (400); the session goes on."""
    demo_browser.login("bureau")
    response = demo_browser.get("/logout")
    assert response.status_code == 405 and "请求方式不允许" in response.get_data(as_text=True)
    assert demo_browser.client.post("/logout").status_code == 400
    assert demo_browser.client.post("/logout", data={"csrf_token": "forged"}).status_code == 400
    assert demo_browser.get("/admin/").status_code == 200


@pytest.mark.parametrize("username, page", [("bureau", "/admin/"), ("expert", "/me/")])
def test_every_logout_control_is_a_form_posting_the_token(demo_browser, username, page):
    """The 退出 of the back office and of the portal: a form posting the session's CSRF token to /logout,
    and no link to it left anywhere."""
    import re

    demo_browser.login(username)
    html = demo_browser.get(page).get_data(as_text=True)
    assert 'href="/logout"' not in html
    form = re.search(r'<form method="post" action="/logout" class="logout-form">(.*?)</form>', html, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "退出" in form.group(1)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.group(1)).group(1)
    assert demo_browser.client.post("/logout", data={"csrf_token": token}).status_code == 302
    assert demo_browser.get(page).status_code == 302


def test_login_redirect_target_must_be_local(demo_browser):
    token = demo_browser.token("/login")
    response = demo_browser.client.post("/login?next=https://evil.example/x", data={
        "username": "bureau", "password": "Demo@2026", "csrf_token": token})
    assert response.headers["Location"].endswith("/landing")
