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
import json
import queue
import random
import re
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
import orjson
import stripe

from lib.finance import default_db_path
from lib.finance.rollups import rebuild_rollups, rollups_exist
from lib.finance.schema import BALANCE_TRANSACTIONS, TABLES, Table, ensure_schema, insert_objects

PAGE_LIMIT = 100
WRITE_BATCH = 2000                   # objects per write transaction (whole pages, checkpointed)
EVENTS_RETENTION_SECONDS = 30 * 86400
STALE_MARGIN_SECONDS = 3600          # treat cursors within an hour of the retention edge as stale
NO_EVENTS_SLACK_SECONDS = 300        # event cursor when the account has no events yet: now - 5 min
QUEUE_PAGES = 24                     # pages fetched ahead of the DuckDB writes (all resources)


@dataclass(frozen=True)
class Resource:
    table: str
    service: str                      # attribute of client.v1
    label: str                        # for messages
    list_extra: Mapping[str, Any] = field(default_factory=dict)
    retrieve_extra: Mapping[str, Any] = field(default_factory=dict)
    event_object: str | None = None   # Stripe ``object`` named by events; None: no events

    @property
    def spec(self) -> Table:
        return TABLES[self.table]


RESOURCES: tuple[Resource, ...] = (
    Resource("customers", "customers", "customers", event_object="customer"),
    Resource("payment_intents", "payment_intents", "PaymentIntents", event_object="payment_intent"),
    Resource("charges", "charges", "charges", {"expand": ["data.balance_transaction"]},
             {"expand": ["balance_transaction"]}, event_object="charge"),
    Resource("refunds", "refunds", "refunds", event_object="refund"),
    Resource("disputes", "disputes", "disputes", event_object="dispute"),
    Resource("balance_transactions", "balance_transactions", "balance transactions"),
)
RESOURCE_BY_TABLE = {r.table: r for r in RESOURCES}
RESOURCE_BY_OBJECT = {r.event_object: r for r in RESOURCES if r.event_object}


# ---------------------------------------------------------------------------------------------
# public result types


@dataclass(frozen=True)
class SyncProgress:
    fraction: float          # 0..1
    phase: str               # 'start', 'backfill', 'events', 'fetch', 'rollups', 'done'
    resource: str | None     # table name
    fetched: int             # objects written so far in this resource
    total_fetched: int       # objects written so far in this run
    message: str


@dataclass
class ResourceOutcome:
    mode: str = "skipped"    # 'backfill', 'resume', 'incremental', 'skipped'
    fetched: int = 0
    error: str | None = None


@dataclass
class SyncResult:
    status: str              # 'ok', 'partial' (some resources failed) or 'error' (nothing/partly done)
    mode: str                # 'backfill', 'resume', 'incremental'
    message: str
    requests: int = 0
    objects: int = 0
    resources: dict[str, ResourceOutcome] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def seconds(self) -> float:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return 0.0


@dataclass
class _Backfill:
    """One resource's backfill in progress (its cursor, unwritten pages, counts)."""
    res: Resource
    after: str | None = None
    watermark: int | None = None
    buffer: list[dict] = field(default_factory=list)
    fetched: int = 0
    pages: int = 0
    finished: bool = False

    @property
    def fraction(self) -> float:
        return 1.0 if self.finished else 1 - 1 / (1 + self.pages / 8)


