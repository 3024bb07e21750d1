"""The finance warehouse on a shared Postgres (``DATABASE_URL``): the only place that opens it.

:func:`open_postgres` returns a :class:`PostgresWarehouse` holding one connection from a small
psycopg pool (one pool per URL and process), with the tables in their own schema
(:data:`~lib.finance.store.location.POSTGRES_SCHEMA`), so several app replicas and ``python -m
lib.sync`` share one warehouse.

* Writes are batches: a batch is ``COPY``-ed into a temporary staging table (timestamps as Unix
  seconds), then moved with one ``INSERT … SELECT … ON CONFLICT (account, id) DO UPDATE``; the
  sync does this inside the same transaction as the resource's checkpoint. No row-by-row inserts.
* One sync per account across every process: :meth:`PostgresWarehouse.sync_lock` takes the
  session advisory lock ``(SYNC_LOCK_NAMESPACE, hashtext(account))`` with
  ``pg_try_advisory_lock``; a second run is refused at once with
  :class:`~lib.finance.store.warehouse.SyncAlreadyRunning`. Postgres frees the lock when the
  holder's connection ends, so a killed sync never leaves it taken.
* Creating the tables (several replicas may start at once) runs under a transaction-level
  advisory lock.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

import pandas as pd
import psycopg
import pyarrow as pa
from psycopg_pool import ConnectionPool

from lib.database_url import redact_url
from lib.finance.store.columns import POSTGRES_TYPES, Obj, Table
from lib.finance.store.location import POSTGRES_SCHEMA
from lib.finance.store.rollup_rebuild import rebuild_rollups, rollups_exist
from lib.finance.store.rollups import ROLLUP_TABLES
from lib.finance.store.schema import TABLES, ensure_schema
from lib.finance.store.warehouse import ELSEWHERE, StateReads, SyncAlreadyRunning, WarehouseError

POOL_MAX_SIZE = 4
SYNC_LOCK_NAMESPACE = 0x5046_4C53   # 'PFLS': the first key of the sync's advisory locks
SCHEMA_LOCK_KEY = 0x5046_4C44       # 'PFLD': creating the warehouse's tables
RUNS_LOCK_KEY = 0x5046_4C52         # 'PFLR': numbering sync_runs rows

_pools: dict[str, ConnectionPool] = {}
_pools_lock = threading.Lock()
_schema_done: set[int] = set()  # pools (by id) whose database this process already gave the schema


def to_psycopg(sql: str, params: Sequence[Any]) -> tuple[str, Sequence[Any] | None]:
    """``?`` placeholders -> psycopg's ``%s`` (and a literal ``%`` -> ``%%``); no params -> None,
    so psycopg reads ``%`` literally."""
    if not params:
        return sql, None
    return sql.replace("%", "%%").replace("?", "%s"), list(params)


def _pool(url: str) -> ConnectionPool:
    with _pools_lock:
        pool = _pools.get(url)
        if pool is None:
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute(f"CREATE SCHEMA IF NOT EXISTS {POSTGRES_SCHEMA}")
            pool = ConnectionPool(url, min_size=1, max_size=POOL_MAX_SIZE, open=True, name="finance",
                                  kwargs={"autocommit": True,
                                          "options": f"-c search_path={POSTGRES_SCHEMA} -c TimeZone=UTC"})
            _pools[url] = pool
        return pool


def close_pools() -> None:
    """Close every pool this process opened (tests dropping their database)."""
    with _pools_lock:
        for pool in _pools.values():
            pool.close()
        _pools.clear()
        _schema_done.clear()


class PostgresWarehouse(StateReads):
    """:class:`~lib.finance.store.warehouse.Warehouse` over one pooled Postgres connection."""

    Error = psycopg.Error  # what a query may raise
    dialect = "postgres"  # Postgres SQL, with ? placeholders (turned into psycopg's %s here)
    cheap_counts = False  # count(*) reads the whole table: the sync adds up what it inserted instead

    def __init__(self, pool: ConnectionPool, conn: psycopg.Connection, location: str) -> None:
        self._pool = pool
        self.con = conn
        self.location = location
        self.inserted: int | None = None

    # -- reading -----------------------------------------------------------------------------

    def _cursor(self, sql: str, params: Sequence[Any] = ()) -> psycopg.Cursor:
        query, args = to_psycopg(sql, params)
        return self.con.execute(query, args)

    def df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        cur = self._cursor(sql, params)
        return pd.DataFrame(cur.fetchall(), columns=[d.name for d in cur.description])

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

    def count_rows(self, table: str, account: str | None = None) -> int:
        where, args = ("WHERE account = ?", [account]) if account is not None else ("", [])
        return int(self.row(f"SELECT count(*) FROM {table} {where}", args)[0])

    # -- writing -----------------------------------------------------------------------------

    def ensure_schema(self) -> None:
        if id(self._pool) in _schema_done:  # once per process and database: it never drops a table
            return
        with self.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", [SCHEMA_LOCK_KEY])
            ensure_schema(self.con, "postgres")  # tables and indexes (lib.finance.store.schema)
        _schema_done.add(id(self._pool))

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor(sql, params)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self.con.transaction():
            yield

    @contextmanager
    def sync_lock(self, account: str) -> Iterator[None]:
        got = self.con.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                               [SYNC_LOCK_NAMESPACE, account]).fetchone()[0]
        if not got:
            raise SyncAlreadyRunning(ELSEWHERE)
        try:
            yield
        finally:
            self.con.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", [SYNC_LOCK_NAMESPACE, account])

    def _stage(self, spec: Table) -> str:
        """The session's staging table for ``spec`` (timestamps as BIGINT Unix seconds). Created
        in the caller's transaction each time (a no-op once it exists): a rolled-back creation
        must not be remembered."""
        name = f"stage_{spec.name}"
        cols = ", ".join(f"{c.name} {'BIGINT' if c.sql_type == 'TIMESTAMP' else POSTGRES_TYPES.get(c.sql_type, c.sql_type)}"
                         for c in spec.columns)
        self.con.execute(f"CREATE TEMP TABLE IF NOT EXISTS {name} ({cols})")
        return name

    def upsert(self, table: Table, objects: Iterable[Obj], synced_at: int, account: str = "") -> int:
        dedup = {o["id"]: o for o in objects if o.get("id")}
        if not dedup:
            return 0
        names = table.column_names
        selected = ", ".join(f"(to_timestamp({c.name}) AT TIME ZONE 'UTC')" if c.sql_type == "TIMESTAMP"
                             else c.name for c in table.columns)
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in names if c not in table.key)
        with self.transaction():
            stage = self._stage(table)
            with self.con.cursor().copy(f"COPY {stage} ({', '.join(names)}) FROM STDIN") as copy:
                for row in table.to_rows(dedup.values(), synced_at, account):
                    copy.write_row(row)
            # xmax = 0 marks a row this statement inserted (an updated one carries the updating xid);
            # counted in the database: one row back instead of one per object
            self.inserted = self.con.execute(
                f"WITH written AS (INSERT INTO {table.name} ({', '.join(names)}) SELECT {selected} FROM {stage} "
                f"ON CONFLICT ({', '.join(table.key)}) DO UPDATE SET {updates} RETURNING (xmax = 0) AS fresh) "
                "SELECT count(*) FILTER (WHERE fresh) FROM written").fetchone()[0]
            # TRUNCATE, not DELETE: a temporary table is never vacuumed, so deleted rows would stay in
            # its file and every later batch would scan all of them again
            self.con.execute(f"TRUNCATE {stage}")
        return len(dedup)

    def mark_deleted(self, table: str, ids: Sequence[str], account: str = "") -> None:
        self.con.execute(f"UPDATE {table} SET deleted = true WHERE account = %s AND id = ANY(%s)",
                         [account, list(ids)])

    def save_state(self, resource: str, *, account: str = "", **values: Any) -> None:
        cols = ["account", "resource", *values]
        updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in values)
        conflict = f"DO UPDATE SET {updates}" if values else "DO NOTHING"
        self.con.execute(f"INSERT INTO sync_state ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)}) "
                         f"ON CONFLICT (account, resource) {conflict}", [account, resource, *values.values()])

    def record_run(self, run_id: int, values: Mapping[str, Any]) -> None:
        cols = ["run_id", *values]
        with self.transaction():
            self.con.execute("SELECT pg_advisory_xact_lock(%s)", [RUNS_LOCK_KEY])  # replicas number runs in turn
            newest = self.con.execute("SELECT max(run_id) FROM sync_runs").fetchone()[0]
            if newest is not None and run_id <= newest:
                run_id = int(newest) + 1
            self.con.execute(f"INSERT INTO sync_runs ({', '.join(cols)}) VALUES ({', '.join('%s' for _ in cols)})",
                             [run_id, *values.values()])

    def rebuild_rollups(self, days: Iterable[date] | Mapping[str, Iterable[date]] | None = None, accounts: Iterable[str] | None = None, *,
                        written_since: datetime | None = None,
                        fresh_from: datetime | None = None) -> set[date] | None:
        if days is None:  # after a backfill: statistics first, so the planner picks the indexes
            self.con.execute(f"ANALYZE {', '.join(TABLES)}")
        rebuilt = rebuild_rollups(self, days, accounts, written_since=written_since, fresh_from=fresh_from)
        if rebuilt is None:  # fresh rollup tables: statistics for the dashboard's reads
            self.con.execute(f"ANALYZE {', '.join(ROLLUP_TABLES)}")
        return rebuilt

    def rollups_exist(self) -> bool:
        return rollups_exist(self)

    def close(self) -> None:
        """Give the connection back to the pool (a broken one is dropped by the pool)."""
        try:
            if self.con.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                self.con.rollback()
            self.con.execute("SELECT pg_advisory_unlock_all()")  # never hand on a held sync lock
        except psycopg.Error:
            pass
        self._pool.putconn(self.con)


def open_postgres(url: str, *, read_only: bool = False) -> PostgresWarehouse:
    """A warehouse on the Postgres at ``url`` (schema ``finance``, created if missing). Raises
    :class:`~lib.finance.store.warehouse.WarehouseError` with a readable message (never the password).
    ``read_only`` is accepted for the same call as DuckDB's: readers and the sync share the database."""
    location = redact_url(url)
    try:
        pool = _pool(url)
        conn = pool.getconn(timeout=30)
    except (psycopg.Error, OSError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise WarehouseError(f"Could not open the finance database on {location}: "
                             f"{first.replace(url, location)}") from exc
    return PostgresWarehouse(pool, conn, location)
