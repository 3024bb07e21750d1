"""The Finance dashboard page (``app_pages/finance_dashboard.py`` calls :func:`render_dashboard`).

All numbers come from :mod:`lib.finance.metrics`; the sections are in the other
``lib/finance/ui_*.py`` modules (sync bar, filters, KPIs, charts, payments table, data, formatting).
Session-state keys are prefixed ``fin_``. Errors are shown as readable messages, never tracebacks
or key text. The warehouse is the one the sync writes (:func:`lib.finance.ui_data.warehouse_location`:
the Postgres of ``DATABASE_URL``, else the DuckDB file), opened per read and closed again, so a sync
from the command line (``python -m lib.sync``) or another replica can write between two page runs.
"""

from __future__ import annotations

import dataclasses

import streamlit as st

from lib.finance.store import is_postgres
from lib.finance.ui_charts import render_charts
from lib.finance.ui_data import (
    cached_dashboard,
    data_version,
    location_label,
    read_meta,
    readable_error,
    warehouse_location,
)
from lib.finance.ui_filters import account_label, render_filters
from lib.finance.ui_kpis import render_kpis, render_open_disputes
from lib.finance.ui_payments import render_payments
from lib.finance.ui_reconcile import render_reconcile
from lib.finance.ui_sync import render_sync_bar


def render_dashboard() -> None:
    st.title("Finance dashboard")
    try:
        location = warehouse_location()
    except ValueError as exc:  # a DATABASE_URL that is not a postgresql:// URL
        st.error(str(exc))
        return
    engine = "Postgres" if is_postgres(location) else "DuckDB"
    st.caption(f"Volume, fees, refunds, disputes and net, computed in {engine} from the synced Stripe data. "
               "Dates are UTC; amounts are never added across currencies.")
    last = st.session_state.pop("fin_last_result", None)
    if last:
        status_word, message = last
        {"ok": st.success, "partial": st.warning, "busy": st.info}.get(status_word, st.error)(message)
    try:
        options, status = read_meta(location)
    except Exception as exc:  # noqa: BLE001 - readable message instead of a traceback
        st.error(readable_error(exc))
        return
    render_sync_bar(location, status, show_problems=last is None)
    fresh = status.get("freshness") or {}
    if fresh.get("stale"):
        synced = f"{fresh['synced_up_to']:%d %b %Y, %H:%M} UTC" if fresh["synced_up_to"] else "nothing yet"
        which = f" (account **{account_label(fresh['account'])}**)" if len(options.get("accounts", [])) > 1 else ""
        st.warning(f"Data is older than the account's newest payment{which} (synced up to {synced}; newest "
                   f"{fresh['account_newest']:%d %b %Y, %H:%M} UTC). Run **Sync now**.")
    if not options.get("ready"):
        st.info("No finance data yet. Click **Sync now** to pull PaymentIntents, charges, refunds, disputes, "
                f"balance transactions and customers into the warehouse (`{location_label(location)}`), "
                "or run `python -m lib.sync`.")
        return
    f = render_filters(options)
    if f is None:
        return
    try:
        dash, prev_ledger, prev_totals, server_ms = cached_dashboard(
            location, data_version(location, status), dataclasses.astuple(f))
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
        render_payments(location, f)
    except Exception as exc:  # noqa: BLE001
        st.error(readable_error(exc))
    render_reconcile(location, f, options.get("accounts", []))
    st.caption(f"Queries: {dash.total_ms:.0f} ms in {engine} for {len(dash.timings_ms)} metrics "
               f"(+ previous period: {server_ms:.0f} ms total) · database `{location_label(location)}`")
