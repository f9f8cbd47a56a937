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


def test_an_upload_over_the_limit_is_told_the_real_limits(demo_app):
    """The request limit (MAX_CONTENT_LENGTH, 413) leaves room for any file the rule allows (MAX_BYTES), and
    both are named in MB from where they are set; a file between the two hears the rule's own message."""
    import io

    from rules.uploads import MAX_BYTES, MAX_REQUEST_BYTES, megabytes
    from tests.conftest import register

    limit = demo_app.config["MAX_CONTENT_LENGTH"]
    assert limit == MAX_REQUEST_BYTES and limit - MAX_BYTES >= 512 * 1024  # a file, its form, the framing
    assert (megabytes(limit), megabytes(MAX_BYTES)) == ("11 MB", "10 MB")
    expert = register(demo_app)  # a draft: may upload

    def upload(size: int):
        return expert.post("/me/upload/title_certificate", {"file": (io.BytesIO(b"%PDF-" + b"0" * size), "证书.pdf")},
                           content_type="multipart/form-data", follow_redirects=True)

    response = upload(limit)
    page = response.get_data(as_text=True)
    assert response.status_code == 413
    assert "超过了每次提交11 MB的上限" in page and "单个文件不超过10 MB" in page
    response = upload(MAX_BYTES + 512 * 1024)  # under the request limit, over the file limit: the rule says so
    assert response.status_code == 200 and "文件过大（10.5 MB），单个文件不超过10 MB" in response.get_data(as_text=True)
    # A form field past Flask's per-field limit (multipart), in a request under the size limit: that limit is named.
    response = expert.post("/me/leave", {"start": "2030-01-01", "end": "2030-01-02", "reason": "长" * 200_000},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "每项不超过500 KB" in response.get_data(as_text=True)


def test_the_413_names_the_configured_limit(app, database_url, tmp_path):
    small = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": "test-secret", "TESTING": True,
                        "UPLOAD_DIR": str(tmp_path), "SERVER_NAME": "localhost", "MAX_CONTENT_LENGTH": 2 * 1024 * 1024})
    try:
        response = small.test_client().post("/login", data={"username": "x" * (3 * 1024 * 1024)})
        page = response.get_data(as_text=True)
        assert response.status_code == 413 and "超过了每次提交2 MB的上限" in page and "单个文件不超过2 MB" in page
    finally:
        with small.app_context():
            db.session.remove()
            db.engine.dispose()
