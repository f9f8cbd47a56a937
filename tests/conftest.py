"""Fixtures: the suite runs once on SQLite and once on PostgreSQL, a clean database per test."""
from __future__ import annotations

import os
import re
from pathlib import Path

import pytest
from sqlalchemy import text

from app import create_app
from models import db
from tests.prerequisites import PartialRun, missing

pytest_plugins = ("pytester",)  # for tests/test_prerequisites.py

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
DEMO_PASSWORD = "Demo@2026"
_pg_cluster = None


def _postgres_url() -> str | None:
    global _pg_cluster
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url
    from tests.pg_cluster import ThrowawayCluster

    cluster = ThrowawayCluster()
    if not cluster.available:
        return None
    _pg_cluster = cluster
    return cluster.start()


def pytest_configure(config):
    # A skip for want of something on the machine makes the run partial: said in its last line, and a failure
    # unless ALLOW_PARTIAL=1; with CI=true any skip fails its test (tests/prerequisites.py).
    config.pluginmanager.register(PartialRun(), "partial-run")


def pytest_sessionfinish(session, exitstatus):
    if _pg_cluster is not None:
        _pg_cluster.stop()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"])
def database_url(request, tmp_path_factory):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"
    url = _postgres_url()
    if url is None:
        pytest.skip(missing("PostgreSQL half", "PostgreSQL not installed",
                            "make deps as root, or set TEST_DATABASE_URL"))
    return url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from flask_migrate import upgrade

    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "TESTING": True,
        "UPLOAD_DIR": str(tmp_path_factory.mktemp("uploads")),
        "SERVER_NAME": "localhost",
        "DASHBOARD_CACHE_SECONDS": 0,  # each test sees its own data (tests/test_statistics.py tests the cache)
    })
    with application.app_context():
        if database_url.startswith("postgresql"):
            with db.engine.begin() as conn:
                conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        upgrade()
        db.session.remove()
    yield application
    with application.app_context():
        db.engine.dispose()


def _wipe(application) -> None:
    """Empty every table (the audit log too: triggers are off for the test's own clean-up)."""
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for t in tables:
                conn.execute(text(f'DELETE FROM "{t}"'))


# A database state built once per run and database (the reference lists; the demo on top), copied back in
# for each test that wants it: a copy takes a fraction of the time of seeding the demo again.
_SNAPSHOTS: set[tuple] = set()


def _snapshot_key(application, name: str) -> tuple:
    from models.encrypted import current_key

    # The sealed values and lookup hashes in a copy hold only under the key they were made with.
    return application.config["SQLALCHEMY_DATABASE_URI"], name, current_key().key_id


def _take_snapshot(application, name: str) -> None:
    tables = [t.name for t in db.metadata.sorted_tables]
    with db.engine.begin() as conn:
        if db.engine.dialect.name == "postgresql":
            conn.execute(text(f"DROP SCHEMA IF EXISTS snap_{name} CASCADE; CREATE SCHEMA snap_{name}"))
            for t in tables:
                conn.execute(text(f'CREATE TABLE snap_{name}."{t}" AS TABLE public."{t}"'))
        else:
            path = Path(db.engine.url.database + f".{name}.snapshot")
            path.unlink(missing_ok=True)
            conn.execute(text("VACUUM INTO :path"), {"path": str(path)})


def _restore_snapshot(application, name: str) -> None:
    """Every table emptied and refilled from the copy, in one transaction; identities continue after it."""
    tables = [t.name for t in db.metadata.sorted_tables]
    _wipe(application)
    if db.engine.dialect.name == "postgresql":
        with db.engine.begin() as conn:
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            for t in tables:
                conn.execute(text(f'INSERT INTO public."{t}" SELECT * FROM snap_{name}."{t}"'))
            for t, in conn.execute(text(
                    "SELECT table_name FROM information_schema.columns WHERE table_schema = 'public' "
                    "AND column_name = 'id' AND column_default LIKE 'nextval%'")):
                conn.execute(text(f"SELECT setval(pg_get_serial_sequence('\"{t}\"', 'id'), "
                                  f'COALESCE((SELECT MAX(id) FROM "{t}"), 0) + 1, false)'))
        return
    # SQLite attaches a database per connection, outside a transaction: one raw connection does it all.
    raw = db.engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("ATTACH DATABASE ? AS snap", (db.engine.url.database + f".{name}.snapshot",))
        for t in tables:
            cursor.execute(f'INSERT INTO main."{t}" SELECT * FROM snap."{t}"')
        raw.commit()
        cursor.execute("DETACH DATABASE snap")
    finally:
        raw.close()


def _fresh(application, name: str, build) -> None:
    """The database in state `name`: built by `build` the first time, copied back in after that."""
    with application.app_context():
        db.session.remove()
        key = _snapshot_key(application, name)
        if key in _SNAPSHOTS:
            _restore_snapshot(application, name)
        else:
            _wipe(application)
            build()
            db.session.commit()
            db.session.remove()
            _take_snapshot(application, name)
            _SNAPSHOTS.add(key)
        db.session.remove()