class SyncError(Exception):
    """A readable sync failure (no traceback, no key text). ``kind`` groups the cause."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class _ResourceFailed(SyncError):
    """Only the current resource fails; the run continues with the others."""


ProgressFn = Callable[[SyncProgress], None]

_KEY_RE = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*_]+|\bwhsec_[A-Za-z0-9+/=_-]+")


def scrub(text: str) -> str:
    """Remove anything that looks like a key from a message."""
    return _KEY_RE.sub("[key hidden]", text or "")


def describe_stripe_error(exc: Exception, label: str) -> SyncError:
    """Map an SDK exception to a readable :class:`SyncError` (never includes key text)."""
    status = getattr(exc, "http_status", None)
    if isinstance(exc, stripe.AuthenticationError):
        return SyncError(
            "The API key was rejected (HTTP 401): it is invalid or has been revoked. Check the key on "
            "the Connection page. Nothing was changed; the last synced data is still shown.", "auth")
    if isinstance(exc, stripe.PermissionError):
        return _ResourceFailed(
            f"The API key has no permission to read {label} (HTTP 403). Give the key read access to "
            f"{label}; the other data was synced and the last synced {label} are kept.", "permission")
    if isinstance(exc, stripe.RateLimitError):
        return SyncError("The API kept answering 'too many requests' (HTTP 429) after several "
                         "retries. Try again in a minute; the data synced so far is kept.", "rate_limit")
    if isinstance(exc, stripe.APIConnectionError):
        return SyncError("Could not reach the Stripe API (network error). Check the connection "
                         "settings and that the server is running; the last synced data is kept.",
                         "network")
    if isinstance(exc, stripe.InvalidRequestError):
        detail = scrub(getattr(exc, "user_message", None) or str(exc) or "")
        return _ResourceFailed(
            f"The API refused the request for {label} (HTTP {status or 400}): {detail}".rstrip(": "),
            "request")
    if isinstance(exc, stripe.StripeError):
        if status is not None and int(status) >= 500:
            return SyncError(f"The API failed with HTTP {status} after several retries. Try again "
                             "later; the data synced so far is kept.", "server")
        detail = scrub(getattr(exc, "user_message", None) or str(exc) or "")
        return _ResourceFailed(f"The API returned an error for {label}"
                               f"{f' (HTTP {status})' if status else ''}: {detail}", "api")
    return SyncError(f"Unexpected error while syncing {label}: {scrub(str(exc))}", "error")


def _retryable(exc: Exception) -> bool:
    if isinstance(exc, (stripe.RateLimitError, stripe.APIConnectionError)):
        return True
    if isinstance(exc, stripe.StripeError):
        status = getattr(exc, "http_status", None)
        if status is not None and (int(status) >= 500 or int(status) == 409):
            return True
        if getattr(exc, "code", None) in ("lock_timeout", "rate_limit"):
            return True
    return False


def _retry_after(exc: Exception) -> float | None:
    headers = getattr(exc, "headers", None) or {}
    try:
        for key, value in headers.items():
            if key.lower() == "retry-after":
                return float(value)
    except (AttributeError, TypeError, ValueError):
        return None
    return None


# ---------------------------------------------------------------------------------------------
# the engine

_RUN_LOCK = threading.Lock()


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)


def open_db(path: Path | str, *, attempts: int = 20, wait: float = 0.25, sleep=time.sleep):
    """Open (creating the folder) the finance DB read-write; wait briefly if another process holds
    it. Raises :class:`SyncError` with a readable message."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:  # locked by another process
            last = exc
            sleep(wait)
        except duckdb.Error as exc:
            raise SyncError(f"Could not open the finance database {path.name}: {exc}", "db") from exc
    raise SyncError(f"The finance database {path.name} is in use by another process (for example a "
                    f"running sync). Try again when it has finished. ({str(last).splitlines()[0]})",
                    "db")


