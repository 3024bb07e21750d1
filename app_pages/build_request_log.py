"""Request log — every API request this app made (like `stripe logs tail`), with bodies, keys masked."""

import time

import streamlit as st

from lib.lab import reqlog
from lib.lab.ui_common import connected_page, request_detail, requests_table
from lib.request_log import REQUEST_LOG

conn = connected_page("Request log", "Every request the app sent to the API in this server session: method, path, status, "
       "latency and request id, newest first. Click a request to see its masked request and response bodies.")
st.caption(f"Keeps the last {REQUEST_LOG.capacity} requests (shared by every browser tab of this local app). API keys, "
           "card numbers and CVCs are masked before anything is stored. SDK retries appear as separate rows with "
           "the same idempotency key. The traffic simulator's requests are kept out of this log.")

c1, c2, c3, c4 = st.columns([2, 2, 2, 3])
methods = c1.multiselect("Method", ["GET", "POST", "DELETE"], key="reqlog_methods", placeholder="Any method")
statuses = c2.multiselect("Status", reqlog.STATUS_CLASSES, key="reqlog_statuses", placeholder="Any status")
origin = c3.selectbox("Origin", ["(all)", *reqlog.origins(REQUEST_LOG.entries())], key="reqlog_origin")
text = c4.text_input("Search", key="reqlog_text", placeholder="e.g. req_…, /v1/refunds",
                     help="Found in the path, request id, idempotency key or a body.")
options = st.container(horizontal=True, gap="large")
idem = options.checkbox("Only requests with an idempotency key", key="reqlog_idem")
quiet = options.checkbox("Hide auto-refresh polling (live pages)", value=True, key="reqlog_hide_polling")
live = options.toggle("Live (refresh every 2 s)", value=False, key="reqlog_live")
flt = reqlog.LogFilter(tuple(methods), tuple(statuses), text.strip(), "" if origin == "(all)" else origin, idem,
                       quiet)


def log_view() -> None:
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
    selected = requests_table(entries, key="reqlog")
    st.caption(f"Newest first · updated {time.strftime('%H:%M:%S')}")
    if selected is None:
        st.caption("Click a request to see its headers and bodies.")
    else:
        with st.container(border=True):
            request_detail(selected)


st.fragment(log_view, run_every=2 if live else None)()

if REQUEST_LOG.entries() and st.button("Clear the log", key="reqlog_clear"):
    REQUEST_LOG.clear()
    st.session_state.pop("reqlog_selected", None)
    st.rerun()
