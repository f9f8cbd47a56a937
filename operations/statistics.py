"""Leadership figures: counted in SQL, grouped in a handful of queries, returned as plain tables."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from models import (Discipline, DrawRecord, DrawRequest, Expert, Invitation, Organization, ReferenceItem, db,
                    utcnow)
from rules.admission import IN_LIBRARY
from rules.admission import STATUSES as EXPERT_STATUSES
from rules.conflicts import age_band_on
from rules.eligibility import TITLE_LEVELS, birth_date_for_age

AGE_BANDS = ["<40", "40-49", "50-59", "60+"]
AGE_LABELS = {"<40": "40岁以下", "40-49": "40–49岁", "50-59": "50–59岁", "60+": "60岁及以上", None: "未知"}


def _district_filter(query, district: str | None):
    """Limit to experts whose unit is in one district ('outside' = outside Shaoxing)."""
    if not district:
        return query
    if district == "outside":
        return query.where(Organization.in_shaoxing.is_(False))
    return query.where(Organization.district_id.in_(
        select(ReferenceItem.id).where(ReferenceItem.kind == "district", ReferenceItem.code == district)))


def _experts(district):
    # Every expert, with or without a unit yet (a district filter keeps those of its units only).
    # Only the columns the figures group by: a sub-query of whole rows is ten times the work at 100,000.
    return _district_filter(select(Expert.id, Expert.primary_discipline_id, Expert.organization_id,
                                   Expert.title_level, Expert.birth_date, Expert.birth_month)
                            .outerjoin(Organization, Expert.organization_id == Organization.id), district)


_recent: dict[tuple, tuple[float, datetime, dict]] = {}


def recent_figures(year: int, district: str | None, max_age: float) -> tuple[dict, datetime]:
    """figures() as computed at most `max_age` seconds ago in this process, and when (UTC).

    The dashboard is opened far more often than its figures change, and at 100,000 experts
    each computation takes a second or two; the workbook export always computes afresh.
    """
    import time

    key = (year, district)
    cached = _recent.get(key)
    if cached and time.monotonic() - cached[0] < max_age:
        return cached[2], cached[1]
    f, at = figures(year, district), utcnow()
    if max_age > 0:
        _recent[key] = (time.monotonic(), at, f)
    return f, at


def figures(year: int, district: str | None = None) -> dict:
    """Every figure of the workbook and the dashboard."""
    start, end = datetime(year, 1, 1), datetime(year + 1, 1, 1)
    in_library = _experts(district).where(Expert.status.in_(IN_LIBRARY)).subquery()

    first = aliased(Discipline)
    by_discipline = db.session.execute(
        select(func.coalesce(first.name, Discipline.name), func.count())
        .select_from(in_library).join(Discipline, Discipline.id == in_library.c.primary_discipline_id)
        .outerjoin(first, first.id == Discipline.parent_id)
        .group_by(func.coalesce(first.name, Discipline.name)).order_by(func.count().desc())).all()
    district_item = aliased(ReferenceItem)
    by_district = db.session.execute(
        select(Organization.in_shaoxing, district_item.name, func.count()).select_from(in_library)
        .join(Organization, Organization.id == in_library.c.organization_id)
        .outerjoin(district_item, district_item.id == Organization.district_id)
        .group_by(Organization.in_shaoxing, district_item.name)).all()
    districts = Counter()
    for inside, name, n in by_district:
        districts[(name or "市内（未注明区县）") if inside else "绍兴市外"] += n
    by_title = dict(db.session.execute(select(in_library.c.title_level, func.count())
                                       .group_by(in_library.c.title_level)).all())
    unit_type = aliased(ReferenceItem)
    by_unit_type = db.session.execute(
        select(unit_type.name, func.count()).select_from(in_library)
        .join(Organization, Organization.id == in_library.c.organization_id)
        .outerjoin(unit_type, unit_type.id == Organization.unit_type_id)
        .group_by(unit_type.name).order_by(func.count().desc())).all()
    today = date(year, 12, 31) if year < date.today().year else date.today()
    ages = Counter()  # grouped by birthday first: a few thousand distinct days among 100,000 experts
    for birth, month, n in db.session.execute(select(in_library.c.birth_date, in_library.c.birth_month, func.count())
                                              .group_by(in_library.c.birth_date, in_library.c.birth_month)):
        day = birth_date_for_age(birth, month)
        ages[age_band_on(day, today) if day else None] += n
    by_status = dict(db.session.execute(_district_filter(
        # An outer join: a draft not yet given a unit is an expert too (a district filter leaves it out).
        select(Expert.status, func.count()).outerjoin(Organization, Expert.organization_id == Organization.id),
        district).group_by(Expert.status)).all())

    admitted_rows = db.session.execute(_district_filter(
        select(Expert.admitted_on).join(Organization, Expert.organization_id == Organization.id), district)
        .where(Expert.admitted_on >= start.date(), Expert.admitted_on < end.date())).scalars().all()
    admissions = Counter(d.month for d in admitted_rows)

    # Draws, answers, attendance and ratings all by the month the activity starts, so that a row's
    # rates belong to the draws counted on it (a draw in November for a December review counts in December).
    draw_months = Counter(r.month for r in db.session.scalars(
        select(DrawRequest.start_at).join(DrawRecord, DrawRecord.request_id == DrawRequest.id)
        .where(DrawRequest.start_at >= start, DrawRequest.start_at < end)))
    inv_rows = db.session.execute(
        select(DrawRequest.start_at, Invitation.status, Invitation.attendance, Invitation.rating, Invitation.fee,
               Invitation.expert_id, Organization.name.label("usage_unit"))
        .join(DrawRequest, Invitation.request_id == DrawRequest.id)
        .join(Organization, DrawRequest.organization_id == Organization.id)
        .where(DrawRequest.start_at >= start, DrawRequest.start_at < end)).all()
    monthly = {m: {"answered": 0, "declined": 0, "recorded": 0, "absent": 0, "ratings": []} for m in range(1, 13)}
    fees: dict[str, list] = {}
    exposure = Counter()
    special = 0  # engagements of special experts (特邀, §12): counted apart from the library's
    for row in inv_rows:
        m = monthly[row.start_at.month]
        if row.status in ("accepted", "declined", "conflict", "expired", "recused"):
            m["answered"] += 1
            m["declined"] += row.status in ("declined", "expired")
        if row.attendance:
            m["recorded"] += 1
            m["absent"] += row.attendance != "attended"
        if row.rating:
            m["ratings"].append(row.rating)
        if row.status == "accepted" and row.expert_id:
            exposure[row.expert_id] += 1
        special += row.status == "accepted" and not row.expert_id
        if row.status == "accepted":
            fee = fees.setdefault(row.usage_unit, [0.0, 0])
            fee[0] += float(row.fee or 0)
            fee[1] += 1
    in_library_count = db.session.scalar(select(func.count()).select_from(in_library))
    # Engagements per expert in the library; those never engaged make the count of zeros.
    engaged_in_library = db.session.scalars(select(in_library.c.id).where(in_library.c.id.in_(
        select(Invitation.expert_id).join(DrawRequest, Invitation.request_id == DrawRequest.id)
        .where(Invitation.status == "accepted", DrawRequest.start_at >= start, DrawRequest.start_at < end)))).all()
    distribution = Counter(exposure[i] for i in engaged_in_library)
    if in_library_count - len(engaged_in_library):
        distribution[0] = in_library_count - len(engaged_in_library)
    top = exposure.most_common(10)
    names = {e.id: e for e in db.session.scalars(select(Expert).where(Expert.id.in_([i for i, _ in top])))}
    ratings = [r for m in monthly.values() for r in m["ratings"]]
    return {
        "in_library": in_library_count,
        "active": by_status.get("admitted", 0), "dormant": by_status.get("dormant", 0),
        "admitted_this_year": len(admitted_rows), "draws": sum(draw_months.values()),
        "engagements": sum(exposure.values()), "special_engagements": special,
        "average_rating": round(sum(ratings) / len(ratings), 2) if ratings else None,
        "fees_total": round(sum(f[0] for f in fees.values()), 2),
        "by_discipline": [[name, n] for name, n in by_discipline],
        "by_district": sorted(([k, v] for k, v in districts.items()), key=lambda r: -r[1]),
        "by_title": [[label, by_title.get(code, 0)] for code, (label, _r) in TITLE_LEVELS.items() if by_title.get(code)],
        "by_age": [[AGE_LABELS[b], ages.get(b, 0)] for b in AGE_BANDS + [None] if ages.get(b)],
        "by_unit_type": [[name or "未注明", n] for name, n in by_unit_type],
        "by_status": [[EXPERT_STATUSES[s], by_status[s]] for s in EXPERT_STATUSES if by_status.get(s)],
        "admissions": [[f"{month}月", admissions.get(month, 0)] for month in range(1, 13)],
        "draws_monthly": [[f"{month}月", draw_months.get(month, 0),
                           (m["declined"] / m["answered"]) if m["answered"] else 0.0,
                           (m["absent"] / m["recorded"]) if m["recorded"] else 0.0,
                           round(sum(m["ratings"]) / len(m["ratings"]), 2) if m["ratings"] else None]
                          for month, m in monthly.items()],
        "fees": sorted(([unit, round(v[0], 2), v[1]] for unit, v in fees.items()), key=lambda r: -r[1]),
        "exposure": [[f"{k}次", distribution[k]] for k in sorted(distribution)],
        "top_drawn": [[names[i].name, names[i].organization.name if names[i].organization else "", n] for i, n in top],
    }


def tables(f: dict, scope: str) -> list[dict]:
    """The workbook's sheets, as plain dicts for exports.leadership.Table."""
    def t(sheet, title, headers, rows, chart, value_columns, percent_columns=()):
        return {"sheet": sheet, "title": title, "headers": headers, "rows": rows, "chart": chart,
                "value_columns": list(value_columns), "percent_columns": list(percent_columns), "note": scope}

    return [
        t("按学科", "在库专家按学科（一级）分布", ["学科", "人数"], f["by_discipline"], "bar", [1]),
        t("按地区", "在库专家按区、县（市）及市内外分布", ["地区", "人数"], f["by_district"], "column", [1]),
        t("按职称", "在库专家按职称级别分布", ["职称级别", "人数"], f["by_title"], "pie", [1]),
        t("按年龄", "在库专家按年龄段分布", ["年龄段", "人数"], f["by_age"], "column", [1]),
        t("按单位类型", "在库专家按单位类型分布", ["单位类型", "人数"], f["by_unit_type"], "bar", [1]),
        t("按状态", "全部专家按状态分布", ["状态", "人数"], f["by_status"], "pie", [1]),
        t("入库月度", "每月新入库专家", ["月份", "入库人数"], f["admissions"], "column", [1]),
        t("抽取月度", "每月抽取次数、拒绝率、缺席率与平均评分", ["月份", "抽取次数", "拒绝率", "缺席率", "平均评分"],
          f["draws_monthly"], "line", [1, 2, 3], [2, 3]),
        t("劳务费", "各使用单位支付的专家劳务费", ["使用单位", "劳务费（元）", "受聘人次"], f["fees"], "bar", [1]),
        t("抽取频次", "专家本年度受聘次数分布", ["受聘次数", "专家人数"], f["exposure"], "column", [1]),
        t("最常抽中", "本年度受聘次数最多的专家", ["姓名", "工作单位", "受聘次数"], f["top_drawn"], "bar", [2]),
    ]


def key_figures(f: dict) -> list[tuple[str, str]]:
    return [("在库专家", f"{f['in_library']:,}"), ("其中活跃", f"{f['active']:,}"), ("休眠", f"{f['dormant']:,}"),
            ("本年新入库", f"{f['admitted_this_year']:,}"), ("本年抽取次数", f"{f['draws']:,}"),
            ("本年受聘人次", f"{f['engagements']:,}"), ("另有特邀专家受聘人次", f"{f['special_engagements']:,}"),
            ("平均评分", "—" if f["average_rating"] is None else f"{f['average_rating']:.2f}"),
            ("本年劳务费合计（元）", f"{f['fees_total']:,.2f}")]
