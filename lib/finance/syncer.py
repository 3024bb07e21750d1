"""Sync engine: Stripe API -> DuckDB.

How a run works
---------------
*Backfill* (first run, ``full=True``, or a resource whose event cursor is older than Stripe's
30-day event retention): every resource is listed newest-first with Stripe's cursor pagination
(``limit=100``, then ``starting_after`` = the last id of the previous page, which is what the SDK's
``ListObject.next_page()`` sends; taken page by page so each page is retried, counted and
checkpointed on its own). Charges are listed with ``expand[]=data.balance_transaction``.
The resources are listed at the same time, one thread per resource with its own cursor; the pages
come back through a bounded queue and are written by the calling thread (the only one using the
DuckDB connection and calling ``progress``). Whole pages are written (up to :data:`WRITE_BATCH`
objects per transaction) together with the resource's checkpoint (``sync_state.backfill_after`` =
last id written), so an interrupted backfill resumes with ``starting_after`` at the next run; pages
already received when a request fails are still written. Before a resource's backfill starts, the
newest event is recorded as its event cursor: whatever changes during or after the backfill is
picked up from the events.

Requests are made by the official SDK (its requestor: auth, headers, encoding, typed errors), but
pages are read as plain JSON instead of typed ``StripeObject`` s: building a ``ListObject`` of 100
charges (each with a nested balance transaction and refunds list) cost about 100 ms of CPU per page
-- most of a 100,000-payment sync (~3,400 pages) -- while the sync only needs dicts to flatten into
rows. ``_get_json`` takes the body from the requestor's ``request_raw`` (what the public
``StripeClient.raw_request`` calls) and parses it with orjson, because ``raw_request`` also parses
it with the stdlib json (another ~5 ms per charges page); if those internals are missing (another
SDK version) it falls back to ``raw_request(...).data``. Errors keep the SDK's typed exceptions
either way. Figures in bench/README.md ("Full sync from the sandbox").

*Incremental* (the pattern of Airbyte's Stripe source): ``GET /v1/events`` with
``created[gte]=<cursor>`` (ids already applied at the cursor second are skipped -- ``gte`` rather
than ``gt`` so events written later in that same second are not lost). Each event names an object
(``data.object``); objects created at or after the resource's watermark are new and are fetched
with one list call (``created[gte]=watermark``), older objects that changed are re-fetched one by
one by id. Refund and dispute events also re-fetch their charge (its ``refunded``/``disputed``
flags change without a charge event). Balance transactions have no events; when anything happened
they are listed with ``created[gte]=watermark``. A run after one new payment costs about four
requests; a run with no new events costs one.

Failure handling: 429, network errors and 5xx are retried with exponential backoff and jitter
(``Retry-After`` honoured). A 403 or 400/404 on one resource marks only that resource failed and
the run continues ("partial"). A 401 (invalid or revoked key) or an API that stays unreachable
stops the run. Data is only written after a page succeeds and tables are never dropped, so the
last good data stays. Messages are readable and never contain key text.
"""

from __future__ import annotations

import collections
import random
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import stripe

from lib.finance import default_db_path
from lib.finance.rollups import rebuild_rollups, rollups_exist
from lib.finance.schema import TABLES, ensure_schema
from lib.finance.sync_backfill import Backfiller
from lib.finance.sync_errors import (
    SyncError,
    describe_stripe_error,
    scrub,
)
from lib.finance.sync_http import PageFetcher
from lib.finance.sync_incremental import IncrementalSync
from lib.finance.sync_model import (
    EVENTS_RETENTION_SECONDS,
    NO_EVENTS_SLACK_SECONDS,
    PAGE_LIMIT,
    QUEUE_PAGES,
    RESOURCE_BY_OBJECT,
    RESOURCE_BY_TABLE,
    RESOURCES,
    STALE_MARGIN_SECONDS,
    WRITE_BATCH,
    ProgressFn,
    Resource,
    ResourceOutcome,
    SyncProgress,
    SyncResult,
    utc_naive,
)
from lib.finance.sync_store import SyncStore, open_db

__all__ = [
    "EVENTS_RETENTION_SECONDS", "NO_EVENTS_SLACK_SECONDS", "PAGE_LIMIT", "QUEUE_PAGES", "RESOURCES",
    "RESOURCE_BY_OBJECT", "RESOURCE_BY_TABLE", "STALE_MARGIN_SECONDS", "WRITE_BATCH", "ProgressFn",
    "Resource", "ResourceOutcome", "SyncError", "SyncProgress", "SyncResult", "Syncer", "describe_stripe_error",
    "open_db", "run_sync", "scrub",
]

_RUN_LOCK = threading.Lock()


