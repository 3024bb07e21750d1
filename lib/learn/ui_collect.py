"""Steps 1–3 of the walkthrough: collect the card, validate it, send the id to your server."""

from __future__ import annotations

import json
import time
from typing import Any

import streamlit as st

from lib.config import Mode
from lib.learn import amounts, testcards
from lib.learn import ui_state as S
from lib.learn.flow import BROWSER, DATABASE, PROCESSOR, SERVER
from lib.learn.outcome import client_error_message
from lib.learn.ui_card_form import STRIPE_JS, UNAVAILABLE, card_form, processor_kind
from lib.shop import WebhookServer, get_db, payments
from lib.stripe_facts.currencies import format_amount

CHECKS = [
    ("Card number", "digits only, the right length for the brand (15 for Amex, 16 for most), and the Luhn "
     "checksum", "incomplete_number / incorrect_number"),
    ("Expiry", "a real month (01–12), not in the past, not more than 50 years ahead",
     "invalid_expiry_month / invalid_expiry_year"),
    ("CVC", "3 digits — 4 for American Express", "incomplete_cvc / invalid_cvc"),
    ("Postal code", "optional here; sent so the bank can check it (address_postal_code_check)", "—"),
]


def _on_pick() -> None:
    st.session_state.learn_fill_nonce += 1


def _on_group() -> None:
    st.session_state.learn_card_key = testcards.first_in_group(st.session_state.learn_card_group).key
    _on_pick()


def _picker(conn: Any) -> testcards.PickerCard:
    card = testcards.by_key(st.session_state.learn_card_key) or testcards.default_card()
    st.session_state.learn_card_key = card.key
    st.session_state.learn_card_group = card.group
    st.selectbox("Test cards", [g for g, _ in testcards.GROUPS], key="learn_card_group", on_change=_on_group,
                 format_func=testcards.GROUP_LABELS.get)
    in_group = [c.key for c in testcards.picker_cards() if c.group == card.group]
    st.selectbox("Card", in_group, key="learn_card_key", on_change=_on_pick,
                 format_func=lambda k: testcards.by_key(k).label,
                 help="Picking a card fills the form. The number itself is loaded by the form (an iframe) "
                 "from a static file, so it never passes through this app's server.")
    st.caption(f"**What happens:** {card.outcome}  \n{card.brand.title()} · {card.funding} · issued in {card.country}")
    if st.button("Fill the form with this card", key="learn_fill_btn", width="stretch"):
        _on_pick()
    if card.pm_id:
        st.markdown(f"**Or skip the form:** server code may use Stripe's ready-made test id `{card.pm_id}`.")
        if st.button(f"Use {card.pm_id}", key=f"learn_shortcut_{card.key}", width="stretch",
                     disabled=conn.mode == Mode.LIVE_READONLY):
            _use_shortcut(conn, card)
    return card


def _use_shortcut(conn: Any, card: testcards.PickerCard) -> None:
    call = payments.retrieve_payment_method(conn.client, card.pm_id or "")
    S.add(SERVER, PROCESSOR, f"GET /v1/payment_methods/{card.pm_id}", "api")
    if call.ok and call.response:
        S.add(PROCESSOR, SERVER, f"200 {call.response['id']} (test PaymentMethod)", "id")
        S.set_pm(call.response, call, "shortcut")
        S.go(2)
    else:
        S.add(PROCESSOR, SERVER, f"{call.status or 'error'} {call.error.code if call.error else ''}", "error")
        st.session_state.learn_notice = ("error", f"The shortcut failed: {call.error.title if call.error else '?'} — "
                                                   f"{call.error.detail if call.error else ''}")


def _handle_form_event(conn: Any, event: dict[str, Any] | None) -> None:
    if not event or event.get("nonce") == st.session_state.learn_last_nonce:
        return
    st.session_state.learn_last_nonce = event.get("nonce")
    kind = event.get("event")
    if kind == "client_error":
        codes = [str(c) for c in event.get("codes") or []][:6]
        st.session_state.learn_client_event = {"kind": "client", "codes": codes}
        S.add(BROWSER, BROWSER, f"browser checks: {', '.join(codes)} (nothing sent)", "error")
    elif kind == "processor_error":
        st.session_state.learn_client_event = {"kind": "processor", "codes": [str(event.get("code"))],
                                               "message": str(event.get("message", ""))[:300]}
        S.add(BROWSER, PROCESSOR, "POST /v1/payment_methods (card data)", "card")
        S.add(PROCESSOR, BROWSER, f"402 {event.get('code')}", "error")
    elif kind == "network_error":
        st.session_state.learn_client_event = {"kind": "network", "codes": [], "message": str(event.get("message"))[:300]}
    elif kind == "payment_method" and str(event.get("id", "")).startswith("pm_"):
        pm_id = str(event["id"])
        now = time.time()
        sent = now - float(event.get("ms") or 0) / 1000 - 0.05
        S.add(BROWSER, PROCESSOR, "POST /v1/payment_methods (card number, expiry, CVC)", "card", sent)
        S.add(PROCESSOR, BROWSER, f"200 {pm_id}", "id", sent + float(event.get("ms") or 0) / 1000)
        S.add(BROWSER, SERVER, f"hands over {pm_id} (an id, no card data)", "id", now)
        call = payments.retrieve_payment_method(conn.client, pm_id)
        S.add(SERVER, PROCESSOR, f"GET /v1/payment_methods/{pm_id}", "api", call.started)
        pm = call.response if call.ok and call.response else {"id": pm_id, "object": "payment_method"}
        S.add(PROCESSOR, SERVER, f"{call.status} brand, last4, country, funding", "id" if call.ok else "error",
              call.started + call.ms / 1000)
        S.set_pm(pm, call, "browser")
        st.session_state.learn_pm_ms = event.get("ms")
        S.go(2)


