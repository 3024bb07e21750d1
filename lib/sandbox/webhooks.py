"""Signed webhook deliveries: the sandbox POSTs each event to every subscribed endpoint.

How it works (TEST_MODE.md §6):

* An ``EVENT_LISTENER`` runs inside the transaction that emits an event. For every *enabled*
  endpoint whose ``enabled_events`` holds ``"*"`` or the event type it inserts a row in
  ``webhook_deliveries`` (``status='pending'``) and sets the event's ``pending_webhooks``. If the
  request rolls back, so do its deliveries: nothing is ever sent for an event that does not exist.
* A delivery worker (webhook_worker.py: one thread per started engine, plus a small pool) picks
  due rows and POSTs the event **outside** any store transaction; only the bookkeeping (marking a
  row ``sending``, recording the result) takes the store lock, in short transactions.
* Body: the event JSON (indented, like Stripe's); the signature covers exactly those bytes.
  Headers: ``Content-Type: application/json; charset=utf-8``, ``User-Agent: Stripe/1.0
  (+https://stripe.com/docs/webhooks)``, ``Stripe-Signature: t=<unix>,v1=<hex>`` where
  ``v1 = HMAC-SHA256(key=whsec_…, msg=f"{t}.{body}")`` — what ``stripe.Webhook.construct_event``
  verifies. Every attempt gets a fresh timestamp and signature.
* Success is any 2xx within ``TIMEOUT`` seconds; anything else (3xx included, as at Stripe),
  a timeout or a refused connection is a failure. Test mode retries three times
  (``MAX_ATTEMPTS = 4``). Retry *n* (1..3) waits ``max(0.2, engine.async_delay) * 4 ** (n - 1)``
  seconds: 0.2 / 0.8 / 3.2 s with ``async_delay=0`` (tests), 2 / 8 / 32 s with the default 2 s —
  Stripe's "three retries over a few hours" compressed like every other async step.
* Each attempt is its own row (``attempt`` 1..4), so the delivery log shows every try with its
  ``http_status``, ``latency_ms`` and ``error``. A failed row that will be retried points at the
  next one through ``next_at``; a manual resend (``manual=1``) is a single attempt, not retried.
* ``pending_webhooks`` = the endpoints the event was sent to at creation that have not yet
  answered 2xx; recomputed after every success.
* Order: rows are picked in creation order, and one endpoint's rows go out one at a time, so an
  endpoint receives events in the order they were created — except a retry, which waits for its
  backoff while later events go ahead (Stripe guarantees no order at all).
* Retries stop when the endpoint is disabled or deleted (the row ends ``canceled``).
* Seeded history (``ctx.inline_jobs``) is never delivered: backfilled events have
  ``pending_webhooks: 0``, as if they predate every endpoint.
* Only loopback URLs (127.0.0.0/8, ``localhost``, ``::1``) are accepted, at endpoint creation and
  again at delivery time, unless ``engine.allow_remote_webhooks`` (``serve
  --allow-remote-webhooks``): an offline teaching tool should not POST payment data to the
  internet by accident.
* Rows still ``sending`` when a process died go back to ``pending`` when a worker starts.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import sqlite3
import threading
import time
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from .core import ENGINE_START_HOOKS, ENGINE_STOP_HOOKS, EVENT_LISTENERS, Ctx, Engine, private
from .errors import InvalidRequest
from .store import Store

if TYPE_CHECKING:
    from .webhook_worker import Deliverer

TIMEOUT = 5.0
MAX_ATTEMPTS = 4  # the first try + 3 retries (test mode)

SCHEMA = """
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, event_type TEXT NOT NULL,
    attempt INTEGER NOT NULL, manual INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL, status TEXT NOT NULL,
    http_status INTEGER, latency_ms REAL, error TEXT, response_body TEXT,
    created REAL NOT NULL, attempted_at REAL
);
CREATE INDEX IF NOT EXISTS ix_whd_due ON webhook_deliveries(next_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ix_whd_event ON webhook_deliveries(event_id, endpoint_id);
CREATE INDEX IF NOT EXISTS ix_whd_endpoint ON webhook_deliveries(endpoint_id, id);
"""
COLUMNS = ("id", "event_id", "endpoint_id", "event_type", "attempt", "manual", "next_at", "status", "http_status",
           "latency_ms", "error", "response_body", "created", "attempted_at")

# Every event type a webhook endpoint may subscribe to (TEST_MODE.md §2.5 plus customers).
KNOWN_EVENT_TYPES = frozenset(
    [f"payment_intent.{t}" for t in ("amount_capturable_updated", "canceled", "created", "partially_funded",
                                     "payment_failed", "processing", "requires_action", "succeeded")]
    + [f"charge.{t}" for t in ("captured", "expired", "failed", "pending", "refunded", "succeeded", "updated",
                               "refund.updated")]
    + [f"charge.dispute.{t}" for t in ("closed", "created", "funds_reinstated", "funds_withdrawn", "updated")]
    + [f"refund.{t}" for t in ("created", "updated", "failed")]
    + ["radar.early_fraud_warning.created", "radar.early_fraud_warning.updated", "review.opened", "review.closed",
       "balance.available"]
    + [f"payment_method.{t}" for t in ("attached", "detached", "updated", "automatically_updated")]
    + [f"setup_intent.{t}" for t in ("created", "requires_action", "setup_failed", "succeeded", "canceled")]
    + [f"customer.{t}" for t in ("created", "updated", "deleted")])


# --- schema ------------------------------------------------------------------------------------
def ensure_schema(store: Store) -> None:
    with store.lock:
        for statement in SCHEMA.split(";"):
            if statement.strip():
                store.execute(statement)


def _x(store: Store, sql: str, args: tuple = ()) -> sqlite3.Cursor:
    """Execute, creating the table first if this store has never had one (old data dirs)."""
    try:
        return store.execute(sql, args)
    except sqlite3.OperationalError as exc:
        if "webhook_deliveries" not in str(exc):
            raise
        ensure_schema(store)
        return store.execute(sql, args)


# --- URLs, matching, signing -------------------------------------------------------------------
def is_loopback(host: str | None) -> bool:
    if not host:
        return False
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def url_problem(engine: Engine, url: str) -> str | None:
    """Why ``url`` cannot be a webhook endpoint here, or None."""
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        return f"Invalid URL: {url[:200]}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"Invalid URL: {url[:200]}. A webhook endpoint URL must start with http:// or https:// and name a host."
    if not is_loopback(parts.hostname) and not getattr(engine, "allow_remote_webhooks", False):
        return (f"The offline sandbox only delivers webhooks to this machine (localhost, 127.0.0.0/8 or [::1]); "
                f"'{parts.hostname}' is not allowed. Point the endpoint at a local receiver, or start the sandbox "
                "with `python -m lib.sandbox serve --allow-remote-webhooks`.")
    return None


def check_url(engine: Engine, url: str, param: str = "url") -> None:
    problem = url_problem(engine, url)
    if problem:
        raise InvalidRequest(problem, param=param, code="url_invalid")


def subscribed(endpoint: dict, event_type: str) -> bool:
    events = endpoint.get("enabled_events") or ()
    return "*" in events or event_type in events


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload`` (stripe-python's own scheme, §6.1)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode("utf-8"), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def backoff(engine: Engine, attempt: int) -> float:
    """Seconds to wait after failed attempt number ``attempt`` (1-based) before the next one."""
    return max(0.2, float(engine.async_delay)) * 4 ** (attempt - 1)


def event_body(event: dict) -> str:
    return json.dumps(private(event), indent=2)


# --- enqueueing (inside the emitting transaction) ----------------------------------------------
def endpoints(store: Store) -> list[dict]:
    rows = store.execute("SELECT data FROM objects WHERE kind='webhook_endpoint' ORDER BY created, rowid").fetchall()
    return [json.loads(r[0]) for r in rows]


def enqueue(store: Store, event_id: str, event_type: str, endpoint_id: str, manual: bool = False,
            at: float | None = None, attempt: int = 1) -> int:
    now = time.time()
    cur = _x(store, "INSERT INTO webhook_deliveries(event_id, endpoint_id, event_type, attempt, manual, next_at, "
                    "status, created) VALUES (?,?,?,?,?,?,'pending',?)",
             (event_id, endpoint_id, event_type, attempt, int(manual), now if at is None else at, now))
    return cur.lastrowid


def on_event(ctx: Ctx, event: dict) -> None:
    if ctx.inline_jobs:
        return  # seeded history is never delivered
    # Endpoints are read from the store itself, not the request's pending writes: no flush per event.
    targets = [ep for ep in endpoints(ctx.engine.store) if ep.get("status") == "enabled" and subscribed(ep, event["type"])]
    for ep in targets:
        enqueue(ctx.store, event["id"], event["type"], ep["id"])
    event["pending_webhooks"] = len(targets)
    if targets:
        wake(ctx.engine)


EVENT_LISTENERS.append(on_event)


def refresh_pending(store: Store, event_id: str) -> None:
    """Recompute ``pending_webhooks``: endpoints first sent to that have not answered 2xx yet."""
    row = _x(store, "SELECT count(DISTINCT endpoint_id) FROM webhook_deliveries WHERE event_id=? AND manual=0 AND "
                    "endpoint_id NOT IN (SELECT endpoint_id FROM webhook_deliveries WHERE event_id=? AND "
                    "status='succeeded')", (event_id, event_id)).fetchone()
    event = store.get(event_id, "event")
    if event is not None and event.get("pending_webhooks") != row[0]:
        event["pending_webhooks"] = row[0]
        store.update(event)


# --- the delivery log --------------------------------------------------------------------------
def as_dict(row: tuple) -> dict:
    out = dict(zip(COLUMNS, row))
    out["manual"] = bool(out["manual"])
    # next_at: when a pending row is due, or when a failed attempt's retry is; otherwise null.
    retried = out["status"] == "failed" and (out["attempted_at"] or 0) < out["next_at"]
    if out["status"] not in ("pending", "sending") and not retried:
        out["next_at"] = None
    return out


def deliveries(store: Store, endpoint: str | None = None, event: str | None = None, limit: int = 50,
               before_id: int | None = None) -> tuple[list[dict], bool]:
    """Attempts newest first, optionally for one endpoint and/or event; ``before_id`` pages."""
    where, args = [], []
    for col, value in (("endpoint_id", endpoint), ("event_id", event)):
        if value:
            where.append(f"{col}=?")
            args.append(value)
    if before_id is not None:
        where.append("id<?")
        args.append(before_id)
    sql = (f"SELECT {', '.join(COLUMNS)} FROM webhook_deliveries {'WHERE ' + ' AND '.join(where) if where else ''} "
           "ORDER BY id DESC LIMIT ?")
    rows = _x(store, sql, (*args, limit + 1)).fetchall()
    return [as_dict(r) for r in rows[:limit]], len(rows) > limit


def delivery(store: Store, row_id: int) -> dict | None:
    row = _x(store, f"SELECT {', '.join(COLUMNS)} FROM webhook_deliveries WHERE id=?", (row_id,)).fetchone()
    return None if row is None else as_dict(row)


# --- engine integration ------------------------------------------------------------------------
_lock = threading.Lock()


def worker(engine: Engine) -> Deliverer | None:
    return getattr(engine, "_webhook_deliverer", None)


def ensure_worker(engine: Engine) -> Deliverer | None:
    """Start the worker for a started, running engine (idempotent); None for an engine not started."""
    from .webhook_worker import Deliverer

    if getattr(engine, "_thread", None) is None or getattr(engine, "_stop", False):
        return None
    with _lock:
        current = worker(engine)
        if current is None:
            current = Deliverer(engine)
            engine._webhook_deliverer = current  # type: ignore[attr-defined]
            current.start()
        return current


def stop_worker(engine: Engine) -> None:
    with _lock:
        current = worker(engine)
        engine._webhook_deliverer = None  # type: ignore[attr-defined]
    if current is not None:
        current.stop()


def wake(engine: Engine) -> None:
    current = worker(engine) or ensure_worker(engine)
    if current is not None:
        current.wake()


def _on_start(engine: Engine) -> None:
    ensure_worker(engine)


ENGINE_START_HOOKS.append(_on_start)
ENGINE_STOP_HOOKS.append(stop_worker)


def describe(engine: Engine) -> dict[str, Any]:
    """Small status summary for /_sandbox pages."""
    current = worker(engine)
    return {"running": current is not None and not current.stopping,
            "allow_remote_webhooks": bool(getattr(engine, "allow_remote_webhooks", False)),
            "timeout_s": TIMEOUT, "max_attempts": MAX_ATTEMPTS, "backoff_s": [backoff(engine, n) for n in (1, 2, 3)]}
