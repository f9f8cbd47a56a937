"""What every benchmark script shares: the app on DATABASE_URL, timing, and figures as JSON lines."""
from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def served_app():
    """The app as gunicorn serves it (wsgi.py: the same settings, the same collector set-up)."""
    from wsgi import app

    return app


def expert_filter_keys(app) -> tuple[str, str]:
    """The list's URL arguments for "状态 等于" and "主学科代码 开头为" (Flask-Admin numbers its filters)."""
    view = next(v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "expert")
    status = code = None
    for key, (_index, flt) in view._filter_args.items():
        if str(getattr(flt, "column", "")).endswith("expert.status") and type(flt).__name__ == "FilterEqual":
            status = key
        if type(flt).__name__ == "DisciplineCodeFilter":
            code = key
    return f"flt0_{status}", f"flt1_{code}"


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(round(0.95 * len(ordered))) - 1)]


def timed(fn, runs: int, after=None, warmup: int = 2) -> list[float]:
    """Milliseconds of `runs` calls of fn (after `warmup` untimed calls); `after` runs untimed after each."""
    for _ in range(warmup):
        fn()
        if after:
            after()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
        if after:
            after()
    return times


def emit(group: str, name: str, times: list[float] | None = None, floor: list[float] | None = None,
         target: str = "", unit: str = "ms", **extra) -> dict:
    """Print one figure as a JSON line (bench/run.py collects them into BENCHMARKS.md)."""
    row = {"group": group, "name": name, "unit": unit, "target": target, **extra}
    if times:
        row.update(median=statistics.median(times), p95=p95(times), runs=len(times))
    if floor:
        row.update(floor_median=statistics.median(floor), floor_p95=p95(floor))
    print(json.dumps(row, ensure_ascii=False), flush=True)
    return row
