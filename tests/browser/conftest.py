"""A live server in a thread and a real Chromium driven by Playwright."""
from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.prerequisites import missing

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
        pytest.skip(missing("browser tests", f"Chromium not installed at {CHROMIUM}"))
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


@pytest.fixture(scope="session")
def ui_app(tmp_path_factory):
    """The demo on SQLite, once per run, for the read-only walks through every page (tests/browser/
    test_crawl.py, test_screens.py): what a page says and how it is laid out does not depend on the
    database, so they run once rather than once per database."""
    from flask_migrate import upgrade

    from app import create_app
    from models import db
    from seed.demo import load_demo
    from seed.reference import load_reference

    folder = tmp_path_factory.mktemp("ui")
    application = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'ui.db'}", "SECRET_KEY": "ui-test",
                              "TESTING": True, "UPLOAD_DIR": str(folder / "uploads"), "DASHBOARD_CACHE_SECONDS": 0})
    with application.app_context():
        upgrade()
        load_reference()
        load_demo()
        db.session.commit()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


@pytest.fixture(scope="session")
def ui_server(ui_app):
    server = make_server("127.0.0.1", 0, ui_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
