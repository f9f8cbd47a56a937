"""Pickers, not codes (issue 17, item 9): the usage unit finds disciplines by name or code."""
from __future__ import annotations

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
