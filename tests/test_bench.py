"""`make bench` end to end at a small scale on each database: every script runs, the report holds
every figure, and the load test's simulated users meet no error and lose no write.

The figures themselves are not checked here (speed is measured by `make bench`, never by tests)."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import ROOT

FIGURES = ["seed scale --experts 5000", "bureau: first page", "bureau: deep page", "bureau: filtered",
           "bureau: searched by name", "leader: first page", "dept: first page", "unit: first page",
           "bureau: expert detail page", "typical draw (15 + 5, two disciplines",
           "typical draw (15 + 5, two sub-disciplines", "roster, whole library as the bureau",
           "leadership workbook", "daily job, 5 consecutive days"]


def _database_beside(url: str) -> str:
    """A database of its own on the tests' server: the bench replaces the schema of the one it is given."""
    tests_db = make_url(url)
    name = f"{tests_db.database}_bench"
    engine = create_engine(tests_db, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return tests_db.set(database=name).render_as_string(hide_password=False)


def test_make_bench_runs_every_part_at_a_small_scale(database_url, tmp_path):
    name = "postgresql" if database_url.startswith("postgresql") else "sqlite"
    env = {**os.environ, "BENCH_DIR": str(tmp_path)}
    if name == "postgresql":
        env["BENCH_DATABASE_URL"] = _database_beside(database_url)
    report = tmp_path / "BENCHMARKS.md"
    done = subprocess.run([sys.executable, "bench/run.py", "--experts", "5000", "--runs", "2", "--databases", name,
                           "--load-seconds", "15", "--out", str(report)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    written = report.read_text()
    missing = [figure for figure in FIGURES if f"| {name} | {figure}" not in written]
    assert not missing, missing
    if name == "postgresql":
        load = json.loads((tmp_path / "load-postgresql.json").read_text())
        assert load["requests"] >= 100, load
        assert load["errors"] == 0, load["error_samples"]
        assert load["lost_writes"] == 0, load["lost_write_samples"]
        assert "| postgresql | 50 | 15 | 4 |" in written  # the load test's row: users, seconds, workers
