"""Bulk seeding on several cores: one planner process, worker processes that build batches at the
same time and take turns only to write them.

``seed()`` (history.py) hands a fresh on-disk store to ``seed_parallel`` when the machine has more
than one core (``workers`` > 1). The history is the same as the one-process seeder's for the
same seed — same plans, times, customers and amounts, in the same order; only ids differ, and
rows land in the table batch by batch in whichever order batches finish (lists order by
``created``, so nothing reads that order).

* The planner (this process) draws every payment's plan and time from the one
  ``random.Random(seed)`` exactly as the one-process seeder does, and makes the customers: a
  returning customer may come back in any later batch, so each batch's new customers are
  committed before the batch is handed out.
* Each worker (a forked process with its own SQLite connection) runs its batch's payments
  through the same route handlers, against a ``BufferedStore`` in merged-reads mode — nothing
  is written while the batch is built — then takes the shared lock and writes the batch in one
  transaction. A batch therefore commits whole or not at all, as in the one-process seeder, and
  a worker's turn at the lock is only its ``executemany``: SQLite's one-writer rule costs little.

A worker that fails reports its traceback; the planner stops the others (each finishes and
commits its current batch) and raises. So does an exception from ``progress``.
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import random
import threading
import traceback
from collections.abc import Callable
from typing import Any

from ..engine import Engine
from ..storage.bulkstore import BufferedStore, fast_writes
from ..storage.store import Store
from .seeder import Seeder, payment_times, seeding_engine


def default_workers(payments: int, batch: int) -> int:
    """One worker per core (at most 4: the single writer becomes the limit); one for small jobs, and
    one in a process running other threads (a web app embedding the seeder): forking a threaded
    process can leave a lock held by another thread locked forever in the child."""
    if payments < 2 * batch or threading.active_count() > 1:
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        cores = os.cpu_count() or 1
    return min(4, cores)


def seed_parallel(engine: Engine, payments: int, days: int, seed: int, now: int, batch: int, workers: int,
                  planner: Callable[[random.Random], dict[str, Any]],
                  progress: Callable[[int, int], None] | None = None, fixed_clock: bool = False) -> dict[str, int]:
    """Seed on ``workers`` processes (see the module docstring); returns what was made, by kind."""
    ctx = multiprocessing.get_context("fork")  # the workers inherit the engine's wiring and clock
    lock = ctx.Lock()
    tasks: Any = ctx.Queue(maxsize=2 * workers)
    results: Any = ctx.Queue()
    procs = [ctx.Process(target=_worker, name=f"seed-worker-{i}", daemon=True,
                         args=(engine, now, tasks, results, lock, fixed_clock)) for i in range(workers)]
    for proc in procs:
        proc.start()

    rng = random.Random(seed)
    times = payment_times(rng, payments, days, now - 120)
    buffer = BufferedStore(engine.store, merged_reads=True)
    making = Seeder(seeding_engine(engine, buffer), rng, now, fixed_clock)
    stats: dict[str, int] = {}
    state = {"done": 0, "outstanding": 0}

    def collect(block: bool) -> None:
        """Take finished batches' reports; raise if a worker failed or died."""
        while state["outstanding"]:
            try:
                kind, size, detail = results.get(timeout=1.0 if block else 0.0)
            except queue.Empty:
                dead = [p for p in procs if p.exitcode not in (None, 0)]
                if dead or all(p.exitcode is not None for p in procs):
                    name, code = (dead[0].name, dead[0].exitcode) if dead else ("all", 0)
                    raise RuntimeError(f"seeding worker {name} stopped (exit code {code}) with "
                                       f"{state['outstanding']} batch(es) unfinished") from None
                if not block:
                    return
                continue
            if kind == "error":
                raise RuntimeError(f"seeding worker failed:\n{detail}")
            state["outstanding"] -= 1
            state["done"] += size
            for key, value in detail.items():
                stats[key] = stats.get(key, 0) + value
            if progress is not None:
                progress(state["done"], payments)

    # The caller (history.seed) holds the bulk-load settings.
    try:
        planned = 0
        while planned < payments:
            size = min(batch, payments - planned)
            making.begin_batch()
            items = []
            for n in range(planned, planned + size):
                plan = planner(rng)
                t = next(times)
                items.append((plan, t, n, making.customer(plan, t)))
            with lock, engine.store.tx():  # this batch's new customers, before a worker needs them
                buffer.flush()
            while True:  # hand the batch out, reporting progress while the workers are busy
                collect(block=False)
                try:
                    tasks.put(items, timeout=0.5)
                    break
                except queue.Full:
                    continue
            state["outstanding"] += 1
            planned += size
        while state["outstanding"]:
            collect(block=True)
    finally:
        while True:  # stopping early (a failure, progress raising): batches not started are dropped
            try:
                tasks.get_nowait()
            except queue.Empty:
                break
        for _ in procs:
            try:
                tasks.put(None, timeout=5)
            except queue.Full:  # pragma: no cover - workers gone
                break
        for proc in procs:
            proc.join(timeout=60)
            if proc.is_alive():  # pragma: no cover - a stuck worker
                proc.terminate()
    for key, value in making.stats.items():
        stats[key] = stats.get(key, 0) + value
    return stats


def _worker(parent: Engine, now: int, tasks: Any, results: Any, lock: Any, fixed_clock: bool = False) -> None:
    """Build batches from ``tasks`` until ``None``; write each under ``lock`` in one transaction.
    Runs in a forked child: ``parent`` is the parent's engine as it was at the fork (its wiring,
    clock and versions are used; its store connection never is)."""
    store = None
    try:
        store = Store(parent.store.path)  # its own connection, never the parent's
        engine = Engine(store, parent.wiring, async_delay=0, clock=parent.clock)
        engine.event_api_version, engine.base_url = parent.event_api_version, parent.base_url
        buffer = BufferedStore(store, merged_reads=True)
        seeder = Seeder(seeding_engine(engine, buffer), random.Random(), now, fixed_clock)
        with fast_writes(store):
            while (items := tasks.get()) is not None:
                seeder.stats = {}
                seeder.begin_batch()
                for plan, t, n, customer in items:
                    seeder.pay(plan, t, n, customer)
                with lock, store.tx():
                    buffer.flush()
                results.put(("done", len(items), seeder.stats))
    except BaseException:
        results.put(("error", 0, traceback.format_exc()))
    finally:
        if store is not None:
            store.close()
