"""Rosters: the current filter, masked by role, formula-safe, scoped, audited."""
from __future__ import annotations

import io
import json
import zipfile

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from models import AuditEntry, Expert, Organization, User, db
from tests.factories import make_expert
from tests.conftest import staff


def _rows(response):
    ws = load_workbook(io.BytesIO(response.data)).active
    return [[c.value for c in row] for row in ws.iter_rows(min_row=5)]


def test_a_formula_typed_as_a_name_stays_text(demo_app):
    with demo_app.app_context():
        make_expert("admitted", name='=HYPERLINK("http://x","y")')
        db.session.commit()
    response = staff(demo_app, "bureau").get("/admin/expert/roster.xlsx")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as z:
        sheet = z.read("xl/worksheets/sheet1.xml").decode()
        strings = z.read("xl/sharedStrings.xml").decode() if "xl/sharedStrings.xml" in z.namelist() else sheet
    assert "<f>" not in sheet
    assert "HYPERLINK(&quot;http://x&quot;,&quot;y&quot;)" in strings or 'HYPERLINK("http://x","y")' in strings


@pytest.mark.parametrize("role, full", [("bureau", True), ("leader", False)])
def test_numbers_are_masked_unless_the_role_needs_them(demo_app, role, full):
    with demo_app.app_context():
        numbers = set(db.session.scalars(select(Expert.id_number)))
    rows = _rows(staff(demo_app, role).get("/admin/expert/roster.xlsx"))
    ids = {r[3] for r in rows}
    assert bool(ids & numbers) == full
    if not full:
        assert all("*" in (i or "*") for i in ids)
        assert all("*" in (r[11] or "*") for r in rows)  # mobiles
        assert all(not r[12] or r[12].startswith("*") for r in rows)  # bank accounts


def test_the_roster_follows_the_filter_and_the_scope_and_is_audited(demo_app):
    unit = staff(demo_app, "unit")
    with demo_app.app_context():
        me = db.session.scalar(select(User).where(User.username == "unit"))
        mine = db.session.scalar(select(func.count(Expert.id)).where(Expert.organization_id == me.organization_id))
        admitted_mine = db.session.scalar(select(func.count(Expert.id)).where(
            Expert.organization_id == me.organization_id, Expert.status == "admitted"))
        org_name = db.session.get(Organization, me.organization_id).name
    rows = _rows(unit.get("/admin/expert/roster.xlsx"))
    assert len(rows) == mine and {r[7] for r in rows} == {org_name}
    page = unit.get("/admin/expert/").get_data(as_text=True)
    assert "导出名册" in page
    # The status filter of the list view (flt0_0: 状态 equals).
    filtered = _rows(unit.get("/admin/expert/roster.xlsx?flt0_0=admitted"))
    assert len(filtered) == admitted_mine
    with demo_app.app_context():
        entries = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "export_roster")
                                     .order_by(AuditEntry.seq)).all()
    assert [json.loads(e.detail)["rows"] for e in entries] == [mine, admitted_mine]
    assert "状态" in json.loads(entries[-1].detail)["filter"]


def test_the_download_name_is_chinese_with_an_ascii_fallback(demo_app):
    response = staff(demo_app, "leader").get("/admin/expert/roster.xlsx")
    disposition = response.headers["Content-Disposition"]
    assert "filename*=UTF-8''%E4%B8%93%E5%AE%B6%E5%90%8D%E5%86%8C_" in disposition
    assert disposition.startswith("attachment; filename=") and disposition.count(".xlsx") == 2  # an ASCII fallback
