"""Where the shop's tables live: an embedded SQLite file, or a schema in a shared Postgres.

Both engines give the same small interface to :class:`~lib.shop.db.merchant_db.MerchantDB`:
``tx()`` (one write transaction; nested calls join the outer one), ``rows()`` and ``one()``.
SQL is written once, with ``?`` placeholders and the syntax both engines share (``INSERT … ON
CONFLICT … DO NOTHING/UPDATE``); the Postgres engine turns ``?`` into ``%s``. Only the DDL differs
(:mod:`.schema`).

* SQLite: one connection, serialised by a re-entrant lock (the Streamlit sessions and the webhook
  server's threads share it); ``BEGIN IMMEDIATE`` so a writer never waits half-way.
* Postgres: a small psycopg pool; each thread's transaction keeps its connection until it ends.
  The tables live in their own schema (``shop``), so they never meet the finance warehouse's
  tables in the same database. Several app processes may share it: exactly-once comes from the
  primary keys (``ON CONFLICT DO NOTHING`` + row counts), not from a process-local lock.
"""

from __future__ import annotations

import re
import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

from lib.database_url import redact_url

from .schema import POSTGRES_SCHEMA, SQLITE_SCHEMA

POOL_MAX_SIZE = 4


class Tx(Protocol):
    """A transaction's handle: ``execute`` returns a cursor with ``rowcount`` and ``fetchone()``."""

    def execute(self, sql: str, args: tuple = ()) -> Any: ...


class Engine(Protocol):
    location: str
    kind: str

    def tx(self) -> Any: ...
    def rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]: ...
    def one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None: ...
    def close(self) -> None: ...


class SQLiteEngine:
    kind = "sqlite"

    def __init__(self, path: Path | str) -> None:
        self.location = str(path)
        if self.location != ":memory:":
            Path(self.location).parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._depth = 0
        self._conn = sqlite3.connect(self.location, timeout=15, isolation_level=None, check_same_thread=False)
        self._conn.row_factory = sqlite3.Row
        with self._lock:
            if self.location != ":memory:":
                self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=NORMAL")
            self._conn.executescript(SQLITE_SCHEMA)

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self._conn
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._conn.execute("COMMIT")

    def rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(r) for r in self._conn.execute(sql, args).fetchall()]

    def one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None:
        rows = self.rows(sql, args)
        return rows[0] if rows else None

    def close(self) -> None:
        with self._lock:
            self._conn.close()


_PLACEHOLDER = re.compile(r"\?")


def _pg(sql: str) -> str:
    """``?`` placeholders → psycopg's ``%s`` (the shop's SQL has no literal ``?`` or ``%``)."""
    return _PLACEHOLDER.sub("%s", sql)


class _PgTx:
    """A psycopg connection inside a transaction, speaking the ``?`` placeholder style."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    def execute(self, sql: str, args: tuple = ()) -> Any:
        return self._conn.execute(_pg(sql), args)


class PostgresEngine:
    kind = "postgres"

    def __init__(self, url: str, schema: str = "shop") -> None:
        import psycopg
        from psycopg.rows import dict_row
        from psycopg_pool import ConnectionPool

        if not re.fullmatch(r"[a-z_][a-z0-9_]*", schema):
            raise ValueError(f"not a plain schema name: {schema!r}")
        self.location = redact_url(url)
        self.schema = schema
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            conn.execute(f"SET search_path TO {schema}")
            with conn.transaction():
                conn.execute("SELECT pg_advisory_xact_lock(hashtext('pfl-shop-schema'))")  # one DDL run at a time
                for statement in POSTGRES_SCHEMA.split(";"):
                    if statement.strip():
                        conn.execute(statement)
        self._pool = ConnectionPool(url, min_size=1, max_size=POOL_MAX_SIZE, open=True, name="shop",
                                    kwargs={"row_factory": dict_row, "options": f"-c search_path={schema}"})
        self._local = threading.local()

    @contextmanager
    def tx(self) -> Iterator[_PgTx]:
        current = getattr(self._local, "tx", None)
        if current is not None:  # nested: join the outer transaction
            yield current
            return
        with self._pool.connection() as conn, conn.transaction():
            self._local.tx = _PgTx(conn)
            try:
                yield self._local.tx
            finally:
                self._local.tx = None

    def rows(self, sql: str, args: tuple = ()) -> list[dict[str, Any]]:
        current = getattr(self._local, "tx", None)
        if current is not None:  # read inside our own transaction: see its writes
            return list(current.execute(sql, args).fetchall())
        with self._pool.connection() as conn:
            return list(conn.execute(_pg(sql), args).fetchall())

    def one(self, sql: str, args: tuple = ()) -> dict[str, Any] | None:
        rows = self.rows(sql, args)
        return rows[0] if rows else None

    def close(self) -> None:
        self._pool.close()


