"""Payments explorer — search PaymentIntents, then open one: diagram, timeline, money, actions."""

import functools

import streamlit as st

from lib import ui
from lib.config import Mode
from lib.lab import explorer, payment_detail
from lib.lab import ui_explorer as view
from lib.lab.ui_common import connected_page
from lib.stripe_facts.cards import BRANDS

conn = connected_page("Payments explorer", "Newest PaymentIntents first, paged through the API (limit/starting_after, "
       "expand data.latest_charge). Click a row to see the path it took, every event, its money and what you can "
       "do next. Link here with ?pi=pi_….")
is_sandbox = conn.mode == Mode.SANDBOX


def load_detail(pi_id: str, *, fresh: bool = False) -> payment_detail.Detail | Exception:
    cached = st.session_state.get("explorer_detail")
    if cached and cached["id"] == pi_id and not fresh:
        return cached["detail"]
    try:
        detail = payment_detail.load(conn.client, pi_id, sandbox=is_sandbox)
    except Exception as exc:
        return exc
    st.session_state["explorer_detail"] = {"id": pi_id, "detail": detail}
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


def back() -> None:
    st.query_params.pop("pi", None)
    st.session_state.pop("explorer_detail", None)
    st.session_state["explorer_table_nonce"] = st.session_state.get("explorer_table_nonce", 0) + 1


# --- detail view --------------------------------------------------------------------------------
pi_param = st.query_params.get("pi")
if pi_param:
    try:
        pi_id = explorer.normalize_pi_id(pi_param)
    except explorer.FilterError as exc:
        pi_id, problem = None, exc
    # Everything is fetched before anything below the title is drawn: the page appears whole.
    refresh = st.session_state.pop("explorer_refresh_now", False)
    detail = load_detail(pi_id, fresh=refresh) if pi_id else problem
    top = st.container(horizontal=True)
    top.button("← Back", key="explorer_back", help="Back to the list of payments", on_click=back)
    top.button("↻ Refresh", key="explorer_refresh",
               on_click=lambda: st.session_state.update(explorer_refresh_now=True))
    if pi_id:
        st.subheader(pi_id)
    flash()
    if isinstance(detail, explorer.FilterError):
        st.error(str(detail))
    elif isinstance(detail, Exception):
        ui.show_error(detail)
    else:
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
    shown_statuses = c1.multiselect("Status", explorer.PAYMENT_STATUSES, key="explorer_status",
                                    placeholder="Any status")
    brands = c2.multiselect("Card brand", [b for b in BRANDS if b not in ("link", "unknown")], key="explorer_brand",
                            placeholder="Any brand")
    currency = c3.text_input("Currency", key="explorer_currency", placeholder="e.g. usd")
    decline = c4.text_input("Decline code", key="explorer_decline", placeholder="e.g. insufficient_funds")
    c5, c6, c7, c8 = st.columns(4)
    amount_min = c5.text_input("Amount from", key="explorer_amount_min", placeholder="e.g. 10.00")
    amount_max = c6.text_input("Amount to", key="explorer_amount_max", placeholder="e.g. 500")
    customer = c7.text_input("Customer id", key="explorer_customer", placeholder="e.g. cus_Nx…")
    text = c8.text_input("Text", key="explorer_text", placeholder="e.g. pi_3Nx…",
                         help="Found in the id, description, customer, receipt email or metadata.")
    c9, c10, _ = st.columns([1, 1, 2])
    date_from = c9.date_input("Created from", value=None, key="explorer_from")
    date_to = c10.date_input("Created to", value=None, key="explorer_to")
    submitted = st.form_submit_button("Search", type="primary")

try:
    filters = explorer.parse_filters(
        payment_statuses=shown_statuses, amount_min=amount_min, amount_max=amount_max, currency=currency,
        customer=customer, created_from=date_from, created_to=date_to, brands=brands, decline_code=decline,
        text=text)
except explorer.FilterError as exc:
    st.error(str(exc))
    st.stop()

if submitted or st.session_state.get("explorer_filters") != filters:
    st.session_state["explorer_filters"] = filters
    st.session_state["explorer_cursors"] = [None]

with st.popover("Open a PaymentIntent by id"):
    typed = st.text_input("PaymentIntent id", key="explorer_open_id", placeholder="e.g. pi_3Nx…")
    if st.button("Open", key="explorer_open_button"):
        try:
            view.open_payment(explorer.normalize_pi_id(typed))
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
    rows, config = ui.badge_rows([explorer.row(pi) for pi in result.items], {"status": lambda badge: badge})
    # Columns that fit a 1280 px window, the optional ones only when a row fills them: the id, the
    # description and the brand/last4 apart are in the detail (and the Text filter finds them).
    columns = ["created", "amount", "status", "card"] + [
        c for c in ("decline code", "customer") if any(r[c] for r in rows)]
    config.update({
        "created": st.column_config.DatetimeColumn("Created (UTC)", format="MMM D, HH:mm", width=95),
        "amount": st.column_config.TextColumn("Amount", width=80),
        "status": {**config["status"], "label": "Status", "width": 135},
        "card": st.column_config.TextColumn("Card", width=140),
        "decline code": st.column_config.TextColumn("Decline code", width=170),
        "customer": st.column_config.TextColumn("Customer", width=190),
    })
    # A new filter, page or return from a payment is a new table: no selection carried over.
    table_key = f"explorer_table_{hash(filters) % 10**8}_{page_no}_{st.session_state.get('explorer_table_nonce', 0)}"
    st.dataframe(rows, hide_index=True, width="stretch", column_order=columns, column_config=config,
                 placeholder="", key=table_key, selection_mode="single-cell",
                 on_select=functools.partial(view.open_clicked, table_key, [pi["id"] for pi in result.items]),
                 height=min(38 + 35 * len(rows), 920))
    st.caption("Click a payment to open it.")
else:
    st.info("No PaymentIntents match these filters" + ("." if result.exhausted else " in the part scanned; "
            "try the next page."))
nav = st.container(horizontal=True)
if page_no > 1 and nav.button("← Newer", key="explorer_prev"):
    cursors.pop()
    st.rerun()
if not result.exhausted and nav.button("Older →", key="explorer_next"):
    cursors.append(result.next_cursor)
    st.rerun()
