"""Streamlit helpers shared by the Build pages (the only lib/lab modules that import streamlit
are the ui_*.py ones)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import streamlit as st

from lib import ui, ui_pages
from lib.column_widths import fitted_width
from lib.gateway import Connection
from lib.request_log import RequestLogEntry
from lib.stripe_facts.statuses import http_status_badge

from .reqlog import pretty_body, table_row, tail_line
from .tables import DEFAULT_PER_PAGE, Page, paginate, selected_row


def when(ts: float | int | None) -> str:
    if not ts:
        return ""
    return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def connected_page(title: str, blurb: str) -> Connection:
    """How every Build page starts: its title, then the app's connection (``lib.ui.require_connection``:
    a misconfigured app still shows which page this is, says why it cannot connect, and stops), then
    the blurb, the mode badge and the read-only warning. (The app's webhook endpoint is already
    registered: app.py starts the shop on every run, before the page.) Placeholders are styled as hints."""
    st.title(title)
    conn = ui.require_connection()
    left, right = st.columns([5, 1])
    left.caption(blurb)
    with right:
        ui.mode_badge(conn)
    if conn.read_only:
        st.warning("Live read-only mode: every write on this page is blocked before it is sent.", icon=":material/lock:")
    hint_placeholders()
    return conn


def json_block(label: str, obj: Any, *, expanded: bool = False) -> None:
    with st.expander(label, expanded=expanded):
        st.code(json.dumps(obj, indent=2, default=str), language="json")


def pager(page: Page, *, key: str) -> None:
    """"← Newer · 26–50 of 312 · page 2 of 13 · Older →" for a list paged with :func:`tables.paginate`;
    the page number lives in ``st.session_state[key]`` (read it with :func:`page_number`)."""
    if page.pages <= 1:
        st.caption(page.caption)
        return
    row = st.container(horizontal=True, vertical_alignment="center", key=f"{key}_pager")
    row.button("← Previous", key=f"{key}_prev", disabled=not page.has_previous,
               on_click=lambda: st.session_state.update({key: page.number - 1}))
    row.caption(page.caption, width="content")
    row.button("Next →", key=f"{key}_next", disabled=not page.has_next,
               on_click=lambda: st.session_state.update({key: page.number + 1}))


def page_number(key: str) -> int:
    return int(st.session_state.get(key) or 1)


def requests_table(entries: list[RequestLogEntry], *, key: str, per_page: int = DEFAULT_PER_PAGE,
                   show_time: bool = True) -> RequestLogEntry | None:
    """A compact, paged table of requests (time, method, path, status coloured by class, latency,
    request id); a click on a row selects it. Returns the selected entry (None until one is clicked).
    ``show_time=False`` leaves the time out (one scenario's requests, all in the same second, in a
    narrower box: the request's detail still says when)."""
    page = paginate(entries, page_number(f"{key}_page"), per_page)
    st.session_state[f"{key}_page"] = page.number
    rows, config = ui.badge_rows([table_row(e) for e in page.items], {"status": http_status_badge})
    config.update({"time": st.column_config.TextColumn("Time", width=70),
                   "method": st.column_config.TextColumn("Method", width=65),
                   # as wide as this page's longest path and id: the grid would size them by the first rows
                   "path": st.column_config.TextColumn("Path", width=fitted_width("Path", [r["path"] for r in rows])),
                   "ms": st.column_config.NumberColumn("ms", width=50, format="%d"),
                   "request id": st.column_config.TextColumn(
                       "Request id", width=fitted_width("Request id", [r["request id"] for r in rows])),
                   "note": st.column_config.TextColumn("Note")})
    if "status" in config:
        config["status"] = {**config["status"], "label": "Status", "width": 70}
    # Columns sized to their content (the path and request id are the long ones), all rows in view.
    columns = ["time"] * show_time + ["method", "path", "status", "ms", "request id"] + (
        ["note"] if any(r["note"] for r in rows) else [])
    # A new first row (live updates) is a new table: a selection always refers to the rows it was made on.
    table_key = f"{key}_table_{page.number}_{page.items[0].seq if page.items else 0}"
    event = st.dataframe(rows, hide_index=True, width="stretch", column_config=config, column_order=columns,
                         placeholder="", key=table_key, on_select="rerun", selection_mode="single-cell",
                         height=38 + 35 * len(rows))
    index = selected_row(event.selection)
    if index is not None and index < len(page.items):
        st.session_state[f"{key}_selected"] = page.items[index].seq
    pager(page, key=f"{key}_page")
    wanted = st.session_state.get(f"{key}_selected")
    return next((e for e in entries if e.seq == wanted), None)


def request_detail(entry: RequestLogEntry) -> None:
    """One request, `stripe logs tail` style, then its masked request and response bodies, stacked."""
    st.code(tail_line(entry), language="text", wrap_lines=True)
    facts = {"Stripe-Version": entry.stripe_version, "origin": entry.origin, "API base": entry.api_base}
    st.caption(" · ".join(f"{k}: `{v}`" for k, v in facts.items() if v not in (None, "")))
    st.markdown(f"**Request** · `{entry.method} {entry.path}`")
    lang, text = pretty_body(entry.request_body)
    st.code(text or "(no body: GET parameters are in the path)", language=lang, height=_code_height(text))
    st.markdown(f"**Response** · HTTP {entry.status or '—'} · {entry.latency_ms:.0f} ms"
                + (" · **idempotent replay**" if entry.idempotent_replayed else ""))
    lang, text = pretty_body(entry.response_body)
    st.code(text or entry.error or "(no body)", language=lang, height=_code_height(text))


def _code_height(text: str, max_lines: int = 24) -> int | str:
    """Long bodies scroll inside a box instead of growing the page."""
    return 24 * max_lines if text.count("\n") > max_lines else "content"


def explorer_link(pi_id: str, *, label: str | None = None, key: str | None = None) -> None:
    st.page_link(ui_pages.page(ui_pages.EXPLORER), label=label or f"Open {pi_id} in the Payments explorer", icon=":material/search:",
                 query_params={"pi": pi_id})


def hint_placeholders() -> None:
    """Placeholders read as hints, never as filled-in values: lighter and in italics."""
    st.html("<style>[data-testid='stMain'] input::placeholder, [data-testid='stMain'] textarea::placeholder "
            "{color: #8b95a3; font-style: italic; opacity: 1;}</style>")
