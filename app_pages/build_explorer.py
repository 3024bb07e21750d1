"""Payments explorer — search PaymentIntents, then open one: diagram, timeline, money, actions."""

import time

import pandas as pd
import streamlit as st

from lib import ui
from lib.config import Mode
from lib.lab import explorer, payment_detail
from lib.lab import ui_explorer as view
from lib.lab.ui_common import connected_page
from lib.stripe_facts.cards import BRANDS
from lib.stripe_facts.lifecycle import STATUS_ORDER

conn = connected_page("Payments explorer", "Newest PaymentIntents first, paged through the API (limit/starting_after, "
       "expand data.latest_charge). Open one to see the path it took, every event, its money and what you can "
       "do next. Link here with ?pi=pi_….")
is_sandbox = conn.mode == Mode.SANDBOX


def open_pi(pi_id: str) -> None:
    st.query_params["pi"] = pi_id
    st.session_state.pop("explorer_detail", None)


def load_detail(pi_id: str, *, fresh: bool = False) -> payment_detail.Detail | None:
    cached = st.session_state.get("explorer_detail")
    if cached and cached["id"] == pi_id and not fresh:
        return cached["detail"]
    try:
        detail = payment_detail.load(conn.client, pi_id, sandbox=is_sandbox)
    except Exception as exc:
        ui.show_error(exc)
        return None
    st.session_state["explorer_detail"] = {"id": pi_id, "detail": detail, "at": time.time()}
    return detail


def act(label: str, fn) -> None:
    """Run one action; on success reload the payment, on failure say why (with Stripe's code)."""
    try:
        result = fn()
    except payment_detail.ActionError as exc:
        st.session_state["explorer_flash"] = ("error", str(exc))
    except Exception as exc:
        st.session_state["explorer_flash"] = ("exception", exc)
    else:
        status = result.get("status")
        st.session_state["explorer_flash"] = ("success", f"{label}: `{result.get('id')}` is now **{status}**.")
        st.session_state.pop("explorer_detail", None)
    st.rerun()


def flash() -> None:
    item = st.session_state.pop("explorer_flash", None)
    if not item:
        return
    kind, payload = item
    if kind == "success":
        st.success(payload)
    elif kind == "error":
        st.error(payload)
    else:
        ui.show_error(payload)


# --- detail view --------------------------------------------------------------------------------
pi_param = st.query_params.get("pi")
if pi_param:
    try:
        pi_id = explorer.normalize_pi_id(pi_param)
    except explorer.FilterError as exc:
        st.error(str(exc))
        pi_id = None
    top = st.columns([1, 1, 5])
    if top[0].button("← Back", key="explorer_back", help="Back to the list of payments", width="stretch"):
        del st.query_params["pi"]
        st.session_state.pop("explorer_detail", None)
        st.rerun()
    refresh = top[1].button("↻ Refresh", key="explorer_refresh", width="stretch")
    if pi_id:
        st.subheader(pi_id)
        flash()
        detail = load_detail(pi_id, fresh=refresh)
        if detail is not None:
            view.summary(detail)
            view.diagram(detail)
            left, right = st.columns([3, 2])
            with left:
                view.timeline(detail)
            with right, st.container(border=True):
                if conn.read_only:
                    st.caption("Actions are disabled in live read-only mode.")
                else:
                    view.actions(detail, act)
            tabs = st.tabs(["Related objects", "Balance transactions (fee, net)", "Raw JSON"])
            with tabs[0]:
                view.related(detail)
            with tabs[1]:
                view.balance(detail)
            with tabs[2]:
                view.raw(detail)
    st.stop()

# --- list view ----------------------------------------------------------------------------------
with st.form("explorer_filter_form"):
    c1, c2, c3, c4 = st.columns(4)
    statuses = c1.multiselect("Status", STATUS_ORDER, format_func=lambda s: s.value, key="explorer_status")
    brands = c2.multiselect("Card brand", [b for b in BRANDS if b not in ("link", "unknown")], key="explorer_brand")
    currency = c3.text_input("Currency", key="explorer_currency", placeholder="usd")
    decline = c4.text_input("Decline code", key="explorer_decline", placeholder="insufficient_funds")
    c5, c6, c7, c8 = st.columns(4)
    amount_min = c5.text_input("Amount from", key="explorer_amount_min", placeholder="10.00")
    amount_max = c6.text_input("Amount to", key="explorer_amount_max", placeholder="500")
    customer = c7.text_input("Customer id", key="explorer_customer", placeholder="cus_…")
    text = c8.text_input("Text (id, description, metadata)", key="explorer_text")
    c9, c10, _ = st.columns([1, 1, 2])
    date_from = c9.date_input("Created from", value=None, key="explorer_from")
    date_to = c10.date_input("Created to", value=None, key="explorer_to")
    submitted = st.form_submit_button("Search", type="primary")

try:
    filters = explorer.parse_filters(
        statuses=[s.value for s in statuses], amount_min=amount_min, amount_max=amount_max, currency=currency,
        customer=customer, created_from=date_from, created_to=date_to, brands=brands, decline_code=decline,
        text=text)
except explorer.FilterError as exc:
    st.error(str(exc))
    st.stop()

if submitted or st.session_state.get("explorer_filters") != filters:
    st.session_state["explorer_filters"] = filters
    st.session_state["explorer_cursors"] = [None]

with st.popover("Open a PaymentIntent by id"):
    typed = st.text_input("PaymentIntent id", key="explorer_open_id", placeholder="pi_…")
    if st.button("Open", key="explorer_open_button"):
        try:
            open_pi(explorer.normalize_pi_id(typed))
            st.rerun()
        except explorer.FilterError as exc:
            st.error(str(exc))

cursors: list = st.session_state.setdefault("explorer_cursors", [None])
try:
    result = explorer.browse(conn.client, filters, cursor=cursors[-1])
except Exception as exc:
    ui.show_error(exc)
    st.stop()

page_no = len(cursors)
st.caption(f"Page {page_no} · {len(result.items)} match(es) · scanned {result.scanned} PaymentIntents in "
           f"{result.requests} request(s)" + ("" if result.exhausted else " · more available"))
if result.items:
    frame = pd.DataFrame([explorer.row(pi) for pi in result.items])
    picked = st.dataframe(frame, hide_index=True, width="stretch", on_select="rerun", selection_mode="single-row",
                          key=f"explorer_table_{page_no}", height=min(38 + 35 * len(frame), 920),
                          column_config={"created": st.column_config.DatetimeColumn("created (UTC)",
                                                                                    format="YYYY-MM-DD HH:mm:ss")})
    rows = picked.selection.rows if picked else []
    if rows:
        open_pi(result.items[rows[0]]["id"])
        st.rerun()
    st.caption("Select a row to open the payment.")
else:
    st.info("No PaymentIntents match these filters" + ("." if result.exhausted else " in the part scanned; "
            "try the next page."))
nav = st.columns([1, 1, 6])
if page_no > 1 and nav[0].button("← Newer", key="explorer_prev"):
    cursors.pop()
    st.rerun()
if not result.exhausted and nav[1].button("Older →", key="explorer_next"):
    cursors.append(result.next_cursor)
    st.rerun()
