"""The finance warehouse interface: what the metrics read through (:class:`Reader`) and what the
sync writes through (:class:`Warehouse`).

:class:`lib.finance.store.duckdb_warehouse.DuckDBWarehouse` implements both over one DuckDB file;
:class:`lib.finance.store.postgres_warehouse.PostgresWarehouse` over a shared Postgres. SQL handed
to the read methods and to :meth:`Warehouse.execute` is written in the warehouse's
:attr:`Reader.dialect`, with ``?`` placeholders on every engine (the Postgres warehouse turns them
into psycopg's ``%s``; so a literal ``?`` cannot appear in the SQL). The metrics and rollups compile
their Ibis queries to that.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa

from lib.finance.store.columns import Obj, Table


class WarehouseError(Exception):
    """The warehouse could not be opened. ``message`` is readable (no traceback, no key text);
    ``busy`` says another process holds it."""

    def __init__(self, message: str, *, busy: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.busy = busy


class SyncAlreadyRunning(WarehouseError):
    """Another sync of the same account holds the warehouse's sync lock (in this process, or --
    on Postgres -- in any process sharing the database). Nothing was written."""

    def __init__(self, message: str) -> None:
        super().__init__(message, busy=True)


ELSEWHERE = ("Sync already running elsewhere for this account (another app replica or `python -m lib.sync`): "
             "this run did nothing. The dashboard shows its data when it finishes.")


class Reader(Protocol):
    """Queries, for the metrics, the dashboard's status line and the sync's own bookkeeping."""

    #: The SQL dialect of the SQL the methods take: 'duckdb' or 'postgres' (placeholders ``?``).
    dialect: str
    #: Whether :meth:`count_rows` costs next to nothing (DuckDB); else it reads every row (Postgres).
    cheap_counts: bool

    def df(self, sql: str, params: Sequence[Any] = ()) -> pd.DataFrame:
        """The result as a DataFrame."""
        ...

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple | None:
        """The first row of the result (``None`` when there is none)."""
        ...

    def records(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row as a dict of plain Python values."""
        ...

    def arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """The result as an Arrow table (exports)."""
        ...

    def table_names(self) -> set[str]:
        """The tables that exist."""
        ...

    def count_rows(self, table: str, account: str | None = None) -> int:
        """Rows in ``table`` (of ``account`` when given). Exact: a scan on Postgres."""
        ...

    def load_state(self, account: str = "") -> dict[str, dict[str, Any]]:
        """One account's ``sync_state`` rows (the sync's checkpoints) by resource."""
        ...

    def latest_run(self, account: str | None = None) -> dict[str, Any] | None:
        """The newest ``sync_runs`` row (of ``account``, or of any); ``None`` before the first sync."""
        ...


class StateReads:
    """``load_state`` and ``latest_run`` written once over ``records``/``table_names`` (both engines
    inherit them)."""

    def load_state(self, account: str = "") -> dict[str, dict[str, Any]]:
        return {r["resource"]: r for r in self.records("SELECT * FROM sync_state WHERE account = ?", [account])}

    def latest_run(self, account: str | None = None) -> dict[str, Any] | None:
        if "sync_runs" not in self.table_names():
            return None
        where, args = ("WHERE account = ?", [account]) if account is not None else ("", [])
        rows = self.records(f"SELECT * FROM sync_runs {where} ORDER BY run_id DESC LIMIT 1", args)
        return rows[0] if rows else None


class Warehouse(Reader, Protocol):
    """Writes and checkpoints, for the sync (one writer per account at a time)."""

    location: str  # for messages: the file, or the URL without its password
    inserted: int | None  # rows the last upsert inserted (not updated); None when not known

    def ensure_schema(self) -> None:
        """Create the tables that do not exist yet (never drops data)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside is committed together, or rolled back on any exception."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (inside :meth:`transaction` when one is open)."""
        ...

    def sync_lock(self, account: str) -> AbstractContextManager[None]:
        """Held for a whole sync run of ``account``; raises :class:`SyncAlreadyRunning` at once
        when another run holds it."""
        ...

    def upsert(self, table: Table, objects: Iterable[Obj], synced_at: int, account: str = "") -> int:
        """Insert or replace API objects by (account, id) in one batch; returns the distinct ids written
        (and sets ``inserted`` when the engine tells new rows from updated ones)."""
        ...

    def mark_deleted(self, table: str, ids: Sequence[str], account: str = "") -> None:
        """Set ``deleted = true`` on the account's rows with these ids."""
        ...

    def save_state(self, resource: str, *, account: str = "", **values: Any) -> None:
        """Insert or update one account's resource's ``sync_state`` columns."""
        ...

    def record_run(self, run_id: int, values: Mapping[str, Any]) -> None:
        """Add one ``sync_runs`` row (``run_id`` is raised above the newest one if needed)."""
        ...

    def rebuild_rollups(self, days: Iterable[date] | Mapping[str, Iterable[date]] | None = None, accounts: Iterable[str] | None = None, *,
                        written_since: datetime | None = None,
                        fresh_from: datetime | None = None) -> set[date] | None:
        """Recompute the dashboard's rollup tables from the synced tables, atomically: all of them, or
        only the given UTC days (the ``created`` days of the objects written) and accounts, optionally
        telling when those writes began (``written_since``). See
        :func:`lib.finance.store.rollup_rebuild.rebuild_rollups` for the contract."""
        ...

    def rollups_exist(self) -> bool:
        """Whether every rollup table exists."""
        ...

    def close(self) -> None:
        ...
