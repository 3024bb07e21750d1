"""DuckDB schema for synced Stripe data, and the flatteners that turn API objects into rows.

One table per resource, Stripe's field names as columns. ``created`` (and other Unix times) are
``TIMESTAMP`` (UTC), amounts ``BIGINT`` in minor units next to their ``currency``. Nested fields
the dashboard needs are flattened with the path joined by ``_`` where that stays readable
(``outcome.type`` -> ``outcome_type``, ``evidence_details.due_by`` -> ``evidence_due_by``,
``payment_method_details.card.brand`` -> ``card_brand``). Expandable fields hold the id.

Derived columns (documented on :data:`TABLES`): ``charges.decline_code`` and ``charges.pay_status``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

Obj = Mapping[str, Any]


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    get: Callable[[Obj], Any]

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.sql_type]


@dataclass(frozen=True)
class Table:
    name: str
    object: str  # Stripe's ``object`` value
    columns: tuple[Column, ...]

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self) -> str:
        cols = ",\n  ".join(
            f"{c.name} {c.sql_type}{' PRIMARY KEY' if c.name == 'id' else ''}" for c in self.columns
        )
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"

    def to_arrow(self, objects: Iterable[Obj], synced_at: int) -> pa.Table:
        rows = list(objects)
        arrays = []
        for col in self.columns:
            if col.name == "synced_at":
                values = [synced_at] * len(rows)
            else:
                values = [col.get(o) for o in rows]
            arrays.append(pa.array(values, type=col.arrow_type))
        return pa.Table.from_arrays(arrays, names=self.column_names)


_ARROW_TYPES = {
    "VARCHAR": pa.string(),
    "BIGINT": pa.int64(),
    "INTEGER": pa.int32(),
    "BOOLEAN": pa.bool_(),
    "DOUBLE": pa.float64(),
    "TIMESTAMP": pa.timestamp("s"),
}


# ---------------------------------------------------------------------------------------------
# small accessors


def dig(obj: Any, *path: str) -> Any:
    """``obj[p0][p1]...`` or ``None`` when any step is missing/null."""
    cur = obj
    for key in path:
        if not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
        if cur is None:
            return None
    return cur


def ref_id(value: Any) -> str | None:
    """An expandable field's id whether it came back expanded (a dict) or as a string."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return value.get("id")
    return str(value)


def _f(*path: str) -> Callable[[Obj], Any]:
    return lambda o: dig(o, *path)


def _ref(*path: str) -> Callable[[Obj], Any]:
    return lambda o: ref_id(dig(o, *path))


def _int(*path: str) -> Callable[[Obj], Any]:
    def get(o: Obj) -> int | None:
        v = dig(o, *path)
        return None if v is None else int(v)

    return get


def _bool(*path: str) -> Callable[[Obj], Any]:
    def get(o: Obj) -> bool | None:
        v = dig(o, *path)
        return None if v is None else bool(v)

    return get


def _lower(*path: str) -> Callable[[Obj], Any]:
    def get(o: Obj) -> str | None:
        v = dig(o, *path)
        return None if v is None else str(v).lower()

    return get


def _upper(*path: str) -> Callable[[Obj], Any]:
    def get(o: Obj) -> str | None:
        v = dig(o, *path)
        return None if v is None else str(v).upper()

    return get


def _json(*path: str) -> Callable[[Obj], Any]:
    def get(o: Obj) -> str | None:
        v = dig(o, *path)
        return None if v is None else json.dumps(v, sort_keys=True, separators=(",", ":"))

    return get


def _float(*path: str) -> Callable[[Obj], Any]:
    def get(o: Obj) -> float | None:
        v = dig(o, *path)
        return None if v is None else float(v)

    return get


def _synced(_: Obj) -> None:  # filled in by Table.to_arrow
    return None


# ---------------------------------------------------------------------------------------------
# derived charge fields


def charge_decline_code(charge: Obj) -> str | None:
    """Why a failed charge failed: the issuer's decline code (``outcome.reason``, e.g.
    ``insufficient_funds``; for Radar blocks ``highest_risk_level``) or else ``failure_code``
    (``expired_card``, ``incorrect_cvc``...). ``None`` for charges that did not fail."""
    if charge.get("status") != "failed":
        return None
    return dig(charge, "outcome", "reason") or charge.get("failure_code") or "unknown"


def charge_pay_status(charge: Obj) -> str:
    """One status per charge, the way Stripe's Payments list shows it:
    ``failed``, ``pending``, ``disputed``, ``refunded`` (fully), ``partially_refunded``,
    ``uncaptured`` (authorized only) or ``succeeded``. ``canceled`` (uncaptured and the
    PaymentIntent canceled) is set after the sync, when the PaymentIntent is known."""
    status = charge.get("status")
    if status == "failed":
        return "failed"
    if status == "pending":
        return "pending"
    if charge.get("disputed"):
        return "disputed"
    if charge.get("refunded"):
        return "refunded"
    if (charge.get("amount_refunded") or 0) > 0:
        return "partially_refunded"
    if charge.get("captured") is False:
        return "uncaptured"
    return "succeeded"


