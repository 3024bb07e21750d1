"""The finance warehouse in one DuckDB file: the only place that opens it.

:func:`open_warehouse` opens the file (waiting while another process holds DuckDB's lock) and
returns a :class:`DuckDBWarehouse`, which implements :class:`lib.finance.store.warehouse.Warehouse`
over that one connection. :func:`insert_objects` is the bulk upsert (an Arrow batch, ``INSERT OR
REPLACE ... BY NAME``), also used on a bare connection by tests that build an account by hand.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from lib.finance.store.columns import Obj, Table, account_of
from lib.finance.store.rollups import rebuild_rollups, rollups_exist
from lib.finance.store.schema import TABLES, ensure_schema
from lib.finance.store.warehouse import WarehouseError


def insert_objects(con: duckdb.DuckDBPyConnection, table: str | Table, objects: Iterable[Obj],
                   synced_at: int = 0) -> int:
    """Upsert API objects (dicts) into their table by (account, id). Returns the number of distinct
    keys."""
    spec = TABLES[table] if isinstance(table, str) else table
    dedup = {(account_of(o), o["id"]): o for o in objects if o.get("id")}
    if not dedup:
        return 0
    con.register("_fin_insert", spec.to_arrow(dedup.values(), synced_at))
    try:
        con.execute(f"INSERT OR REPLACE INTO {spec.name} BY NAME SELECT * FROM _fin_insert")
    finally:
        con.unregister("_fin_insert")
    return len(dedup)


class DuckDBWarehouse:
    """:class:`~lib.finance.store.warehouse.Warehouse` over one DuckDB connection."""

    Error = duckdb.Error  # what a query may raise
    dialect = "duckdb"  # the SQL the read methods take: DuckDB's, with ? placeholders

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con

    # -- reading -----------------------------------------------------------------------------

    def df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        return self.con.execute(sql, list(params)).df()

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        # fetchall, not fetchone: DuckDB 2 refuses register() while a result is not fully fetched
        rows = self.con.execute(sql, list(params)).fetchall()
        return rows[0] if rows else None

    def records(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cur = self.con.execute(sql, list(params))
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r, strict=True)) for r in cur.fetchall()]

    def arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        return self.con.sql(sql, params=list(params) or None).to_arrow_table()

    def table_names(self) -> set[str]:
        return {r[0] for r in self.con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}

    def count_rows(self, table: str) -> int:
        return int(self.con.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0])

    def load_state(self) -> dict[str, dict[str, Any]]:
        return {r["resource"]: r for r in self.records("SELECT * FROM sync_state")}

    def latest_run(self) -> dict[str, Any] | None:
        if "sync_runs" not in self.table_names():
            return None
        rows = self.records("SELECT * FROM sync_runs ORDER BY run_id DESC LIMIT 1")
        return rows[0] if rows else None

    # -- writing -----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        ensure_schema(self.con)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def upsert(self, table: Table, objects: Iterable[Obj], synced_at: int) -> int:
        return insert_objects(self.con, table, objects, synced_at)

    def mark_deleted(self, table: str, ids: Sequence[str]) -> None:
        self.con.execute(f"UPDATE {table} SET deleted = true WHERE list_contains(?, id)", [list(ids)])

    def save_state(self, resource: str, **values: Any) -> None:
        cols = ["resource", *values]
        placeholders = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        self.con.execute(
            f"INSERT INTO sync_state ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT (resource) DO UPDATE SET {updates}",
            [resource, *values.values()])

    def record_run(self, run_id: int, values: Mapping[str, Any]) -> None:
        newest = self.con.execute("SELECT max(run_id) FROM sync_runs").fetchone()[0]
        if newest is not None and run_id <= newest:
            run_id = int(newest) + 1
        cols = ["run_id", *values]
        self.con.execute(f"INSERT INTO sync_runs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                         [run_id, *values.values()])

    def rebuild_rollups(self, days: Iterable[date] | None = None, accounts: Iterable[str] | None = None, *,
                        written_since: datetime | None = None) -> set[date] | None:
        return rebuild_rollups(self, days, accounts, written_since=written_since)

    def rollups_exist(self) -> bool:
        return rollups_exist(self)

    def close(self) -> None:
        self.con.close()


def open_warehouse(path: Path | str, *, read_only: bool = False, attempts: int = 20, wait: float = 0.25,
                   sleep: Callable[[float], None] = time.sleep) -> DuckDBWarehouse:
    """Open the finance DuckDB file (creating its folder unless ``read_only``). While another
    process holds the file's lock, waits ``wait`` seconds between ``attempts``. Raises
    :class:`~lib.finance.store.warehouse.WarehouseError` with a readable message."""
    path = Path(path)
    if str(path) != ":memory:" and not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for attempt in range(max(1, attempts)):
        if attempt:
            sleep(wait)
        try:
            return DuckDBWarehouse(duckdb.connect(str(path), read_only=read_only))
        except duckdb.IOException as exc:
            if "lock" not in str(exc).lower():  # not a lock: e.g. a file that is not a DuckDB database
                raise WarehouseError(f"Could not open the finance database {path.name}: "
                                     f"{str(exc).splitlines()[0]}") from exc
            last = exc
        except duckdb.Error as exc:
            raise WarehouseError(f"Could not open the finance database {path.name}: "
                                 f"{str(exc).splitlines()[0]}") from exc
    raise WarehouseError(f"The finance database {path.name} is in use by another process (for example a "
                         f"running sync). Try again when it has finished. ({str(last).splitlines()[0]})",
                         busy=True)
