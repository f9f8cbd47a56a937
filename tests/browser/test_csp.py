"""The back office works under the strict Content-Security-Policy, and Chromium reports no violation.

Flask-Admin's inline handlers (actions, inline lists, filters) are replaced by data attributes
and static/admin_csp.js; this drives each of them in a real browser and listens for every CSP
report: console messages and `securitypolicyviolation` events.
"""
from __future__ import annotations

import pytest

from tests.browser.conftest import login

LISTEN = """
document.addEventListener("securitypolicyviolation", function (e) {
  window.__cspViolation([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber, location.pathname].join(" | "));
});
"""


class Watched:
    """A browser context whose every page reports CSP violations and dialogs into lists."""

    def __init__(self, chromium):
        self.context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        self.violations: list[str] = []
        self.dialogs: list[str] = []
        self.answer = "dismiss"
        self.context.expose_function("__cspViolation", lambda text: self.violations.append(text))
        self.context.add_init_script(LISTEN)
        self.page = self.context.new_page()
        self.page.on("console", self._console)
        self.page.on("dialog", self._dialog)
        self.visited: list[str] = []

    def _console(self, message):
        if "Content Security Policy" in message.text or "Content-Security-Policy" in message.text:
            self.violations.append(f"console: {message.text} @ {self.page.url}")

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.accept() if self.answer == "accept" else dialog.dismiss()

    def goto(self, url: str):
        self.page.goto(url)
        self.page.wait_for_load_state("load")
        self.visited.append(self.page.url)

    def settle(self):
        """Give late reports (events fire asynchronously) a moment to arrive."""
        self.page.wait_for_timeout(300)

    def close(self):
        self.context.close()


@pytest.fixture
def watched(chromium):
    made: list[Watched] = []

    def make() -> Watched:
        made.append(Watched(chromium))
        return made[-1]

    yield make
    for w in made:
        w.close()


def _add_inline_rows(w: Watched) -> int:
    """Click every "Add …" under an inline list; each adds a fresh, styled sub-form. Returns how many."""
    page = w.page
    buttons = page.locator("[data-inline-add]")
    count = buttons.count()
    assert count >= 1, page.url
    for i in range(count):
        button = buttons.nth(i)
        container = page.locator(f"#{button.get_attribute('data-inline-add')}")
        before = container.locator(".inline-field-list > .inline-field").count()
        button.click()
        rows = container.locator(".inline-field-list > .inline-field")
        assert rows.count() == before + 1
        assert "fresh" in (rows.last.get_attribute("class") or "")
        # The new row's inputs are renamed to the list's prefix, as Flask-Admin's onclick did.
        names = rows.last.locator("[name]").evaluate_all("els => els.map(e => e.name)")
        assert names and all(n.startswith(f"{button.get_attribute('data-inline-add')}-{before}-") for n in names), names
    # The page did not jump to another URL (href="#" / javascript: never followed).
    assert "#" not in page.url
    return count


def test_back_office_runs_under_the_csp_without_violations(live_server, watched, shot):
    base = live_server

    # The bureau: home, the expert list with its actions, filters and pagination, the expert form.
    bureau = watched()
    bureau.goto(f"{base}/login")
    login(bureau.page, base, "bureau")
    bureau.visited.append(bureau.page.url)
    page = bureau.page
    assert page.url.endswith("/admin/")
    # A menu drop-down (href="javascript:void(0)" in Flask-Admin's layout) opens without running it.
    page.click("#admin-navbar-collapse >> text=专家管理")
    assert page.locator(".dropdown-menu.show").count() >= 1

    bureau.goto(f"{base}/admin/expert/")
    # The action with nothing selected: modelActions.execute runs and says so.
    page.click("text=选中的")
    page.click(".dropdown-menu.show a[data-action='publicize']")
    page.wait_for_timeout(200)
    assert bureau.dialogs and "请至少选择" in bureau.dialogs[-1], bureau.dialogs
    # With a record ticked: the action's confirmation; dismissed, so nothing is sent.
    page.locator("input.action-checkbox").first.check()
    page.click("text=选中的")
    page.click(".dropdown-menu.show a[data-action='publicize']")
    page.wait_for_timeout(200)
    assert bureau.dialogs[-1] == "确认将所选专家列入公示？公示期7天。", bureau.dialogs
    assert page.url.endswith("/admin/expert/")
    # The same confirmation, accepted: the hidden action form is posted (the chosen expert may not be
    # ready for publicity; either way the server answers with a message, not an error).
    bureau.answer = "accept"
    page.click("text=选中的")
    with page.expect_navigation():
        page.click(".dropdown-menu.show a[data-action='publicize']")
    bureau.answer = "dismiss"
    assert "/admin/expert/" in page.url
    assert page.locator(".alert").count() >= 1
    bureau.visited.append(page.url)
    # "Add filter": the filter row appears and the link is not followed.
    bureau.goto(f"{base}/admin/expert/")
    page.click("text=添加筛选器")
    page.locator(".field-filters a.filter").first.click()
    assert page.locator("table.filters tr").count() >= 1
    assert "#" not in page.url
    # The current page's number in the pagination is a javascript:void(0) link: clicking it does nothing.
    current = page.locator(".pagination .active a").first
    if current.count():
        current.click()
        assert page.url.endswith("/admin/expert/")
    shot(page, "csp-expert-list")

    bureau.goto(f"{base}/admin/expert/new/")
    assert _add_inline_rows(bureau) == 1
    # Removing the added row asks first (form.js's handler), then the row goes.
    bureau.answer = "accept"
    fresh = page.locator(".inline-field.fresh")
    fresh.last.locator(".inline-remove-field").click()
    assert page.locator(".inline-field.fresh").count() == 0
    bureau.answer = "dismiss"
    _add_inline_rows(bureau)
    shot(page, "csp-expert-form-inline")
    for url in ("/admin/user/new/", "/admin/drawrequest/", "/admin/dashboard/", "/password"):
        bureau.goto(f"{base}{url}")
    bureau.settle()

    # The usage clerk: the draw request form with its two inline lists.
    usage = watched()
    login(usage.page, base, "usage")
    usage.visited.append(usage.page.url)
    usage.goto(f"{base}/admin/drawrequest/")
    usage.goto(f"{base}/admin/drawrequest/new/")
    assert _add_inline_rows(usage) >= 2
    shot(usage.page, "csp-draw-request-inline")
    usage.settle()

    # The portal and the public pages.
    expert = watched()
    for url in ("/login", "/publicity", "/register"):
        expert.goto(f"{base}{url}")
    login(expert.page, base, "expert")
    expert.goto(f"{base}/me/")
    expert.goto(f"{base}/me/profile")
    expert.settle()

    assert len(bureau.visited) >= 8 and len(usage.visited) >= 3
    violations = bureau.violations + usage.violations + expert.violations
    assert violations == [], "\n".join(violations)


def test_the_listeners_do_catch_a_violation(live_server, watched):
    """The check above could pass by hearing nothing: here an injected inline script must be refused and reported."""
    w = watched()
    w.goto(f"{live_server}/login")
    w.page.evaluate("""() => {
        const s = document.createElement("script");
        s.textContent = "window.__ran = true";
        document.body.appendChild(s);
        const b = document.createElement("button");
        b.setAttribute("onclick", "window.__clicked = true");
        document.body.appendChild(b);
        b.click();
    }""")
    w.settle()
    assert w.page.evaluate("() => window.__ran === undefined && window.__clicked === undefined")
    assert any("script-src" in v for v in w.violations if not v.startswith("console")), w.violations
    assert any(v.startswith("console") for v in w.violations), w.violations
