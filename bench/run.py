"""`make bench`: seed 100,000 experts on SQLite and PostgreSQL, measure everything, write BENCHMARKS.md.

Usage: python bench/run.py [--experts 100000] [--runs 30] [--databases sqlite,postgresql]
                           [--reuse] [--no-load] [--out BENCHMARKS.md]

- SQLite: a file under $BENCH_DIR (default /tmp/expertlib-bench).
- PostgreSQL: $BENCH_DATABASE_URL if set (its data is replaced), else a throwaway cluster
  (initdb from the Debian packages) with durable settings and random_page_cost = 1.1 (SSD).
- --reuse keeps a database that already holds the experts (no re-seeding; the seed time is
  then not measured).
Each part runs as its own script in its own process (bench/pages.py, draw_bench.py,
exports_bench.py, lifecycle_bench.py, loadtest.py), so a figure can be re-measured alone.
Run it on an otherwise idle machine: the figures are wall-clock.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

PG_SETTINGS = {"fsync": "on", "synchronous_commit": "on", "full_page_writes": "on", "random_page_cost": "1.1",
               "max_connections": "200"}


def run(cmd: list[str], env: dict, capture: bool = True) -> str:
    done = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=capture, text=True)
    if done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd)}\n{done.stdout}\n{done.stderr}")
    return done.stdout


def flask(args: list[str], env: dict) -> str:
    return run([sys.executable, "-m", "flask", "--app", "app", *args], env)


def expert_count(env: dict) -> int:
    out = run([sys.executable, "-c", "from app import create_app; from models import db, Expert; "
               "from sqlalchemy import func, select\napp = create_app()\nwith app.app_context():\n"
               "    try: print(db.session.scalar(select(func.count(Expert.id))))\n    except Exception: print(0)"], env)
    return int(out.strip().splitlines()[-1] or 0)


def prepare(name: str, url: str, experts: int, reuse: bool) -> tuple[dict, list[dict]]:
    """Migrate and seed (demo accounts + N experts); returns the environment and the seed figure."""
    env = {**os.environ, "DATABASE_URL": url, "FLASK_APP": "app"}
    env.pop("MAIL_HOST", None)
    if reuse and expert_count(env) >= experts:
        print(f"[{name}] reusing the database ({expert_count(env)} experts)", flush=True)
        return env, []
    if name == "sqlite":
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        run([sys.executable, "-c", "from app import create_app; from models import db; from sqlalchemy import text\n"
             "app = create_app()\nwith app.app_context():\n"
             "    db.session.execute(text('DROP SCHEMA public CASCADE; CREATE SCHEMA public')); db.session.commit()"],
            env)
    print(f"[{name}] migrating and seeding {experts:,} experts …", flush=True)
    flask(["db", "upgrade"], env)
    flask(["seed", "demo"], env)
    started = time.perf_counter()
    out = flask(["seed", "scale", "--experts", str(experts)], env)
    seconds = time.perf_counter() - started
    print(f"[{name}] {out.strip()}", flush=True)
    return env, [{"group": "seed", "name": f"seed scale --experts {experts}", "unit": "s", "median": seconds,
                  "p95": seconds, "runs": 1, "target": "< 120 s", "detail": out.strip()}]


def measure(name: str, script: str, args: list[str], env: dict) -> list[dict]:
    print(f"[{name}] {script} {' '.join(args)}", flush=True)
    out = run([sys.executable, str(HERE / script), *args], env)
    rows = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    for r in rows:
        print(f"    {r['name']}: median {r.get('median', 0):.1f} {r['unit']}, p95 {r.get('p95', 0):.1f}", flush=True)
    return rows


def met(r: dict) -> str:
    """Whether a figure meets its target, as the issue sets them."""
    g, p95, median = r["group"], r.get("p95"), r.get("median")
    ratio = median / r["floor_median"] if r.get("floor_median") else None
    if g in ("list", "detail"):
        ok = p95 <= 150
    elif g == "draw":
        ok = p95 <= 100 and ratio is not None and ratio <= 3
    elif g == "export" and r["name"].startswith("roster"):
        ok = median <= 10 and r["peak_mb"] <= 250 and ratio <= 1.5 and r["peak_mb"] <= 1.5 * r["floor_peak_mb"]
    elif g == "lifecycle":
        ok = p95 <= 10
    elif g == "seed":
        ok = median < 120
    elif g == "load":
        ok = r["errors"] == 0 and r["lost_writes"] == 0
    else:
        return ""
    return "✅" if ok else "❌"


def fmt(value, unit: str) -> str:
    if value is None:
        return ""
    return f"{value:,.1f} {unit}" if unit != "s" else f"{value:,.2f} s"


def table(results: dict[str, list[dict]]) -> str:
    lines = ["| database | figure | median | p95 | floor (median) | ratio | peak MB (floor) | queries | target | met |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for db_name, rows in results.items():
        for r in rows:
            if r["group"] == "load":
                continue
            ratio = f"{r['median'] / r['floor_median']:.2f}×" if r.get("floor_median") else ""
            peak = f"{r['peak_mb']:.0f}" + (f" ({r['floor_peak_mb']:.0f})" if r.get("floor_peak_mb") else "") \
                if r.get("peak_mb") else ""
            lines.append(f"| {db_name} | {r['name']} | {fmt(r.get('median'), r['unit'])} | "
                         f"{fmt(r.get('p95'), r['unit'])} | {fmt(r.get('floor_median'), r['unit'])} | {ratio} | "
                         f"{peak} | {r.get('queries', '')} | {r.get('target', '')} | {met(r)} |")
    return "\n".join(lines)


def machine(results_dbs: dict[str, str]) -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = next((int(line.split()[1]) // 1024 // 1024 for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")), 0)
    os_name = next((line.split("=", 1)[1].strip('"') for line in Path("/etc/os-release").read_text().splitlines()
                    if line.startswith("PRETTY_NAME")), platform.platform())
    parts = [f"- Date: {datetime.now():%Y-%m-%d %H:%M} (local time of the machine)",
             f"- Machine: {cpu}, {os.cpu_count()} cores, {mem} GiB memory, {os_name}",
             f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}"]
    parts += [f"- {k}: {v}" for k, v in results_dbs.items()]
    return "\n".join(parts)


def write_report(path: Path, results: dict, info: dict, args) -> None:
    load = [r for rows in results.values() for r in rows if r["group"] == "load"]
    body = [
        "# Benchmarks", "",
        "Produced by `make bench` (`bench/run.py`); every figure in the tables comes from that run (the notes at the end say where theirs come from). "
        "Targets are those of issue 8; the floor is the least any implementation must do for the same result "
        "(see each script's docstring for exactly what it runs).", "",
        machine(info), "",
        f"Data: `flask --app app seed scale --experts {args.experts}` on top of `seed demo` "
        f"({args.runs} timed runs per page and draw after two warm-up runs; exports and the daily job as "
        "separate processes, start-up included).", "",
        "## Figures", "", table(results), "",
        "Ratio is median ÷ floor median. List pages are timed through the whole Flask stack with the test client "
        "(login, scoping, Flask-Admin, templates); `queries` is the number of SQL statements the page ran.", "",
    ]
    if load:
        body += ["## Load test", "",
                 "| database | users | seconds | workers | requests | req/s | errors | lost writes | p50 | p95 | p99 |",
                 "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in load:
            body.append(f"| {r['database']} | {r['users']} | {r['seconds']} | {r['workers']} | {r['requests']:,} | "
                        f"{r['rps']:.1f} | {r['errors']} | {r['lost_writes']} | {r['p50_ms']:.0f} ms | "
                        f"{r['p95_ms']:.0f} ms | {r['p99_ms']:.0f} ms |")
        body += ["", "Per kind of request (p95):", ""]
        for r in load:
            for kind, k in sorted(r.get("per_kind", {}).items()):
                body.append(f"- {r['database']} {kind}: {k['requests']:,} requests, p95 {k['p95_ms']:.0f} ms")
        body.append("")
    notes = HERE / "NOTES.md"
    if notes.exists():
        body += [notes.read_text().strip(), ""]
    path.write_text("\n".join(body))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--experts", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-load", action="store_true")
    parser.add_argument("--load-seconds", type=int, default=120)
    parser.add_argument("--out", default=str(ROOT / "BENCHMARKS.md"))
    args = parser.parse_args()
    results, info, cluster = {}, {}, None
    bench_dir = Path(os.environ.get("BENCH_DIR", "/tmp/expertlib-bench"))
    bench_dir.mkdir(parents=True, exist_ok=True)
    try:
        for name in args.databases.split(","):
            if name == "sqlite":
                url = f"sqlite:///{bench_dir / 'bench.sqlite'}"
            else:
                url = os.environ.get("BENCH_DATABASE_URL")
                if not url:
                    from tests.pg_cluster import ThrowawayCluster

                    cluster = ThrowawayCluster()
                    if not cluster.available:
                        raise SystemExit("PostgreSQL: set BENCH_DATABASE_URL or install the postgresql package")
                    url = cluster.start(PG_SETTINGS)
            env, rows = prepare(name, url, args.experts, args.reuse)
            if name != "sqlite":
                version = run([sys.executable, "-c", "from app import create_app; from models import db; "
                               "from sqlalchemy import text\napp = create_app()\nwith app.app_context():\n"
                               "    print(db.session.execute(text('SHOW server_version')).scalar(), "
                               "db.session.execute(text('SHOW random_page_cost')).scalar(), "
                               "db.session.execute(text('SHOW shared_buffers')).scalar(), sep='|')"],
                              env).strip().split("|")
                info["PostgreSQL"] = (f"{version[0]} (random_page_cost {version[1]}, shared_buffers {version[2]}, "
                                      f"{'throwaway cluster' if cluster else 'BENCH_DATABASE_URL'})")
            runs = str(args.runs)
            rows += measure(name, "pages.py", ["--runs", runs], env)
            rows += measure(name, "draw_bench.py", ["--runs", runs], env)
            rows += measure(name, "exports_bench.py", ["--runs", "3"], env)
            rows += measure(name, "lifecycle_bench.py", ["--days", "5"], env)
            if name != "sqlite" and not args.no_load:
                summary = bench_dir / f"load-{name}.json"
                print(f"[{name}] load test, {args.load_seconds} s …", flush=True)
                run([sys.executable, str(HERE / "loadtest.py"), "--seconds", str(args.load_seconds),
                     "--json", str(summary)], env, capture=False)
                rows.append({"group": "load", **json.loads(summary.read_text())})
            results[name] = rows
            write_report(Path(args.out), results, info, args)  # after each database: nothing lost on a failure
    finally:
        if cluster:
            cluster.stop()
    print(table(results))
    print(f"\nwritten to {args.out}")


if __name__ == "__main__":
    main()
