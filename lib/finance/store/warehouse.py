"""The finance warehouse interface: what the metrics read through (:class:`Reader`) and what the
sync writes through (:class:`Warehouse`).

:class:`lib.finance.store.duckdb_warehouse.DuckDBWarehouse` implements both over one DuckDB file;
another engine (Postgres) is a second class with the same methods next to it. SQL handed to the
read methods and to :meth:`Warehouse.execute` is written in the warehouse's :attr:`Reader.dialect`
with that engine's placeholders (see :data:`lib.finance.store.queries.PLACEHOLDERS`): DuckDB ``?``;
Postgres ``%s`` (psycopg's style: the parameters are always applied, even when there are none,
so a literal ``%`` is written ``%%``). The metrics and rollups compile their Ibis queries to that.
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


class Reader(Protocol):
    """Queries, for the metrics, the dashboard's status line and the sync's own bookkeeping."""

    #: The SQL dialect (and placeholder style) of the SQL the methods take: 'duckdb' or 'postgres'.
    dialect: str

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

    def count_rows(self, table: str) -> int:
        """Rows in ``table``."""
        ...

    def load_state(self) -> dict[str, dict[str, Any]]:
        """The ``sync_state`` rows (the sync's checkpoints) by resource."""
        ...

    def latest_run(self) -> dict[str, Any] | None:
        """The newest ``sync_runs`` row; ``None`` before the first sync."""
        ...


class Warehouse(Reader, Protocol):
    """Writes and checkpoints, for the sync (one writer at a time)."""

    def ensure_schema(self) -> None:
        """Create the tables that do not exist yet (never drops data)."""
        ...

    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside is committed together, or rolled back on any exception."""
        ...

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement (DDL or DML), inside the open :meth:`transaction` if there is one."""
        ...

    def upsert(self, table: Table, objects: Iterable[Obj], synced_at: int) -> int:
        """Insert or replace API objects by id; returns the number of distinct ids written."""
        ...

    def mark_deleted(self, table: str, ids: Sequence[str]) -> None:
        """Set ``deleted = true`` on the rows with these ids."""
        ...

    def save_state(self, resource: str, **values: Any) -> None:
        """Insert or update one resource's ``sync_state`` columns."""
        ...

    def record_run(self, run_id: int, values: Mapping[str, Any]) -> None:
        """Add one ``sync_runs`` row (``run_id`` is raised above the newest one if needed)."""
        ...

    def rebuild_rollups(self, days: Iterable[date] | None = None, accounts: Iterable[str] | None = None, *,
                        written_since: datetime | None = None) -> set[date] | None:
        """Recompute the dashboard's rollup tables from the synced tables, atomically: all of them, or
        only the given UTC days (the ``created`` days of the objects written) and accounts, optionally
        telling when those writes began (``written_since``). See
        :func:`lib.finance.store.rollups.rebuild_rollups` for the contract."""
        ...

    def rollups_exist(self) -> bool:
        """Whether every rollup table exists."""
        ...

    def close(self) -> None:
        ...
