"""The merchant's own database ("Your database" on the Learn page): SQLite.

Tables:

* ``orders`` — one row per checkout, created *before* the PaymentIntent (status ``pending``);
  the PaymentIntent id is stored on it, and the webhook handler moves it to ``paid`` etc.
* ``attempts`` — one row per payment attempt; its primary key is the attempt's idempotency key,
  so a double-clicked Pay button can only ever be one attempt.
* ``outbox`` — receipts (and refund notes) rendered when an order is paid, waiting to be sent.
  ``dedupe_key`` makes writing the same receipt twice a no-op.
* ``fulfilments`` — one row per fulfilled order (primary key = order id): fulfilment happens once.
* ``refunds`` — the refunds this shop asked for, with their latest status.
* ``processed_events`` — the id of every webhook event applied; the handler inserts it in the same
  transaction as the event's effects, so a replayed event changes nothing.
* ``webhook_log`` — every delivery to the endpoint, accepted or rejected (bad signature …).

Location: ``MERCHANT_DB_URL`` (``sqlite:///relative/path``, ``sqlite:////absolute/path`` or a plain
path), default ``<project>/.data/merchant.sqlite3``. One connection per :class:`MerchantDB`, guarded
by a re-entrant lock, shared by the Streamlit sessions and the webhook server's threads.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Final

from lib.config import PROJECT_ROOT

ENV_DB_URL: Final = "MERCHANT_DB_URL"
DEFAULT_DB_PATH: Final = PROJECT_ROOT / ".data" / "merchant.sqlite3"
WEBHOOK_LOG_KEEP: Final = 1000

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id TEXT PRIMARY KEY, created REAL NOT NULL, updated REAL NOT NULL,
    amount INTEGER NOT NULL, currency TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL, payment_intent TEXT UNIQUE,
    paid_at REAL, paid_via TEXT, fulfilled_at REAL,
    amount_refunded INTEGER NOT NULL DEFAULT 0, dispute_status TEXT, last_error TEXT, api_base TEXT,
    card TEXT
);
CREATE TABLE IF NOT EXISTS attempts (
    idempotency_key TEXT PRIMARY KEY, order_id TEXT NOT NULL, n INTEGER NOT NULL,
    payment_method TEXT, created REAL NOT NULL, outcome TEXT, request TEXT NOT NULL DEFAULT 'create'
);
CREATE INDEX IF NOT EXISTS ix_attempts_order ON attempts(order_id, n);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY AUTOINCREMENT, created REAL NOT NULL, order_id TEXT NOT NULL,
    kind TEXT NOT NULL, dedupe_key TEXT NOT NULL UNIQUE, subject TEXT NOT NULL, body TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued'
);
CREATE TABLE IF NOT EXISTS fulfilments (
    order_id TEXT PRIMARY KEY, created REAL NOT NULL, event_id TEXT NOT NULL, detail TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS refunds (
    id TEXT PRIMARY KEY, order_id TEXT NOT NULL, amount INTEGER NOT NULL, status TEXT NOT NULL,
    failure_reason TEXT, created REAL NOT NULL, updated REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS processed_events (
    event_id TEXT PRIMARY KEY, type TEXT NOT NULL, payment_intent TEXT, order_id TEXT,
    received_at REAL NOT NULL, result TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_processed_pi ON processed_events(payment_intent, received_at);
CREATE TABLE IF NOT EXISTS webhook_log (
    id INTEGER PRIMARY KEY AUTOINCREMENT, received_at REAL NOT NULL, http_status INTEGER NOT NULL,
    outcome TEXT NOT NULL, event_id TEXT, type TEXT, payment_intent TEXT, detail TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS ix_webhook_log_pi ON webhook_log(payment_intent, id);
"""

ORDER_STATUSES: Final = ("pending", "requires_action", "payment_failed", "paid", "partially_refunded",
                         "refunded", "canceled")


class DuplicateEvent(Exception):
    """The event id is already in processed_events: the event was applied before."""


def db_path_from_env(environ: dict[str, str] | None = None) -> Path | str:
    """The database location from ``MERCHANT_DB_URL`` (or the default); ``":memory:"`` allowed."""
    env = os.environ if environ is None else environ
    raw = (env.get(ENV_DB_URL) or "").strip()
    if not raw:
        return DEFAULT_DB_PATH
    if raw in (":memory:", "sqlite:///:memory:", "sqlite://"):
        return ":memory:"
    if raw.startswith("sqlite:///"):
        raw = raw[len("sqlite:///"):]
        path = Path(raw)  # "sqlite:////abs" leaves "/abs"; "sqlite:///rel" leaves "rel"
    elif "://" in raw:
        raise ValueError(f"{ENV_DB_URL} must be a sqlite:/// URL or a file path (got a {raw.split('://')[0]} URL).")
    else:
        path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