class Syncer:
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

    # -- API calls -----------------------------------------------------------------------------

    def _call(self, fn: Callable[[], Any], label: str) -> Any:
        """One API request, retried with backoff on 429 / network / 5xx errors."""
        attempt = 0
        while True:
            attempt += 1
            with self._count_lock:
                self.requests += 1
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - classified below
                if not _retryable(exc) or attempt >= self.max_attempts:
                    raise describe_stripe_error(exc, label) from exc
                delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
                delay = delay * (0.5 + 0.5 * self.rng.random())
                hinted = _retry_after(exc)
                if hinted is not None:
                    delay = max(delay, min(hinted, self.max_delay))
                self._report("retry", None, 0, f"Retrying {label} in {delay:.1f}s "
                             f"(attempt {attempt + 1} of {self.max_attempts})")
                self.sleep(delay)

    @staticmethod
    def _path(res: Resource) -> str:
        return f"/v1/{res.service}"

    def _get(self, path: str, params: Mapping[str, Any], label: str) -> dict:
        """One GET through the SDK; the JSON body as plain dicts (see module doc)."""
        data = self._call(lambda: self._get_json(path, params), label)
        if not isinstance(data, dict):
            raise SyncError(f"The API answered {label} with something that is not a JSON object.", "api")
        return data

    def _get_json(self, path: str, params: Mapping[str, Any]) -> Any:
        """The parsed body of ``GET path?params``, sent by the SDK. Fast path: the SDK's requestor
        (``request_raw``, what ``raw_request`` calls) and orjson of the body -- ``raw_request`` itself
        also parses the body with the stdlib json (5 ms of a 10 ms charges page); errors still go
        through the SDK's own error handling (typed exceptions). If that internal API is not there
        (another SDK version), the public ``raw_request`` is used from then on."""
        requestor = getattr(self.client, "_requestor", None) if self._fast_get else None
        if requestor is not None:
            try:
                body, code, headers = requestor.request_raw(
                    "get", path, params=params, options={}, base_address="api", api_mode="V1",
                    usage=["raw_request"])
            except (AttributeError, TypeError):  # not this SDK's internals: public API from now on
                self._fast_get = False
            else:
                if not 200 <= code < 300:
                    requestor._interpret_response(body, code, headers, "V1")  # raises the typed error
                return orjson.loads(body)
        return self.client.raw_request("get", path, **params).data

    def _pages(self, path: str, params: Mapping[str, Any], label: str, after: str | None = None,
               stop: threading.Event | None = None) -> Iterator[list[dict]]:
        """Pages (lists of plain dicts) of a list endpoint, newest first: ``limit=100`` and
        ``starting_after`` = the last id of the previous page, as the SDK's ``next_page()`` does.
        ``stop`` (set by another thread) ends the iteration before the next request."""
        query: dict[str, Any] = {"limit": PAGE_LIMIT, **params}
        if after:
            query["starting_after"] = after
        while True:
            body = self._get(path, query, label)
            items = body.get("data") or []
            if items:
                yield items
            if not body.get("has_more") or not items or (stop is not None and stop.is_set()):
                return
            query = {**query, "starting_after": items[-1]["id"]}

    def _retrieve(self, res: Resource, obj_id: str) -> dict | None:
        params = dict(res.retrieve_extra)
        try:
            data = self._get(f"{self._path(res)}/{obj_id}", params, res.label)
        except _ResourceFailed as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError) and \
                    getattr(exc.__cause__, "http_status", None) == 404:
                return {"id": obj_id, "deleted": True, "_missing": True}
            raise
        if data.get("deleted"):  # a deleted customer comes back as a stub {id, deleted}
            return {"id": obj_id, "deleted": True, "_missing": True}
        return data

    # -- progress --------------------------------------------------------------------------------

    def _report(self, phase: str, resource: str | None, fetched: int, message: str,
                fraction: float | None = None) -> None:
        if threading.get_ident() != self._owner:  # a fetching thread: reported by the caller's
            self._pending.append((phase, resource, fetched, message, fraction))
            return
        if fraction is not None:
            self._fraction = max(self._fraction, min(1.0, fraction))
        if self.progress_fn is not None:
            self.progress_fn(SyncProgress(self._fraction, phase, resource, fetched, self.objects,
                                          message))

    def _flush_reports(self) -> None:
        while self._pending:
            self._report(*self._pending.popleft())

    # -- state -----------------------------------------------------------------------------------

    def load_state(self) -> dict[str, dict]:
        cur = self.con.execute("SELECT * FROM sync_state")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}

    def _save_state(self, resource: str, **values: Any) -> None:
        cols = ["resource", *values]
        placeholders = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        self.con.execute(
            f"INSERT INTO sync_state ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT (resource) DO UPDATE SET {updates}",
            [resource, *values.values()])

    # -- writing ---------------------------------------------------------------------------------

    def _upsert(self, table: Table, objects: list[dict]) -> int:
        """INSERT OR REPLACE by id (the caller holds the transaction). Returns rows written."""
        return insert_objects(self.con, table, objects, int(self.now()))

    def _write_page(self, res: Resource, objects: list[dict], **state: Any) -> int:
        """Write one page and (atomically) the resource's checkpoint."""
        missing = [o["id"] for o in objects if o.get("_missing")]
        objects = [o for o in objects if not o.get("_missing")]
        self.con.execute("BEGIN TRANSACTION")
        try:
            written = self._upsert(res.spec, objects)
            if res.table == "charges":
                bts = [o["balance_transaction"] for o in objects
                       if isinstance(o.get("balance_transaction"), Mapping)]
                self._upsert(BALANCE_TRANSACTIONS, bts)
            if missing and res.table == "customers":
                self.con.execute("UPDATE customers SET deleted = true WHERE list_contains(?, id)",
                                 [missing])
            if state:
                self._save_state(res.table, **state)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.objects += written
        return written

    # -- events ----------------------------------------------------------------------------------

    def newest_event(self) -> tuple[int, list[str]]:
        """(created, ids at that second) of the newest event; ``now - 5 min`` when there are none."""
        if self._newest_event is None:
            data = self._get("/v1/events", {"limit": PAGE_LIMIT}, "events").get("data") or []
            if data:
                top = max(int(e["created"]) for e in data)
                self._newest_event = (top, sorted(e["id"] for e in data if int(e["created"]) == top))
            else:
                self._newest_event = (int(self.now()) - NO_EVENTS_SLACK_SECONDS, [])
        return self._newest_event

    # -- backfill --------------------------------------------------------------------------------

    def backfill(self, tasks: list[tuple[Resource, dict | None, str]],
                 outcomes: dict[str, ResourceOutcome], *, weight: tuple[float, float]) -> SyncError | None:
        """List whole resources (each resuming from its checkpoint when it has one), all at once:
        one fetching thread per resource, with its own cursor; pages come back through a queue and
        are written here, on the calling thread (one DuckDB connection, progress reported from the
        caller's thread). Returns the error that stopped the run, if any."""
        lo, hi = weight
        jobs: list[_Backfill] = []
        for res, state, how in tasks:
            outcomes[res.table].mode = how
            resume = bool(state and state.get("phase") == "backfill")
            job = _Backfill(res, after=state.get("backfill_after") if resume else None,
                            watermark=state.get("watermark") if resume else None)
            if not resume:
                try:
                    cursor, ids = (None, []) if res.event_object is None else self.newest_event()
                except _ResourceFailed as exc:
                    outcomes[res.table].error = exc.message
                    self._save_state(res.table, last_sync_at=_utc(self.now()), last_error=exc.message)
                    continue
                except SyncError as exc:
                    outcomes[res.table].error = exc.message
                    return exc
                self._save_state(res.table, phase="backfill", backfill_after=None, backfill_created=None,
                                 watermark=None, events_cursor=cursor, events_cursor_ids=json.dumps(ids),
                                 last_sync_at=_utc(self.now()), last_error=None)
            verb = "Resuming" if resume and job.after else "Fetching"
            self._report("backfill", res.table, 0, f"{verb} {res.label}…", lo)
            jobs.append(job)
        if not jobs:
            return None

        pages: queue.Queue = queue.Queue(maxsize=QUEUE_PAGES)
        stop = threading.Event()

        def fetch(job: _Backfill) -> None:
            try:
                for page in self._pages(self._path(job.res), job.res.list_extra, job.res.label,
                                        job.after, stop):
                    pages.put((job, page, None))
                pages.put((job, None, None))
            except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
                pages.put((job, None, exc))

        def flush(job: _Backfill) -> None:
            if job.buffer:
                buffer, job.buffer = job.buffer, []
                newest = max(int(o.get("created") or 0) for o in buffer)
                job.watermark = newest if job.watermark is None else max(int(job.watermark), newest)
                job.fetched += self._write_page(job.res, buffer, backfill_after=buffer[-1]["id"],
                                                backfill_created=int(buffer[-1].get("created") or 0),
                                                watermark=job.watermark)

        def fraction() -> float:
            return lo + (hi - lo) * sum(j.fraction for j in jobs) / len(jobs)

        threads = [threading.Thread(target=fetch, args=(job,), name=f"sync-{job.res.table}", daemon=True)
                   for job in jobs]
        for t in threads:
            t.start()
        fatal: SyncError | None = None
        running = len(jobs)
        try:
            while running:
                self._flush_reports()
                try:
                    job, page, exc = pages.get(timeout=0.5)
                except queue.Empty:
                    continue
                res, out = job.res, outcomes[job.res.table]
                if page is not None:
                    job.buffer.extend(page)
                    job.pages += 1
                    if len(job.buffer) >= WRITE_BATCH:
                        flush(job)
                    done = job.fetched + len(job.buffer)
                    back_to = page[-1].get("created")
                    when = f" (back to {_utc(int(back_to)):%d %b %Y})" if back_to else ""
                    self._report("backfill", res.table, done, f"{res.label}: {done:,} fetched{when}",
                                 fraction())
                    continue
                running -= 1
                flush(job)  # pages received in full are kept (and checkpointed) even after a failure
                out.fetched = job.fetched
                if exc is None:
                    if stop.is_set():
                        continue  # stopped early by another resource's fatal error: resumes next run
                    job.finished = True
                    self._save_state(res.table, phase="ready", backfill_after=None,
                                     backfill_created=None, watermark=job.watermark,
                                     last_fetched=job.fetched, last_success_at=_utc(self.now()),
                                     last_error=None)
                    self._report("backfill", res.table, job.fetched,
                                 f"{res.label}: {job.fetched:,} fetched", fraction())
                elif isinstance(exc, _ResourceFailed):
                    job.finished = True
                    out.error = exc.message
                    self._save_state(res.table, last_sync_at=_utc(self.now()), last_error=exc.message)
                elif isinstance(exc, SyncError):
                    out.error = exc.message
                    fatal = fatal or exc
                    stop.set()
                else:
                    raise exc
        finally:
            stop.set()
            while any(t.is_alive() for t in threads):  # unblock fetchers waiting on a full queue
                try:
                    pages.get(timeout=0.05)
                except queue.Empty:
                    pass
            self._flush_reports()
        return fatal

    # -- incremental -----------------------------------------------------------------------------

    def incremental(self, ready: list[Resource], states: dict[str, dict],
                    outcomes: dict[str, ResourceOutcome], weight: tuple[float, float]) -> None:
        lo, hi = weight
        event_res = [r for r in ready if r.event_object]
        cursors = {r.table: (states[r.table].get("events_cursor"),
                             set(json.loads(states[r.table].get("events_cursor_ids") or "[]")))
                   for r in event_res}
        known = [c for c, _ in cursors.values() if c is not None]
        since = min(known) if known else None

        # 1. read the events since the oldest cursor (newest first); keep only what we need
        changed: dict[str, dict[str, int]] = {r.table: {} for r in event_res}  # id -> created
        newest_ev: dict[str, tuple[int, set[str]]] = {}
        any_event = False
        n_events = 0
        events_ok = True
        if event_res:
            params: dict[str, Any] = {}
            if since is not None:
                params["created"] = {"gte": int(since)}
            self._report("events", None, 0, "Reading events…", lo)
            try:
                pages = list(self._event_pages(params))
            except _ResourceFailed as exc:
                # e.g. a restricted key without events access: fall back to listing new objects
                events_ok = False
                pages = []
                self.warnings.append(
                    f"{exc.message} Without events only new objects were fetched; changes to older "
                    "ones (refunds, dispute outcomes) are picked up by a full sync.")
            for page in pages:
                for ev in page:
                    n_events += 1
                    created = int(ev.get("created") or 0)
                    obj = (ev.get("data") or {}).get("object") or {}
                    targets = self._event_targets(obj)
                    for table, obj_id, obj_created in targets:
                        if table not in cursors:
                            continue
                        cur, seen = cursors[table]
                        if cur is not None and (created < cur or (created == cur and ev["id"] in seen)):
                            continue
                        any_event = True
                        prev = changed[table].get(obj_id)
                        changed[table][obj_id] = max(prev, obj_created) if prev is not None \
                            else obj_created
                    # the new cursor per resource: the newest event overall (applies to all)
                    for table in cursors:
                        top, ids = newest_ev.get(table, (None, set()))
                        if top is None or created > top:
                            newest_ev[table] = (created, {ev["id"]})
                        elif created == top:
                            ids.add(ev["id"])
                self._report("events", None, 0, f"Read {n_events:,} events", lo + (hi - lo) * 0.2)

        # 2. fetch what changed, resource by resource
        steps = max(1, len(ready))
        for i, res in enumerate(ready):
            out = outcomes[res.table]
            out.mode = "incremental"
            f_lo = lo + (hi - lo) * (0.2 + 0.8 * i / steps)
            try:
                if res.event_object is None or not events_ok:
                    # balance transactions (no events): listed by created when anything happened
                    busy = any_event or since is None or not events_ok
                    fetched = self._list_new(res, states[res.table]) if busy else 0
                else:
                    fetched = self._apply_changes(res, states[res.table], changed[res.table])
                    top, ids = newest_ev.get(res.table, (None, set()))
                    if top is not None:
                        cur, seen = cursors[res.table]
                        new_ids = ids | seen if top == cur else ids
                        self._save_state(res.table, events_cursor=top,
                                         events_cursor_ids=json.dumps(sorted(new_ids)))
                out.fetched += fetched
                self._save_state(res.table, last_fetched=fetched, last_sync_at=_utc(self.now()),
                                 last_success_at=_utc(self.now()), last_error=None)
            except _ResourceFailed as exc:
                out.error = exc.message
                self._save_state(res.table, last_sync_at=_utc(self.now()), last_error=exc.message)
            self._report("fetch", res.table, out.fetched, f"{res.label}: {out.fetched:,} updated",
                         f_lo + (hi - lo) * 0.8 / steps)

    def _event_pages(self, params: Mapping[str, Any]) -> Iterator[list[dict]]:
        """Event pages, keeping only the fields the sync uses (bounded memory on big gaps)."""
        for page in self._pages("/v1/events", params, "events"):
            slim = []
            for ev in page:
                obj = (ev.get("data") or {}).get("object") or {}
                slim.append({"id": ev["id"], "created": ev.get("created"), "data": {"object": {
                    k: obj.get(k) for k in ("id", "object", "created", "charge")}}})
            yield slim

    @staticmethod
    def _event_targets(obj: Mapping[str, Any]) -> list[tuple[str, str, int]]:
        """(table, id, created) of what an event's object says changed. ``created`` is -1 when
        unknown (a related charge), which makes it a re-fetch by id."""
        kind = obj.get("object")
        res = RESOURCE_BY_OBJECT.get(kind)
        if res is None or not obj.get("id"):
            return []
        out = [(res.table, obj["id"], int(obj.get("created") or 0))]
        if kind in ("refund", "dispute"):
            charge = obj.get("charge")
            charge_id = charge.get("id") if isinstance(charge, Mapping) else charge
            if charge_id:
                out.append(("charges", charge_id, -1))
        return out

    def _list_new(self, res: Resource, state: dict, seen: set[str] | None = None) -> int:
        """List objects created at/after the watermark (gte: same-second objects are not lost).
        Ids listed are added to ``seen``."""
        watermark = state.get("watermark")
        params = dict(res.list_extra)
        if watermark is not None:
            params["created"] = {"gte": int(watermark)}
        fetched = 0
        for page in self._pages(self._path(res), params, res.label):
            newest = max(int(o.get("created") or 0) for o in page)
            watermark = newest if watermark is None else max(int(watermark), newest)
            fetched += self._write_page(res, page, watermark=watermark)
            if seen is not None:
                seen.update(o["id"] for o in page)
        state["watermark"] = watermark
        return fetched

    def _apply_changes(self, res: Resource, state: dict, changed: dict[str, int]) -> int:
        if not changed:
            return 0
        watermark = state.get("watermark")
        new_ids = {i for i, c in changed.items() if watermark is None or c >= int(watermark)}
        old_ids = [i for i in changed if i not in new_ids]
        fetched = 0
        if new_ids:
            listed: set[str] = set()
            fetched += self._list_new(res, state, listed)
            # not in the list (deleted since, or created by a skewed clock): fetch by id
            old_ids += sorted(new_ids - listed)
        if old_ids:
            rows = self.con.execute(f"SELECT count(*) FROM {res.table}").fetchone()[0]
            if len(old_ids) > max(200, rows // PAGE_LIMIT):
                # re-listing everything is cheaper than fetching this many objects one by one
                for page in self._pages(self._path(res), res.list_extra, res.label):
                    fetched += self._write_page(res, page)
                return fetched
            batch: list[dict] = []
            for obj_id in old_ids:
                batch.append(self._retrieve(res, obj_id))
                if len(batch) >= PAGE_LIMIT:
                    fetched += self._write_page(res, batch)
                    batch = []
            if batch:
                fetched += self._write_page(res, batch)
        return fetched

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
                            started_at=_utc(started), finished_at=_utc(finished))
        self._record_run(result)
        self._report("done", None, 0, message, 1.0)
        return result

    def _record_run(self, result: SyncResult) -> None:
        run_id = int(self.now() * 1000)
        existing = self.con.execute("SELECT max(run_id) FROM sync_runs").fetchone()[0]
        if existing is not None and run_id <= existing:
            run_id = int(existing) + 1
        self.con.execute(
            "INSERT INTO sync_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, result.started_at, result.finished_at, result.mode, result.status,
             result.requests, result.objects, json.dumps(result.counts), result.message])


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
