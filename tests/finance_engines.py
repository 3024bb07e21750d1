"""Test helpers for the finance warehouse on both engines: exact row counts, and a bulk copy of a DuckDB
warehouse's tables into the app's own Postgres warehouse
(:class:`lib.finance.store.PostgresWarehouse`, ``COPY ... FROM STDIN``, CSV). Only for tests and
benchmarks."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable

from lib.finance.store import TABLES, Location, PostgresWarehouse, open_postgres, open_warehouse


def row_counts(location: Location, tables: Iterable[str] = TABLES) -> dict[str, int]:
    """Rows per table in the warehouse at ``location`` (either engine), counted exactly."""
    warehouse = open_warehouse(location)
    try:
        return {t: warehouse.count_rows(t) for t in tables}
    finally:
        warehouse.close()


def open_pg(url: str) -> PostgresWarehouse:
    """The app's Postgres warehouse on ``url``, with its schema (close it, then
    :func:`lib.finance.store.postgres_warehouse.close_pools` before dropping the database)."""
    warehouse = open_postgres(url)
    warehouse.ensure_schema()
    return warehouse


def copy_tables(duck, pg: PostgresWarehouse, tables: Iterable[str] = TABLES) -> dict[str, int]:
    """Create the schema on ``pg`` and copy the rows of ``tables`` from the DuckDB connection
    ``duck`` (through a CSV file per table). Returns the rows copied per table."""
    pg.ensure_schema()
    counts = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in tables:
            cols = ", ".join(TABLES[name].column_names)
            path = os.path.join(tmp, f"{name}.csv")
            duck.execute(f"COPY (SELECT {cols} FROM {name}) TO '{path}' (HEADER false, DELIMITER ',')")
            with pg.con.cursor() as cur, cur.copy(f"COPY {name} ({cols}) FROM STDIN (FORMAT csv)") as copy, \
                    open(path, "rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            counts[name] = pg.count_rows(name)
    pg.con.execute("VACUUM ANALYZE")  # as autovacuum would: statistics, and index-only scans
    return counts
