"""Signed webhook deliveries: the rules and the log. The sandbox POSTs each event to every subscribed endpoint.

How it works (TEST_MODE.md §6):

* An event listener (``worker.on_event``, wired in app.py) runs inside the transaction that emits
  an event. For every *enabled* endpoint whose ``enabled_events`` holds ``"*"`` or the event type it inserts a row in
  ``webhook_deliveries`` (``status='pending'``) and sets the event's ``pending_webhooks``. If the
  request rolls back, so do its deliveries: nothing is ever sent for an event that does not exist.
* A delivery worker (worker.py: one thread per started engine, plus a small pool) picks
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
* Times (``next_at``, ``attempted_at``, the signature's ``t``) come from the engine's clock, so a
  test with a clock.ManualClock decides when a retry is due.

This module is the rules, the enqueueing and the delivery log; worker.py sends.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import time
from urllib.parse import urlsplit

from ..engine import Engine, private
from ..errors import InvalidRequest
from ..storage.store import Store

TIMEOUT = 5.0
MAX_ATTEMPTS = 4  # the first try + 3 retries (test mode)
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
    if not is_loopback(parts.hostname) and not engine.allow_remote_webhooks:
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
    """The ``Stripe-Signature`` header for ``payload`` (stripe-python's own scheme, §6.1), signed at
    ``timestamp`` (default: now)."""
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


def enqueue(store: Store, now: float, event_id: str, event_type: str, endpoint_id: str, manual: bool = False,
            at: float | None = None, attempt: int = 1) -> int:
    """A pending delivery row, created at ``now`` and due at ``at`` (default: ``now``)."""
    cur = store.execute("INSERT INTO webhook_deliveries(event_id, endpoint_id, event_type, attempt, manual, "
                        "next_at, status, created) VALUES (?,?,?,?,?,?,'pending',?)",
                        (event_id, endpoint_id, event_type, attempt, int(manual), now if at is None else at, now))
    return cur.lastrowid


def refresh_pending(store: Store, event_id: str) -> None:
    """Recompute ``pending_webhooks``: endpoints first sent to that have not answered 2xx yet."""
    row = store.execute("SELECT count(DISTINCT endpoint_id) FROM webhook_deliveries WHERE event_id=? AND manual=0 "
                        "AND endpoint_id NOT IN (SELECT endpoint_id FROM webhook_deliveries WHERE event_id=? AND "
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
    rows = store.execute(sql, (*args, limit + 1)).fetchall()
    return [as_dict(r) for r in rows[:limit]], len(rows) > limit


def delivery(store: Store, row_id: int) -> dict | None:
    row = store.execute(f"SELECT {', '.join(COLUMNS)} FROM webhook_deliveries WHERE id=?", (row_id,)).fetchone()
    return None if row is None else as_dict(row)
