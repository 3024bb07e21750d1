"""Finance dashboard data access: the DB path, short-lived connections, the cached dashboard
(keyed by the DB's version), reads, exports and readable error messages."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import duckdb
import streamlit as st

from lib.finance import default_db_path
from lib.finance import metrics as m


def db_path() -> Path:
    return default_db_path()


def _data_version(path: Path) -> tuple:
    """Changes whenever the DB (or its write-ahead log) changes: the cache key for results."""
    parts = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            stat = p.stat()
            parts.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            parts.append(None)
    return tuple(parts)


def open_db(path: Path, attempts: int = 8):
    """A short-lived connection; waits briefly when another process is writing."""
    last = None
    for _ in range(attempts):
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            last = exc
            time.sleep(0.25)
    raise RuntimeError("The finance database is busy: a sync in another process is writing to it. "
                       "Try again in a moment.") from last


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_dashboard(path: str, version: tuple, filters: tuple) -> tuple[m.Dashboard, dict, dict, float]:
    f = m.Filters(*filters)
    con = open_db(Path(path))
    try:
        t0 = time.perf_counter()
        dash = m.compute_dashboard(con, f)
        prev = _previous_period(f)
        prev_ledger = m.ledger_kpis(con, prev).set_index("settlement_currency").to_dict("index")
        prev_totals = m.payment_totals(con, prev)
        server_ms = (time.perf_counter() - t0) * 1000
    finally:
        con.close()
    return dash, prev_ledger, prev_totals, server_ms


def _previous_period(f: m.Filters) -> m.Filters:
    days = (f.end - f.start).days + 1
    return dataclasses.replace(f, start=f.start - timedelta(days=days), end=f.start - timedelta(days=1))


def _read(path: Path, fn: Callable, *args):
    con = open_db(path)
    try:
        return fn(con, *args)
    finally:
        con.close()


def _export_bytes(path: str, filters: tuple, fmt: str) -> bytes:
    return _read(Path(path), m.export_payments, m.Filters(*filters), fmt)


def _read_meta(path: Path) -> tuple[dict, dict]:
    if not path.exists():
        return {"ready": False}, {}
    con = open_db(path)
    try:
        options = m.filter_options(con)
        options["ready"] = m.has_data(con)
        status = m.sync_status(con)
    finally:
        con.close()
    return options, status


def _readable(exc: BaseException) -> str:
    from lib.redaction import safe_error_message

    if isinstance(exc, duckdb.Error):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"Could not read the finance database: {first}"
    if isinstance(exc, RuntimeError):
        return str(exc)
    return safe_error_message(exc)
