"""Streamlit rendering for the Payments explorer's detail view: state diagram, timeline, related
objects, balance transactions, raw JSON and the actions the current state allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib import ui
from lib.stripe_facts import currencies, lifecycle
from lib.stripe_facts import statuses as shown
from lib.stripe_facts.currencies import format_amount

from . import payment_detail as pd
from .explorer import card_brand, card_last4, customer_id
from .tables import selected_row
from .ui_common import json_block, when


def open_payment(pi_id: str) -> None:
    """Show ``pi_id``'s detail: the page reads ``?pi=`` (so the address is a link to it)."""
    st.query_params["pi"] = pi_id
    st.session_state.pop("explorer_detail", None)


def open_clicked(table_key: str, ids: list[str]) -> None:
    """The list table's ``on_select`` callback: a click on any cell of a row opens that payment.
    It runs before the rerun the click causes, so that run draws the detail straight away."""
    index = selected_row((st.session_state.get(table_key) or {}).get("selection"))
    if index is not None and index < len(ids):
        open_payment(ids[index])


def summary(d: pd.Detail) -> None:
    pi, cur = d.pi, d.pi["currency"]
    ui.status_badge(shown.payment_badge_of(pi, d.charge))
    cols = st.columns(4)
    cols[0].metric("Amount", format_amount(pi["amount"], cur))
    cols[1].metric("Received", format_amount(pi.get("amount_received"), cur))
    cols[2].metric("Capturable", format_amount(pi.get("amount_capturable"), cur))
    charge = d.charge or {}
    cols[3].metric("Refunded", format_amount(charge.get("amount_refunded"), cur))
    brand = card_brand(pi)
    customer = customer_id(pi)
    st.caption(" · ".join(filter(None, (
        f"Created {when(pi['created'])}", f"status `{pi['status']}`",
        f"card {brand} •••• {card_last4(pi)}" if brand else None,
        f"capture_method `{pi.get('capture_method')}`", f"customer `{customer}`" if customer else None,
        pi.get("description")))))
    error = pi.get("last_payment_error")
    if error:
        st.warning(f"last_payment_error: `{error.get('code')}`"
                   + (f" / `{error.get('decline_code')}`" if error.get("decline_code") else "")
                   + f" — {error.get('message', '')}")


def diagram(d: pd.Detail) -> None:
    """The state diagram: the path taken and the next possible moves; every transition on demand, in a
    wide dialog (the whole graph in the page's column would be too small to read)."""
    st.markdown("**Lifecycle** — the path this payment took (highlighted), where it is now (filled) and "
                "where it can go next (dashed)")
    st.graphviz_chart(lifecycle.graphviz_dot(d.pi["status"], d.path, focus=True, rankdir="LR"), width="content")
    if st.button("Show every possible transition", key="explorer_full_graph", icon=":material/account_tree:",
                 type="tertiary"):
        _full_graph(d.pi["status"], tuple(d.path))


@st.dialog("Every possible transition of a PaymentIntent", width="large")
def _full_graph(status: str, path: tuple[str, ...]) -> None:
    st.caption("Filled: where this payment is now · highlighted: the path it took · double border: a final state.")
    st.graphviz_chart(lifecycle.graphviz_dot(status, path, focus=False, rankdir="TB"), width="stretch")


def _transition_line(entry: pd.TimelineEntry) -> str:
    source = ui.badge_md(shown.pi_status_badge(entry.from_status)) if entry.from_status else ":gray-badge[Created]"
    return f"{source} → {ui.badge_md(shown.pi_status_badge(entry.to_status))}"


def _activity_line(entry: pd.TimelineEntry) -> str:
    obj = pd.activity_object(entry.events)
    kind = str(obj.get("object", "object")).replace("_", " ").replace("radar.", "")
    badge = ui.badge_md(shown.object_status_badge(obj.get("object"), obj.get("status"))) if obj.get("status") else ""
    what = pd.activity_details(obj)
    return f"{kind.capitalize()} `{obj.get('id', '')}` {badge}" + (f" · {what}" if what else "")


def timeline(d: pd.Detail) -> None:
    st.markdown(f"**Timeline** — {len(d.timeline)} steps, {len(d.events)} events")
    if d.events_note:
        st.info(d.events_note)
    for entry in d.timeline:
        icon = ":material/swap_horiz:" if entry.kind == "transition" else ":material/receipt_long:"
        line = _transition_line(entry) if entry.kind == "transition" else _activity_line(entry)
        st.markdown(f"{icon} **{when(entry.at)[11:19]}** {line}")
        detail = " → ".join(f"`{e['type']}`" for e in entry.events) + f" · {entry.request}"
        if entry.explanation:
            detail += f"  \n{entry.explanation}"
        st.caption(detail)


def _table(rows: list[dict[str, Any]], badges: dict[str, Any], *, key: str) -> None:
    """A related-objects table: statuses as badges, and only the columns some row fills (so it fits)."""
    shown_rows, config = ui.badge_rows(rows, badges)
    columns = [c for c in rows[0] if any(r.get(c) not in (None, "") for r in rows)]
    st.dataframe(shown_rows, hide_index=True, width="stretch", key=key, column_config=config, column_order=columns,
                 placeholder="")


def _day(ts: Any) -> str:
    """``2026-12-03 10:17`` (UTC): short enough for a table column."""
    return when(ts)[:16]