PAY_STATUSES = ("succeeded", "partially_refunded", "refunded", "disputed", "uncaptured", "canceled",
                "pending", "failed")
# Charges whose money was captured: the denominator of refund and dispute rates.
CAPTURED_PAY_STATUSES = ("succeeded", "partially_refunded", "refunded", "disputed")


# ---------------------------------------------------------------------------------------------
# tables

_TS = "TIMESTAMP"
_V = "VARCHAR"
_B = "BIGINT"
_BOOL = "BOOLEAN"

PAYMENT_INTENTS = Table("payment_intents", "payment_intent", (
    Column("id", _V, _f("id")),
    Column("created", _TS, _int("created")),
    Column("amount", _B, _int("amount")),
    Column("amount_capturable", _B, _int("amount_capturable")),
    Column("amount_received", _B, _int("amount_received")),
    Column("currency", _V, _lower("currency")),
    Column("status", _V, _f("status")),
    Column("capture_method", _V, _f("capture_method")),
    Column("confirmation_method", _V, _f("confirmation_method")),
    Column("customer", _V, _ref("customer")),
    Column("description", _V, _f("description")),
    Column("latest_charge", _V, _ref("latest_charge")),
    Column("payment_method", _V, _ref("payment_method")),
    Column("canceled_at", _TS, _int("canceled_at")),
    Column("cancellation_reason", _V, _f("cancellation_reason")),
    Column("last_payment_error_type", _V, _f("last_payment_error", "type")),
    Column("last_payment_error_code", _V, _f("last_payment_error", "code")),
    Column("last_payment_error_decline_code", _V, _f("last_payment_error", "decline_code")),
    Column("livemode", _BOOL, _bool("livemode")),
    Column("metadata", _V, _json("metadata")),
    Column("synced_at", _TS, _synced),
))

CHARGES = Table("charges", "charge", (
    Column("id", _V, _f("id")),
    Column("created", _TS, _int("created")),
    Column("amount", _B, _int("amount")),
    Column("amount_captured", _B, _int("amount_captured")),
    Column("amount_refunded", _B, _int("amount_refunded")),
    Column("currency", _V, _lower("currency")),
    Column("status", _V, _f("status")),
    Column("paid", _BOOL, _bool("paid")),
    Column("captured", _BOOL, _bool("captured")),
    Column("refunded", _BOOL, _bool("refunded")),
    Column("disputed", _BOOL, _bool("disputed")),
    Column("payment_intent", _V, _ref("payment_intent")),
    Column("customer", _V, _ref("customer")),
    Column("description", _V, _f("description")),
    Column("balance_transaction", _V, _ref("balance_transaction")),
    Column("failure_code", _V, _f("failure_code")),
    Column("failure_message", _V, _f("failure_message")),
    Column("decline_code", _V, charge_decline_code),
    Column("outcome_type", _V, _f("outcome", "type")),
    Column("outcome_reason", _V, _f("outcome", "reason")),
    Column("outcome_network_status", _V, _f("outcome", "network_status")),
    Column("outcome_risk_level", _V, _f("outcome", "risk_level")),
    Column("outcome_seller_message", _V, _f("outcome", "seller_message")),
    Column("payment_method", _V, _ref("payment_method")),
    Column("payment_method_type", _V, _f("payment_method_details", "type")),
    Column("card_brand", _V, _lower("payment_method_details", "card", "brand")),
    Column("card_country", _V, _upper("payment_method_details", "card", "country")),
    Column("card_funding", _V, _f("payment_method_details", "card", "funding")),
    Column("card_last4", _V, _f("payment_method_details", "card", "last4")),
    Column("three_d_secure_result", _V, _f("payment_method_details", "card", "three_d_secure", "result")),
    Column("pay_status", _V, charge_pay_status),
    Column("livemode", _BOOL, _bool("livemode")),
    Column("metadata", _V, _json("metadata")),
    Column("synced_at", _TS, _synced),
))

REFUNDS = Table("refunds", "refund", (
    Column("id", _V, _f("id")),
    Column("created", _TS, _int("created")),
    Column("amount", _B, _int("amount")),
    Column("currency", _V, _lower("currency")),
    Column("status", _V, _f("status")),
    Column("reason", _V, _f("reason")),
    Column("charge", _V, _ref("charge")),
    Column("payment_intent", _V, _ref("payment_intent")),
    Column("balance_transaction", _V, _ref("balance_transaction")),
    Column("failure_reason", _V, _f("failure_reason")),
    Column("failure_balance_transaction", _V, _ref("failure_balance_transaction")),
    Column("metadata", _V, _json("metadata")),
    Column("synced_at", _TS, _synced),
))

