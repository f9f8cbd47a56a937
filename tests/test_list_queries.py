"""No N+1: a list page runs the same number of SQL statements for 2 rows as for 20.

Every Flask-Admin list view is opened, as a role allowed to see it, with its page size set
to 2 and then to 20; a relationship or formatter that queries once per row shows up as 18
extra statements.
"""
from __future__ import annotations

import re

import pytest
from sqlalchemy import event

from models import db
from tests.access import ALLOWED

ROLE_PREFERENCE = ["bureau", "supervisor", "leader", "dept", "unit", "usage", "expert"]


def _list_views(app):
    admin = app.extensions["admin"][0]
    for view in admin._views:
        endpoint = getattr(view, "endpoint", "")
        roles = ALLOWED.get(f"{endpoint}.index_view")
        if roles and hasattr(view, "page_size"):
            yield view, next(r for r in ROLE_PREFERENCE if r in roles)


def _statements(app, client, url) -> tuple[int, str]:
    seen = []

    def count(*args):
        seen.append(args[2])

    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert response.status_code == 200, (url, response.status_code)
    return len(seen), response.get_data(as_text=True)


def test_list_pages_query_count_does_not_grow_with_page_size(demo_app, demo_browser):
    checked = {}
    for view, role in _list_views(demo_app):
        client = demo_app.test_client()
        demo_browser.client = client
        assert demo_browser.login(role).status_code == 302
        url = f"/admin/{view.endpoint}/"
        original = view.page_size
        try:
            view.page_size = 2
            small, _ = _statements(demo_app, client, url)
            view.page_size = 20
            large, page = _statements(demo_app, client, url)
        finally:
            view.page_size = original
        rows = len(re.findall(r'name="rowid"', page)) or page.count("<tr") - 1
        checked[view.endpoint] = (small, large, rows)
        assert large == small, f"{url} as {role}: {small} statements for 2 rows, {large} for {rows} rows"
    # The check means something only where the demo fills more than one small page.
    full = [e for e, (_s, _l, rows) in checked.items() if rows > 2]
    assert {"expert", "audit", "organization", "discipline"} <= set(full), checked


@pytest.mark.parametrize("query", ["?page=5", "?search=王", "filters"])
def test_expert_list_variants_query_count_does_not_grow(demo_app, demo_browser, query):
    """Deep pages, searches and filters of the expert list load their rows in one statement too."""
    assert demo_browser.login("bureau").status_code == 302
    view = next(v for v, _ in _list_views(demo_app) if v.endpoint == "expert")
    if query == "filters":  # 状态 等于 已入库, 主学科代码 开头为 520
        keys = {(type(flt).__name__, str(flt.column)): key for key, (_i, flt) in view._filter_args.items()}
        status = keys[("FilterEqual", "expert.status")]
        code = keys[("DisciplineCodeFilter", "Expert.primary_discipline_id")]
        query = f"?flt0_{status}=admitted&flt1_{code}=520"
    original = view.page_size
    try:
        view.page_size = 2
        small, _ = _statements(demo_app, demo_browser.client, "/admin/expert/" + query)
        view.page_size = 20
        large, _ = _statements(demo_app, demo_browser.client, "/admin/expert/" + query)
    finally:
        view.page_size = original
    assert large == small
