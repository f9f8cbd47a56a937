"""Draw latency: a typical draw against the database given by DATABASE_URL, beside its floor.

Usage: DATABASE_URL=... python bench/draw_bench.py [--runs 30]
The database must already hold the data (flask seed demo / seed scale --experts N).
A typical draw: 15 experts and 5 backups, two disciplines, five projects of ten members, ten avoidances.
Each run is the whole operation (pool, conflicts, draw, record, invitations, audit entry) in a
transaction that is rolled back, so the data is left as it was. The floor is the bare SQL that
fetches the candidate ids for the same conditions.
"""
from __future__ import annotations

import argparse
from datetime import timedelta

from common import emit, served_app, timed

from sqlalchemy import func, select, text

from models import DrawRequest, Expert, Organization, ProjectMember, RequestAvoidance, User, db, utcnow
from operations import draw_requests

FLOOR = """SELECT e.id FROM expert e
WHERE e.status IN ('admitted', 'dormant') AND e.title_level IN ('senior', 'associate')
  AND (e.primary_discipline_id IN (SELECT id FROM discipline WHERE code LIKE '520%' OR code LIKE '460%')
       OR e.id IN (SELECT s.expert_id FROM expert_secondary_discipline s JOIN discipline d ON d.id = s.discipline_id
                   WHERE d.code LIKE '520%' OR d.code LIKE '460%'))"""


def typical_request(usage: User, codes: str = "520,460") -> DrawRequest:
    orgs = db.session.scalars(select(Organization).order_by(Organization.id).limit(60)).all()
    start = utcnow() + timedelta(days=20)
    req = DrawRequest(organization_id=usage.organization_id or orgs[0].id, title="基准测试评审", start_at=start,
                      end_at=start + timedelta(hours=8), place="会议室", need=15, backups=5,
                      discipline_codes=codes, status="approved")
    req.members = [ProjectMember(project=f"项目{p}", name=f"成员{p}-{m}", is_leader=m == 0,
                                 unit_name=orgs[(p * 10 + m) % len(orgs)].name,
                                 credit_code=orgs[(p * 10 + m) % len(orgs)].credit_code)
                   for p in range(5) for m in range(10)]
    req.avoidances = [RequestAvoidance(kind="unit", name=o.name, credit_code=o.credit_code, reason="基准")
                      for o in orgs[50:60]]
    db.session.add(req)
    db.session.flush()
    return req


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    args = parser.parse_args()
    app = served_app()
    with app.app_context():
        experts = db.session.scalar(select(func.count(Expert.id)))
        bureau = db.session.scalar(select(User).where(User.username == "bureau"))
        usage = db.session.scalar(select(User).where(User.username == "usage")) or bureau
        for label, codes in (("two disciplines", "520,460"), ("two sub-disciplines", "52020,46020")):
            pools, request = [], [typical_request(usage, codes)]

            def one_draw():
                # A small library (the suite's 5,000) gives a small pool for sub-disciplines: the reason §17 asks.
                record = draw_requests.draw(request[0], bureau, pool_reason="基准测试")
                assert len(record.ids("selected")) == 15 and len(record.ids("backup_ids")) == 5
                pools.append(record.pool_size)

            def next_request():
                """Untimed: roll the draw back and file the next request (the applicant's work, not the draw's)."""
                db.session.rollback()
                request[0] = typical_request(usage, codes)

            floor_sql = text(FLOOR.replace("'520%'", "'%s%%'" % codes.split(",")[0])
                             .replace("'460%'", "'%s%%'" % codes.split(",")[1]))

            def floor():
                assert db.session.execute(floor_sql).scalars().all()

            times = timed(one_draw, args.runs, after=next_request)
            emit("draw", f"typical draw (15 + 5, {label} {codes}, 5 × 10 members, 10 avoidances)", times,
                 timed(floor, args.runs, after=db.session.rollback), target="p95 ≤ 100 ms and ≤ 3× floor",
                 experts=experts, pool=pools[-1], candidates=len(db.session.execute(floor_sql).all()))


if __name__ == "__main__":
    main()
