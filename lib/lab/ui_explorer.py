"""Streamlit rendering for the Payments explorer's detail view: state diagram, timeline, related
objects, balance transactions, raw JSON and the actions the current state allows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib import ui
from lib.stripe_facts import currencies, lifecycle
from lib.stripe_facts.currencies import format_amount

from . import payment_detail as pd
from .explorer import card_brand, card_last4
from .ui_common import json_block, when

STATUS_COLORS = {"succeeded": "green", "canceled": "gray", "requires_capture": "blue", "requires_action": "orange",
                 "processing": "blue", "requires_payment_method": "red", "requires_confirmation": "violet"}


def summary(d: pd.Detail) -> None:
    pi, cur = d.pi, d.pi["currency"]
    st.badge(lifecycle.PIStatus(pi["status"]).label, color=STATUS_COLORS.get(pi["status"], "gray"))  # type: ignore[arg-type]
    cols = st.columns(4)
    cols[0].metric("Amount", format_amount(pi["amount"], cur))
    cols[1].metric("Received", format_amount(pi.get("amount_received"), cur))
    cols[2].metric("Capturable", format_amount(pi.get("amount_capturable"), cur))
    charge = d.charge or {}
    cols[3].metric("Refunded", format_amount(charge.get("amount_refunded"), cur))
    brand = card_brand(pi)
    customer = pi.get("customer") if isinstance(pi.get("customer"), str) else (pi.get("customer") or {}).get("id")
    st.caption(" · ".join(filter(None, (
        f"Created {when(pi['created'])}", f"card {brand} •••• {card_last4(pi)}" if brand else None,
        f"capture_method `{pi.get('capture_method')}`", f"customer `{customer}`" if customer else None,
        pi.get("description")))))
    error = pi.get("last_payment_error")
    if error:
        st.warning(f"last_payment_error: `{error.get('code')}`"
                   + (f" / `{error.get('decline_code')}`" if error.get("decline_code") else "")
                   + f" — {error.get('message', '')}")


def diagram(d: pd.Detail) -> None:
    st.markdown("**Lifecycle** — filled: where it is now; highlighted: the path it took")
    st.graphviz_chart(lifecycle.graphviz_dot(d.pi["status"], d.path), width="stretch")
    st.caption("Path: " + " → ".join(d.path))


def timeline(d: pd.Detail) -> None:
    st.markdown(f"**Timeline** — {len(d.timeline)} steps, {len(d.events)} events")
    if d.events_note:
        st.info(d.events_note)
    for entry in d.timeline:
        icon = ":material/swap_horiz:" if entry.kind == "transition" else ":material/receipt_long:"
        st.markdown(f"{icon} **{when(entry.at)[11:19]}** — {entry.title}")
        detail = " → ".join(f"`{e['type']}`" for e in entry.events) + f" · {entry.request}"
        if entry.explanation:
            detail += f"  \n{entry.explanation}"
        st.caption(detail)


def related(d: pd.Detail) -> None:
    cur = d.pi["currency"]
    st.markdown("**Charges** (one per confirmation attempt)")
    st.dataframe([{"id": c["id"], "status": c.get("status"), "amount": format_amount(c.get("amount"), cur),
                   "captured": c.get("captured"), "refunded": format_amount(c.get("amount_refunded"), cur),
                   "disputed": c.get("disputed"), "failure": c.get("failure_code") or "",
                   "outcome": (c.get("outcome") or {}).get("seller_message") or "", "created": when(c.get("created"))}
                  for c in d.charges] or [{"id": "none"}], hide_index=True, width="stretch", key="explorer_charges")
    st.markdown("**Refunds**")
    if d.refunds:
        st.dataframe([{"id": r["id"], "status": r.get("status"), "amount": format_amount(r.get("amount"), cur),
                       "reason": r.get("reason") or "", "failure": r.get("failure_reason") or "",
                       "created": when(r.get("created"))} for r in d.refunds], hide_index=True, width="stretch",
                     key="explorer_refunds")
    else:
        st.caption("No refunds.")
    st.markdown("**Disputes**")
    if d.disputes:
        st.dataframe([{"id": x["id"], "status": x.get("status"), "reason": x.get("reason"),
                       "amount": format_amount(x.get("amount"), cur),
                       "kind": ((x.get("payment_method_details") or {}).get("card") or {}).get("case_type"),
                       "refundable": x.get("is_charge_refundable"),
                       "evidence due": when((x.get("evidence_details") or {}).get("due_by"))} for x in d.disputes],
                     hide_index=True, width="stretch", key="explorer_disputes")
    else:
        st.caption("No disputes.")


def balance(d: pd.Detail) -> None:
    if not d.balance_transactions:
        st.caption("No balance transactions yet (nothing captured, or the capture is still settling).")
        return
    st.dataframe([pd.bt_row(b) for b in d.balance_transactions], hide_index=True, width="stretch",
                 key="explorer_bts")
    cur = d.balance_transactions[0].get("currency") or "usd"
    fee = sum(int(b.get("fee") or 0) for b in d.balance_transactions)
    net = sum(int(b.get("net") or 0) for b in d.balance_transactions)
    st.caption(f"Total fees {format_amount(fee, cur)} · net effect on your balance {format_amount(net, cur)} (settlement "
               f"currency {cur.upper()}).")


def raw(d: pd.Detail) -> None:
    json_block("PaymentIntent", d.pi, expanded=True)
    for label, items in (("Charges", d.charges), ("Refunds", d.refunds), ("Disputes", d.disputes),
                         ("Events", d.events)):
        if items:
            json_block(f"{label} ({len(items)})", items)


def actions(d: pd.Detail, act: Callable[[str, Callable[[], Any]], None]) -> None:
    """Forms for the actions valid in the current state; ``act(label, fn)`` performs one."""
    pi, cur = d.pi, d.pi["currency"]
    valid = d.actions()
    disputes = [x for x in d.disputes if pd.Detail.dispute_actions(x)]
    st.markdown(f"**Actions for a `{pi['status']}` PaymentIntent**")
    if not valid and not disputes:
        st.caption("No actions are possible in this state"
                   + (" (succeeded and fully refunded, or charged back)." if pi["status"] == "succeeded" else "."))
    if "capture" in valid:
        with st.form("explorer_capture_form"):
            full = currencies.minor_to_major(int(pi.get("amount_capturable") or 0), cur)
            amount = st.text_input(f"Amount to capture ({cur.upper()}); less than {full} captures part and "
                                   "releases the rest", value=str(full),
                                   key=f"explorer_capture_amount_{pi['id']}_{pi.get('amount_capturable')}")
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
            amount = st.text_input(f"Amount to refund ({cur.upper()}); at most {left}", value=str(left),
                                   key=f"explorer_refund_amount_{pi['id']}_{d.refundable}")
            reason = st.selectbox("Reason", ("(none)", *pd.REFUND_REASONS), key="explorer_refund_reason")
            if st.form_submit_button("Refund"):
                act("Refund created", lambda: pd.refund(_client(), d, amount, None if reason == "(none)" else reason))
    labels = {"win": "Submit winning evidence", "lose": "Submit losing evidence",
              "escalate": "Escalate inquiry", "accept": "Accept dispute"}
    for dispute in disputes:
        st.markdown(f"Dispute `{dispute['id']}` · {dispute.get('reason')} · **{dispute['status']}** — evidence uses "
                    "Stripe's magic test strings (winning_evidence / losing_evidence / escalate_inquiry_evidence).")
        cols = st.columns(4)
        for col, name in zip(cols, pd.Detail.dispute_actions(dispute)):
            if col.button(labels[name], key=f"explorer_dispute_{dispute['id']}_{name}"):
                if name == "accept":
                    act("Dispute accepted", lambda did=dispute["id"]: pd.accept_dispute(_client(), d, did))
                else:
                    act("Evidence submitted", lambda did=dispute["id"], n=name: pd.submit_evidence(_client(), d, did, n))


def _client() -> Any:
    return ui.get_connection().client
