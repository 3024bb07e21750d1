"""The finance warehouse: where the synced Stripe data is kept and how it is reached.

Inner layers (lower first; a module imports only those above it in this list):

* :mod:`~lib.finance.store.location` -- where the warehouse is: ``DATABASE_URL``'s Postgres, else
  the DuckDB file (``$PFL_FINANCE_DB``).
* :mod:`~lib.finance.store.columns` -- :class:`Column`/:class:`Table` and the derived charge fields.
* :mod:`~lib.finance.store.schema` -- the tables (Stripe field names, keyed by account and id), the
  sync's own tables, their DDL for DuckDB and Postgres.
* :mod:`~lib.finance.store.queries` -- Ibis queries compiled once per (dialect, shape) to SQL with
  bind parameters, run through any reader with the same dtypes on every engine.
* :mod:`~lib.finance.store.rollups` -- the daily rollup tables the dashboard reads (Ibis), rebuilt
  in full or for some days and accounts.
* :mod:`~lib.finance.store.warehouse` -- the interface: :class:`Reader` (metrics) and
  :class:`Warehouse` (sync), :class:`WarehouseError` and :class:`SyncAlreadyRunning`.
* :mod:`~lib.finance.store.duckdb_warehouse` -- the DuckDB implementation (the embedded default;
  the one place that opens the file) and :mod:`~lib.finance.store.postgres_warehouse` -- the
  Postgres one (pool, ``COPY`` batches, advisory sync lock).
* :mod:`~lib.finance.store.opening` -- :func:`open_warehouse` for either, by location.
"""

from __future__ import annotations

from lib.finance.store.columns import CAPTURED_PAY_STATUSES, DEFAULT_ACCOUNT, PAY_STATUSES, Column, Obj, Table
from lib.finance.store.duckdb_warehouse import DuckDBWarehouse, insert_objects, open_duckdb
from lib.finance.store.location import (
    DEFAULT_DB_PATH,
    ENV_FINANCE_DB,
    POSTGRES_SCHEMA,
    Location,
    default_db_path,
    default_location,
    is_postgres,
)
from lib.finance.store.opening import DATABASE_ERRORS, open_warehouse, warehouse_exists
from lib.finance.store.postgres_warehouse import SYNC_LOCK_NAMESPACE, PostgresWarehouse, open_postgres
from lib.finance.store.rollup_rebuild import rebuild_rollups, rollups_exist
from lib.finance.store.rollups import NONE, OPEN_DISPUTE_STATUSES, ROLLUP_TABLES
from lib.finance.store.schema import BALANCE_TRANSACTIONS, TABLE_BY_OBJECT, TABLES, ensure_schema, schema_ddl
from lib.finance.store.warehouse import ELSEWHERE, Reader, SyncAlreadyRunning, Warehouse, WarehouseError

__all__ = [
    "BALANCE_TRANSACTIONS", "CAPTURED_PAY_STATUSES", "DATABASE_ERRORS", "DEFAULT_ACCOUNT", "DEFAULT_DB_PATH",
    "ELSEWHERE", "ENV_FINANCE_DB", "NONE", "OPEN_DISPUTE_STATUSES", "PAY_STATUSES", "POSTGRES_SCHEMA",
    "ROLLUP_TABLES", "SYNC_LOCK_NAMESPACE", "TABLES", "TABLE_BY_OBJECT", "Column", "DuckDBWarehouse", "Location",
    "Obj", "PostgresWarehouse", "Reader", "SyncAlreadyRunning", "Table", "Warehouse", "WarehouseError",
    "default_db_path", "default_location", "ensure_schema", "insert_objects", "is_postgres", "open_duckdb",
    "open_postgres", "open_warehouse", "rebuild_rollups", "rollups_exist", "schema_ddl", "warehouse_exists",
]
