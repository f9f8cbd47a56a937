"""Where a typical draw's time goes: median milliseconds per step of operations.draw_requests.draw.

Usage: DATABASE_URL=... python bench/draw_phases.py [--runs 20] [--codes 520,460]
The profile behind bench/NOTES.md (not part of `make bench`). Each step is timed by wrapping the
function the draw calls for it; "the rest" is the whole draw less the wrapped steps (the record
row, the invitations, the flushes). Every draw is rolled back, as in draw_bench.py.
"""
from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

from common import served_app
from draw_bench import typical_request

from sqlalchemy import select

from models import User, db
from operations import audit, draw_requests, draws, invitations

STEPS = [  # (module, function, label), in the order the draw reaches them
    (draws, "matching_experts", "fetch the candidates"),
    (draws, "candidates_for", "side queries, candidates built"),
    (draws, "exclusions", "conflict rules"),
    (draws, "draw", "rules.draw (SHA-256, order, sampling)"),
    (invitations, "tell_invited", "invitation emails"),
    (audit, "record", "audit entry"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--codes", default="520,460")
    args = parser.parse_args()
    spent: dict[str, float] = defaultdict(float)

    def timer(function, label):
        def timed(*a, **k):
            started = time.perf_counter()
            try:
                return function(*a, **k)
            finally:
                spent[label] += time.perf_counter() - started
        return timed

    for module, name, label in STEPS:
        setattr(module, name, timer(getattr(module, name), label))
    app = served_app()
    per_step, totals = defaultdict(list), []
    with app.app_context():
        bureau = db.session.scalar(select(User).where(User.username == "bureau"))
        usage = db.session.scalar(select(User).where(User.username == "usage")) or bureau
        for run in range(args.runs + 2):  # two warm-up draws
            request = typical_request(usage, args.codes)
            spent.clear()
            started = time.perf_counter()
            draw_requests.draw(request, bureau, pool_reason="基准测试")
            total = time.perf_counter() - started
            db.session.rollback()
            if run >= 2:
                totals.append(total)
                for _module, _name, label in STEPS:
                    per_step[label].append(spent[label])
    medians = {label: statistics.median(per_step[label]) * 1000 for _m, _n, label in STEPS}
    for label, ms in medians.items():
        print(f"{label:45s} {ms:7.1f} ms")
    whole = statistics.median(totals) * 1000
    print(f"{'the rest (record row, invitations, flushes)':45s} {whole - sum(medians.values()):7.1f} ms")
    print(f"{'whole draw':45s} {whole:7.1f} ms")


if __name__ == "__main__":
    main()
