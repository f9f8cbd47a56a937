"""Every POST endpoint refuses a request without a CSRF token, and nothing changes."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from models import AuditEntry, db
from tests.conftest import Browser


def _post_urls(app) -> list[str]:
    urls = []
    for rule in app.url_map.iter_rules():
        if "POST" not in rule.methods or rule.endpoint in ("static", "admin.static"):
            continue
        urls.append(re.sub(r"<(?:[a-z]+:)?[a-z_]+>", "1", rule.rule))
    return sorted(set(urls))


def test_every_post_without_a_token_is_refused_and_changes_nothing(demo_app):
    with demo_app.app_context():
        urls = _post_urls(demo_app)
        before = db.session.scalar(select(func.count(AuditEntry.seq)))
    assert len(urls) > 20  # the login, the portal, the public forms and every admin view
    for who in (None, "bureau", "expert"):
        browser = Browser(demo_app.test_client())
        if who:
            browser.login(who)
        with demo_app.app_context():
            after_login = db.session.scalar(select(func.count(AuditEntry.seq)))
        for url in urls:
            response = browser.client.post(url + "?id=1", data={"action": "submit", "name": "x"})
            assert response.status_code == 400, (who, url, response.status_code)
            assert "页面已过期" in response.get_data(as_text=True) or "CSRF" in response.get_data(as_text=True), url
        with demo_app.app_context():
            assert db.session.scalar(select(func.count(AuditEntry.seq))) == after_login, who
    assert before <= after_login
