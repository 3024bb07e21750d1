"""The Finance dashboard's sync bar: "Sync now" (with a progress bar), "Full re-sync", the
auto-refresh choice and the last run's summary. Session-state keys are prefixed ``fin_``.

The sync writes where the dashboard reads (``location``, :func:`lib.finance.ui_data.warehouse_location`):
the Postgres of ``DATABASE_URL`` when set (shared by every replica), else the DuckDB file. A sync of the same account already running --
another session, another replica, ``python -m lib.sync`` -- is reported as such ("busy"), not as
an error: nothing was changed and the other run's data appears when it finishes."""

from __future__ import annotations

import logging
import time

import pandas as pd
import streamlit as st

from lib.finance.store import Location
from lib.finance.sync import SyncProgress, client_from_settings, run_sync
from lib.finance.ui_data import cached_dashboard
from lib.redaction import safe_error_message

logger = logging.getLogger(__name__)

REFRESH_CHOICES = {"Off": None, "Every 30 s": 30, "Every minute": 60, "Every 5 minutes": 300}


def sync_client():
    """The client "Sync now" uses (the app's connection settings). Tests replace this."""
    return client_from_settings()


def render_sync_bar(path: Location, status: dict, *, show_problems: bool = True) -> None:
    last = status.get("last_run")
    cols = st.columns([1.2, 1.2, 4])
    with cols[0]:
        clicked = st.button("Sync now", type="primary", key="fin_sync", icon=":material/sync:",
                            help="Fetch what changed since the last sync (events), or everything the first time.")
    with cols[1]:
        full = st.checkbox("Full re-sync", key="fin_full",
                           help="Re-list every object instead of reading events since the last sync.")
        refresh = st.selectbox("Auto-refresh", list(REFRESH_CHOICES), key="fin_refresh",
                               help="Sync in the background at this interval and redraw when something changed.")
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


def run_sync_ui(path: Location, *, full: bool = False) -> None:
    """Run a sync with a progress bar, keep its result for the next run of the page, rerun."""
    bar = st.progress(0.0, text="Starting sync…")

    def on_progress(p: SyncProgress) -> None:
        bar.progress(min(1.0, max(0.0, p.fraction)), text=p.message[:120])

    try:
        client = sync_client()
    except Exception as exc:  # noqa: BLE001 - a readable message, never a traceback
        bar.empty()
        st.error(f"Cannot connect for the sync: {safe_error_message(exc)}")
        return
    result = run_sync(client, path, full=full, progress=on_progress)
    bar.empty()
    cached_dashboard.clear()
    st.session_state["fin_last_result"] = (result.status, result.message)
    st.rerun()


def _auto_refresh(path: Location, seconds: int) -> None:
    @st.fragment(run_every=seconds)
    def ticker():
        stamp = st.session_state.get("fin_refresh_stamp")
        now = time.monotonic()
        if stamp is not None and now - stamp >= seconds * 0.9:
            try:
                result = run_sync(sync_client(), path)
                if result.objects:
                    cached_dashboard.clear()
                    st.session_state["fin_refresh_stamp"] = now
                    st.rerun(scope="app")
            except Exception as exc:  # noqa: BLE001
                logger.warning("auto-refresh sync failed: %s", type(exc).__name__)
        st.session_state["fin_refresh_stamp"] = now
        st.caption(f"Auto-refresh on (every {seconds} s).")

    ticker()
