"""Finance dashboard data access: where the warehouse is (the same place the sync writes: the
Postgres of ``DATABASE_URL`` when set, else the DuckDB file), short-lived warehouse connections, the
cached dashboard (keyed by the warehouse's version), reads, exports and readable error messages."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import streamlit as st

from lib.database_url import redact_url
from lib.finance import metrics as m
from lib.finance.store import (
    DATABASE_ERRORS,
    Location,
    Reader,
    WarehouseError,
    default_location,
    is_postgres,
    open_warehouse,
    warehouse_exists,
)
from lib.redaction import safe_error_message

# A page run waits at most this long for a sync in another process to release the file.
OPEN_ATTEMPTS = 8


def warehouse_location() -> Location:
    """Where the dashboard reads: :func:`lib.finance.store.default_location`, the same place
    ``Sync now`` and ``python -m lib.sync`` write (a bad ``DATABASE_URL`` is a ``ValueError``)."""
    return default_location()


def location_label(location: Location) -> str:
    """The location for the page: a file path, or the URL without its password."""
    return redact_url(str(location)) if is_postgres(location) else str(location)


def data_version(location: Location, status: dict) -> tuple:
    """Changes whenever the warehouse changes: the cache key for results. A DuckDB file: its (and
    its write-ahead log's) size and time. Postgres: the newest sync run (``status`` from
    :func:`read_meta`; every sync records one after its writes), so nothing extra is read."""
    if is_postgres(location):
        last = status.get("last_run") or {}
        return ("postgres", last.get("run_id"), str(last.get("finished_at")))
    path = Path(location)
    parts = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            stat = p.stat()
            parts.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            parts.append(None)
    return tuple(parts)


def read(location: Location, fn: Callable[..., Any], *args: Any) -> Any:
    """``fn(reader, *args)`` on a connection opened for this call and closed again (a DuckDB file,
    so a sync in another process can write between two page runs; Postgres: back to the pool)."""
    warehouse = open_warehouse(location, attempts=OPEN_ATTEMPTS)
    try:
        return fn(warehouse, *args)
    finally:
        warehouse.close()


def previous_period(f: m.Filters) -> m.Filters:
    """The same number of days just before ``f`` (for the deltas on the KPI tiles)."""
    days = (f.end - f.start).days + 1
    return dataclasses.replace(f, start=f.start - timedelta(days=days), end=f.start - timedelta(days=1))


def _dashboard_and_previous(db: Reader, f: m.Filters) -> tuple[m.Dashboard, dict, dict, float]:
    t0 = time.perf_counter()
    dash = m.compute_dashboard(db, f)
    prev = previous_period(f)
    prev_ledger = m.ledger_kpis(db, prev).set_index("settlement_currency").to_dict("index")
    prev_totals = m.payment_totals(db, prev)
    return dash, prev_ledger, prev_totals, (time.perf_counter() - t0) * 1000


@st.cache_data(show_spinner=False, max_entries=64)
def cached_dashboard(location: Location, version: tuple, filters: tuple) -> tuple[m.Dashboard, dict, dict, float]:
    """The dashboard, the previous period's ledger and totals, and the milliseconds the queries
    took; cached per warehouse ``version`` (:func:`data_version`) and filters (``astuple``)."""
    return read(location, _dashboard_and_previous, m.Filters(*filters))


def export_bytes(location: Location, filters: tuple, fmt: str) -> bytes:
    """The payments the filters select as CSV or Parquet bytes."""
    return read(location, m.export_payments, m.Filters(*filters), fmt)


def _options_and_status(db: Reader) -> tuple[dict, dict]:
    options = m.filter_options(db)
    options["ready"] = m.has_data(db)
    status = m.sync_status(db)
    status["freshness"] = m.warehouse_freshness(db)
    return options, status


def read_meta(location: Location) -> tuple[dict, dict]:
    """The filter options (with ``ready``: is there data) and the sync status (with ``freshness``,
    see :func:`lib.finance.metrics.warehouse_freshness`). Reading a file that does not exist yet does
    not create it."""
    if not warehouse_exists(location):
        return {"ready": False}, {}
    return read(location, _options_and_status)


def readable_error(exc: BaseException) -> str:
    """One readable line for an error while reading the warehouse (never a traceback or key)."""
    if isinstance(exc, WarehouseError):
        return exc.message
    if isinstance(exc, DATABASE_ERRORS):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"Could not read the finance database: {first}"
    return safe_error_message(exc)