class MerchantDB:
    """The shop's database. Every method is safe to call from any thread."""

    def __init__(self, path: Path | str | None = None) -> None:
        self.path = db_path_from_env() if path is None else path
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(str(self.path), timeout=15, isolation_level=None,
                                     check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            if self.path != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SCHEMA)

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``); nested calls join the outer one."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def _rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, args).fetchall()]

    def _one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None:
        rows = self._rows(sql, args)
        return rows[0] if rows else None

    # --- orders ----------------------------------------------------------------------------------
    def create_order(self, order_id: str, amount: int, currency: str, description: str = "",
                     api_base: str | None = None) -> tuple[dict[str, Any], bool]:
        """Insert a ``pending`` order unless it exists; returns (order, created_now)."""
        now = time.time()
        with self.tx() as db:
            cur = db.execute("INSERT OR IGNORE INTO orders(id, created, updated, amount, currency, description, "
                             "status, api_base) VALUES (?,?,?,?,?,?,?,?)",
                             (order_id, now, now, int(amount), currency.lower(), description, "pending", api_base))
            created = cur.rowcount == 1
        order = self.order(order_id)
        assert order is not None
        return order, created

    def order(self, order_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM orders WHERE id=?", (order_id,))

    def order_for_payment_intent(self, pi_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM orders WHERE payment_intent=?", (pi_id,))

    def orders(self, limit: int = 20) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM orders ORDER BY created DESC LIMIT ?", (limit,))

    def update_order(self, order_id: str, **fields: Any) -> None:
        if not fields:
            return
        unknown = set(fields) - {"status", "payment_intent", "paid_at", "paid_via", "fulfilled_at",
                                 "amount_refunded", "dispute_status", "last_error", "card"}
        if unknown:
            raise ValueError(f"unknown order fields: {sorted(unknown)}")
        cols = ", ".join(f"{k}=?" for k in fields)
        with self.tx() as db:
            db.execute(f"UPDATE orders SET {cols}, updated=? WHERE id=?", (*fields.values(), time.time(), order_id))

    def attach_payment_intent(self, order_id: str, pi_id: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE orders SET payment_intent=?, updated=? WHERE id=? AND payment_intent IS NULL",
                       (pi_id, time.time(), order_id))

    def mark_paid(self, order_id: str, via: str, receipt: tuple[str, str] | None = None) -> bool:
        """Move the order to ``paid`` (once) and queue its receipt. Returns True if it changed now."""
        now = time.time()
        with self.tx() as db:
            cur = db.execute("UPDATE orders SET status='paid', paid_at=?, paid_via=?, last_error=NULL, updated=? "
                             "WHERE id=? AND paid_at IS NULL", (now, via, now, order_id))
            changed = cur.rowcount == 1
            if receipt is not None:
                self.queue_message(order_id, "receipt", f"receipt:{order_id}", *receipt)
        return changed

    # --- attempts --------------------------------------------------------------------------------
    def begin_attempt(self, order_id: str, idempotency_key: str, payment_method: str,
                      request: str = "create") -> tuple[int, bool, str]:
        """Record an attempt under its idempotency key.

        Returns (attempt number, created_now, request). ``request`` is what the attempt sends
        ("create" or "confirm:pi_…"); a repeat of the same key gets the *first* request back, so a
        double click repeats exactly the same call and the processor can replay its answer.
        """
        with self.tx() as db:
            row = db.execute("SELECT n, request FROM attempts WHERE idempotency_key=?", (idempotency_key,)).fetchone()
            if row is not None:
                return int(row[0]), False, str(row[1])
            n = db.execute("SELECT COALESCE(MAX(n), 0) + 1 FROM attempts WHERE order_id=?", (order_id,)).fetchone()[0]
            db.execute("INSERT INTO attempts(idempotency_key, order_id, n, payment_method, created, request) "
                       "VALUES (?,?,?,?,?,?)", (idempotency_key, order_id, n, payment_method, time.time(), request))
            return int(n), True, request

    def finish_attempt(self, idempotency_key: str, outcome: str) -> None:
        with self.tx() as db:
            db.execute("UPDATE attempts SET outcome=? WHERE idempotency_key=?", (outcome, idempotency_key))

    def attempts(self, order_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM attempts WHERE order_id=? ORDER BY n", (order_id,))

    def attempt_count(self, order_id: str) -> int:
        row = self._one("SELECT COUNT(*) AS n FROM attempts WHERE order_id=?", (order_id,))
        return int(row["n"]) if row else 0

    # --- outbox / fulfilment / refunds -------------------------------------------------------------
    def queue_message(self, order_id: str, kind: str, dedupe_key: str, subject: str, body: str) -> bool:
        with self.tx() as db:
            cur = db.execute("INSERT OR IGNORE INTO outbox(created, order_id, kind, dedupe_key, subject, body) "
                             "VALUES (?,?,?,?,?,?)", (time.time(), order_id, kind, dedupe_key, subject, body))
            return cur.rowcount == 1

    def outbox(self, order_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        if order_id is None:
            return self._rows("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", (limit,))
        return self._rows("SELECT * FROM outbox WHERE order_id=? ORDER BY id", (order_id,))

    def fulfil(self, order_id: str, event_id: str, detail: str) -> bool:
        """Record the fulfilment once; returns False if the order was already fulfilled."""
        now = time.time()
        with self.tx() as db:
            cur = db.execute("INSERT OR IGNORE INTO fulfilments(order_id, created, event_id, detail) VALUES (?,?,?,?)",
                             (order_id, now, event_id, detail))
            if cur.rowcount != 1:
                return False
            db.execute("UPDATE orders SET fulfilled_at=?, updated=? WHERE id=?", (now, now, order_id))
            return True

    def fulfilment(self, order_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM fulfilments WHERE order_id=?", (order_id,))

    def fulfilments(self, limit: int = 50) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM fulfilments ORDER BY created DESC LIMIT ?", (limit,))

    def upsert_refund(self, refund_id: str, order_id: str, amount: int, status: str,
                      failure_reason: str | None = None) -> None:
        now = time.time()
        with self.tx() as db:
            db.execute("INSERT INTO refunds(id, order_id, amount, status, failure_reason, created, updated) "
                       "VALUES (?,?,?,?,?,?,?) ON CONFLICT(id) DO UPDATE SET status=excluded.status, "
                       "failure_reason=COALESCE(excluded.failure_reason, refunds.failure_reason), "
                       "updated=excluded.updated", (refund_id, order_id, int(amount), status, failure_reason, now, now))
            self._recompute_refunded(db, order_id)

    def _recompute_refunded(self, db: sqlite3.Connection, order_id: str) -> None:
        total = db.execute("SELECT COALESCE(SUM(amount), 0) FROM refunds WHERE order_id=? AND status IN "
                           "('pending', 'succeeded', 'requires_action')", (order_id,)).fetchone()[0]
        row = db.execute("SELECT amount, paid_at FROM orders WHERE id=?", (order_id,)).fetchone()
        if row is None:
            return
        if row["paid_at"] is None:
            status = None
        elif total <= 0:
            status = "paid"
        else:
            status = "refunded" if total >= row["amount"] else "partially_refunded"
        if status is None:
            db.execute("UPDATE orders SET amount_refunded=?, updated=? WHERE id=?", (total, time.time(), order_id))
        else:
            db.execute("UPDATE orders SET amount_refunded=?, status=?, updated=? WHERE id=?",
                       (total, status, time.time(), order_id))

    def refunds(self, order_id: str) -> list[dict[str, Any]]:
        return self._rows("SELECT * FROM refunds WHERE order_id=? ORDER BY created", (order_id,))

    # --- webhooks --------------------------------------------------------------------------------
    def record_event(self, db: sqlite3.Connection, event_id: str, event_type: str, pi_id: str | None,
                     order_id: str | None, result: str) -> None:
        """Insert into processed_events inside the caller's transaction; DuplicateEvent if present."""
        try:
            db.execute("INSERT INTO processed_events(event_id, type, payment_intent, order_id, received_at, result) "
                       "VALUES (?,?,?,?,?,?)", (event_id, event_type, pi_id, order_id, time.time(), result))
        except sqlite3.IntegrityError:
            raise DuplicateEvent(event_id) from None

    def event_processed(self, event_id: str) -> dict[str, Any] | None:
        return self._one("SELECT * FROM processed_events WHERE event_id=?", (event_id,))

    def processed_events(self, pi_id: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        if pi_id is None:
            return self._rows("SELECT * FROM processed_events ORDER BY received_at DESC LIMIT ?", (limit,))
        return self._rows("SELECT * FROM processed_events WHERE payment_intent=? ORDER BY received_at", (pi_id,))

    def log_webhook(self, http_status: int, outcome: str, event_id: str | None = None, event_type: str | None = None,
                    pi_id: str | None = None, detail: str = "") -> None:
        with self.tx() as db:
            db.execute("INSERT INTO webhook_log(received_at, http_status, outcome, event_id, type, payment_intent, "
                       "detail) VALUES (?,?,?,?,?,?,?)",
                       (time.time(), http_status, outcome, event_id, event_type, pi_id, detail[:500]))
            db.execute("DELETE FROM webhook_log WHERE id <= (SELECT MAX(id) FROM webhook_log) - ?", (WEBHOOK_LOG_KEEP,))

    def webhook_log(self, pi_id: str | None = None, limit: int = 50, include_rejected: bool = True
                    ) -> list[dict[str, Any]]:
        if pi_id is None:
            return self._rows("SELECT * FROM webhook_log ORDER BY id DESC LIMIT ?", (limit,))
        extra = " OR http_status >= 400" if include_rejected else ""
        return self._rows(f"SELECT * FROM webhook_log WHERE payment_intent=?{extra} ORDER BY id DESC LIMIT ?",
                          (pi_id, limit))
