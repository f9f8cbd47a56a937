"""The daily job (`flask --app app lifecycle`) as cron runs it, on five consecutive days.

Usage: DATABASE_URL=... python bench/lifecycle_bench.py [--days 5]
Each day is a separate process (start-up included, as under cron) with --today set to the
next day, so every run does that day's real work: publicity ends, invitation deadlines and
reminders, dormancy and exits from the activity clock, warnings 30 days ahead, the outbox.
The database is changed the way the job changes it.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta

from common import ROOT, emit


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=5)
    parser.add_argument("--start", type=date.fromisoformat, default=date.today())
    args = parser.parse_args()
    times, outputs = [], []
    env = {**os.environ, "FLASK_APP": "app"}
    env.pop("MAIL_HOST", None)  # no mail server: the day's messages stay queued in the outbox
    for n in range(args.days):
        day = args.start + timedelta(days=n)
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "flask", "lifecycle", "--today", day.isoformat()], cwd=ROOT,
                              env=env, capture_output=True, text=True, check=True)
        times.append(time.perf_counter() - started)
        outputs.append(done.stdout.strip().splitlines()[1] if done.stdout.strip() else "")
    emit("lifecycle", f"daily job, {args.days} consecutive days from {args.start}", times, unit="s",
         target="≤ 10 s", last_day=outputs[-1])


if __name__ == "__main__":
    main()