def step1(conn: Any, server: WebhookServer) -> None:
    st.markdown(
        "The customer types their card into a form that belongs to the **processor**, not to you. Its script "
        "sends the number straight to the processor with your *publishable* key and gets back a "
        "**PaymentMethod id** (`pm_…`). Your server only ever sees that id, which keeps you out of most PCI "
        "work ([why](https://docs.stripe.com/security/guide#validating-pci-compliance) · "
        "[PaymentMethods](https://docs.stripe.com/api/payment_methods/create)).")
    if st.session_state.learn_retry:
        st.info(f"**Retry:** pick another card. The server will confirm the **same** PaymentIntent "
                f"`{(S.current_pi() or {}).get('id', '')}` with it — no new order, no new PaymentIntent.")
    form_col, pick_col = st.columns([1.4, 1], gap="medium")  # the card number needs room beside its brand badge
    with pick_col:
        card = _picker(conn)
    with form_col:
        kind = processor_kind(conn.mode, conn.publishable_key)
        if kind == UNAVAILABLE:
            st.warning("The card form needs a publishable key (`STRIPE_PUBLISHABLE_KEY=pk_test_…`) in Stripe test "
                       "mode. You can still use the server-side shortcut on the right.")
        else:
            if kind == STRIPE_JS:
                st.caption("Real Stripe test mode: the form uses **Stripe.js Elements** from js.stripe.com. "
                           "Type a test card yourself (e.g. 4242 4242 4242 4242, any future date, any CVC).")
            label = "Send the new card to the processor →" if st.session_state.learn_retry else None
            event = card_form(processor=kind, api_base=conn.api_base, config_url=server.config_url,
                              fill_key=card.key if st.session_state.learn_fill_nonce else None,
                              fill_nonce=st.session_state.learn_fill_nonce, reset_nonce=st.session_state.learn_reset_nonce,
                              button_label=label or "Send card to the processor →", key="learn_card_form")
            _handle_form_event(conn, event)
    if st.session_state.learn_step != 1:
        st.rerun()
    _show_client_event()


def _show_client_event() -> None:
    ev = st.session_state.learn_client_event
    if not ev:
        return
    if ev["kind"] == "client":
        st.error("**The browser stopped it: nothing was sent anywhere.**  \n" + "  \n".join(
            f"`{c}` — {client_error_message(c)}" for c in ev["codes"]))
    elif ev["kind"] == "processor":
        st.error(f"**The processor refused the card** (`{ev['codes'][0]}`): {ev.get('message', '')} Your server was "
                 "never involved.")
    else:
        st.error(f"**The browser could not reach the processor.** {ev.get('message', '')}")


def step2(conn: Any) -> None:
    st.markdown(
        "Before anything leaves the browser, the card form checks the fields and shows Stripe's own error codes "
        "inline. The processor checks everything again on its side (a browser can be bypassed) — tick "
        "*Skip the browser's checks* in the form to watch it refuse bad data with the same codes "
        "([Stripe.js errors](https://docs.stripe.com/js/element/events/on_change) · "
        "[error codes](https://docs.stripe.com/error-codes)).")
    st.markdown("| field | checked in the browser | error codes |\n|---|---|---|\n" + "\n".join(
        f"| {f} | {what} | {codes} |" for f, what, codes in CHECKS))
    _show_client_event()
    pm = st.session_state.learn_pm
    if not pm:
        st.info("No PaymentMethod yet: send a card in step 1 (or use the shortcut).")
        return
    card = pm.get("card") or {}
    st.success(f"**The processor returned `{pm['id']}`.** That id is all your server needs; the card number "
               "stays with the processor." + (" (Created by the server-side shortcut.)" if pm.get("_source") == "shortcut" else ""))
    cols = st.columns(4)
    for col, (label, value) in zip(cols, (("Brand", str(card.get("brand", "?")).title()), ("Last 4", card.get("last4", "?")),
                                          ("Country", card.get("country", "?")), ("Funding", card.get("funding", "?")))):
        col.metric(label, value)
    with st.expander("The PaymentMethod object (as your server retrieves it)"):
        st.json({k: v for k, v in pm.items() if not k.startswith("_")}, expanded=1)
    if st.button("Next: send the id to your server →", key="learn_to3", type="primary"):
        S.go(3)
        st.rerun()


