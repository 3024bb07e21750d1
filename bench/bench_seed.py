"""Seeding speed: payments/s for ``python -m lib.sandbox seed`` into a fresh temp data dir.

    .venv/bin/python bench/bench_seed.py [--payments 20000] [--days 90] [--rounds 3] [--baseline 2000] [--memory]

1. Seeds ``--payments`` payments (the full mix: declines, 3DS, manual captures, refunds, disputes,
   customers) into a new SQLite data dir with ``lib.sandbox.seed.seed`` as the CLI does — one
   worker process per core building batches of 1,000 payments, each written in one transaction
   (seed_parallel.py) — and prints payments/s (wall clock; CPU time of this process and its workers).
2. Peer in the same run, alternated round by round: the same payments seeded in this one process
   (``workers=1``); prints the ratio. ``--rounds`` rounds, medians reported.
3. Baseline: ``--baseline`` payments through the one-process seeder writing straight through the
   store (``buffered=False``: one SQL statement per write, the stdlib json module); prints the ratio.
Goal: >= 5,000 payments/s. The machine's load matters (a shared 2-vCPU box): the load average at
start is printed.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.sandbox import open_engine  # noqa: E402
from lib.sandbox.seed import progress_bar, seed  # noqa: E402

GOAL = 5000


def run(payments: int, days: int, memory: bool, buffered: bool, show: bool,
        workers: int | None = None) -> tuple[float, float, dict, int]:
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(None if memory else tmp, memory=memory, async_delay=0)
        wall, cpu = time.perf_counter(), _cpu()
        stats = seed(engine, payments, days, seed=1, buffered=buffered, progress=progress_bar() if show else None,
                     workers=workers)
        wall, cpu = time.perf_counter() - wall, _cpu() - cpu
        counts = engine.store.counts()
        engine.store.close()
        size = 0 if memory else os.path.getsize(os.path.join(tmp, "sandbox.sqlite3"))
    return wall, cpu, {"stats": stats, "objects": counts}, size


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the seeding workers)."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--payments", type=int, default=20000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--rounds", type=int, default=3, help="rounds of (parallel, one process), alternated")
    ap.add_argument("--baseline", type=int, default=2000, help="payments for the unbuffered baseline (0: skip)")
    ap.add_argument("--memory", action="store_true", help="seed an in-memory store instead of a data dir")
    args = ap.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    rates, peers, info, size = [], [], {}, 0
    for r in range(args.rounds):
        wall, cpu, info, size = run(args.payments, args.days, args.memory, True, r == 0)
        rates.append(args.payments / wall)
        p_wall, _, _, _ = run(args.payments, args.days, args.memory, True, False, workers=1)
        peers.append(args.payments / p_wall)
        print(f"round {r + 1}: {rates[-1]:,.0f} payments/s ({args.payments / cpu:,.0f}/s of CPU, all processes); "
              f"one process {peers[-1]:,.0f}/s -> {rates[-1] / peers[-1]:.2f}x", flush=True)
    rate, peer = statistics.median(rates), statistics.median(peers)
    total_objects = sum(info["objects"].values())
    print(f"seeded {args.payments:,} payments: median {rate:,.0f} payments/s (rounds: "
          f"{', '.join(f'{x:,.0f}' for x in rates)}); one process {peer:,.0f}/s -> {rate / peer:.2f}x; "
          f"{total_objects:,} objects ({info['objects'].get('event', 0):,} events), {size / 1e6:,.0f} MB")
    print("mix:", ", ".join(f"{k} {v:,}" for k, v in sorted(info["stats"].items())))
    if args.baseline:
        b_wall, b_cpu, _, _ = run(args.baseline, args.days, args.memory, False, False, workers=1)
        b_rate = args.baseline / b_wall
        print(f"baseline (write-through, one process, {args.baseline:,} payments): {b_rate:,.0f} payments/s wall "
              f"-> {rate / b_rate:.1f}x faster")
    print(f"goal >= {GOAL:,} payments/s: {'met' if rate >= GOAL else 'NOT met'} (median wall)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