@pytest.fixture
def clean_app(app):
    """The app with an empty database holding only the reference lists."""
    from seed.reference import load_reference

    _fresh(app, "reference", load_reference)
    for limiter in app.extensions.get("limiter", ()):
        limiter.reset()  # each test starts with no hits counted against 127.0.0.1
    yield app
    with app.app_context():
        db.session.remove()


@pytest.fixture
def demo_app(clean_app):
    """The app with the demo data loaded."""
    from seed.demo import load_demo
    from seed.reference import load_reference

    _fresh(clean_app, "demo", lambda: (load_reference(), load_demo()))
    return clean_app


class Browser:
    """A test client that logs in and posts forms with their CSRF token."""

    def __init__(self, client):
        self.client = client
        self.csrf = None  # the session's token, valid for any form while the session lasts

    def token(self, url: str = "/login") -> str:
        page = self.client.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or re.search(
            r'value="([^"]+)"[^>]*name="csrf_token"', page)
        assert match, f"no CSRF token on {url}"
        self.csrf = match.group(1)
        return self.csrf

    def login(self, username: str, password: str = DEMO_PASSWORD):
        token = self.token("/login")
        return self.client.post("/login", data={"username": username, "password": password,
                                                "csrf_token": token})

    def post(self, url: str, data: dict, token_from: str | None = None, **kw):
        data = dict(data)
        data.setdefault("csrf_token", self.csrf or self.token(token_from or url))
        return self.client.post(url, data=data, **kw)

    def get(self, url: str, **kw):
        return self.client.get(url, **kw)


@pytest.fixture
def browser(clean_app):
    return Browser(clean_app.test_client())


@pytest.fixture
def demo_browser(demo_app):
    return Browser(demo_app.test_client())


# Sessions of the demo's people, and the steps they take over HTTP. ------------------------------------------

def staff(app, username: str) -> Browser:
    b = Browser(app.test_client())
    assert b.login(username).status_code == 302
    return b


def register(app, username="newexpert") -> Browser:
    b = Browser(app.test_client())
    token = b.token("/register")
    response = b.client.post("/register", data={
        "username": username, "name": "新申请专家", "mobile": "13905759876", "email": "new@example.cn",
        "password": "Expert2026", "password2": "Expert2026", "csrf_token": token})
    assert response.status_code == 302
    return b


def review(browser: Browser, expert_id: int, decision: str, reason: str = "", override: str = ""):
    return browser.post(f"/admin/expert/review/?id={expert_id}",
                        {"decision": decision, "reason": reason, "override": override})


def submitted_application(app, username="newexpert") -> tuple[Browser, int]:
    """Register, fill, upload both files, submit: returns the expert's browser and id."""
    from tests.factories import PDF, expert_where, profile_form, resident_id, upload

    b = register(app, username)
    assert b.post("/me/profile", profile_form(app, id_number=resident_id("19780315"))).status_code == 302
    for kind in ("title_certificate", "stamped_form"):
        b.post(f"/me/upload/{kind}", {"file": upload(PDF, f"{kind}.pdf")}, content_type="multipart/form-data")
    response = b.post("/me/submit", {})
    assert response.status_code == 302
    expert = expert_where(app, email="new@example.cn")
    assert expert.status == "pending_unit", b.get("/me/").get_data(as_text=True)
    return b, expert.id


def field_error(page: str, field: str) -> str:
    """The error text Flask-Admin shows under a field."""
    from html import unescape

    match = re.search(rf'id="{field}".*?<div class="invalid-feedback">\s*<ul[^>]*>\s*<li>(.*?)</li>', page, re.S)
    assert match, f"no error shown at {field}"
    return unescape(match.group(1))


def form_error(page: str, field: str) -> str:
    """The first error shown at a field of templates/_form.html (the portal's forms)."""
    from html import unescape

    match = re.search(rf'(?:id|name)="{field}"(?:(?!class="form-group).)*?<div class="invalid-feedback">(.*?)</div>', page, re.S)
    assert match, f"no error shown at {field}"
    return unescape(match.group(1))


def request_step(browser: Browser, step: str, req_id: int, data: dict | None = None, **kw):
    """One step on a draw request's page (submit, approve, reject, draw, supplement, release, special,
    spot-check, attendance), posted as its form does."""
    return browser.post(f"/admin/drawrequest/{step}/?id={req_id}", data or {}, **kw)


# A local SMS gateway for the tests of the SMS channel (operations/notify.py). ------------------------------

class FakeGateway:
    """A local SMS gateway: records each JSON POST and its bearer token; answers 200, or 503 when told."""

    def __init__(self):
        import json
        import threading
        from http.server import BaseHTTPRequestHandler, HTTPServer

        received, gateway = [], self
        self.received, self.failing = received, False

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - the http.server name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((self.headers.get("Authorization"), json.loads(body)))
                self.send_response(503 if gateway.failing else 200)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/send"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


@pytest.fixture
def gateway(demo_app):
    fake = FakeGateway()
    demo_app.config.update(SMS_URL=fake.url, SMS_KEY="sms-secret", BASE_URL="http://localhost")
    yield fake
    fake.stop()
    demo_app.config.update(SMS_URL="", SMS_KEY="")
