"""The webhook delivery worker: claims due rows of ``webhook_deliveries`` and POSTs them, and its
hooks into the engine (wired in app.py): ``on_event`` (enqueue for subscribed endpoints),
``start_worker`` / ``stop_worker`` (engine start and stop) and ``wake``.

The rules (signing, retries, ordering, what counts as success) are described in webhooks.py; this
module is the machinery. One ``Deliverer`` per started engine: a thread that claims due rows
(``pending`` → ``sending``, in a short transaction, so a second process on the same data dir
cannot take them too) and a small pool that sends them — one endpoint's rows one at a time, in
creation order, up to ``POOL_SIZE`` endpoints at once. The HTTP call happens outside any store
transaction; its result is recorded in its own transaction.

An engine that was never started has no worker: ``deliver_due(engine)`` then sends what is due
in the calling thread (tests that drive the engine's clock).
"""

from __future__ import annotations

import http.client
import logging
import ssl
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from ..engine import Ctx, Engine
from .webhooks import (
    COLUMNS,
    MAX_ATTEMPTS,
    TIMEOUT,
    as_dict,
    backoff,
    endpoints,
    enqueue,
    event_body,
    refresh_pending,
    sign,
    subscribed,
    url_problem,
)

log = logging.getLogger("sandbox.webhooks")

POOL_SIZE = 4  # endpoints served at once; one endpoint's deliveries are sequential
USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str | None, str]:
    """POST once. Returns (http_status or None, error or None, start of the response body)."""
    parts = urlsplit(url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    if parts.scheme == "https":
        conn: http.client.HTTPConnection = http.client.HTTPSConnection(
            parts.hostname, parts.port, timeout=TIMEOUT, context=ssl.create_default_context())
    else:
        conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=TIMEOUT)
    try:
        conn.request("POST", path, body=body, headers=headers)
        resp = conn.getresponse()
        text = resp.read(4096).decode("utf-8", "replace")[:1000]
        error = None if 200 <= resp.status < 300 else f"HTTP {resp.status} {resp.reason}".strip()
        return resp.status, error, text
    except TimeoutError:
        return None, f"Timed out after {TIMEOUT:g} s", ""
    except ConnectionRefusedError:
        return None, "Connection refused", ""
    except (OSError, http.client.HTTPException) as exc:
        return None, f"{type(exc).__name__}: {exc}"[:300], ""
    finally:
        conn.close()


