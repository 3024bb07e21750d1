"""Streamlit helpers shared by the Build pages (the only lib/lab modules that import streamlit
are the ui_*.py ones)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from lib import ui, ui_pages
from lib.gateway import Connection
from lib.request_log import RequestLogEntry

from .reqlog import pretty_body, tail_line


def when(ts: float | int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def connected_page(title: str, blurb: str) -> Connection:
    """How every Build page starts: its title, then the app's connection (``lib.ui.require_connection``:
    a misconfigured app still shows which page this is, says why it cannot connect, and stops), then
    the blurb, the mode badge and the read-only warning. (The app's webhook endpoint is already
    registered: app.py starts the shop on every run, before the page.)"""
    st.title(title)
    conn = ui.require_connection()
    left, right = st.columns([5, 1])
    left.caption(blurb)
    with right:
        ui.mode_badge(conn)
    if conn.read_only:
        st.warning("Live read-only mode: every write on this page is blocked before it is sent.", icon=":material/lock:")
    return conn


def json_block(label: str, obj: Any, *, expanded: bool = False) -> None:
    with st.expander(label, expanded=expanded):
        st.code(json.dumps(obj, indent=2, default=str), language="json")


def requests_table(entries: list[RequestLogEntry], *, key: str) -> None:
    """The request/response slice a scenario or action made, `stripe logs tail` style plus bodies."""
    if not entries:
        st.caption("No requests recorded.")
        return
    st.code("\n".join(tail_line(e) for e in entries), language="text")
    labels = [f"#{e.seq} {e.method} {e.path.split('?')[0]} → {e.status or '—'}" for e in entries]
    pick = st.selectbox("Show request and response", range(len(entries)), format_func=lambda i: labels[i],
                        key=key)
    entry = entries[pick]
    left, right = st.columns(2)
    with left:
        st.markdown(f"**Request** · `{entry.method} {entry.path}`")
        lang, text = pretty_body(entry.request_body)
        st.code(text or "(no body)", language=lang)
        if entry.idempotency_key:
            st.caption(f"Idempotency-Key: `{entry.idempotency_key}`")
    with right:
        st.markdown(f"**Response** · HTTP {entry.status or '—'} · {entry.latency_ms:.0f} ms"
                    + (" · **replayed**" if entry.idempotent_replayed else ""))
        lang, text = pretty_body(entry.response_body)
        st.code(text or entry.error or "(no body)", language=lang)
        if entry.request_id:
            st.caption(f"Request-Id: `{entry.request_id}`")


def explorer_link(pi_id: str, *, label: str | None = None, key: str | None = None) -> None:
    st.page_link(ui_pages.page(ui_pages.EXPLORER), label=label or f"Open {pi_id} in the Payments explorer", icon=":material/search:",
                 query_params={"pi": pi_id})