def related(d: pd.Detail) -> None:
    cur, pi_status = d.pi["currency"], d.pi["status"]
    st.markdown("**Charges** (one per confirmation attempt)")
    if d.charges:
        _table([{"id": c["id"], "status": c, "amount": format_amount(c.get("amount"), cur),
                 "refunded": format_amount(c.get("amount_refunded"), cur), "failure": c.get("failure_code"),
                 "outcome": (c.get("outcome") or {}).get("seller_message"), "created (UTC)": _day(c.get("created"))}
                for c in d.charges],
               {"status": lambda c: shown.charge_badge_of(c, payment_intent_status=pi_status)}, key="explorer_charges")
    else:
        st.caption("No charges yet (the payment was never confirmed).")
    st.markdown("**Refunds**")
    if d.refunds:
        _table([{"id": r["id"], "status": r.get("status"), "amount": format_amount(r.get("amount"), cur),
                 "reason": r.get("reason"), "failure": r.get("failure_reason"), "created (UTC)": _day(r.get("created"))}
                for r in d.refunds], {"status": shown.refund_badge}, key="explorer_refunds")
    else:
        st.caption("No refunds.")
    st.markdown("**Disputes**")
    if d.disputes:
        _table([{"id": x["id"], "status": x.get("status"), "reason": x.get("reason"),
                 "amount": format_amount(x.get("amount"), cur),
                 "kind": ((x.get("payment_method_details") or {}).get("card") or {}).get("case_type"),
                 "refundable": x.get("is_charge_refundable"),
                 "evidence due (UTC)": _day((x.get("evidence_details") or {}).get("due_by"))} for x in d.disputes],
               {"status": shown.dispute_badge}, key="explorer_disputes")
    else:
        st.caption("No disputes.")


def balance(d: pd.Detail) -> None:
    if not d.balance_transactions:
        st.caption("No balance transactions yet (nothing captured, or the capture is still settling).")
        return
    _table([pd.bt_row(b) for b in d.balance_transactions], {"status": shown.balance_transaction_badge},
           key="explorer_bts")
    cur = d.balance_transactions[0].get("currency") or "usd"
    fee = sum(int(b.get("fee") or 0) for b in d.balance_transactions)
    net = sum(int(b.get("net") or 0) for b in d.balance_transactions)
    st.caption(f"Total fees {format_amount(fee, cur)} · net effect on your balance {format_amount(net, cur)} (settlement "
               f"currency {cur.upper()}).")


def raw(d: pd.Detail) -> None:
    json_block("PaymentIntent", d.pi)
    for label, items in (("Charges", d.charges), ("Refunds", d.refunds), ("Disputes", d.disputes),
                         ("Events", d.events)):
        if items:
            json_block(f"{label} ({len(items)})", items)


def actions(d: pd.Detail, act: Callable[[str, Callable[[], Any]], None]) -> None:
    """Forms for the actions valid in the current state; ``act(label, fn)`` performs one."""
    pi, cur = d.pi, d.pi["currency"]
    valid = d.actions()
    disputes = [x for x in d.disputes if pd.Detail.dispute_actions(x)]
    st.markdown(f"**Actions** for this {ui.badge_md(shown.pi_status_badge(pi['status']))} PaymentIntent")
    if not valid and not disputes:
        st.caption("No actions are possible in this state"
                   + (" (succeeded and fully refunded, or charged back)." if pi["status"] == "succeeded" else "."))
    if "capture" in valid:
        with st.form("explorer_capture_form"):
            full = currencies.minor_to_major(int(pi.get("amount_capturable") or 0), cur)
            amount = st.text_input(f"Amount to capture ({cur.upper()})", value=str(full),
                                   key=f"explorer_capture_amount_{pi['id']}_{pi.get('amount_capturable')}")
            st.caption(f"Less than {full} captures part and releases the rest.")
            if st.form_submit_button("Capture"):
                act("Captured", lambda: pd.capture(_client(), d, amount))
    if "cancel" in valid:
        with st.form("explorer_cancel_form"):
            reason = st.selectbox("Cancellation reason", ("(none)", *pd.CANCEL_REASONS), key="explorer_cancel_reason")
            if st.form_submit_button("Cancel PaymentIntent"):
                act("Canceled", lambda: pd.cancel(_client(), d, None if reason == "(none)" else reason))
    if "refund" in valid:
        with st.form("explorer_refund_form"):
            left = currencies.minor_to_major(d.refundable, cur)
            amount = st.text_input(f"Amount to refund ({cur.upper()})", value=str(left),
                                   key=f"explorer_refund_amount_{pi['id']}_{d.refundable}")
            st.caption(f"At most {format_amount(d.refundable, cur)}.")
            reason = st.selectbox("Reason", ("(none)", *pd.REFUND_REASONS), key="explorer_refund_reason")
            if st.form_submit_button("Refund"):
                act("Refund created", lambda: pd.refund(_client(), d, amount, None if reason == "(none)" else reason))
    labels = {"win": "Submit winning evidence", "lose": "Submit losing evidence",
              "escalate": "Escalate inquiry", "accept": "Accept dispute"}
    for dispute in disputes:
        st.markdown(f"Dispute `{dispute['id']}` · {dispute.get('reason')} · "
                    f"{ui.badge_md(shown.dispute_badge(dispute['status']))} — evidence uses Stripe's magic test "
                    "strings (winning_evidence / losing_evidence / escalate_inquiry_evidence).")
        buttons = st.container(horizontal=True, wrap=True)
        for name in pd.Detail.dispute_actions(dispute):
            if buttons.button(labels[name], key=f"explorer_dispute_{dispute['id']}_{name}"):
                if name == "accept":
                    act("Dispute accepted", lambda did=dispute["id"]: pd.accept_dispute(_client(), d, did))
                else:
                    act("Evidence submitted", lambda did=dispute["id"], n=name: pd.submit_evidence(_client(), d, did, n))


def _client() -> Any:
    return ui.get_connection().client
