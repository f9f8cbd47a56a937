"""Leadership figures against independent counts of the same data, and the workbook's sheets."""
from __future__ import annotations

import io
from collections import Counter
from datetime import date

import pytest
from sqlalchemy import select

from models import Discipline, Expert, Invitation, Organization, db
from operations.statistics import figures
from tests.test_admission_flow import staff


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
