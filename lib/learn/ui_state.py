"""The walkthrough's session state (every key prefixed ``learn_``) and the run it describes."""

from __future__ import annotations

import time
from typing import Any

import streamlit as st

from lib.learn import flow, testcards
from lib.shop import payments
from lib.shop.api_calls import ApiCall

STEPS: tuple[tuple[int, str], ...] = (
    (1, "Collect the card"), (2, "Validate"), (3, "Send the id to your server"), (4, "Create the PaymentIntent"),
    (5, "The processor decides"), (6, "Handle the result"), (7, "After the payment"),
)
STEP_TITLES = dict(STEPS)

DEFAULTS: dict[str, Any] = {
    "learn_step": 1, "learn_pm": None, "learn_pm_call": None, "learn_token": None, "learn_client_event": None,
    "learn_last_nonce": None, "learn_fill_nonce": 0, "learn_reset_nonce": 0, "learn_pays": [],
    "learn_messages": [], "learn_retry": False, "learn_refund_calls": [], "learn_refund_token": None,
    "learn_dispute_calls": [], "learn_compare": None, "learn_watch_sig": None, "learn_watch_since": 0.0,
    "learn_notice": None,
}


def init() -> None:
    for name, value in DEFAULTS.items():
        if name not in st.session_state:
            st.session_state[name] = list(value) if isinstance(value, list) else value
    if "learn_order_id" not in st.session_state:
        st.session_state.learn_order_id = payments.new_order_id()
        st.session_state.learn_started = time.time()
    if "learn_card_key" not in st.session_state:
        st.session_state.learn_card_key = testcards.default_card().key
    if not st.session_state.learn_refund_token:
        st.session_state.learn_refund_token = payments.new_token()


def new_run(card_key: str | None = None) -> None:
    """Start over with a new order (the old one stays in the database)."""
    keep = {"learn_card_key": card_key or st.session_state.get("learn_card_key"),
            "learn_reset_nonce": st.session_state.get("learn_reset_nonce", 0) + 1,
            "learn_fill_nonce": st.session_state.get("learn_fill_nonce", 0),
            "learn_last_nonce": st.session_state.get("learn_last_nonce")}
    for name in list(st.session_state.keys()):
        if str(name).startswith("learn_") and not str(name).startswith(("learn_amount", "learn_currency")):
            del st.session_state[name]
    st.session_state.update(keep)
    init()


def go(step: int) -> None:
    st.session_state.learn_step = max(1, min(7, step))


def add(src: str, dst: str, label: str, kind: str = "api", t: float | None = None) -> None:
    """Record a message for the flow diagram (``t``: when it happened; default now)."""
    st.session_state.learn_messages.append(flow.Message(src, dst, label, kind, time.time() if t is None else t).as_dict())


def messages() -> list[flow.Message]:
    return flow.from_dicts(st.session_state.learn_messages)


def last_pay() -> payments.PayResult | None:
    pays = st.session_state.learn_pays
    return pays[-1] if pays else None


def current_pi() -> dict[str, Any] | None:
    """The PaymentIntent as last seen (after a refresh, the refreshed one)."""
    refreshed = st.session_state.get("learn_pi_latest")
    if refreshed:
        return refreshed
    pay = last_pay()
    return pay.pi if pay else None


def set_latest_pi(pi: dict[str, Any] | None) -> None:
    st.session_state.learn_pi_latest = pi


def set_pm(pm: dict[str, Any], call: ApiCall | None, source: str) -> None:
    """A PaymentMethod arrived (from the card form or the shortcut): mint a new attempt token."""
    st.session_state.learn_pm = {**pm, "_source": source}
    st.session_state.learn_pm_call = call
    st.session_state.learn_token = payments.new_token()
    st.session_state.learn_client_event = None


def unlocked_step() -> int:
    """The furthest step the learner may open."""
    pay = last_pay()
    if pay is None:
        return 3 if st.session_state.learn_pm else 2 if st.session_state.learn_client_event else 1
    order = pay.order
    if order.get("paid_at") or (current_pi() or {}).get("status") == "succeeded":
        return 7
    return 6 if pay.pi is not None or pay.call.error else 5
