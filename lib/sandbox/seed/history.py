"""Bulk seeding: months of realistic test-mode history, through the same code as the API.

    python -m lib.sandbox seed --payments 20000 --days 90 [--data-dir .sandbox] [--seed 1]
    seed(engine, payments=2000, days=30, seed=7, progress=lambda done, total: ...)   # in-process

The mix is plans.py's; each payment is carried out by seeder.py through the resources' handlers.
The same seed gives the same counts, amounts, currencies and outcomes; with the same ``now`` too,
the same timestamps — only ids differ.

Payments are spread over the last ``days`` days (more recent days busier), in time order.
Follow-ups (capture, refund, dispute outcome) happen hours to days later, never after now.

Speed: the handlers run against a write-behind view of the store (storage/bulkstore.py's
BufferedStore, in merged-reads mode: nothing is written until the batch ends) in one transaction
per ``BATCH`` payments, with bulk-load connection settings while seeding (bulkstore.fast_writes).
A fresh data dir is seeded by one worker process per core (parallel.py), with the same history.
Measured figures are in bench/README.md ("Seeding").
"""

from __future__ import annotations

import random
import sys
import time
from collections.abc import Callable
from typing import Any

from ..engine import Engine
from ..storage.bulkstore import BufferedStore, fast_writes
from .parallel import default_workers, seed_parallel
from .plans import plan_payment
from .seeder import Seeder, one_batch, payment_times, seeding_engine

BATCH = 1000


def seed(engine: Engine, payments: int, days: int = 90, seed: int = 1,
         progress: Callable[[int, int], None] | None = None, batch: int = BATCH,
         now: int | None = None, buffered: bool = True,
         planner: Callable[[random.Random], dict[str, Any]] | None = None,
         workers: int | None = None) -> dict[str, int]:
    """Seed ``payments`` payments over the last ``days`` days; returns what was made, by kind.

    Safe on a running engine: each batch is written in one transaction, and the HTTP server waits
    only while a batch is written. ``progress(done, total)`` is called after every batch. ``now``
    fixes the clock (tests: same seed and ``now`` → the same history but for ids).
    ``buffered=False`` writes straight through the store (the benchmark's baseline; same result,
    slower). ``planner(rng)`` replaces ``plan_payment`` (same plan format) to seed another mix, e.g.
    the app's Traffic simulator. An exception raised by ``progress`` stops seeding between batches:
    every committed batch is whole. Objects are dated in the history, their events at the time
    each batch is recorded (seeder.py; with ``now`` given, at ``now``). ``workers`` > 1 (default: one per core for a few batches or
    more, in a process without other threads — parallel.default_workers) builds batches in
    that many processes at once (parallel.py) — only for a fresh store in a data dir that no
    server is using; anything else is seeded here, in this process.
    """
    rng = random.Random(seed)
    plan = planner or plan_payment
    fixed_clock = now is not None
    now = int(engine.clock()) if now is None else now
    buffer = BufferedStore(engine.store, merged_reads=True)
    seeder = Seeder(seeding_engine(engine, buffer) if buffered else engine, rng, now, fixed_clock)
    times = payment_times(rng, payments, days, now - 120)
    done = 0
    if workers is None:
        workers = default_workers(payments, batch)
    # A fresh store in a data dir that no server is using yet (the CLI, the benchmark) may be seeded
    # by several processes. (Its indexes stay live: with time-ordered ids most index inserts are
    # appends, and building five indexes after the load, on one core, cost more than it saved.)
    parallel = workers > 1 and buffered and engine.store.path and not engine.started \
        and engine.store.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is None
    with fast_writes(engine.store):
        if parallel:
            return seed_parallel(engine, payments, days, seed, now, batch, workers, plan, progress, fixed_clock)
        while done < payments:
            size = min(batch, payments - done)
            seeder.begin_batch()
            with one_batch(buffer, buffered):
                for n in range(done, done + size):
                    seeder.payment(plan(rng), next(times), n)
            done += size
            if progress is not None:
                progress(done, payments)
    return seeder.stats


def progress_bar(stream: Any = None) -> Callable[[int, int], None]:
    """A one-line progress bar with the running rate, on ``stream`` (default: stderr)."""
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        out = stream or sys.stderr
        width = 30
        filled = int(width * done / max(1, total))
        rate = done / max(1e-9, time.perf_counter() - started)
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} payments  {rate:,.0f}/s")
        if done >= total:
            out.write("\n")
        out.flush()
    return show
