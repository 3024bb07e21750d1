"""The finance warehouse: where the synced Stripe data is kept and how it is reached.

Inner layers (lower first; a module imports only those above it in this list):

* :mod:`~lib.finance.store.location` -- where the DuckDB file is (``$PFL_FINANCE_DB``).
* :mod:`~lib.finance.store.columns` -- :class:`Column`/:class:`Table` and the derived charge fields.
* :mod:`~lib.finance.store.schema` -- the tables (Stripe field names, keyed by account and id), the
  sync's own tables, their DDL for DuckDB and Postgres.
* :mod:`~lib.finance.store.queries` -- Ibis queries compiled once per (dialect, shape) to SQL with
  bind parameters, run through any reader with the same dtypes on every engine.
* :mod:`~lib.finance.store.rollups` -- the daily rollup tables the dashboard reads (Ibis), rebuilt
  in full or for some days and accounts.
* :mod:`~lib.finance.store.warehouse` -- the interface: :class:`Reader` (metrics) and
  :class:`Warehouse` (sync), and :class:`WarehouseError`.
* :mod:`~lib.finance.store.duckdb_warehouse` -- the DuckDB implementation; the one place that
  opens the file (:func:`open_warehouse`). A Postgres implementation goes next to it.
"""

from __future__ import annotations

from lib.finance.store.columns import (
    ACCOUNT_KEY,
    CAPTURED_PAY_STATUSES,
    DEFAULT_ACCOUNT,
    PAY_STATUSES,
    Column,
    Obj,
    Table,
)
from lib.finance.store.duckdb_warehouse import DuckDBWarehouse, insert_objects, open_warehouse
from lib.finance.store.location import DEFAULT_DB_PATH, ENV_FINANCE_DB, default_db_path
from lib.finance.store.rollups import (
    NONE,
    OPEN_DISPUTE_STATUSES,
    ROLLUP_TABLES,
    rebuild_rollups,
    rollups_exist,
)
from lib.finance.store.schema import BALANCE_TRANSACTIONS, TABLE_BY_OBJECT, TABLES, ensure_schema, schema_ddl
from lib.finance.store.warehouse import Reader, Warehouse, WarehouseError

# Errors a query on any warehouse may raise (a Postgres implementation adds its driver's).
DATABASE_ERRORS: tuple[type[Exception], ...] = (DuckDBWarehouse.Error,)

__all__ = [
    "ACCOUNT_KEY", "BALANCE_TRANSACTIONS", "CAPTURED_PAY_STATUSES", "DATABASE_ERRORS", "DEFAULT_ACCOUNT",
    "DEFAULT_DB_PATH", "ENV_FINANCE_DB",
    "NONE", "OPEN_DISPUTE_STATUSES", "PAY_STATUSES", "ROLLUP_TABLES", "TABLES", "TABLE_BY_OBJECT", "Column",
    "DuckDBWarehouse", "Obj", "Reader", "Table", "Warehouse", "WarehouseError", "default_db_path",
    "ensure_schema", "insert_objects", "open_warehouse", "rebuild_rollups", "rollups_exist", "schema_ddl",
]
