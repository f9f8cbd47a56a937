"""The 100,000-row roster and the leadership workbook, in time and peak memory, beside bare xlsxwriter loops.

Usage: DATABASE_URL=... python bench/exports_bench.py [--runs 3]
Each measurement runs in a fresh process so its peak memory (ru_maxrss) is its own; a process
also pays its start-up (imports, app creation), reported separately as "start-up".
- roster: the app's export of the whole library as the bureau sees it (masked numbers decrypted
  and masked, district, discipline, status labels); floor: one bare SQL select of the same
  columns written row by row with xlsxwriter in constant-memory mode, no decryption or labels.
- leadership: the statistics workbook (figures, tables, charts); floor: bare SQL GROUP BY
  counts for the same breakdowns written with a bare xlsxwriter loop.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

from common import emit, served_app

ROSTER_SQL = """SELECT e.name, e.sex, e.id_number, e.birth_month, e.title_level, e.title_name, o.name, r.name,
       d.code, d.name, e.expert_type, e.mobile, e.bank_account, e.status
FROM expert e LEFT JOIN organization o ON o.id = e.organization_id
LEFT JOIN reference_item r ON r.id = o.district_id LEFT JOIN discipline d ON d.id = e.primary_discipline_id
ORDER BY e.id"""
LEADERSHIP_SQL = [
    "SELECT status, count(*) FROM expert GROUP BY status",
    "SELECT d.code, count(*) FROM expert e JOIN discipline d ON d.id = e.primary_discipline_id "
    "WHERE e.status IN ('admitted', 'dormant') GROUP BY d.code",
    "SELECT r.name, count(*) FROM expert e JOIN organization o ON o.id = e.organization_id "
    "LEFT JOIN reference_item r ON r.id = o.district_id WHERE e.status IN ('admitted', 'dormant') GROUP BY r.name",
    "SELECT title_level, count(*) FROM expert WHERE status IN ('admitted', 'dormant') GROUP BY title_level",
    "SELECT birth_month FROM expert WHERE status IN ('admitted', 'dormant')",
    "SELECT i.status, i.attendance, i.rating, i.fee, q.start_at FROM invitation i "
    "JOIN draw_request q ON q.id = i.request_id",
]


def _app():
    return served_app()


def startup() -> int:
    _app()
    return 0


def roster_app() -> int:
    from exports.roster import write_roster
    from models import Expert, db
    from operations.rosters import _rows

    app = _app()
    with app.app_context():
        out = tempfile.mktemp(suffix=".xlsx")
        count = write_roster(out, _rows(db.session.query(Expert).order_by(Expert.id), "bureau"), title="名册",
                             filter_text="全部", exported_by="bench", exported_at="now")
        os.remove(out)
        return count


def roster_floor() -> int:
    import xlsxwriter
    from sqlalchemy import text

    from models import db

    app = _app()
    with app.app_context():
        out = tempfile.mktemp(suffix=".xlsx")
        wb = xlsxwriter.Workbook(out, {"constant_memory": True})
        ws = wb.add_worksheet()
        count = 0
        result = db.session.connection().execution_options(stream_results=True, yield_per=2000).execute(
            text(ROSTER_SQL))
        for count, row in enumerate(result, start=1):
            ws.write_row(count, 0, [str(v) if v is not None else "" for v in row])
        wb.close()
        os.remove(out)
        return count


def leadership_app() -> int:
    from types import SimpleNamespace

    from models import db
    from operations.exports import leadership_workbook

    app = _app()
    with app.app_context():
        payload, rows = leadership_workbook(SimpleNamespace(name="bench", username="bench", id=None),
                                            time.localtime().tm_year, None, "全部")
        db.session.rollback()  # not the audit entry
        return rows


def leadership_floor() -> int:
    import xlsxwriter
    from sqlalchemy import text

    from models import db

    app = _app()
    with app.app_context():
        out = tempfile.mktemp(suffix=".xlsx")
        wb = xlsxwriter.Workbook(out)
        rows = 0
        for n, sql in enumerate(LEADERSHIP_SQL):
            ws = wb.add_worksheet(f"s{n}")
            for r, row in enumerate(db.session.execute(text(sql))):
                ws.write_row(r, 0, [str(v) if v is not None else "" for v in row])
                rows += 1
        wb.close()
        os.remove(out)
        return rows


KINDS = {"startup": startup, "roster": roster_app, "roster_floor": roster_floor,
         "leadership": leadership_app, "leadership_floor": leadership_floor}


def measure(kind: str) -> tuple[float, float, int]:
    """(seconds, peak MB, rows) of one run in a fresh process."""
    started = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--one", kind], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    data = json.loads(out.stdout.strip().splitlines()[-1])
    return seconds, data["peak_mb"], data["rows"]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--one", choices=sorted(KINDS))
    args = parser.parse_args()
    if args.one:
        rows = KINDS[args.one]()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(json.dumps({"rows": rows, "peak_mb": peak}))
        return
    start = [measure("startup") for _ in range(args.runs)]
    emit("export", "process start-up (imports, app) — included in each figure below", [s * 1000 for s, _, _ in start],
         unit="ms", peak_mb=max(m for _, m, _ in start))
    for kind, target in (("roster", "≤ 10 s, ≤ 250 MB, ≤ 1.5× floor"), ("leadership", "")):
        app = [measure(kind) for _ in range(args.runs)]
        floor = [measure(kind + "_floor") for _ in range(args.runs)]
        emit("export", {"roster": "roster, whole library as the bureau", "leadership": "leadership workbook"}[kind],
             [s for s, _, _ in app], [s for s, _, _ in floor], target=target, unit="s", rows=app[0][2],
             peak_mb=max(m for _, m, _ in app), floor_peak_mb=max(m for _, m, _ in floor))


if __name__ == "__main__":
    main()
