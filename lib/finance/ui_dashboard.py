"""The Finance dashboard page (``app_pages/finance_dashboard.py`` calls :func:`render_dashboard`).

All numbers come from :mod:`lib.finance.metrics`; the sections are in the other
``lib/finance/ui_*.py`` modules (sync bar, filters, KPIs, charts, payments table, data, formatting).
Session-state keys are prefixed ``fin_``. Errors are shown as readable messages, never tracebacks
or key text. The DuckDB file is opened per read and closed again, so a sync from the command line
(``python -m lib.sync``) can write between two page runs.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from lib.finance.ui_charts import render_charts
from lib.finance.ui_data import cached_dashboard, data_version, db_path, read_meta, readable_error
from lib.finance.ui_filters import render_filters
from lib.finance.ui_kpis import render_kpis, render_open_disputes
from lib.finance.ui_payments import render_payments
from lib.finance.ui_sync import render_sync_bar


def render_dashboard() -> None:
    st.title("Finance dashboard")
    st.caption("Volume, fees, refunds, disputes and net, computed in DuckDB from the synced Stripe data. "
               "Dates are UTC; amounts are never added across currencies.")
    path = db_path()
    last = st.session_state.pop("fin_last_result", None)
    if last:
        status_word, message = last
        {"ok": st.success, "partial": st.warning, "busy": st.info}.get(status_word, st.error)(message)
    try:
        options, status = read_meta(path)
    except Exception as exc:  # noqa: BLE001 - readable message instead of a traceback
        st.error(readable_error(exc))
        return
    render_sync_bar(path, status, show_problems=last is None)
    fresh = status.get("freshness") or {}
    if fresh.get("stale"):
        synced = f"{fresh['synced_up_to']:%d %b %Y, %H:%M} UTC" if fresh["synced_up_to"] else "nothing yet"
        st.warning(f"Data is older than the account's newest payment (synced up to {synced}; newest "
                   f"{fresh['account_newest']:%d %b %Y, %H:%M} UTC). Run **Sync now**.")
    if not options.get("ready"):
        st.info("No finance data yet. Click **Sync now** to pull PaymentIntents, charges, refunds, disputes, "
                "balance transactions and customers into the local database "
                f"(`{path.name}`), or run `python -m lib.sync`.")
        return
    f = render_filters(options)
    if f is None:
        return
    try:
        dash, prev_ledger, prev_totals, server_ms = cached_dashboard(
            str(path), data_version(path), dataclasses.astuple(f))
    except Exception as exc:  # noqa: BLE001
        st.error(readable_error(exc))
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
        st.error(readable_error(exc))
    st.caption(f"Queries: {dash.total_ms:.0f} ms in DuckDB for {len(dash.timings_ms)} metrics "
               f"(+ previous period: {server_ms:.0f} ms total) · database `{path}`")
