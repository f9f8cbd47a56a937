"""SQL injection through search boxes, filters, sorting and paging: clean answers, nothing changed."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from models import AuditEntry, DrawRequest, Expert, Organization, User, db
from tests.conftest import Browser

ATTACKS = ["' OR 1=1--", "'; DROP TABLE expert;--", "\" OR \"\"=\"", "1) UNION SELECT password_hash FROM user_account--",
           "%' AND 1=0 UNION SELECT 1,2--", "\\", "%", "_"]
LISTS = {"bureau": ["/admin/expert/", "/admin/organization/", "/admin/user/", "/admin/drawrequest/", "/admin/change/",
                    "/admin/outbox/"],
         "supervisor": ["/admin/audit/", "/admin/drawrecord/"]}


def _counts():
    return [db.session.scalar(select(func.count()).select_from(m)) for m in (Expert, Organization, User, DrawRequest)]


@pytest.mark.parametrize("role", sorted(LISTS))
def test_search_filters_sort_and_paging_take_attacks_cleanly(demo_app, role):
    with demo_app.app_context():
        before = _counts()
    browser = Browser(demo_app.test_client())
    browser.login(role)
    for url in LISTS[role]:
        for attack in ATTACKS:
            for params in ({"search": attack}, {"flt0_0": attack}, {"flt1_1": attack}, {"sort": attack},
                           {"page": attack}, {"page_size": attack}, {"desc": attack}):
                response = browser.get(url, query_string=params)
                assert response.status_code in (200, 302, 400), (url, params, response.status_code)
                body = response.get_data(as_text=True)
                for leak in ("Traceback", "sqlalchemy", "OperationalError", "ProgrammingError", "syntax error"):
                    assert leak not in body, (url, params, leak)
        # A search for an attack finds nothing: it is a string, not SQL.
        page = browser.get(url, query_string={"search": "' OR 1=1--"}).get_data(as_text=True)
        if 'type="text" name="search"' in page:  # the views that have a search box
            assert "list-buttons-column" not in page.split("</thead>", 1)[-1], url
    with demo_app.app_context():
        assert _counts() == before
        assert db.session.scalar(select(func.count(AuditEntry.seq))) > 0
