"""The long 专家信息表 keeps a draft in the browser while it is typed (issue 17, item 6): a closed tab or a
lost connection loses nothing, and no personal number is left behind in the browser."""
from __future__ import annotations

from tests.browser.conftest import login


def test_a_typed_profile_is_offered_back_after_a_reload_without_its_personal_numbers(ui_server, page, shot):
    login(page, ui_server, "expert")
    page.goto(f"{ui_server}/me/profile")
    page.fill("#position", "研发中心主任（草稿）")
    page.fill("#id_number", "330602198001011234")
    page.wait_for_selector("[data-draft-said]:has-text('已在本浏览器暂存')")
    kept = page.evaluate("JSON.stringify(localStorage)")
    assert "研发中心主任（草稿）" in kept and "330602198001011234" not in kept
    page.reload()
    assert page.input_value("#position") != "研发中心主任（草稿）"  # nothing was sent to the server
    shot(page, "profile-draft-offered", full_page=False)
    page.click("[data-draft-restore]")
    assert page.input_value("#position") == "研发中心主任（草稿）"
    page.click(".logout-form button")
    page.wait_for_load_state()
    assert page.evaluate("Object.keys(localStorage).filter(k => k.startsWith('expertlib-draft')).length") == 0
