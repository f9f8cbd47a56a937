"""A live server in a thread and a real Chromium driven by Playwright."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"


@pytest.fixture
def live_server(demo_app):
    demo_app.config["SERVER_NAME"] = None  # the browser reaches it by IP and port
    server = make_server("127.0.0.1", 0, demo_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    demo_app.config["SERVER_NAME"] = "localhost"


@pytest.fixture(scope="session")
def chromium():
    if not os.path.exists(CHROMIUM):
        pytest.skip("Chromium is not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--no-first-run"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    context = chromium.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield context.new_page()
    context.close()


@pytest.fixture
def shot(request):
    """Save a full-page screenshot under test-artifacts/, named after the test and database."""
    ARTIFACTS.mkdir(exist_ok=True)

    def take(page, name: str, full_page: bool = True) -> Path:
        db_name = "postgresql" if "postgresql" in request.node.name else "sqlite"
        path = ARTIFACTS / f"{name}-{db_name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path

    return take


def login(page, base: str, username: str, password: str = "Demo@2026") -> None:
    page.goto(f"{base}/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def pick_select2(page, field: str, typed: str) -> None:
    """Choose in a Select2 box as a person does: open it, type, press Enter."""
    page.click(f"#s2id_{field} a")
    page.keyboard.type(typed)
    page.wait_for_selector(".select2-drop-active .select2-result-selectable")
    page.keyboard.press("Enter")