class Deliverer:
    """Delivers due rows; one endpoint's rows one at a time, up to POOL_SIZE endpoints at once."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self.store = engine.store
        self._cond = threading.Condition()
        self._woken = False
        self._stopped = False
        self._busy: set[str] = set()
        self._pool = ThreadPoolExecutor(POOL_SIZE, thread_name_prefix="sandbox-webhook")
        self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)

    def start(self) -> None:
        with self.store.tx():  # a process that died mid-send: send again
            self.store.execute("UPDATE webhook_deliveries SET status='pending' WHERE status='sending'")
        self._thread.start()

    def stop(self) -> None:
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._thread.join(timeout=5)

    def wake(self) -> None:
        with self._cond:
            self._woken = True
            self._cond.notify_all()

    @property
    def stopping(self) -> bool:
        return self._stopped or not self.engine.running

    def _run(self) -> None:
        while not self.stopping:
            try:
                self.dispatch_due()
                # Query outside the condition: request threads call wake() while holding the store lock.
                row = self.store.execute("SELECT min(next_at) FROM webhook_deliveries WHERE status='pending'").fetchone()
                wait = 1.0 if row[0] is None else max(0.0, min(1.0, row[0] - self.engine.clock()))
            except Exception:
                if self.stopping:
                    return
                log.exception("webhook worker")
                wait = 1.0
            with self._cond:
                if self._stopped:
                    return
                if wait > 0 and not self._woken:
                    self._cond.wait(wait)
                self._woken = False

    def _due_groups(self, busy: set[str]) -> dict[str, list[int]]:
        """Due pending rows of the endpoints not in ``busy``, by endpoint, in creation order."""
        rows = self.store.execute("SELECT id, endpoint_id FROM webhook_deliveries WHERE status='pending' AND "
                                  "next_at<=? ORDER BY id LIMIT 200", (self.engine.clock(),)).fetchall()
        groups: dict[str, list[int]] = {}
        for row_id, endpoint_id in rows:
            if endpoint_id not in busy:
                groups.setdefault(endpoint_id, []).append(row_id)
        return groups

    def _claim(self, ids: list[int]) -> list[int]:
        """Mark rows ``sending``; returns those this worker got (another process may have taken some)."""
        with self.store.tx():
            return [i for i in ids if self.store.execute(
                "UPDATE webhook_deliveries SET status='sending' WHERE id=? AND status='pending'", (i,)).rowcount]

    def deliver_due(self) -> int:
        """Claim and send every due row in this thread, in creation order; returns how many were sent.
        Retries that come due meanwhile are sent too (a retry is never due at once: backoff >= 0.2 s)."""
        sent = 0
        while groups := self._due_groups(set()):
            for ids in groups.values():
                for row_id in self._claim(ids):
                    self.deliver(row_id)
                    sent += 1
        return sent

    def dispatch_due(self) -> int:
        """Claim due rows of idle endpoints and hand them to the pool. Returns how many."""
        with self._cond:
            busy = set(self._busy)
        claimed = 0
        for endpoint_id, ids in self._due_groups(busy).items():
            mine = self._claim(ids)
            if not mine:
                continue
            with self._cond:
                self._busy.add(endpoint_id)
            claimed += len(mine)
            try:
                self._pool.submit(self._run_group, endpoint_id, mine)
            except RuntimeError:  # pool shut down: leave them for the next start
                self._release(endpoint_id, mine)
        return claimed

    def _release(self, endpoint_id: str, ids: list[int]) -> None:
        try:
            with self.store.tx():
                for i in ids:
                    self.store.execute("UPDATE webhook_deliveries SET status='pending' WHERE id=? AND "
                                       "status='sending'", (i,))
        except Exception:  # the store may already be closed at shutdown
            pass
        with self._cond:
            self._busy.discard(endpoint_id)

    def _run_group(self, endpoint_id: str, ids: list[int]) -> None:
        try:
            for n, row_id in enumerate(ids):
                if self.stopping:
                    self._release(endpoint_id, ids[n:])
                    return
                try:
                    self.deliver(row_id)
                except Exception:
                    if self.stopping:
                        return
                    log.exception("webhook delivery %s", row_id)
        finally:
            with self._cond:
                self._busy.discard(endpoint_id)
            self.wake()

    def deliver(self, row_id: int) -> dict:
        """Make one attempt for a claimed row and record it. Returns the recorded row."""
        store = self.store
        event_id, endpoint_id, event_type, attempt, manual = store.execute(
            "SELECT event_id, endpoint_id, event_type, attempt, manual FROM webhook_deliveries WHERE id=?",
            (row_id,)).fetchone()
        event = store.get(event_id, "event")
        endpoint = store.get(endpoint_id, "webhook_endpoint")
        started = self.engine.clock()
        if event is None or endpoint is None or endpoint.get("status") != "enabled":
            reason = ("event no longer exists" if event is None else "endpoint deleted" if endpoint is None
                      else "endpoint disabled")
            return self._record(row_id, status="canceled", error=f"Not sent: {reason}", started=started)
        problem = url_problem(self.engine, endpoint["url"])
        if problem:
            return self._record(row_id, status="failed", error=problem, started=started)
        body = event_body(event)
        headers = {"Content-Type": "application/json; charset=utf-8", "User-Agent": USER_AGENT,
                   "Accept": "*/*; q=0.5, application/xml", "Cache-Control": "no-cache",
                   "Stripe-Signature": sign(body, endpoint["_secret"], int(started))}
        clock = time.perf_counter()
        http_status, error, text = _post(endpoint["url"], body.encode("utf-8"), headers)
        latency = round((time.perf_counter() - clock) * 1000, 1)
        ok = error is None
        retry_at = None
        if not ok and not manual and attempt < MAX_ATTEMPTS:
            retry_at = started + backoff(self.engine, attempt)
        return self._record(row_id, status="succeeded" if ok else "failed", http_status=http_status,
                            latency_ms=latency, error=error, response_body=text, started=started,
                            retry=(event_id, event_type, endpoint_id, attempt + 1, retry_at) if retry_at else None)

    def _record(self, row_id: int, *, status: str, started: float, http_status: int | None = None,
                latency_ms: float | None = None, error: str | None = None, response_body: str | None = None,
                retry: tuple | None = None) -> dict:
        store = self.store
        with store.tx():
            store.execute("UPDATE webhook_deliveries SET status=?, http_status=?, latency_ms=?, error=?, "
                          "response_body=?, attempted_at=?, next_at=? WHERE id=?",
                          (status, http_status, latency_ms, error, response_body, started,
                           retry[4] if retry else started, row_id))
            if retry:
                event_id, event_type, endpoint_id, attempt, at = retry
                enqueue(store, started, event_id, event_type, endpoint_id, attempt=attempt, at=at)
            if status == "succeeded":
                event_id = store.execute("SELECT event_id FROM webhook_deliveries WHERE id=?", (row_id,)).fetchone()[0]
                refresh_pending(store, event_id)
            row = store.execute(f"SELECT {', '.join(COLUMNS)} FROM webhook_deliveries WHERE id=?",
                                (row_id,)).fetchone()
        if retry:
            self.wake()
        return as_dict(row)


# --- the engine's hooks (app.py wires them) ------------------------------------------------------
_lock = threading.Lock()
SERVICE = "webhook_deliverer"  # the worker's key in engine.services


def on_event(ctx: Ctx, event: dict) -> None:
    """Event listener: queue a delivery to every enabled endpoint subscribed to the event's type."""
    if ctx.inline_jobs:
        return  # seeded history is never delivered
    # Endpoints are read from the store itself, not the request's pending writes (no flush per
    # event), once per request: a request that emits three events reads them once.
    if (known := ctx.memo.get(SERVICE)) is None:
        known = ctx.memo[SERVICE] = endpoints(ctx.engine.store)
    targets = [ep for ep in known if ep.get("status") == "enabled" and subscribed(ep, event["type"])]
    event["pending_webhooks"] = len(targets)
    if targets:
        now = ctx.engine.clock()
        for ep in targets:
            enqueue(ctx.store, now, event["id"], event["type"], ep["id"])
        wake(ctx.engine)


