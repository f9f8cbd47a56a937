"""A 500 shows a Chinese message only: no stack trace, no exception text, no SQL (web/errors.py)."""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import text

from app import create_app
from models import db

LEAKS = ["Traceback", "File \"", "RuntimeError", "Error:", "secret-detail-4711", "/work/", ".py",
         "SELECT", "select", "user_account", "password_hash", "no_such_column", "sqlalchemy",
         "psycopg", "sqlite3", "OperationalError", "ProgrammingError", "Werkzeug", "werkzeug"]


@pytest.fixture
def failing_app(app, database_url, tmp_path):
    """A second app on the same database with test-only routes that fail, as in production (no TESTING)."""
    application = create_app({
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SECRET_KEY": "test-secret",
        "UPLOAD_DIR": str(tmp_path),
        "SERVER_NAME": "localhost",
    })
    assert not application.testing and not application.debug
    # migrations/env.py's fileConfig, run by the `app` fixture in this process, disables loggers
    # that existed before it; a deployment runs `flask db upgrade` in a process of its own.
    application.logger.disabled = False

    @application.route("/_test/exception")
    def raise_exception():
        raise RuntimeError("secret-detail-4711 in /work/main/app.py")

    @application.route("/_test/sql")
    def raise_sql_error():
        db.session.execute(text("SELECT password_hash FROM user_account WHERE no_such_column = 1"))
        return "unreachable"

    @application.route("/_test/ok")
    def ok():
        return str(db.session.execute(text("SELECT 1")).scalar())

    yield application
    with application.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("url", ["/_test/exception", "/_test/sql"])
def test_a_500_shows_no_stack_trace_nor_sql(failing_app, url, caplog):
    client = failing_app.test_client()
    with caplog.at_level(logging.ERROR):
        response = client.get(url)
    body = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "系统错误（500）" in body and "系统处理请求时出错" in body
    assert 'lang="zh-CN"' in body
    for leak in LEAKS:
        assert leak not in body, leak
    # The error page carries the security headers as well.
    assert "nonce-" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    # The details go to the log for the operators, not to the browser.
    assert any(record.exc_info for record in caplog.records)
    # The failed transaction was rolled back: the next request works.
    assert client.get("/_test/ok").get_data(as_text=True) == "1"