class Syncer(PageFetcher, SyncStore, Backfiller, IncrementalSync):
    """One sync run over one DuckDB connection: requests (:mod:`~lib.finance.sync_http`), state and
    writes (:mod:`~lib.finance.sync_store`), backfill (:mod:`~lib.finance.sync_backfill`) and
    incremental (:mod:`~lib.finance.sync_incremental`)."""

    def __init__(self, client: stripe.StripeClient, con, *, progress: ProgressFn | None = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 max_attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0,
                 rng: random.Random | None = None) -> None:
        self.client = client
        self.con = con
        self.progress_fn = progress
        self.sleep = sleep
        self.now = now
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rng = rng or random.Random()
        self.requests = 0
        self._count_lock = threading.Lock()
        self._fast_get = True
        self.objects = 0
        self._owner = threading.get_ident()       # progress is reported on the caller's thread only
        self._pending: collections.deque = collections.deque()  # reports from fetching threads
        self._fraction = 0.0
        self._newest_event: tuple[int, list[str]] | None = None
        self.warnings: list[str] = []

    # -- the run ---------------------------------------------------------------------------------

    def run(self, *, full: bool = False) -> SyncResult:
        started = self.now()
        ensure_schema(self.con)
        states = self.load_state()
        outcomes = {r.table: ResourceOutcome() for r in RESOURCES}
        now = self.now()

        to_backfill: list[tuple[Resource, dict | None, str]] = []
        ready: list[Resource] = []
        for res in RESOURCES:
            st = states.get(res.table)
            if full or st is None or st.get("phase") not in ("ready", "backfill"):
                to_backfill.append((res, None, "backfill"))
            elif st.get("phase") == "backfill":
                to_backfill.append((res, st, "resume"))
            elif res.event_object is not None and (
                    st.get("events_cursor") is None
                    or now - int(st["events_cursor"]) > EVENTS_RETENTION_SECONDS - STALE_MARGIN_SECONDS):
                to_backfill.append((res, None, "backfill"))  # events expired: re-list
            else:
                ready.append(res)
        modes = {m for _, _, m in to_backfill}
        mode = "resume" if "resume" in modes else ("backfill" if modes else "incremental")
        self._report("start", None, 0, f"Starting {mode} sync", 0.0)

        n_steps = (1 if to_backfill else 0) + (1 if ready else 0)
        step = 0.9 / max(1, n_steps)
        pos = step if to_backfill else 0.0
        fatal = self.backfill(to_backfill, outcomes, weight=(0.0, pos)) if to_backfill else None
        if to_backfill:
            fresh = self.load_state()
            for res, _, _ in to_backfill:
                states[res.table] = fresh.get(res.table, {})
        if fatal is None and ready:
            try:
                self.incremental(ready, states, outcomes, weight=(pos, pos + step))
            except SyncError as exc:  # events unreadable, auth, network...
                fatal = exc

        if self.objects or (fatal is None and not rollups_exist(self.con)):
            self._report("rollups", None, 0, "Updating dashboard tables…", 0.92)
            rebuild_rollups(self.con)

        counts = {t: int(self.con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in TABLES}
        failed = {t: o.error for t, o in outcomes.items() if o.error}
        if fatal is not None:
            status, message = "error", fatal.message
        elif failed or self.warnings:
            status = "partial"
            message = " ".join(dict.fromkeys([*failed.values(), *self.warnings]))
        else:
            status = "ok"
            message = (f"{mode.capitalize()} sync finished: {self.objects:,} objects written with "
                       f"{self.requests:,} API requests.")
        finished = self.now()
        result = SyncResult(status=status, mode=mode, message=message, requests=self.requests,
                            objects=self.objects, resources=outcomes, counts=counts,
                            warnings=list(self.warnings),
                            started_at=utc_naive(started), finished_at=utc_naive(finished))
        self._record_run(result)
        self._report("done", None, 0, message, 1.0)
        return result


def run_sync(client: stripe.StripeClient, db_path: Path | str | None = None, *, full: bool = False,
             progress: ProgressFn | None = None, sleep: Callable[[float], None] = time.sleep,
             now: Callable[[], float] = time.time, max_attempts: int = 6,
             base_delay: float = 0.5) -> SyncResult:
    """Sync the account behind ``client`` into the DuckDB file (see module doc). Never raises for
    API or database problems: the result's ``status`` is ``'error'``/``'partial'`` and ``message``
    says what happened in plain words."""
    started = datetime.now(UTC).replace(tzinfo=None)
    if not _RUN_LOCK.acquire(blocking=False):
        return SyncResult("error", "none", "A sync is already running in this app. Wait for it to "
                          "finish.", started_at=started, finished_at=started)
    try:
        try:
            con = open_db(db_path or default_db_path(), sleep=sleep)
        except SyncError as exc:
            return SyncResult("error", "none", exc.message, started_at=started, finished_at=started)
        try:
            syncer = Syncer(client, con, progress=progress, sleep=sleep, now=now,
                            max_attempts=max_attempts, base_delay=base_delay)
            return syncer.run(full=full)
        except duckdb.Error as exc:
            msg = f"Could not write the finance database: {scrub(str(exc)).splitlines()[0]}"
            return SyncResult("error", "none", msg, started_at=started,
                              finished_at=datetime.now(UTC).replace(tzinfo=None))
        finally:
            con.close()
    finally:
        _RUN_LOCK.release()
