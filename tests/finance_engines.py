"""Test helpers for running the finance metrics on Postgres too: a small psycopg warehouse with the
reader methods the metrics use and the ``execute``/``transaction`` the rollups need, and a bulk copy of a DuckDB warehouse's
tables into it (COPY ... FROM STDIN, CSV). Only for tests and benchmarks: the app's own Postgres
warehouse lives in lib/finance/store."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa

from lib.finance.store import TABLES, ensure_schema


class PostgresTestWarehouse:
    """The reader/warehouse methods over one psycopg connection (autocommit outside
    :meth:`transaction`), session time zone UTC."""

    dialect = "postgres"
    Error = psycopg.Error

    def __init__(self, url: str) -> None:
        self.con = psycopg.connect(url, autocommit=True)
        self.con.execute("SET TIME ZONE 'UTC'")

    def _cursor(self, sql: str, params: Sequence[Any]) -> psycopg.Cursor:
        return self.con.execute(sql, list(params))

    def df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        cur = self._cursor(sql, params)
        names = [d.name for d in cur.description]
        return pd.DataFrame.from_records(cur.fetchall(), columns=names)

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        return self._cursor(sql, params).fetchone()

    def records(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self._cursor(sql, params)
        names = [d.name for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        return pa.Table.from_pandas(self.df(sql, params), preserve_index=False)

    def table_names(self) -> set[str]:
        return {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()").fetchall()}

    def count_rows(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0])

    def ensure_schema(self) -> None:
        ensure_schema(self.con, "postgres")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    def close(self) -> None:
        self.con.close()


def copy_tables(duck, pg: PostgresTestWarehouse, tables: Iterable[str] = TABLES) -> dict[str, int]:
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