DISPUTES = Table("disputes", "dispute", (
    Column("id", _V, _f("id")),
    Column("created", _TS, _int("created")),
    Column("amount", _B, _int("amount")),
    Column("currency", _V, _lower("currency")),
    Column("status", _V, _f("status")),
    Column("reason", _V, _f("reason")),
    Column("charge", _V, _ref("charge")),
    Column("payment_intent", _V, _ref("payment_intent")),
    Column("is_charge_refundable", _BOOL, _bool("is_charge_refundable")),
    Column("evidence_due_by", _TS, _int("evidence_details", "due_by")),
    Column("evidence_has_evidence", _BOOL, _bool("evidence_details", "has_evidence")),
    Column("evidence_past_due", _BOOL, _bool("evidence_details", "past_due")),
    Column("evidence_submission_count", _B, _int("evidence_details", "submission_count")),
    Column("case_type", _V, _f("payment_method_details", "card", "case_type")),
    Column("network_reason_code", _V, _f("payment_method_details", "card", "network_reason_code")),
    Column("card_brand", _V, _lower("payment_method_details", "card", "brand")),
    Column("livemode", _BOOL, _bool("livemode")),
    Column("metadata", _V, _json("metadata")),
    Column("synced_at", _TS, _synced),
))

BALANCE_TRANSACTIONS = Table("balance_transactions", "balance_transaction", (
    Column("id", _V, _f("id")),
    Column("created", _TS, _int("created")),
    Column("available_on", _TS, _int("available_on")),
    Column("amount", _B, _int("amount")),
    Column("fee", _B, _int("fee")),
    Column("net", _B, _int("net")),
    Column("currency", _V, _lower("currency")),
    Column("exchange_rate", "DOUBLE", _float("exchange_rate")),
    Column("type", _V, _f("type")),
    Column("reporting_category", _V, _f("reporting_category")),
    Column("status", _V, _f("status")),
    Column("source", _V, _ref("source")),
    Column("description", _V, _f("description")),
    Column("synced_at", _TS, _synced),
))

CUSTOMERS = Table("customers", "customer", (
    Column("id", _V, _f("id")),
    Column("created", _TS, _int("created")),
    Column("email", _V, _f("email")),
    Column("name", _V, _f("name")),
    Column("description", _V, _f("description")),
    Column("currency", _V, _lower("currency")),
    Column("balance", _B, _int("balance")),
    Column("delinquent", _BOOL, _bool("delinquent")),
    Column("country", _V, _upper("address", "country")),
    Column("deleted", _BOOL, lambda o: bool(o.get("deleted", False))),
    Column("livemode", _BOOL, _bool("livemode")),
    Column("metadata", _V, _json("metadata")),
    Column("synced_at", _TS, _synced),
))

TABLES: dict[str, Table] = {t.name: t for t in (
    CUSTOMERS, PAYMENT_INTENTS, CHARGES, REFUNDS, DISPUTES, BALANCE_TRANSACTIONS)}
TABLE_BY_OBJECT: dict[str, Table] = {t.object: t for t in TABLES.values()}

SYNC_STATE_DDL = """
CREATE TABLE IF NOT EXISTS sync_state (
  resource VARCHAR PRIMARY KEY,     -- a table name
  phase VARCHAR,                    -- 'backfill' (in progress, resumable) or 'ready'
  backfill_after VARCHAR,           -- checkpoint: last id written (starting_after on resume)
  backfill_created BIGINT,          -- checkpoint: 'created' of that object (backfill reached it)
  watermark BIGINT,                 -- newest 'created' seen (Unix s); newer objects are listed
  events_cursor BIGINT,             -- 'created' of the newest event applied (Unix s)
  events_cursor_ids VARCHAR,        -- JSON list of event ids already applied at events_cursor
  last_fetched BIGINT,              -- objects written for this resource by the last run
  last_sync_at TIMESTAMP,           -- last run that touched this resource (UTC)
  last_success_at TIMESTAMP,        -- last run that finished this resource without error (UTC)
  last_error VARCHAR                -- readable message of the last failure, NULL when fine
)
"""

SYNC_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS sync_runs (
  run_id BIGINT PRIMARY KEY,
  started_at TIMESTAMP,
  finished_at TIMESTAMP,
  mode VARCHAR,                     -- 'backfill', 'incremental' or 'resume'
  status VARCHAR,                   -- 'ok', 'partial' (some resources failed) or 'error'
  requests BIGINT,                  -- API requests made
  objects BIGINT,                   -- objects written
  counts VARCHAR,                   -- JSON {table: rows in table after the run}
  message VARCHAR
)
"""


def ensure_schema(con) -> None:
    """Create every table that does not exist yet (never drops or alters existing data)."""
    for table in TABLES.values():
        con.execute(table.ddl())
    con.execute(SYNC_STATE_DDL)
    con.execute("ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS backfill_created BIGINT")
    con.execute(SYNC_RUNS_DDL)


def insert_objects(con, table: str | Table, objects: Iterable[Obj], synced_at: int = 0) -> int:
    """Upsert API objects (dicts) into their table by id. Returns the number of distinct ids."""
    spec = TABLES[table] if isinstance(table, str) else table
    dedup = {o["id"]: o for o in objects if o.get("id")}
    if not dedup:
        return 0
    con.register("_fin_insert", spec.to_arrow(dedup.values(), synced_at))
    try:
        con.execute(f"INSERT OR REPLACE INTO {spec.name} BY NAME SELECT * FROM _fin_insert")
    finally:
        con.unregister("_fin_insert")
    return len(dedup)