def worker(engine: Engine) -> Deliverer | None:
    return engine.services.get(SERVICE)


def start_worker(engine: Engine) -> Deliverer | None:
    """Start the worker for a started, running engine (idempotent); None for an engine not started."""
    if not engine.running:
        return None
    with _lock:
        current = worker(engine)
        if current is None:
            current = engine.services[SERVICE] = Deliverer(engine)
            current.start()
        return current


def stop_worker(engine: Engine) -> None:
    with _lock:
        current = engine.services.pop(SERVICE, None)
    if current is not None:
        current.stop()


def wake(engine: Engine) -> None:
    current = worker(engine) or start_worker(engine)
    if current is not None:
        current.wake()


def deliver_due(engine: Engine) -> int:
    """Send every due delivery now, in this thread (an engine that was not started has no worker:
    tests drive it with a manual clock). Returns how many attempts were made."""
    return Deliverer(engine).deliver_due()


def describe(engine: Engine) -> dict[str, Any]:
    """Small status summary for /_sandbox pages."""
    current = worker(engine)
    return {"running": current is not None and not current.stopping,
            "allow_remote_webhooks": engine.allow_remote_webhooks,
            "timeout_s": TIMEOUT, "max_attempts": MAX_ATTEMPTS, "backoff_s": [backoff(engine, n) for n in (1, 2, 3)]}
