"""Leadership figures against independent counts of the same data, and the workbook's sheets."""
from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import func, select

from models import Expert, Invitation, db
from operations.statistics import figures
from tests.conftest import staff


def _experts():
    return db.session.scalars(select(Expert)).all()


def test_figures_match_counts_made_another_way(demo_app):
    year = date.today().year
    with demo_app.app_context():
        f = figures(year)
        experts = _experts()
        in_library = [e for e in experts if e.status in ("admitted", "dormant")]
        assert f["in_library"] == len(in_library)
        assert f["active"] == sum(e.status == "admitted" for e in experts)
        first_level = Counter((e.primary_discipline.parent or e.primary_discipline).name for e in in_library)
        assert dict(f["by_discipline"]) == dict(first_level)
        district = Counter((e.organization.district.name if e.organization.in_shaoxing else "绍兴市外")
                           for e in in_library)
        assert dict(f["by_district"]) == dict(district)
        assert sum(n for _label, n in f["by_title"]) == len(in_library)
        assert sum(n for _label, n in f["by_age"]) == len(in_library)
        assert sum(n for _label, n in f["by_status"]) == len(experts)
        admitted = Counter(e.admitted_on.month for e in experts if e.admitted_on and e.admitted_on.year == year)
        assert [n for _m, n in f["admissions"]] == [admitted.get(m, 0) for m in range(1, 13)]
        accepted = db.session.scalars(select(Invitation).where(Invitation.status == "accepted")).all()
        this_year = [i for i in accepted if i.request.start_at.year == year]
        assert f["engagements"] == len(this_year)
        exposure = Counter(i.expert_id for i in this_year)
        assert dict(f["exposure"]).get("0次") == sum(1 for e in in_library if exposure.get(e.id, 0) == 0)


def test_the_district_filter_limits_every_expert_figure(demo_app):
    year = date.today().year
    with demo_app.app_context():
        f = figures(year, "keqiao")
        expected = [e for e in _experts() if e.status in ("admitted", "dormant") and e.organization.district
                    and e.organization.district.code == "keqiao" and e.organization.in_shaoxing]
        assert f["in_library"] == len(expected)
        assert dict(f["by_district"]) == {"柯桥区": len(expected)}


def test_the_workbook_download_and_the_command_agree_with_the_figures(demo_app, tmp_path):
    import json

    from openpyxl import load_workbook

    from models import AuditEntry

    year = date.today().year
    response = staff(demo_app, "leader").get(f"/admin/dashboard/leadership.xlsx?year={year}&district=keqiao")
    assert response.status_code == 200
    wb = load_workbook(io.BytesIO(response.data))
    with demo_app.app_context():
        f = figures(year, "keqiao")
        entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "export_leadership"))
        assert json.loads(entry.detail)["rows"] == f["in_library"] and "柯桥区" in json.loads(entry.detail)["filter"]
    rows = {ws.title: [[c.value for c in r] for r in ws.iter_rows(min_row=5)] for ws in wb.worksheets[1:]}
    assert rows["按学科"] == f["by_discipline"]
    assert rows["按地区"] == f["by_district"]
    assert [r[:2] for r in rows["入库月度"]] == f["admissions"]
    for ws in wb.worksheets[1:]:
        assert len(ws._charts) == (1 if rows[ws.title] else 0), ws.title
    out = tmp_path / "leader.xlsx"
    result = demo_app.test_cli_runner().invoke(args=["export", "leadership", "--out", str(out), "--year", str(year)])
    assert result.exit_code == 0, result.output
    assert load_workbook(out)["封面"]["B2"].value == f"绍兴市科技专家库统计报表（{year}年）"


def test_monthly_draw_rows_count_draws_and_rates_of_the_same_activities(demo_app):
    """Each month's row counts the draws for activities starting that month and the rates of their invitations."""
    from models import DrawRecord

    year = date.today().year
    with demo_app.app_context():
        f = figures(year)
        records = [r for r in db.session.scalars(select(DrawRecord)) if r.request.start_at.year == year]
        assert records, "the demo data has draws this year"
        draws = Counter(r.request.start_at.month for r in records)
        invitations = [i for i in db.session.scalars(select(Invitation)) if i.request.start_at.year == year]
        for month in range(1, 13):
            label, count, decline, absence, rating = f["draws_monthly"][month - 1]
            assert (label, count) == (f"{month}月", draws.get(month, 0))
            answered = [i for i in invitations if i.request.start_at.month == month
                        and i.status in ("accepted", "declined", "conflict", "expired")]
            declined = [i for i in answered if i.status in ("declined", "expired")]
            assert decline == pytest.approx(len(declined) / len(answered) if answered else 0.0)
            recorded = [i for i in invitations if i.request.start_at.month == month and i.attendance]
            absent = [i for i in recorded if i.attendance != "attended"]
            assert absence == pytest.approx(len(absent) / len(recorded) if recorded else 0.0)
            rated = [i.rating for i in invitations if i.request.start_at.month == month and i.rating]
            assert rating == (round(sum(rated) / len(rated), 2) if rated else None)
            if count == 0:
                assert not answered and not recorded, f"{label}: rates on a month without draws"


def test_the_dashboard_reuses_recent_figures_and_the_workbook_never_does(demo_app):
    """Within max_age the same figures come back (with when they were computed); max_age 0 recomputes."""
    from operations.statistics import figures, recent_figures
    from tests.factories import make_expert

    year = date.today().year
    with demo_app.app_context():
        first, at = recent_figures(year, None, 300)
        make_expert("admitted")
        db.session.commit()
        again, at_again = recent_figures(year, None, 300)
        assert (again, at_again) == (first, at)
        fresh, _ = recent_figures(year, None, 0)
        assert fresh["in_library"] == first["in_library"] + 1 == figures(year)["in_library"]


def test_the_status_sheet_counts_every_expert_even_a_draft_without_a_unit(demo_app):
    """Issue 17: the 按状态 sheet counted 24 drafts where the database held 49 (drafts with no unit yet)."""
    from rules.admission import STATUSES
    from tests.factories import make_expert

    with demo_app.app_context():
        draft = make_expert("draft", name="无单位草稿")
        draft.organization_id = None
        db.session.commit()
        counted = dict(figures(date.today().year)["by_status"])
        in_sql = {STATUSES[s]: n for s, n in db.session.execute(
            select(Expert.status, func.count()).group_by(Expert.status)).all()}
        assert counted == in_sql
