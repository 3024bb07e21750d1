"""Seeding speed: payments/s for ``python -m lib.sandbox seed`` into a fresh temp data dir.

    .venv/bin/python bench/bench_seed.py [--payments 20000] [--days 90] [--baseline 2000] [--memory]

1. Seeds ``--payments`` payments (the full mix: declines, 3DS, manual captures, refunds, disputes,
   customers) into a new SQLite data dir with ``lib.sandbox.seed.seed`` — the write-behind store,
   one transaction per 1,000 payments — and prints payments/s (wall clock and CPU time).
2. Baseline in the same run: ``--baseline`` payments through the same seeder writing straight
   through the store (``buffered=False``: one SQL statement per write, the stdlib json module's
   serialisation in store.py), into another fresh dir; prints the ratio.
Goal: >= 5,000 payments/s. The machine's load matters (a shared 2-vCPU box): CPU-time rates are
printed too, and the load average at start.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.sandbox import open_engine  # noqa: E402
from lib.sandbox.seed import progress_bar, seed  # noqa: E402

GOAL = 5000


def run(payments: int, days: int, memory: bool, buffered: bool, show: bool) -> tuple[float, float, dict, int]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(None if memory else tmp, memory=memory, async_delay=0)
        wall, cpu = time.perf_counter(), time.process_time()
        stats = seed(engine, payments, days, seed=1, buffered=buffered, progress=progress_bar() if show else None)
        wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
        counts = engine.store.counts()
        engine.store.close()
        size = 0 if memory else os.path.getsize(os.path.join(tmp, "sandbox.sqlite3"))
    return wall, cpu, {"stats": stats, "objects": counts}, size


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payments", type=int, default=20000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--baseline", type=int, default=2000, help="payments for the unbuffered baseline (0: skip)")
    ap.add_argument("--memory", action="store_true", help="seed an in-memory store instead of a data dir")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    wall, cpu, info, size = run(args.payments, args.days, args.memory, True, True)
    rate, cpu_rate = args.payments / wall, args.payments / cpu
    total_objects = sum(info["objects"].values())
    print(f"seeded {args.payments:,} payments in {wall:.2f} s: {rate:,.0f} payments/s wall, "
          f"{cpu_rate:,.0f} payments/s CPU; {total_objects:,} objects "
          f"({info['objects'].get('event', 0):,} events), {size / 1e6:,.0f} MB")
    print("mix:", ", ".join(f"{k} {v:,}" for k, v in sorted(info["stats"].items())))
    if args.baseline:
        b_wall, b_cpu, _, _ = run(args.baseline, args.days, args.memory, False, False)
        b_rate = args.baseline / b_wall
        print(f"baseline (write-through, {args.baseline:,} payments): {b_rate:,.0f} payments/s wall, "
              f"{args.baseline / b_cpu:,.0f} CPU -> {rate / b_rate:.1f}x faster")
    print(f"goal >= {GOAL:,} payments/s: {'met' if rate >= GOAL else 'NOT met'} (wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
