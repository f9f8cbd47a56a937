"""Draw latency: a typical draw against the database given by DATABASE_URL, beside its floor.

Usage: DATABASE_URL=... python bench/draw_bench.py [--runs 20]
The database must already hold the data (flask seed demo / seed scale --experts N).
A typical draw: 15 experts and 5 backups, two disciplines, five projects of ten members, ten avoidances.
Each run happens in a transaction that is rolled back, so the data is left as it was.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sqlalchemy import func, or_, select  # noqa: E402

from app import create_app  # noqa: E402
from models import (Discipline, DrawRequest, Expert, Organization, ProjectMember, RequestAvoidance, User, db,  # noqa: E402
                    utcnow)
from operations import draws  # noqa: E402


def typical_request(usage: User) -> DrawRequest:
    orgs = db.session.scalars(select(Organization).order_by(Organization.id).limit(60)).all()
    start = utcnow() + timedelta(days=20)
    req = DrawRequest(organization_id=usage.organization_id or orgs[0].id, title="基准测试评审", start_at=start,
                      end_at=start + timedelta(hours=8), place="会议室", need=15, backups=5,
                      discipline_codes="520,460", status="approved")
    req.members = [ProjectMember(project=f"项目{p}", name=f"成员{p}-{m}", is_leader=m == 0,
                                 unit_name=orgs[(p * 10 + m) % len(orgs)].name,
                                 credit_code=orgs[(p * 10 + m) % len(orgs)].credit_code)
                   for p in range(5) for m in range(10)]
    req.avoidances = [RequestAvoidance(kind="unit", name=o.name, credit_code=o.credit_code, reason="基准")
                      for o in orgs[50:60]]
    db.session.add(req)
    db.session.flush()
    return req


def timed(fn, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return times


def p95(values: list[float]) -> float:
    return sorted(values)[max(0, int(round(0.95 * len(values))) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    app = create_app()
    with app.app_context():
        experts = db.session.scalar(select(func.count(Expert.id)))
        bureau = db.session.scalar(select(User).where(User.role == "bureau")) or User(id=None, name="bench", role="bureau")
        usage = db.session.scalar(select(User).where(User.role == "usage")) or bureau

        selected: list[int] = []

        def one_draw():
            record = draws.run_draw(typical_request(usage), bureau)
            selected.append(len(record.ids("selected")))

        def floor():
            """The bare SQL that fetches the candidate ids for the same conditions."""
            wanted = select(Discipline.id).where(or_(Discipline.code.like("520%"), Discipline.code.like("460%")))
            ids = db.session.scalars(select(Expert.id).where(
                Expert.status == "admitted", Expert.primary_discipline_id.in_(wanted),
                Expert.title_level.in_(["senior", "associate"]))).all()
            assert ids

        draw_times = timed(one_draw, args.runs)
        floor_times = timed(floor, args.runs)
        dialect = db.engine.dialect.name
        print("| database | experts | selected | draw median ms | draw p95 ms | floor median ms | ratio |")
        print("|---|---|---|---|---|---|---|")
        print(f"| {dialect} | {experts} | {selected[0]} | {statistics.median(draw_times):.1f} | {p95(draw_times):.1f} | "
              f"{statistics.median(floor_times):.1f} | {statistics.median(draw_times) / statistics.median(floor_times):.2f} |")


if __name__ == "__main__":
    main()
