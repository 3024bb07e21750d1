"""Opening the warehouse wherever it is: :func:`open_warehouse` takes a DuckDB file or a
``postgresql://`` URL (default: :func:`~lib.finance.store.location.default_location`, i.e.
``DATABASE_URL`` when set) and returns the matching :class:`~lib.finance.store.warehouse.Warehouse`."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from lib.finance.store.duckdb_warehouse import DuckDBWarehouse, open_duckdb
from lib.finance.store.location import Location, default_location, is_postgres
from lib.finance.store.postgres_warehouse import PostgresWarehouse, open_postgres

# Errors a query on any warehouse may raise.
DATABASE_ERRORS: tuple[type[Exception], ...] = (DuckDBWarehouse.Error, PostgresWarehouse.Error)


def open_warehouse(location: Location | None = None, *, read_only: bool = False, attempts: int = 20,
                   wait: float = 0.25, sleep: Callable[[float], None] = time.sleep
                   ) -> DuckDBWarehouse | PostgresWarehouse:
    """Open the warehouse at ``location`` (see module doc). For a DuckDB file, waits ``wait``
    seconds between ``attempts`` while another process holds it. Raises
    :class:`~lib.finance.store.warehouse.WarehouseError` with a readable message."""
    where = default_location() if location is None else location
    if is_postgres(where):
        return open_postgres(str(where), read_only=read_only)
    return open_duckdb(Path(where), read_only=read_only, attempts=attempts, wait=wait, sleep=sleep)


def warehouse_exists(location: Location | None = None) -> bool:
    """Whether there is anything to read yet: a Postgres is always there; a file only once created."""
    where = default_location() if location is None else location
    return is_postgres(where) or Path(where).exists()
