"""Steps 4–6 of the walkthrough: create the PaymentIntent, the processor's decision, handle the result."""

from __future__ import annotations

import json
import time
from typing import Any

import streamlit as st

from lib.config import mask_key
from lib.learn import snippets, ui_return_url
from lib.learn import ui_state as S
from lib.learn.key_fields import ERROR_FIELDS, PAYMENT_INTENT_FIELDS, key_fields
from lib.learn.outcome import ADVICE, Outcome, classify
from lib.learn.ui_panels import attempts_table
from lib.shop import MerchantDB, payments
from lib.stripe_facts.currencies import format_amount
from lib.stripe_facts.lifecycle import PIStatus

CHALLENGE_HEIGHT = 340


def _when(ts: float | None) -> str:
    return time.strftime("%H:%M:%S", time.localtime(ts)) + f".{int((ts % 1) * 1000):03d}" if ts else "—"


def step4(conn: Any, db: MerchantDB) -> None:
    st.markdown(
        "Your server now runs the merchant code: **first** it writes the order to its own database "
        "(status *pending*), **then** it asks the processor to create and confirm a PaymentIntent for it, "
        "with the order id in `metadata` and an **idempotency key**, so a retried request (double click, "
        "network hiccup) can never charge twice ([PaymentIntents](https://docs.stripe.com/api/payment_intents/create) · "
        "[idempotency](https://docs.stripe.com/api/idempotent_requests)).")
    if (last := _last_payment(db, "Nothing sent yet: press **Pay** in step 3.")) is None:
        return
    pay, order = last
    call = pay.call
    key = mask_key(conn.settings.effective_secret_key)
    code = snippets.all_languages(call.method, call.path, call.params, key=key, api_base=conn.api_base,
                                  idempotency_key=call.idempotency_key, order_id=order["id"])
    st.markdown(f"**The code that ran** — attempt {pay.attempt} for order `{order['id']}`"
                + (" (a retry on the same PaymentIntent)" if pay.kind == "confirm" else "") + ":")
    for tab, (lang, text) in zip(st.tabs(list(code)), code.items()):
        tab.code(text, language={"Python": "python", "curl": "bash", "Node": "javascript"}[lang], wrap_lines=True)
    facts = [f"HTTP **{call.status or '—'}**", f"{call.ms:.0f} ms", f"request `{call.request_id or '—'}`",
             f"Idempotency-Key `{call.idempotency_key}`"]
    if call.replayed:
        facts.append("**replayed** — the processor answered from its idempotency cache; nothing ran twice")
    st.caption(" · ".join(facts))
    # Stacked, not side by side: JSON needs the width, and the fields that matter come first.
    st.markdown(f"**Request** `{call.method} {call.path}`")
    st.code(json.dumps(call.params, indent=2), language="json", wrap_lines=True)
    response = call.response or {"error": {"message": call.error.detail if call.error else "no response"}}
    st.markdown("**Response** — the fields that matter" +
                (" (a 402 is a normal answer: the bank said no)" if call.status == 402 else ""))
    rows = key_fields(response, ERROR_FIELDS if "error" in response else PAYMENT_INTENT_FIELDS)
    if rows:  # one line each that wraps: a table's third column was squeezed to a word per line here
        st.markdown("\n".join(f"- `{r['field']}` = `{r['value']}` — {r['why it matters']}" for r in rows))
    with st.expander(f"The whole response ({len(response.get('error', response))} fields)"):
        st.json(response, expanded=1)
    ui_return_url.expander(conn)
    with st.expander("Your database: the order row and its attempts"):
        st.json(order, expanded=True)
        attempts_table(db, order["id"])
    if st.button("Next: what did the processor decide? →", key="learn_to5", type="primary"):
        S.go(5)
        st.rerun()


def _charge(conn: Any, pi: dict[str, Any] | None) -> dict[str, Any] | None:
    """The PaymentIntent's latest charge (for Radar's verdict), fetched once per charge."""
    charge_id = (pi or {}).get("latest_charge")
    if not charge_id:
        return None
    cache = st.session_state.setdefault("learn_charges", {})
    if charge_id not in cache:
        call = payments.retrieve_charge(conn.client, charge_id)
        cache[charge_id] = call.response if call.ok else None
    return cache[charge_id]


def current_outcome(conn: Any) -> Outcome | None:
    pay = S.last_pay()
    if pay is None:
        return None
    pi = S.current_pi()
    failed = pi is None or pi.get("status") == "requires_payment_method"
    return classify(pay.call, pi, _charge(conn, pi) if failed else None)


def step5(conn: Any, db: MerchantDB) -> None:
    st.markdown(
        "The processor runs its fraud checks (Radar), asks the card's bank to authorize, and may ask the "
        "customer to authenticate with **3-D Secure** first ([declines](https://docs.stripe.com/declines) · "
        "[3-D Secure](https://docs.stripe.com/payments/3d-secure) · [Radar](https://docs.stripe.com/radar)).")
    outcome = current_outcome(conn)
    if outcome is None:
        st.info("Nothing decided yet: pay in step 3 first.")
        return
    pi = S.current_pi() or {}
    render_outcome(outcome, pi)
    if outcome.kind == "requires_action" and outcome.challenge_url:
        st.markdown("**The bank's challenge page** (served by the processor, shown here in an iframe — in a shop "
                    "Stripe.js opens it for you). This page follows the PaymentIntent and moves on by itself.")
        st.iframe(outcome.challenge_url, height=CHALLENGE_HEIGHT)
        st.caption(f"Waiting in `requires_action` since {_when(S.last_pay().call.started)} — checking every 1.5 s.")
        return
    if st.button("Next: handle the result →", key="learn_to6", type="primary"):
        S.go(6)
        st.rerun()


