"""Step 7 (refunds, disputes, links to the Build pages) and the Charges-vs-PaymentIntents comparison."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib import ui, ui_pages
from lib.learn import amounts, snippets, testcards
from lib.learn import ui_state as S
from lib.learn.flow import DATABASE, PROCESSOR, SERVER
from lib.learn.outcome import challenge_url
from lib.shop import MerchantDB, WebhookServer, get_db, payments
from lib.stripe_facts.currencies import format_amount
from lib.stripe_facts.lifecycle import DisputeStatus, RefundStatus
from lib.stripe_facts.statuses import refund_badge

DISPUTE_CARD_GROUP = "dispute"


def step7(conn: Any, db: MerchantDB, server: WebhookServer) -> None:
    st.markdown(
        "After the money moved you can give it back (**refunds**, full or partial, as often as there is "
        "something left), and the customer's bank can take it back (**disputes**, also called chargebacks) — "
        "you answer with evidence ([refunds](https://docs.stripe.com/refunds) · "
        "[disputes](https://docs.stripe.com/disputes) · [testing disputes](https://docs.stripe.com/testing#disputes)).")
    pay = S.last_pay()
    order = db.order(pay.order["id"]) if pay else None
    if not order or not order.get("paid_at") or not order.get("payment_intent"):
        st.info("Finish a successful payment first (or run the dispute demo below).")
        _dispute_demo_button(conn, server)
        return
    pi_id = order["payment_intent"]
    st.markdown(f"**Build pages for `{pi_id}`:**")
    links = st.columns(2)
    links[0].page_link(ui_pages.page(ui_pages.EXPLORER), label="Open in the Payments explorer", icon=":material/travel_explore:",
                       query_params={"pi": pi_id})
    links[1].page_link(ui_pages.page(ui_pages.EVENTS), label="Its events & webhook deliveries", icon=":material/webhook:",
                       query_params={"pi": pi_id})
    refund_tab, dispute_tab = st.tabs(["Refund", "Dispute"])
    with refund_tab:
        _refunds(conn, db, order)
    with dispute_tab:
        _disputes(conn, server, order)


def _refunds(conn: Any, db: MerchantDB, order: dict[str, Any]) -> None:
    remaining = order["amount"] - order["amount_refunded"]
    c = order["currency"]
    st.markdown(f"Paid **{format_amount(order['amount'], c)}**, refunded "
                f"**{format_amount(order['amount_refunded'], c)}**, left **{format_amount(remaining, c)}**.")
    if st.session_state.pop("learn_refund_clear", False):
        st.session_state.learn_refund_text = ""
    text = st.text_input("Amount to refund (empty = everything that is left)", key="learn_refund_text",
                         placeholder=str(amounts.currencies.minor_to_major(max(remaining, 0), c)) if remaining > 0 else "")
    check = amounts.parse_refund(text, c, remaining)
    if not check.ok:
        st.error(check.error)
    token = st.session_state.learn_refund_token
    if st.button(f"Refund {check.display}" if check.ok else "Refund", key=f"learn_refund_{token}", disabled=not check.ok):
        call = payments.refund(conn.client, db, order["id"], int(check.amount or 0), token)
        S.add(SERVER, PROCESSOR, f"POST /v1/refunds amount={check.amount}", "api", call.started)
        st.session_state.learn_refund_calls.append(call)
        st.session_state.learn_refund_token = payments.new_token()
        st.session_state.learn_refund_clear = True
        body = call.response or {}
        done = call.started + call.ms / 1000
        S.add(PROCESSOR, SERVER, f"{call.status} {body.get('id', '')} {body.get('status', call.error.code if call.error else '')}",
              "api" if call.ok else "error", done)
        if call.ok:
            S.add(SERVER, DATABASE, "INSERT refund; refund note → outbox", "db", done + 0.001)
        st.rerun()
    calls = st.session_state.learn_refund_calls
    if calls:
        last = calls[-1]
        if last.ok:
            st.success(f"Refund `{(last.response or {}).get('id')}` is **{(last.response or {}).get('status')}**.")
        else:
            st.error(f"**{last.error.title if last.error else 'Refused'}:** {last.error.detail if last.error else ''}")
        with st.expander("The last refund call"):
            st.code(snippets.python(last.method, last.path, last.params, key="sk_test_…", api_base=conn.api_base,
                                    idempotency_key=last.idempotency_key), language="python")
            st.json(last.response or {}, expanded=1)
    rows = db.refunds(order["id"])
    if rows:
        ui.markdown_table([{"refund": r["id"], "amount": format_amount(r["amount"], c), "status": r["status"],
                            "meaning": RefundStatus(r["status"]).explanation
                            if r["status"] in RefundStatus._value2member_map_ else "",
                            "failure reason": r["failure_reason"] or ""} for r in rows],
                          code=("refund",), badges={"status": refund_badge})
    if any(r["status"] == "failed" for r in rows):
        st.warning("A refund **failed** later (the card was closed): the money came back to your balance and the "
                   "webhook put a note for your staff in the outbox — contact the customer.")


def _disputes(conn: Any, server: WebhookServer, order: dict[str, Any]) -> None:
    _, dispute = payments.dispute_for(conn.client, order["payment_intent"])
    if dispute is None:
        card = testcards.by_key(st.session_state.get("learn_card_key"))
        if card is not None and card.dispute:
            st.info("The bank opens the dispute about a second after the payment; this page checks by itself.")
        st.markdown("This payment has no dispute. Pay with a **dispute test card** to see one.")
        _dispute_demo_button(conn, server)
        return
    status = str(dispute.get("status"))
    meaning = DisputeStatus(status).explanation if status in DisputeStatus._value2member_map_ else ""
    box = st.success if status in ("won", "warning_closed") else st.error if status == "lost" else st.warning
    box(f"**Dispute `{dispute['id']}`: {status.replace('_', ' ')}** — reason `{dispute.get('reason')}`, "
        f"{format_amount(int(dispute.get('amount') or 0), dispute.get('currency', 'usd'))}. {meaning}")
    if status in ("needs_response", "warning_needs_response"):
        st.markdown("Answer with evidence. In test mode the text `winning_evidence` or `losing_evidence` decides it.")
        cols = st.columns(2)
        for col, (winning, label) in zip(cols, ((True, "Submit evidence that wins"), (False, "Submit evidence that loses"))):
            if col.button(label, key=f"learn_evidence_{dispute['id']}_{winning}"):
                call = payments.submit_evidence(conn.client, dispute["id"], winning)
                S.add(SERVER, PROCESSOR, f"POST /v1/disputes/{dispute['id']} (evidence)", "api", call.started)
                st.session_state.learn_dispute_calls.append(call)
                S.add(PROCESSOR, SERVER, f"{call.status} {(call.response or {}).get('status', '')}",
                      "api" if call.ok else "error", call.started + call.ms / 1000)
                st.rerun()
    elif status in ("under_review", "warning_under_review"):
        st.caption("The card network is reviewing the evidence; the result arrives as a webhook in a few seconds.")
    with st.expander("The dispute object"):
        st.json(dispute, expanded=1)


def _dispute_demo_button(conn: Any, server: WebhookServer) -> None:
    card = testcards.first_in_group(DISPUTE_CARD_GROUP)
    if st.button(f"Run the dispute demo (a new order paid with {card.pm_id})", key="learn_dispute_demo",
                 disabled=conn.read_only):
        quick_pay(conn, server, card)
        S.go(7)
        st.rerun()


def quick_pay(conn: Any, server: WebhookServer, card: testcards.PickerCard, amount_text: str = "25.00",
              currency: str = "usd") -> payments.PayResult:
    """A new order paid at once through the server-side shortcut (used by the dispute demo)."""
    S.new_run(card.key)
    pm_call = payments.retrieve_payment_method(conn.client, card.pm_id or "")
    pm = pm_call.response if pm_call.ok and pm_call.response else {"id": card.pm_id}
    S.set_pm(pm, pm_call, "shortcut")
    check = amounts.parse_amount(amount_text, currency)
    result = payments.pay(conn.client, get_db(), order_id=st.session_state.learn_order_id, amount=int(check.amount or 0),
                          currency=currency, payment_method=pm["id"], token=st.session_state.learn_token,
                          return_url=server.return_url, api_base=conn.api_base, card=payments.card_label(pm))
    st.session_state.learn_pays.append(result)
    S.set_latest_pi(result.pi)
    call = result.call
    S.add(SERVER, DATABASE, f"INSERT order {result.order['id']} (pending)", "db", call.started - 0.001)
    S.add(SERVER, PROCESSOR, f"POST /v1/payment_intents ({card.pm_id})", "api", call.started)
    S.add(PROCESSOR, SERVER, f"{call.status} {(result.pi or {}).get('status', '')}", "api", call.started + call.ms / 1000)
    return result


# --- Charges vs PaymentIntents -------------------------------------------------------------------

# The calls' code sits in popovers: a popover's content is drawn only when opened, and the first
# code block on a page makes the browser load its syntax highlighter (every language, ~1.5 MB) —
# one of the largest costs of the Learn page's first paint, for code at the bottom of the page.
CODE_LABEL = "The call in Python"
COMPARE_CARDS = {"A card without 3-D Secure (Visa)": ("tok_visa", "pm_card_visa"),
                 "A card that requires 3-D Secure": ("tok_threeDSecure2Required", "pm_card_threeDSecure2Required")}


def compare_section(conn: Any, server: WebhookServer) -> None:
    st.markdown(
        "Before 2019 you charged a card with **one synchronous call**, `POST /v1/charges` with a token. It cannot "
        "pause for the customer, so a card whose bank demands 3-D Secure (required for most European cards "
        "since SCA) simply fails with `authentication_required`. A **PaymentIntent** is a small state machine: "
        "it waits in `requires_action` while the customer authenticates, then carries on "
        "([migration guide](https://docs.stripe.com/payments/payment-intents/migration/charges)).")
    choice = st.radio("Card", list(COMPARE_CARDS), key="learn_compare_card", horizontal=True, index=1)
    tok, pm = COMPARE_CARDS[choice]
    if st.button("Charge it both ways", key="learn_compare_run", type="primary", disabled=conn.read_only):
        legacy = payments.legacy_charge(conn.client, tok, 2500, "usd")
        intent = payments.intent_payment(conn.client, pm, 2500, "usd", server.return_url)
        st.session_state.learn_compare = {"legacy": legacy, "intent": intent, "pi": intent.response}
    data = st.session_state.learn_compare
    left, right = st.columns(2)
    with left:
        st.markdown("**Legacy: `POST /v1/charges`**")
        with st.popover(CODE_LABEL, icon=":material/code:"):
            st.code(f'client.v1.charges.create(params={{\n    "amount": 2500, "currency": "usd",\n    "source": "{tok}",\n}})',
                    language="python")
        if data:
            call = data["legacy"]
            if call.ok:
                st.success(f"`{(call.response or {}).get('id')}` **{(call.response or {}).get('status')}** — one call, done.")
            else:
                st.error(f"**HTTP {call.status} `{call.error.code if call.error else ''}`** — {call.error.detail if call.error else ''} "
                         "There is no way to ask the customer to authenticate: the sale is lost.")
    with right:
        st.markdown("**Modern: `POST /v1/payment_intents`**")
        with st.popover(CODE_LABEL, icon=":material/code:"):
            st.code(f'client.v1.payment_intents.create(params={{\n    "amount": 2500, "currency": "usd",\n'
                    f'    "payment_method": "{pm}",\n    "confirm": True, "return_url": RETURN_URL,\n}})', language="python")
        if data:
            _compare_intent(conn, data)


def _compare_intent(conn: Any, data: dict[str, Any]) -> None:
    pi = data.get("pi") or {}
    if data["intent"].error and not pi.get("id"):
        st.error(data["intent"].error.detail)
        return
    status = pi.get("status")
    if status == "requires_action":
        st.warning(f"`{pi.get('id')}` is **requires_action**: the customer authenticates, then it continues.")
        url = challenge_url(pi)
        if url:
            st.iframe(url, height=300)
        if st.button("Check the PaymentIntent", key="learn_compare_check"):
            call = payments.retrieve_intent(conn.client, pi["id"])
            if call.ok:
                data["pi"] = call.response
            st.rerun()
    elif status == "succeeded":
        st.success(f"`{pi.get('id')}` **succeeded**" + (" after 3-D Secure." if data["intent"].response and
                                                       data["intent"].response.get("status") == "requires_action" else "."))
    else:
        st.error(f"`{pi.get('id')}` is **{status}**.")
