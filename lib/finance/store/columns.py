"""Row shapes for the finance warehouse: :class:`Column` and :class:`Table` (a table's columns,
its DDL, a batch of API objects as an Arrow table), the accessors that read a field out of an API
object, and the derived charge fields (``decline_code``, ``pay_status``).

Engine-neutral: :meth:`Table.ddl` writes the types for DuckDB or Postgres (they differ only in
``DOUBLE``); nothing here opens a database.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

Obj = Mapping[str, Any]

# The key under which the sync puts the account an object belongs to (objects without it belong to
# the embedded default account, stored as DEFAULT_ACCOUNT). Every warehouse table has an ``account``
# column; rows are keyed by (account, id).
ACCOUNT_KEY = "_account"
DEFAULT_ACCOUNT = ""
# Column types that are spelled differently in Postgres.
_POSTGRES_TYPES = {"DOUBLE": "DOUBLE PRECISION"}


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
    key: tuple[str, ...] = ("account", "id")

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def ddl(self, dialect: str = "duckdb") -> str:
        """``CREATE TABLE IF NOT EXISTS`` in ``dialect`` ('duckdb' or 'postgres'), primary key :attr:`key`."""
        types = _POSTGRES_TYPES if dialect == "postgres" else {}
        cols = [f"{c.name} {types.get(c.sql_type, c.sql_type)}"
                + (f" NOT NULL DEFAULT '{DEFAULT_ACCOUNT}'" if c.name == "account" else "") for c in self.columns]
        cols.append(f"PRIMARY KEY ({', '.join(self.key)})")
        body = ",\n  ".join(cols)
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {body}\n)"

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


def account_of(obj: Obj) -> str:
    """The account an object was synced from (:data:`ACCOUNT_KEY`), else :data:`DEFAULT_ACCOUNT`."""
    return str(obj.get(ACCOUNT_KEY) or DEFAULT_ACCOUNT)


def ref_id(value: Any) -> str | None:
    """An expandable field's id whether it came back expanded (a dict) or as a string."""
    if value is None:
        return None
    if isinstance(value, Mapping):
        return value.get("id")
    return str(value)


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
    PaymentIntent canceled) is set when the rollups are rebuilt, once the PaymentIntent is
    known (:func:`lib.finance.store.rollups.canceled_charges`)."""
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
