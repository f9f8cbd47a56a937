"""Roster export at scale: time and peak memory of the app's export beside a bare xlsxwriter loop.

Usage: DATABASE_URL=... python bench/roster_bench.py   (the database must hold the experts)
Each measurement runs in its own process so peak memory (ru_maxrss) is its own.
"""
from __future__ import annotations

import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def app_export() -> None:
    sys.path.insert(0, str(ROOT))
    from sqlalchemy import select

    from app import create_app
    from exports.roster import write_roster
    from models import Expert, User, db
    from operations.rosters import _rows

    app = create_app()
    with app.app_context():
        user = db.session.scalar(select(User).where(User.role == "bureau"))
        role = user.role if user else "bureau"
        out = tempfile.mktemp(suffix=".xlsx")
        count = write_roster(out, _rows(db.session.query(Expert).order_by(Expert.id), role), title="名册",
                             filter_text="全部", exported_by="bench", exported_at="now")
        print(count)


def floor_export() -> None:
    """The same number of rows and columns written by a bare xlsxwriter loop."""
    import xlsxwriter

    sys.path.insert(0, str(ROOT))
    from sqlalchemy import func, select

    from app import create_app
    from models import Expert, db

    app = create_app()
    with app.app_context():
        n = db.session.scalar(select(func.count(Expert.id)))
    out = tempfile.mktemp(suffix=".xlsx")
    wb = xlsxwriter.Workbook(out, {"constant_memory": True})
    ws = wb.add_worksheet()
    for r in range(n):
        for c in range(13):
            ws.write_string(r, c, "绍兴市科技专家库")
    wb.close()
    print(n)


def measure(which: str) -> tuple[float, float, str]:
    started = time.perf_counter()
    proc = subprocess.run([sys.executable, __file__, which], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    rows, peak_kb = proc.stdout.strip().splitlines()[-2:]
    return seconds, int(peak_kb) / 1024, rows


if __name__ == "__main__":
    if len(sys.argv) > 1:
        {"app": app_export, "floor": floor_export}[sys.argv[1]]()
        print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
        sys.exit(0)
    app_s, app_mb, rows = measure("app")
    floor_s, floor_mb, _ = measure("floor")
    print("| export | rows | seconds | peak MB |")
    print("|---|---|---|---|")
    print(f"| roster (app) | {rows} | {app_s:.1f} | {app_mb:.0f} |")
    print(f"| bare xlsxwriter loop | {rows} | {floor_s:.1f} | {floor_mb:.0f} |")
    print(f"| ratio | | {app_s / floor_s:.2f} | {app_mb / floor_mb:.2f} |")
