"""The Excel import (issue 18): a dry run and a commit of an experts file of N rows, and the same file again.

Usage: python bench/imports.py [--rows 5000] [--runs 3]   (DATABASE_URL: a throwaway database — it writes;
without it, a fresh SQLite file in a temporary directory)
Prints JSON lines (bench/common.emit): the workbook's build, the dry run (median of --runs), the commit (new
experts with accounts, timeline entries and queued messages), the second dry run (every row unchanged).
The file has one row in fifty with an error, as a real first migration does.
"""
from __future__ import annotations

import argparse
import io
import os
import tempfile
import time

from common import emit


def build_units(count: int) -> tuple[bytes, list[str]]:
    import openpyxl

    from rules.credit_code import credit_code_check_char
    from rules.imports import UNIT_COLUMNS

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("工作单位")
    sheet.append([c.label for c in UNIT_COLUMNS])
    codes = []
    for n in range(count):
        body = f"91330602B{n:08d}"
        codes.append(body + credit_code_check_char(body))
        sheet.append([f"基准测试单位{n:04d}", codes[-1], "企业", "越城区", "是", "越城区科技局", ""])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue(), codes


def build_experts(rows: int, codes: list[str]) -> bytes:
    import openpyxl

    from rules.idcard import resident_id_check_char
    from rules.imports import EXPERT_COLUMNS

    keys = [c.key for c in EXPERT_COLUMNS]
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("专家")
    sheet.append([c.label for c in EXPERT_COLUMNS])
    for n in range(rows):
        body = f"330602{1960 + n % 30}{1 + n % 12:02d}{1 + n % 28:02d}{n % 1000:03d}"
        number = body + resident_id_check_char(body)
        if n % 50 == 7:
            number = number[:-1] + ("1" if number[-1] != "1" else "2")  # a wrong check digit
        values = {"name": f"基准专家{n:05d}", "id_number": number, "title_level": "正高级",
                  "mobile": f"139{n:08d}", "email": f"expert{n}@example.cn", "credit_code": codes[n % len(codes)],
                  "primary_discipline": "54020", "secondary_disciplines": "54030", "education": "博士研究生",
                  "years_in_field": 10 + n % 20, "basic_condition_declared": "是", "title_issued_on": "2015-12-01",
                  "bank_account": f"62166{n:014d}", "office_phone": "0575-88157551"}
        sheet.append([values.get(k) for k in keys])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def dry_runs(data: bytes, runs: int):
    """Milliseconds of each of `runs` dry runs of the experts file, and the last report."""
    from models import db
    from operations import imports

    times = []
    for _ in range(runs):
        started = time.perf_counter()
        report = imports.dry_run(data, "experts")
        times.append((time.perf_counter() - started) * 1000)
        db.session.rollback()
    return times, report


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    tmp = tempfile.mkdtemp(prefix="import-bench-")
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{tmp}/bench.db"

    from flask_migrate import upgrade

    from app import create_app
    from models import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "UPLOAD_DIR": tmp, "SECRET_KEY": "bench"})
    with app.app_context():
        upgrade()
        from operations import imports
        from seed.reference import load_reference

        load_reference()
        db.session.commit()
        units, codes = build_units(200)
        imports.commit(units, "units", None, filename="units.xlsx")
        db.session.commit()

        started = time.perf_counter()
        data = build_experts(args.rows, codes)
        emit("import", f"build a {args.rows}-row experts workbook (openpyxl)", [(time.perf_counter() - started) * 1000],
             size_kb=len(data) // 1024)

        times, report = dry_runs(data, args.runs)
        emit("import", f"dry run, {args.rows} experts, all new", times, target="a few seconds", **report.counts)

        started = time.perf_counter()
        report = imports.commit(data, "experts", None, filename="bench.xlsx", status="admitted")
        db.session.commit()
        emit("import", f"commit, {args.rows} experts (accounts, timeline, messages)",
             [(time.perf_counter() - started) * 1000], accounts=report.accounts, **report.counts)

        times, report = dry_runs(data, args.runs)
        emit("import", f"dry run again, {args.rows} experts, all stored", times, target="a few seconds",
             **report.counts)


if __name__ == "__main__":
    main()
