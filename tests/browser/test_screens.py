"""Each role's home page and main list at a desktop (1366 px) and a phone (390 px) width, saved under
test-artifacts/ for a person to look at (issue 17); the page must not be wider than the screen except
inside a table that scrolls by itself."""
from __future__ import annotations

import pytest

from tests.browser.conftest import login

MAIN = {"bureau": "/admin/expert/", "unit": "/admin/expert/", "dept": "/admin/expert/",
        "leader": "/admin/expert/", "supervisor": "/admin/audit/", "usage": "/admin/drawrequest/",
        "expert": "/me/"}


@pytest.mark.parametrize("role", sorted(MAIN))
def test_home_and_main_list_fit_the_screen(ui_server, chromium, shot, role):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    try:
        login(page, ui_server, role)
        for width in (1366, 390):
            page.set_viewport_size({"width": width, "height": 900})
            for name, url in (("home", None), ("list", MAIN[role])):
                if url:
                    page.goto(ui_server + url)
                else:
                    page.goto(ui_server + "/")
                shot(page, f"screen-{role}-{name}-{width}")
                # Whatever is wider than the screen scrolls inside its own box, never the whole page.
                overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
                assert overflow <= 1, f"{role} {name} at {width}px: {overflow}px wider than the screen"
    finally:
        context.close()
