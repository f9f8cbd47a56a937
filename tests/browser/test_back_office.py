"""The back office in a real browser: login, menus per role, and field-level errors."""
from __future__ import annotations

import pytest

from rules.idcard import resident_id_check_char
from tests.browser.conftest import login, pick_select2

MENUS = {
    "bureau": {"专家管理", "基础数据", "系统管理"},
    "unit": {"专家管理"},
    "dept": {"专家管理"},
    "leader": {"专家管理"},
    "supervisor": {"系统管理"},
    "usage": set(),
}
ALL_MENUS = {"专家管理", "基础数据", "系统管理"}


@pytest.mark.parametrize("username", sorted(MENUS))
def test_each_staff_account_sees_only_its_menus(live_server, page, shot, username):
    login(page, live_server, username)
    assert page.url.endswith("/admin/")
    menu = page.locator("#admin-navbar-collapse .navbar-nav").first.inner_text()
    for item in ALL_MENUS:
        assert (item in menu) == (item in MENUS[username]), (username, item, menu)
    shot(page, f"home-{username}")


@pytest.mark.parametrize("username, home", [("bureau", "/admin/"), ("expert", "/me/")])
def test_logout_is_a_button_that_looks_like_a_link_and_ends_the_session(live_server, page, shot, username, home):
    """退出 posts a form (with the CSRF token); it is drawn as the link it replaced."""
    login(page, live_server, username)
    assert page.url.endswith(home)
    button = page.locator("form.logout-form button")
    assert button.count() == 1 and button.inner_text().strip() == "退出"
    style = button.evaluate("b => [getComputedStyle(b).borderTopStyle, getComputedStyle(b).backgroundColor]")
    assert style == ["none", "rgba(0, 0, 0, 0)"], style
    shot(page, f"logout-button-{username}", full_page=False)
    button.click()
    page.wait_for_load_state()
    assert page.url.endswith("/login") and "您已安全退出" in page.content()
    page.goto(f"{live_server}{home}")
    assert "/login" in page.url


def test_wrong_password_is_refused_in_chinese(live_server, page, shot):
    login(page, live_server, "bureau", "Wrong@2026")
    assert "用户名或密码错误" in page.content()
    assert page.url.endswith("/login")
    shot(page, "login-refused")


def test_expert_form_shows_a_bad_id_number_at_the_field_and_keeps_the_rest(live_server, page, shot):
    login(page, live_server, "bureau")
    page.goto(f"{live_server}/admin/expert/new/")
    good = "33060219750612001" + resident_id_check_char("33060219750612001")
    bad = good[:-1] + ("1" if good[-1] != "1" else "2")
    page.fill("#name", "浏览器测试专家")
    page.fill("#id_number", bad)
    page.fill("#birth_month", "1975-06")
    page.fill("#mobile", "13905751234")
    page.fill("#email", "browser@example.cn")
    page.fill("#years_in_field", "18")
    page.fill("#research_keywords", "纺织材料；功能整理")
    pick_select2(page, "organization", "越州纺织")
    pick_select2(page, "primary_discipline", "54020")
    page.click("input[type=submit][value='保存']")
    page.wait_for_load_state()
    error = page.locator("#id_number ~ .invalid-feedback, #id_number + .invalid-feedback").first
    assert "校验" in error.inner_text()
    # Everything typed is still there, the wrong number included, so it can be corrected.
    assert page.input_value("#name") == "浏览器测试专家"
    assert page.input_value("#id_number") == bad
    assert page.input_value("#mobile") == "13905751234"
    assert page.input_value("#research_keywords") == "纺织材料；功能整理"
    page.evaluate("window.scrollTo(0, 0)")
    path = shot(page, "expert-form-bad-id", full_page=False)
    assert path.stat().st_size > 10_000


def test_the_bureau_reveals_an_id_number_inside_the_edit_form_and_saves_it_untouched(live_server, page, shot,
                                                                                      demo_app):
    """Issue 16, item 6: the number shows masked; 显示完整号码 posts the form as typed to the audited reveal
    and brings it back with the number; saving keeps the stored numbers."""
    from sqlalchemy import select

    from models import Expert, User, db

    with demo_app.app_context():
        unit = db.session.scalar(select(User).where(User.username == "unit"))
        expert = db.session.scalar(select(Expert).where(Expert.organization_id == unit.organization_id,
                                                        Expert.status == "pending_unit").order_by(Expert.id))
        expert_id, number, account = expert.id, expert.id_number, expert.bank_account
    login(page, live_server, "bureau")
    page.goto(f"{live_server}/admin/expert/edit/?id={expert_id}")
    assert page.input_value("#id_number") == number[:4] + "*" * 10 + number[-4:]
    assert number not in page.content()
    page.fill("#position", "浏览器里改的职务")
    page.locator("#id_number ~ small button", has_text="显示完整号码").click()
    page.wait_for_load_state()
    assert page.input_value("#id_number") == number
    assert page.input_value("#position") == "浏览器里改的职务" and account not in page.content()
    shot(page, "expert-edit-revealed", full_page=False)
    page.click("input[type=submit][value='保存']")
    page.wait_for_load_state()
    with demo_app.app_context():
        saved = db.session.get(Expert, expert_id)
        assert (saved.position, saved.id_number, saved.bank_account) == ("浏览器里改的职务", number, account)
