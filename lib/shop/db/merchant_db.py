"""The merchant's own database ("Your database" on the Learn page): the orders and everything the
shop records around them (tables in :mod:`.schema`).

Location, first match wins:

* ``DATABASE_URL=postgresql://…`` — a schema ``shop`` in that Postgres, shared by every app
  process (the finance warehouse and the sync state live in the same database);
* ``MERCHANT_DB_URL`` — ``sqlite:///relative/path``, ``sqlite:////absolute/path`` or a plain path;
* the default ``<project>/.data/merchant.sqlite3``.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any, Final

from lib.config import PROJECT_ROOT
from lib.database_url import ENV_DATABASE_URL, database_url, is_postgres_url

from .engines import Engine, PostgresEngine, SQLiteEngine

ENV_DB_URL: Final = "MERCHANT_DB_URL"
DEFAULT_DB_PATH: Final = PROJECT_ROOT / ".data" / "merchant.sqlite3"
WEBHOOK_LOG_KEEP: Final = 1000

ORDER_STATUSES: Final = ("pending", "requires_action", "payment_failed", "paid", "partially_refunded",
                         "refunded", "canceled")


class DuplicateEvent(Exception):
    """The event id is already in processed_events: the event was applied before."""


def db_path_from_env(environ: dict[str, str] | None = None) -> Path | str:
    """The database location: a ``postgresql://`` URL from ``DATABASE_URL``, else the SQLite path from
    ``MERCHANT_DB_URL`` (or the default); ``":memory:"`` allowed."""
    env = os.environ if environ is None else environ
    shared = database_url(env)
    if shared:
        return shared
    raw = (env.get(ENV_DB_URL) or "").strip()
    if not raw:
        return DEFAULT_DB_PATH
    if raw in (":memory:", "sqlite:///:memory:", "sqlite://"):
        return ":memory:"
    if raw.startswith("sqlite:///"):
        raw = raw[len("sqlite:///"):]
        path = Path(raw)  # "sqlite:////abs" leaves "/abs"; "sqlite:///rel" leaves "rel"
    elif "://" in raw:
        raise ValueError(f"{ENV_DB_URL} must be a sqlite:/// URL or a file path (got a {raw.split('://')[0]} URL); "
                         f"put a Postgres URL in {ENV_DATABASE_URL}.")
    else:
        path = Path(raw).expanduser()
    return path if path.is_absolute() else PROJECT_ROOT / path


class MerchantDB:
    """The shop's database. Every method is safe to call from any thread (and, on Postgres, from
    several processes at once)."""

    def __init__(self, path: Path | str | None = None) -> None:
        where = db_path_from_env() if path is None else path
        self.engine: Engine = (PostgresEngine(where) if isinstance(where, str) and is_postgres_url(where)
                               else SQLiteEngine(where))
        self.path = self.engine.location  # for Postgres: the URL without its password

    def close(self) -> None:
        self.engine.close()

    def tx(self):
        """One write transaction; nested calls join the outer one."""
        return self.engine.tx()

    def _rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        return self.engine.rows(sql, args)

    def _one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None:
        return self.engine.one(sql, args)

    # --- orders ----------------------------------------------------------------------------------
    def create_order(self, order_id: str, amount: int, currency: str, description: str = "",
                     api_base: str | None = None) -> tuple[dict[str, Any], bool]:
        """Insert a ``pending`` order unless it exists; returns (order, created_now)."""
        now = time.time()
        with self.tx() as db:
            cur = db.execute("INSERT INTO orders(id, created, updated, amount, currency, description, "
                             "status, api_base) VALUES (?,?,?,?,?,?,?,?) ON CONFLICT DO NOTHING",
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
            # Take the order's row lock first, so two processes numbering attempts of one order
            # take turns (on SQLite, BEGIN IMMEDIATE already serialises writers).
            db.execute("UPDATE orders SET updated=updated WHERE id=?", (order_id,))
            row = db.execute("SELECT n, request FROM attempts WHERE idempotency_key=?", (idempotency_key,)).fetchone()
            if row is not None:
                return int(row["n"]), False, str(row["request"])
            n = db.execute("SELECT COALESCE(MAX(n), 0) + 1 AS n FROM attempts WHERE order_id=?",
                           (order_id,)).fetchone()["n"]
            cur = db.execute("INSERT INTO attempts(idempotency_key, order_id, n, payment_method, created, request) "
                             "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                             (idempotency_key, order_id, n, payment_method, time.time(), request))
            if cur.rowcount != 1:  # another process recorded the same key first: take its request
                row = db.execute("SELECT n, request FROM attempts WHERE idempotency_key=?",
                                 (idempotency_key,)).fetchone()
                return int(row["n"]), False, str(row["request"])
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
            cur = db.execute("INSERT INTO outbox(created, order_id, kind, dedupe_key, subject, body) "
                             "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                             (time.time(), order_id, kind, dedupe_key, subject, body))
            return cur.rowcount == 1

    def outbox(self, order_id: str | None = None, limit: int = 50) -> list[dict[str, Any]]:
        if order_id is None:
            return self._rows("SELECT * FROM outbox ORDER BY id DESC LIMIT ?", (limit,))
        return self._rows("SELECT * FROM outbox WHERE order_id=? ORDER BY id", (order_id,))

    def fulfil(self, order_id: str, event_id: str, detail: str) -> bool:
        """Record the fulfilment once; returns False if the order was already fulfilled."""
        now = time.time()
        with self.tx() as db:
            cur = db.execute("INSERT INTO fulfilments(order_id, created, event_id, detail) VALUES (?,?,?,?) "
                             "ON CONFLICT DO NOTHING", (order_id, now, event_id, detail))
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

    def _recompute_refunded(self, db: Any, order_id: str) -> None:
        total = db.execute("SELECT COALESCE(SUM(amount), 0) AS total FROM refunds WHERE order_id=? AND status IN "
                           "('pending', 'succeeded', 'requires_action')", (order_id,)).fetchone()["total"]
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
    def record_event(self, db: Any, event_id: str, event_type: str, pi_id: str | None,
                     order_id: str | None, result: str) -> None:
        """Insert into processed_events inside the caller's transaction; DuplicateEvent if present.

        ``ON CONFLICT DO NOTHING`` rather than catching the unique violation: on Postgres a second
        process inserting the same id waits for the first to commit, then sees row count 0."""
        cur = db.execute("INSERT INTO processed_events(event_id, type, payment_intent, order_id, received_at, result) "
                         "VALUES (?,?,?,?,?,?) ON CONFLICT DO NOTHING",
                         (event_id, event_type, pi_id, order_id, time.time(), result))
        if cur.rowcount != 1:
            raise DuplicateEvent(event_id)

    def set_event_result(self, db: Any, event_id: str, result: str) -> None:
        """What applying the event did, in words (inside the transaction that recorded it)."""
        db.execute("UPDATE processed_events SET result=? WHERE event_id=?", (result, event_id))

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
            db.execute("DELETE FROM webhook_log WHERE id <= (SELECT MAX(id) FROM webhook_log) - ?",
                       (WEBHOOK_LOG_KEEP,))

    def webhook_log(self, pi_id: str | None = None, limit: int = 50, include_rejected: bool = True
                    ) -> list[dict[str, Any]]:
        if pi_id is None:
            return self._rows("SELECT * FROM webhook_log ORDER BY id DESC LIMIT ?", (limit,))
        extra = " OR http_status >= 400" if include_rejected else ""
        return self._rows(f"SELECT * FROM webhook_log WHERE payment_intent=?{extra} ORDER BY id DESC LIMIT ?",
                          (pi_id, limit))
