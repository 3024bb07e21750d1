"""The finance warehouse schema: one table per synced Stripe resource, plus the sync's own
``sync_state`` (checkpoints) and ``sync_runs`` (one row per run).

Every table starts with ``account`` (the account the row was synced from; ``''`` for the embedded
default account) and is keyed by ``(account, id)``, so two accounts' rows never collide.
Stripe's field names as columns. ``created`` (and other Unix times) are ``TIMESTAMP`` (UTC),
amounts ``BIGINT`` in minor units next to their ``currency``. Nested fields the dashboard needs
are flattened with the path joined by ``_`` where that stays readable (``outcome.type`` ->
``outcome_type``, ``evidence_details.due_by`` -> ``evidence_due_by``,
``payment_method_details.card.brand`` -> ``card_brand``). Expandable fields hold the id.
Derived columns: ``charges.decline_code`` and ``charges.pay_status`` (see
:mod:`lib.finance.store.columns`). Every table has an ``account`` column (``''`` for the app's
own key, else the label the sync was given) that is part of its primary key, and so does the
sync's state: one warehouse holds several Stripe accounts, each with its own cursors.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from lib.finance.store.columns import (
    Column,
    Obj,
    Table,
    charge_decline_code,
    charge_pay_status,
    path_getter,
    ref_id,
)


def _f(*path: str) -> Callable[[Obj], Any]:
    return path_getter(*path)


def _ref(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)
    return lambda o: ref_id(field(o))


def _int(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)

    def get(o: Obj) -> int | None:
        v = field(o)
        return None if v is None else int(v)

    return get


def _bool(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)

    def get(o: Obj) -> bool | None:
        v = field(o)
        return None if v is None else bool(v)

    return get


def _lower(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)

    def get(o: Obj) -> str | None:
        v = field(o)
        return None if v is None else str(v).lower()

    return get


def _upper(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)

    def get(o: Obj) -> str | None:
        v = field(o)
        return None if v is None else str(v).upper()

    return get


def _json(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)

    def get(o: Obj) -> str | None:
        v = field(o)
        return None if v is None else json.dumps(v, sort_keys=True, separators=(",", ":"))

    return get


def _float(*path: str) -> Callable[[Obj], Any]:
    field = path_getter(*path)

    def get(o: Obj) -> float | None:
        v = field(o)
        return None if v is None else float(v)

    return get


def _filled(_: Obj) -> None:  # account and synced_at: filled in per batch (Table.values)
    return None


# ---------------------------------------------------------------------------------------------
# tables

_TS = "TIMESTAMP"
_V = "VARCHAR"
_B = "BIGINT"
_BOOL = "BOOLEAN"

def _table(name: str, kind: str, columns: tuple[Column, ...]) -> Table:
    """A warehouse table: ``account``, ``id`` and ``created`` first (the primary key is (account,
    id); lists and rollups read created), then ``columns``, then ``synced_at``."""
    return Table(name, kind, (Column("account", _V, _filled), Column("id", _V, _f("id")),
                              Column("created", _TS, _int("created")), *columns,
                              Column("synced_at", _TS, _filled)))


PAYMENT_INTENTS = _table("payment_intents", "payment_intent", (
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
))

CHARGES = _table("charges", "charge", (
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
))

REFUNDS = _table("refunds", "refund", (
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
))

DISPUTES = _table("disputes", "dispute", (
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
))

BALANCE_TRANSACTIONS = _table("balance_transactions", "balance_transaction", (
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
))

CUSTOMERS = _table("customers", "customer", (
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
))

TABLES: dict[str, Table] = {t.name: t for t in (
    CUSTOMERS, PAYMENT_INTENTS, CHARGES, REFUNDS, DISPUTES, BALANCE_TRANSACTIONS)}
TABLE_BY_OBJECT: dict[str, Table] = {t.object: t for t in TABLES.values()}

SYNC_STATE_DDL = """
CREATE TABLE IF NOT EXISTS sync_state (
  account VARCHAR NOT NULL DEFAULT '', -- the account the cursors belong to
  resource VARCHAR NOT NULL,        -- a table name
  phase VARCHAR,                    -- 'backfill' (in progress, resumable) or 'ready'
  backfill_after VARCHAR,           -- checkpoint: last id written (starting_after on resume)
  backfill_created BIGINT,          -- checkpoint: 'created' of that object (backfill reached it)
  watermark BIGINT,                 -- newest 'created' seen (Unix s); newer objects are listed
  events_cursor BIGINT,             -- 'created' of the newest event applied (Unix s)
  events_cursor_ids VARCHAR,        -- JSON list of event ids already applied at events_cursor
  last_fetched BIGINT,              -- objects written for this resource by the last run
  last_sync_at TIMESTAMP,           -- last run that touched this resource (UTC)
  last_success_at TIMESTAMP,        -- last run that finished this resource without error (UTC)
  last_error VARCHAR,               -- readable message of the last failure, NULL when fine
  account_newest BIGINT,            -- payment_intents row: newest 'created' the API listed at the last run
  PRIMARY KEY (account, resource)
)
"""

SYNC_RUNS_DDL = """
CREATE TABLE IF NOT EXISTS sync_runs (
  run_id BIGINT PRIMARY KEY,
  account VARCHAR NOT NULL DEFAULT '',
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


# Postgres indexes: each table by (account, created) for date ranges and per-day rollup rebuilds,
# charges also by (created, id) (the payments table, newest first) and payment_intents by created
# (the newest payment); and the links the rollups join along. (DuckDB scans; its indexes would
# only slow the writes.)
LINK_INDEXES = {"charges": "payment_intent", "payment_intents": "latest_charge", "refunds": "charge",
                "disputes": "charge", "balance_transactions": "source"}
ORDER_INDEXES = {"charges": "created, id", "payment_intents": "created"}


def index_ddl(dialect: str) -> list[str]:
    """``CREATE INDEX IF NOT EXISTS`` statements for ``dialect`` (none for DuckDB)."""
    if dialect != "postgres":
        return []
    out = [f"CREATE INDEX IF NOT EXISTS {t}_account_created_idx ON {t} (account, created)" for t in TABLES]
    out += [f"CREATE INDEX IF NOT EXISTS {t}_account_{c}_idx ON {t} (account, {c})" for t, c in LINK_INDEXES.items()]
    out += [f"CREATE INDEX IF NOT EXISTS {t}_{c.replace(', ', '_')}_idx ON {t} ({c})" for t, c in ORDER_INDEXES.items()]
    return out


def schema_ddl(dialect: str = "duckdb") -> list[str]:
    """Every statement :func:`ensure_schema` runs, in order, for 'duckdb' or 'postgres'. (A DuckDB file
    from before the ``account`` column is migrated first: :meth:`DuckDBWarehouse.ensure_schema`.)"""
    return [*(t.ddl(dialect) for t in TABLES.values()), SYNC_STATE_DDL,
            "ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS backfill_created BIGINT",
            "ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS account_newest BIGINT", SYNC_RUNS_DDL,
            *index_ddl(dialect)]


def ensure_schema(con, dialect: str = "duckdb") -> None:
    """Create every table (and Postgres index) that does not exist yet, and add columns newer than a
    file (``sync_state.backfill_created``, ``sync_state.account_newest``). Never drops a table or changes existing
    rows. ``con`` is anything with ``execute(sql)``: a DuckDB or psycopg connection, or a warehouse."""
    for statement in schema_ddl(dialect):
        con.execute(statement)
