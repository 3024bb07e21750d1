"""Streamlit UI for the Finance dashboard (app_pages/finance_dashboard.py stays a thin wrapper).

All numbers come from :mod:`lib.finance.metrics` (DuckDB); this module is the page's entry
(the sync bar and :func:`render_dashboard`); the sections are in ``lib/finance/ui_*.py``
(data, filters, KPIs, charts, payments table, formatting).
Session-state keys are prefixed ``fin_``. Errors are shown as readable messages, never tracebacks
or key text. The DuckDB file is opened per run and closed again, so a sync from the command line
(``python -m lib.sync``) can write between two page runs.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from pathlib import Path

import pandas as pd
import streamlit as st

from lib.finance.ui_charts import render_charts
from lib.finance.ui_data import (
    _cached_dashboard,
    _data_version,
    _read_meta,
    _readable,
    db_path,
    open_db,
)
from lib.finance.ui_filters import DEFAULT_RANGE, RANGES, render_filters
from lib.finance.ui_format import (
    COLORS,
    STATUS_LABELS,
)
from lib.finance.ui_kpis import render_kpis, render_open_disputes
from lib.finance.ui_payments import TABLE_PAGE_SIZE, render_payments

__all__ = [
    "COLORS",
    "DEFAULT_RANGE",
    "RANGES",
    "REFRESH_CHOICES",
    "STATUS_LABELS",
    "TABLE_PAGE_SIZE",
    "_cached_dashboard",
    "db_path",
    "logger",
    "open_db",
    "render_charts",
    "render_dashboard",
    "render_filters",
    "render_kpis",
    "render_open_disputes",
    "render_payments",
    "render_sync_bar",
    "run_sync_ui",
    "sync_client",
]

logger = logging.getLogger(__name__)

REFRESH_CHOICES = {"Off": None, "Every 30 s": 30, "Every minute": 60, "Every 5 minutes": 300}


def sync_client():
    """The client "Sync now" uses (the app's connection settings). Tests replace this."""
    from lib.sync import client_from_settings

    return client_from_settings()


# ---------------------------------------------------------------------------------------------
# sync


def render_sync_bar(path: Path, status: dict, *, show_problems: bool = True) -> None:
    last = status.get("last_run")
    cols = st.columns([1.2, 1.2, 4])
    with cols[0]:
        clicked = st.button("Sync now", type="primary", key="fin_sync", icon=":material/sync:",
                            help="Fetch what changed since the last sync (events), or everything the first time.")
    with cols[1]:
        full = st.checkbox("Full re-sync", key="fin_full",
                           help="Re-list every object instead of reading events since the last sync.")
        refresh = st.selectbox("Auto-refresh", list(REFRESH_CHOICES), key="fin_refresh",
                               label_visibility="collapsed")
    with cols[2]:
        if last:
            when = pd.Timestamp(last["finished_at"]).strftime("%d %b %Y %H:%M:%S UTC")
            counts = status.get("counts", {})
            st.caption(
                f"Last sync **{when}** · {last['mode']} · {last['status']} · {int(last['requests'] or 0):,} "
                f"requests · {int(last['objects'] or 0):,} objects written  \n"
                + " · ".join(f"{t.replace('_', ' ')} {n:,}" for t, n in counts.items()))
            if last["status"] != "ok" and show_problems:
                (st.warning if last["status"] == "partial" else st.error)(last["message"])
        else:
            st.caption("Not synced yet.")
    if clicked:
        run_sync_ui(path, full=full)
    interval = REFRESH_CHOICES.get(refresh)
    if interval:
        _auto_refresh(path, interval)


def run_sync_ui(path: Path, *, full: bool = False) -> None:
    from lib.finance.syncer import SyncProgress
    from lib.sync import sync

    bar = st.progress(0.0, text="Starting sync…")

    def on_progress(p: SyncProgress) -> None:
        bar.progress(min(1.0, max(0.0, p.fraction)), text=p.message[:120])

    try:
        client = sync_client()
    except Exception as exc:  # noqa: BLE001 - a readable message, never a traceback
        from lib.redaction import safe_error_message

        bar.empty()
        st.error(f"Cannot connect for the sync: {safe_error_message(exc)}")
        return
    result = sync(client, path, full=full, progress=on_progress)
    bar.empty()
    _cached_dashboard.clear()
    st.session_state["fin_last_result"] = (result.status, result.message)
    st.rerun()


def _auto_refresh(path: Path, seconds: int) -> None:
    @st.fragment(run_every=seconds)
    def ticker():
        stamp = st.session_state.get("fin_refresh_stamp")
        now = time.monotonic()
        if stamp is not None and now - stamp >= seconds * 0.9:
            from lib.sync import sync

            try:
                result = sync(sync_client(), path)
                if result.objects:
                    _cached_dashboard.clear()
                    st.session_state["fin_refresh_stamp"] = now
                    st.rerun(scope="app")
            except Exception as exc:  # noqa: BLE001
                logger.warning("auto-refresh sync failed: %s", type(exc).__name__)
        st.session_state["fin_refresh_stamp"] = now
        st.caption(f"Auto-refresh on (every {seconds} s).")

    ticker()


# ---------------------------------------------------------------------------------------------
# the page


def render_dashboard() -> None:
    st.title("Finance dashboard")
    st.caption("Volume, fees, refunds, disputes and net, computed in DuckDB from the synced Stripe data. "
               "Dates are UTC; amounts are never added across currencies.")
    path = db_path()
    last = st.session_state.pop("fin_last_result", None)
    if last:
        status_word, message = last
        {"ok": st.success, "partial": st.warning}.get(status_word, st.error)(message)
    try:
        options, status = _read_meta(path)
    except Exception as exc:  # noqa: BLE001 - readable message instead of a traceback
        st.error(_readable(exc))
        return
    render_sync_bar(path, status, show_problems=last is None)
    if not options.get("ready"):
        st.info("No finance data yet. Click **Sync now** to pull PaymentIntents, charges, refunds, disputes, "
                "balance transactions and customers into the local database "
                f"(`{path.name}`), or run `python -m lib.sync`.")
        return
    f = render_filters(options)
    if f is None:
        return
    try:
        dash, prev_ledger, prev_totals, server_ms = _cached_dashboard(
            str(path), _data_version(path), dataclasses.astuple(f))
    except Exception as exc:  # noqa: BLE001
        st.error(_readable(exc))
        return
    if dash.totals["attempts"] == 0 and dash.ledger.empty and options.get("last_day"):
        st.info(f"No payments between {f.start:%d %b %Y} and {f.end:%d %b %Y}. The data runs from "
                f"{options['first_day']:%d %b %Y} to {options['last_day']:%d %b %Y}; choose **All time** "
                "in the date range.")
    render_kpis(dash, prev_ledger, prev_totals)
    render_open_disputes(dash)
    render_charts(dash)
    try:
        render_payments(path, f)
    except Exception as exc:  # noqa: BLE001
        st.error(_readable(exc))
    st.caption(f"Queries: {dash.total_ms:.0f} ms in DuckDB for {len(dash.timings_ms)} metrics "
               f"(+ previous period: {server_ms:.0f} ms total) · database `{path}`")
