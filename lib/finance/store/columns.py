"""Row shapes for the finance warehouse: :class:`Column` and :class:`Table` (a table's columns,
its DDL, a batch of API objects as an Arrow table or as plain rows), the accessors that read a
field out of an API object, and the derived charge fields (``decline_code``, ``pay_status``).

Engine-neutral: :meth:`Table.ddl` writes DuckDB's or Postgres's spelling of the same types;
nothing here opens a database. Two columns are not read from the object but filled in when a batch
is written: ``account`` (which Stripe account the row came from; part of every primary key, so two
accounts synced into one warehouse never overwrite each other) and ``synced_at``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

Obj = Mapping[str, Any]

# The account of the app's own key (the embedded sandbox, or the one configured key); a sync given a
# label (``python -m lib.sync --account LABEL=ENV_VAR``) keeps its rows under that label.
DEFAULT_ACCOUNT = ""


@dataclass(frozen=True)
class Column:
    name: str
    sql_type: str
    get: Callable[[Obj], Any]

    @property
    def arrow_type(self) -> pa.DataType:
        return _ARROW_TYPES[self.sql_type]


ACCOUNT = "account"
SYNCED_AT = "synced_at"
FILLED_IN = (ACCOUNT, SYNCED_AT)  # columns set per batch, not read from the object
# Postgres's name where it differs from DuckDB's.
POSTGRES_TYPES = {"DOUBLE": "DOUBLE PRECISION"}


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
        """``CREATE TABLE IF NOT EXISTS`` in ``dialect`` (``duckdb`` or ``postgres``)."""
        def spelled(col: Column) -> str:
            kind = POSTGRES_TYPES.get(col.sql_type, col.sql_type) if dialect == "postgres" else col.sql_type
            return f"{col.name} {kind}" + (f" NOT NULL DEFAULT '{DEFAULT_ACCOUNT}'" if col.name == ACCOUNT else "")

        cols = ",\n  ".join([*(spelled(c) for c in self.columns), f"PRIMARY KEY ({', '.join(self.key)})"])
        return f"CREATE TABLE IF NOT EXISTS {self.name} (\n  {cols}\n)"

    def values(self, col: Column, rows: list[Obj], synced_at: int, account: str) -> list[Any]:
        """One column of a batch: read from each object, or the batch's ``account``/``synced_at``."""
        if col.name == SYNCED_AT:
            return [synced_at] * len(rows)
        if col.name == ACCOUNT:
            return [account] * len(rows)
        return [col.get(o) for o in rows]

    def to_arrow(self, objects: Iterable[Obj], synced_at: int, account: str = "") -> pa.Table:
        rows = list(objects)
        arrays = [pa.array(self.values(col, rows, synced_at, account), type=col.arrow_type)
                  for col in self.columns]
        return pa.Table.from_arrays(arrays, names=self.column_names)

    def to_rows(self, objects: Iterable[Obj], synced_at: int, account: str = "") -> list[tuple]:
        """The batch as tuples in column order (Unix seconds for timestamps), for ``COPY``."""
        rows = list(objects)
        return list(zip(*(self.values(col, rows, synced_at, account) for col in self.columns), strict=True))


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
        # ``type(...) is dict`` first: parsed JSON is dicts, and the ABC check costs ~1 µs a cell
        if type(cur) is not dict and not isinstance(cur, Mapping):
            return None
        cur = cur.get(key)
        if cur is None:
            return None
    return cur


def path_getter(*path: str) -> Callable[[Obj], Any]:
    """``lambda o: dig(o, *path)``, with one- and two-step paths spelled out: a sync flattens every
    field of every object, and the generic loop cost ~3x the plain ``dict.get``."""
    if len(path) == 1:
        (key,) = path
        return lambda o: o.get(key)
    if len(path) == 2:
        first, second = path

        def get2(o: Obj) -> Any:
            inner = o.get(first)
            return inner.get(second) if type(inner) is dict else dig(inner, second)

        return get2
    return lambda o: dig(o, *path)


def ref_id(value: Any) -> str | None:
    """An expandable field's id whether it came back expanded (a dict) or as a string."""
    if value is None:
        return None
    if type(value) is str:
        return value
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
    known (:func:`lib.finance.store.rollup_rebuild.canceled_charges`)."""
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
