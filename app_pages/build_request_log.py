"""Request log — every API request this app made (like `stripe logs tail`), with bodies, keys masked."""

import time

import pandas as pd
import streamlit as st

from lib.lab import reqlog
from lib.lab.ui_common import connected_page
from lib.request_log import REQUEST_LOG

conn = connected_page("Request log", "Every request the app sent to the API in this server session: method, path, status, "
       "latency, idempotency key, request id, and the masked request and response bodies.")
st.caption(f"Keeps the last {REQUEST_LOG.capacity} requests (shared by every browser tab of this local app). API keys, "
           "card numbers and CVCs are masked before anything is stored. SDK retries appear as separate rows with "
           "the same idempotency key. The traffic simulator's requests are kept out of this log.")

c1, c2, c3, c4, c5 = st.columns([2, 2, 2, 3, 1.4])
methods = c1.multiselect("Method", ["GET", "POST", "DELETE"], key="reqlog_methods")
statuses = c2.multiselect("Status", reqlog.STATUS_CLASSES, key="reqlog_statuses")
origin = c3.selectbox("Origin", ["(all)", *reqlog.origins(REQUEST_LOG.entries())], key="reqlog_origin")
text = c4.text_input("Search (path, request id, idempotency key, body)", key="reqlog_text")
live = c5.toggle("Live (2 s)", value=False, key="reqlog_live")
o1, o2 = st.columns(2)
idem = o1.checkbox("Only requests with an idempotency key", key="reqlog_idem")
quiet = o2.checkbox("Hide auto-refresh polling (live pages)", value=True, key="reqlog_hide_polling")
flt = reqlog.LogFilter(tuple(methods), tuple(statuses), text.strip(), "" if origin == "(all)" else origin, idem,
                       quiet)


def tail() -> None:
    entries = reqlog.select(REQUEST_LOG.entries(), flt)
    stats = reqlog.summary(entries)
    cols = st.columns(4)
    cols[0].metric("Requests", stats["requests"])
    cols[1].metric("Not 2xx", stats["errors"])
    cols[2].metric("Latency p50", f"{stats['p50 ms']} ms" if stats["p50 ms"] is not None else "—")
    cols[3].metric("Latency p95", f"{stats['p95 ms']} ms" if stats["p95 ms"] is not None else "—")
    if not entries:
        st.info("No requests yet" + (" match these filters." if REQUEST_LOG.entries() else
                                     ": open another page (or run a scenario) and come back."))
        return
    st.markdown("**`stripe logs tail`**, newest first")
    st.code("\n".join(reqlog.tail_line(e) for e in entries[:200]), language="text")
    st.caption(f"Updated {time.strftime('%H:%M:%S')}")


st.fragment(tail, run_every=2 if live else None)()

entries = reqlog.select(REQUEST_LOG.entries(), flt)
if entries:
    st.subheader("Inspect a request")
    # The table's selection refers to the rows shown in the previous run: map it through their seq numbers.
    shown_before = st.session_state.get("reqlog_seqs") or []
    frame = pd.DataFrame([e.as_row() for e in entries[:500]])
    picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key="reqlog_table")
    st.session_state["reqlog_seqs"] = [e.seq for e in entries[:500]]
    rows = picked.selection.rows if picked else []
    wanted = shown_before[rows[0]] if rows and rows[0] < len(shown_before) else None
    entry = next((e for e in entries if e.seq == wanted), entries[0])
    st.markdown(f"**#{entry.seq} `{entry.method} {entry.path}`** → HTTP {entry.status or '—'} in "
                f"{entry.latency_ms:.1f} ms" + (" · idempotent replay" if entry.idempotent_replayed else ""))
    facts = {"request id": entry.request_id, "idempotency key": entry.idempotency_key, "Stripe-Version":
             entry.stripe_version, "attempt": entry.attempt, "origin": entry.origin, "API base": entry.api_base,
             "error": entry.error}
    st.caption(" · ".join(f"{k}: `{v}`" for k, v in facts.items() if v not in (None, "")))
    left, right = st.columns(2)
    with left:
        st.markdown("**Request body** (masked)")
        lang, body = reqlog.pretty_body(entry.request_body)
        st.code(body or "(none: GET parameters are in the path)", language=lang)
    with right:
        st.markdown("**Response body** (masked)")
        lang, body = reqlog.pretty_body(entry.response_body)
        st.code(body or entry.error or "(none)", language=lang)
    if st.button("Clear the log", key="reqlog_clear"):
        REQUEST_LOG.clear()
        st.session_state.pop("reqlog_seqs", None)
        st.rerun()
