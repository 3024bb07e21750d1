"""The finance warehouse in one DuckDB file (the embedded default): the only place that opens it.

:func:`open_duckdb` opens the file (waiting while another process holds DuckDB's lock) and
returns a :class:`DuckDBWarehouse`, which implements :class:`lib.finance.store.warehouse.Warehouse`
over that one connection. :func:`insert_objects` is the bulk upsert (an Arrow batch, ``INSERT OR
REPLACE ... BY NAME``), also used on a bare connection by tests that build an account by hand.

One sync at a time: DuckDB lets one process write the file, and within this process a lock
(:meth:`DuckDBWarehouse.sync_lock`) refuses a second run at once.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd
import pyarrow as pa

from lib.finance.store.columns import ACCOUNT, Obj, Table
from lib.finance.store.rollup_rebuild import rebuild_rollups, rollups_exist
from lib.finance.store.rollups import ROLLUP_TABLES
from lib.finance.store.schema import SYNC_STATE_DDL, TABLES, ensure_schema
from lib.finance.store.warehouse import StateReads, SyncAlreadyRunning, WarehouseError

# Today's in-process guard for the embedded file (the file itself admits one writing process).
_PROCESS_LOCK = threading.Lock()
IN_THIS_APP = "A sync is already running in this app. Wait for it to finish."


def insert_objects(con: duckdb.DuckDBPyConnection, table: str | Table, objects: Iterable[Obj],
                   synced_at: int = 0, account: str = "") -> int:
    """Upsert API objects (dicts) into their table by (account, id). Returns the number of distinct ids."""
    spec = TABLES[table] if isinstance(table, str) else table
    dedup = {o["id"]: o for o in objects if o.get("id")}
    if not dedup:
        return 0
    con.register("_fin_insert", spec.to_arrow(dedup.values(), synced_at, account))
    try:
        con.execute(f"INSERT OR REPLACE INTO {spec.name} BY NAME SELECT * FROM _fin_insert")
    finally:
        con.unregister("_fin_insert")
    return len(dedup)


class DuckDBWarehouse(StateReads):
    """:class:`~lib.finance.store.warehouse.Warehouse` over one DuckDB connection."""

    Error = duckdb.Error  # what a query may raise
    dialect = "duckdb"  # the SQL the read methods take: DuckDB's (placeholders ?)
    cheap_counts = True
    inserted = None

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str = ":memory:") -> None:
        self.con = con
        self.location = location

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
            "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'main' AND database_name = current_database()").fetchall()}

    def count_rows(self, table: str, account: str | None = None) -> int:
        where, args = ("WHERE account = ?", [account]) if account is not None else ("", [])
        return int(self.con.execute(f"SELECT count(*) FROM {table} {where}", args).fetchone()[0])

    # -- writing -----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        self._add_accounts()
        ensure_schema(self.con)

    def _add_accounts(self) -> None:
        """A file made before accounts existed: each table is rebuilt with the ``account`` column in
        its key (rows kept, account ``''``), and the rollups are dropped so the next sync rebuilds them."""
        columns: dict[str, set[str]] = {}
        for table, column in self.con.execute(  # duckdb_columns(): ~10x faster than information_schema
                "SELECT table_name, column_name FROM duckdb_columns() WHERE schema_name = 'main' "
                "AND database_name = current_database()").fetchall():
            columns.setdefault(table, set()).add(column)
        old = [t for t in (*TABLES, "sync_state") if t in columns and ACCOUNT not in columns[t]]
        if not old and ("sync_runs" not in columns or ACCOUNT in columns["sync_runs"]):
            return
        with self.transaction():
            for name in old:
                self.con.execute(f"ALTER TABLE {name} RENAME TO {name}_before_accounts")
                self.con.execute(TABLES[name].ddl() if name in TABLES else SYNC_STATE_DDL)
                self.con.execute(f"INSERT INTO {name} BY NAME SELECT * FROM {name}_before_accounts")
                self.con.execute(f"DROP TABLE {name}_before_accounts")
            if "sync_runs" in columns:
                self.con.execute("ALTER TABLE sync_runs ADD COLUMN IF NOT EXISTS account VARCHAR DEFAULT ''")
            for name in ROLLUP_TABLES:
                self.con.execute(f"DROP TABLE IF EXISTS {name}")

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    @contextmanager
    def sync_lock(self, account: str) -> Iterator[None]:
        if not _PROCESS_LOCK.acquire(blocking=False):
            raise SyncAlreadyRunning(IN_THIS_APP)
        try:
            yield
        finally:
            _PROCESS_LOCK.release()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.con.execute("BEGIN TRANSACTION")
        try:
            yield
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise

    def upsert(self, table: Table, objects: Iterable[Obj], synced_at: int, account: str = "") -> int:
        return insert_objects(self.con, table, objects, synced_at, account)

    def mark_deleted(self, table: str, ids: Sequence[str], account: str = "") -> None:
        self.con.execute(f"UPDATE {table} SET deleted = true WHERE account = ? AND list_contains(?, id)",
                         [account, list(ids)])

    def save_state(self, resource: str, *, account: str = "", **values: Any) -> None:
        if values:  # an UPDATE of the existing row first: ~5x cheaper in DuckDB than the upsert
            sets = ", ".join(f"{c} = ?" for c in values)
            updated = self.con.execute(f"UPDATE sync_state SET {sets} WHERE account = ? AND resource = ?",
                                       [*values.values(), account, resource]).fetchone()
            if updated and updated[0]:
                return
        cols = ["account", "resource", *values]
        placeholders = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        conflict = f"DO UPDATE SET {updates}" if values else "DO NOTHING"
        self.con.execute(
            f"INSERT INTO sync_state ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT (account, resource) {conflict}",
            [account, resource, *values.values()])

    def record_run(self, run_id: int, values: Mapping[str, Any]) -> None:
        newest = self.con.execute("SELECT max(run_id) FROM sync_runs").fetchone()[0]
        if newest is not None and run_id <= newest:
            run_id = int(newest) + 1
        cols = ["run_id", *values]
        self.con.execute(f"INSERT INTO sync_runs ({', '.join(cols)}) VALUES ({', '.join('?' for _ in cols)})",
                         [run_id, *values.values()])

    def rebuild_rollups(self, days: Iterable[date] | Mapping[str, Iterable[date]] | None = None, accounts: Iterable[str] | None = None, *,
                        written_since: datetime | None = None,
                        fresh_from: datetime | None = None) -> set[date] | None:
        return rebuild_rollups(self, days, accounts, written_since=written_since, fresh_from=fresh_from)

    def rollups_exist(self) -> bool:
        return rollups_exist(self)

    def close(self) -> None:
        self.con.close()


def open_duckdb(path: Path | str, *, read_only: bool = False, attempts: int = 20, wait: float = 0.25,
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
            con = duckdb.connect(str(path), read_only=read_only)
            if not read_only:
                # DuckDB checkpoints the file whenever its WAL passes 16 MB: a 100k-payment backfill
                # (~300 MB of rows) rewrote the growing tables and their keys ~20 times. One
                # checkpoint when the connection closes instead (100k sync 26.2 -> 24.7 s here;
                # a crash only means a longer WAL replay at the next open).
                con.execute("SET checkpoint_threshold = '1GiB'")
            return DuckDBWarehouse(con, str(path))
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