def render_outcome(outcome: Outcome, pi: dict[str, Any]) -> None:
    status = pi.get("status")
    status_line = f" The PaymentIntent is now `{status}`: {PIStatus(status).explanation}" if status in PIStatus._value2member_map_ else ""
    box = {"succeeded": st.success, "requires_action": st.warning}.get(outcome.kind, st.error)
    box(f"**{outcome.title}.** {outcome.summary}{status_line}")
    if outcome.failed and (outcome.code or outcome.decline_code):
        rows = [("code", outcome.code, "the kind of error"),
                ("decline_code", outcome.decline_code, outcome.merchant_explanation or "why the bank said no"),
                ("advice_code", outcome.advice_code, ADVICE.get(outcome.advice_code or "", outcome.advice))]
        # A list, not a table: long codes would squeeze the explanations to a word per line.
        st.markdown("\n".join(f"- **`{name}`** = `{value}` — {meaning}" if value else f"- **`{name}`**: none — {meaning}"
                               for name, value, meaning in rows))
        st.markdown(f"**Tell the customer:** “{outcome.customer_message}”  \n**You:** {outcome.advice}"
                    + (f"  \n[What this code means]({outcome.doc_url})" if outcome.doc_url else ""))


def step6(conn: Any, db: MerchantDB, server_url: str) -> None:
    st.markdown(
        "The browser learns the result first (the API response, or the redirect back from 3-D Secure), but a "
        "browser can close, crash or lie. So the shop **fulfils only when the processor's signed webhook** "
        "`payment_intent.succeeded` arrives at its endpoint — verified, applied exactly once "
        "([webhooks](https://docs.stripe.com/webhooks) · [fulfilment](https://docs.stripe.com/checkout/fulfillment)).")
    if (last := _last_payment(db, "Nothing to handle yet.")) is None:
        return
    pay, order = last
    outcome = current_outcome(conn)
    if order.get("paid_at"):
        _paid(db, order, server_url)
    elif outcome is not None and outcome.kind == "requires_action":
        st.warning("Still waiting for the customer's 3-D Secure answer — see step 5.")
    elif outcome is not None and outcome.failed:
        _failed(outcome, order)
    else:
        st.info(f"The order is `{order['status']}`.")


def _paid(db: MerchantDB, order: dict[str, Any], server_url: str) -> None:
    st.success(f"**Order `{order['id']}` is paid: {format_amount(order['amount'], order['currency'])}.**")
    left, right = st.columns(2)
    with left:
        st.markdown("**① The API response / browser**")
        via = {"api_response": "the PaymentIntent in the API response", "return_url": "the return from 3-D Secure",
               "webhook": "(the webhook got there first)"}.get(order.get("paid_via") or "", order.get("paid_via"))
        st.markdown(f"Order marked **paid** at {_when(order['paid_at'])} from {via}. The receipt went to the outbox.")
    with right:
        st.markdown("**② The webhook** → fulfilment")
        events = [e for e in db.processed_events(order.get("payment_intent")) if e["type"] == "payment_intent.succeeded"]
        fulfilment = db.fulfilment(order["id"])
        if events and fulfilment:
            st.markdown(f"`payment_intent.succeeded` (`{events[0]['event_id']}`) arrived at {_when(events[0]['received_at'])}, "
                        f"signature verified → **fulfilment triggered** at {_when(fulfilment['created'])}: "
                        f"{fulfilment['detail']}.")
        else:
            st.markdown(f":material/hourglass_top: Waiting for `payment_intent.succeeded` at `{server_url}` … nothing is shipped until it "
                        "arrives.")
    receipt = next((m for m in db.outbox(order["id"]) if m["kind"] == "receipt"), None)
    if receipt:
        st.markdown(f"**Receipt in the outbox** (status `{receipt['status']}`): *{receipt['subject']}*")
        st.code(receipt["body"], language=None, wrap_lines=True)
    if st.button("Next: after the payment (refunds, disputes) →", key="learn_to7", type="primary"):
        S.go(7)
        st.rerun()


def _failed(outcome: Outcome, order: dict[str, Any]) -> None:
    st.error(f"**What the customer sees:** {outcome.customer_message or outcome.summary}")
    st.markdown(f"**What happened:** {outcome.title} — {outcome.merchant_explanation or outcome.summary}  \n"
                f"**Order** `{order['id']}` is `{order['status']}`; nothing ships. "
                + ("The PaymentIntent is back in `requires_payment_method`, so the customer can try again **on the "
                   "same PaymentIntent** — no duplicate order, one history of attempts." if outcome.retry_same_intent else ""))
    cols = st.columns(2)
    if outcome.retry_same_intent and cols[0].button("Try again with another card", key="learn_retry_btn", type="primary"):
        st.session_state.learn_retry = True
        st.session_state.learn_pm = None
        st.session_state.learn_client_event = None
        st.session_state.learn_reset_nonce += 1
        S.go(1)
        st.rerun()
    if cols[1].button("Give up and start a new order", key="learn_new_after_fail"):
        S.new_run()
        st.rerun()


def _last_payment(db: MerchantDB, nothing_yet: str) -> tuple[payments.PayResult, dict[str, Any]] | None:
    """The last Pay of this session and its order as the database has it now; None (and
    ``nothing_yet`` said) before the first Pay."""
    pay = S.last_pay()
    if pay is None:
        st.info(nothing_yet)
        return None
    return pay, db.order(pay.order["id"]) or pay.order