def step3(conn: Any, server: WebhookServer) -> None:
    st.markdown(
        "The browser now tells **your** server what to charge. It sends ids and the order — never card data. "
        "(A real shop computes the amount from the cart on the server; never trust an amount from a browser.) "
        "Amounts are integers in the currency's smallest unit ([currencies](https://docs.stripe.com/currencies"
        "#zero-decimal) · [minimums](https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts)).")
    pm = st.session_state.learn_pm
    pay = S.last_pay()
    locked = pay is not None and pay.order is not None
    c1, c2 = st.columns([1, 2])
    if "learn_currency" not in st.session_state:
        st.session_state.learn_currency = "usd"
    currency = c1.selectbox("Currency", amounts.CURRENCIES, key="learn_currency", format_func=amounts.currency_label,
                            disabled=locked)
    if "learn_amount_text" not in st.session_state or st.session_state.get("learn_amount_for") != currency:
        st.session_state.learn_amount_text = amounts.default_amount_text(currency)
        st.session_state.learn_amount_for = currency
    text = c2.text_input(f"Amount in {currency.upper()} (as the customer sees it)", key="learn_amount_text",
                         disabled=locked)
    check = amounts.parse_amount(text, currency)
    if locked:
        check = amounts.AmountCheck(True, pay.order["amount"], pay.order["currency"],
                                    format_amount(pay.order["amount"], pay.order["currency"]))
        st.caption(f"This order's amount is fixed at **{check.display}** (order `{pay.order['id']}`).")
    st.caption(amounts.unit_note(check.currency))
    if not check.ok:
        st.error(f"**{check.error}**" + (f" (Stripe would answer `{check.code}`.)" if check.code else ""))
    else:
        st.markdown(f"Charge **{check.display}** → the API gets `amount={check.amount}`, `currency={check.currency}`.")
    if not pm:
        st.info("Create a PaymentMethod in step 1 first.")
        return
    if locked and (get_db().order(pay.order["id"]) or {}).get("paid_at"):
        st.success(f"Order `{pay.order['id']}` is already paid. Press **Start over** for a new order.")
        return
    retry = bool(st.session_state.learn_retry and pay and pay.pi)
    body = ({"order_id": st.session_state.learn_order_id, "payment_method": pm["id"]} if retry else
            {"order_id": st.session_state.learn_order_id, "payment_method": pm["id"],
             "amount": check.amount, "currency": check.currency})
    st.markdown("**What the browser sends to your server** (`POST /checkout/pay`):")
    st.code(json.dumps(body, indent=2), language="json")
    st.caption("No card number, no expiry, no CVC: only ids. Your server looks the card up at the processor if it "
               "needs brand or last 4.")
    disabled = not check.ok or conn.mode == Mode.LIVE_READONLY
    if conn.mode == Mode.LIVE_READONLY:
        st.warning("Live read-only mode: paying is disabled.")
    label = f"Pay {check.display}" if check.ok else "Pay"
    # The button's key carries the attempt token: a second click that lands after this attempt was sent
    # belongs to a button that no longer exists, and the idempotency key makes a repeat harmless anyway.
    if st.button(label, key=f"learn_pay_{st.session_state.learn_token}", type="primary", disabled=disabled):
        _pay(conn, server, check, retry)


def _pay(conn: Any, server: WebhookServer, check: amounts.AmountCheck, retry: bool) -> None:
    pm = st.session_state.learn_pm
    order_id = st.session_state.learn_order_id
    t0 = time.time()
    result = payments.pay(conn.client, get_db(), order_id=order_id, amount=int(check.amount or 0),
                          currency=check.currency, payment_method=pm["id"], token=st.session_state.learn_token,
                          return_url=server.return_url, api_base=conn.api_base, card=payments.card_label(pm))
    st.session_state.learn_pays.append(result)
    S.set_latest_pi(result.pi)
    st.session_state.learn_retry = False
    call = result.call
    S.add(BROWSER, SERVER, f"POST /checkout/pay {{payment_method: {pm['id']}}}", "id", t0)
    if result.order_created:
        S.add(SERVER, DATABASE, f"INSERT order {order_id} (pending)", "db", t0 + 0.001)
    pi_id = (result.pi or {}).get("id", "…")
    S.add(SERVER, PROCESSOR, ("POST /v1/payment_intents (confirm=true, Idempotency-Key)" if result.kind == "create"
                              else f"POST /v1/payment_intents/{pi_id}/confirm (new card)")
          + (" — replayed" if call.replayed else ""), "api", call.started)
    status = (result.pi or {}).get("status") or (call.error.code if call.error else "error")
    done = call.started + call.ms / 1000
    S.add(PROCESSOR, SERVER, f"{call.status or '—'} {status}", "error" if call.status != 200 else "api", done)
    S.add(SERVER, DATABASE, f"UPDATE order → {result.order.get('status')}"
          + (", receipt → outbox" if result.order.get("paid_at") else ""), "db", done + 0.001)
    if status == "requires_action":
        S.add(PROCESSOR, BROWSER, "next_action: 3-D Secure challenge page", "redirect", done + 0.002)
    S.go(4)
    st.rerun()
