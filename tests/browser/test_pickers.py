"""Pickers, not codes (issue 17, item 9): the usage unit finds disciplines by name or code."""
from __future__ import annotations

from playwright.sync_api import expect
from sqlalchemy import select

from models import DrawRequest, db
from tests.browser.conftest import login


def test_the_usage_unit_picks_disciplines_by_name_or_code(live_server, page, shot, demo_app):
    login(page, live_server, "usage")
    page.goto(f"{live_server}/admin/drawrequest/new/")
    for typed in ("纺织", "520"):
        page.click("#s2id_discipline_codes input")
        page.keyboard.type(typed)
        page.wait_for_selector(".select2-drop-active .select2-result-selectable")
        page.keyboard.press("Enter")
    chosen = page.locator("#s2id_discipline_codes .select2-search-choice").all_inner_texts()
    assert any("纺织" in c for c in chosen) and any(c.startswith("520") for c in chosen), chosen
    page.fill("#title", "选学科测试")
    page.fill("#start_at", "2027-03-10T09:00")
    page.fill("#end_at", "2027-03-10T17:00")
    page.fill("#place", "市科技局会议室")
    page.fill("#need", "3")
    shot(page, "picker-disciplines")
    page.click("input[type=submit][value='保存']")
    page.wait_for_load_state()
    with demo_app.app_context():
        codes = db.session.scalar(select(DrawRequest.discipline_codes).where(DrawRequest.title == "选学科测试"))
    assert codes and "520" in codes.split(",") and len(codes.split(",")) == 2, codes


def test_members_are_pasted_from_a_table_and_units_picked_by_name_or_code(live_server, page, shot, demo_app):
    from models import Organization

    with demo_app.app_context():
        code = db.session.scalar(select(Organization.credit_code).where(Organization.name == "绍兴文理学院"))
    login(page, live_server, "usage")
    page.goto(f"{live_server}/admin/drawrequest/new/")
    page.fill("#member-paste", f"智能纺机项目\t张一\t绍兴文理学院\t{code}\n智能纺机项目\t李二\t绍兴越州纺织科技有限公司\t"
                               "91330602MA2BCDEF1X\n王三 不完整")
    page.click("[data-member-paste]")
    assert "已添加 2 人；1 行少于三项未添加" in page.inner_text("[data-member-paste-said]")
    assert page.input_value("#members-0-name") == "张一"
    assert page.input_value("#members-1-unit_name") == "绍兴越州纺织科技有限公司"
    # A unit picked by name fills its credit code; an avoided unit typed by code fills its name.
    page.click('[data-inline-add="members"]')
    page.type("#members-2-unit_name", "文理")  # suggestions come as the user types
    expect(page.locator('#known-units option[value="绍兴文理学院"]')).to_have_count(1)
    page.fill("#members-2-unit_name", "绍兴文理学院")
    page.dispatch_event("#members-2-unit_name", "change")
    expect(page.locator("#members-2-credit_code")).to_have_value(code)  # looked up as typed
    page.click('[data-inline-add="avoidances"]')
    page.fill("#avoidances-0-credit_code", code)
    page.dispatch_event("#avoidances-0-credit_code", "change")
    expect(page.locator("#avoidances-0-name")).to_have_value("绍兴文理学院")
    shot(page, "picker-members-pasted")


def test_a_supplementary_draws_disciplines_are_picked_too(live_server, page, shot, demo_app):
    with demo_app.app_context():
        req_id = db.session.scalar(select(DrawRequest.id).where(DrawRequest.status == "drawn"))
    login(page, live_server, "bureau")
    page.goto(f"{live_server}/admin/drawrequest/manage/?id={req_id}")
    form = page.locator("form[action*='supplement']")
    chosen = form.locator(".select2-search-choice")
    before = chosen.count()
    assert before >= 1  # the request's own disciplines, shown by code and name
    form.locator(".select2-container input").click()
    page.keyboard.type("纺织")
    page.wait_for_selector(".select2-drop-active .select2-result-selectable")
    page.keyboard.press("Enter")
    assert chosen.count() == before + 1 and any("纺织" in t for t in chosen.all_inner_texts())
    shot(page, "picker-supplement-disciplines")
