"""The merchant's server code the walkthrough runs — exactly what a real shop's backend does.

Every function takes a ``stripe.StripeClient`` and the shop's :class:`~lib.shop.db.MerchantDB`,
records each API call (:class:`~lib.shop.api_calls.ApiCall`) and never raises for API errors.

Idempotency: a payment attempt's key is ``pfl-<order>-pay-<token>``, where the token is minted
when the customer hands over a (new) PaymentMethod. A double-clicked Pay button sends the same
key twice, so the processor replays the first answer instead of charging again; the attempts
table (keyed by the same string) records one attempt.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import stripe

from lib.shop import receipts
from lib.shop.api_calls import ApiCall, record_call
from lib.shop.db import MerchantDB
from lib.stripe_facts.cards import DISPLAY_BRAND

DESCRIPTION = "Payment Flow Lab order"
WINNING_EVIDENCE = "winning_evidence"
LOSING_EVIDENCE = "losing_evidence"


def new_order_id() -> str:
    return "ord_" + secrets.token_hex(6)


def new_token() -> str:
    return secrets.token_hex(5)


def pay_key(order_id: str, token: str) -> str:
    return f"pfl-{order_id}-pay-{token}"


def card_label(pm: dict[str, Any] | None) -> str | None:
    card = (pm or {}).get("card") or {}
    if not card:
        return None
    return f"{DISPLAY_BRAND.get(card.get('brand', ''), str(card.get('brand', 'Card')).title())} •••• {card.get('last4', '????')}"


@dataclass
class PayResult:
    call: ApiCall
    order: dict[str, Any]
    pi: dict[str, Any] | None
    attempt: int
    first_click: bool           # False: the same attempt was submitted before (double click)
    kind: str                   # "create" or "confirm"
    order_created: bool


def pi_of(call: ApiCall) -> dict[str, Any] | None:
    """The PaymentIntent in a response, or inside a decline's error body."""
    body = call.response or {}
    if body.get("object") == "payment_intent":
        return body
    pi = (body.get("error") or {}).get("payment_intent")
    return pi if isinstance(pi, dict) else None


def retrieve_payment_method(client: stripe.StripeClient, pm_id: str) -> ApiCall:
    call, _ = record_call("GET", f"/v1/payment_methods/{pm_id}", {},
                          lambda p, o: client.v1.payment_methods.retrieve(pm_id, options=o))
    return call


def create_params(order_id: str, amount: int, currency: str, payment_method: str, return_url: str) -> dict[str, Any]:
    """The PaymentIntent the shop creates (and confirms) for an order."""
    return {"amount": amount, "currency": currency, "payment_method": payment_method, "confirm": True,
            "return_url": return_url, "metadata": {"order_id": order_id}, "description": f"{DESCRIPTION} {order_id}"}


def confirm_params(payment_method: str, return_url: str) -> dict[str, Any]:
    return {"payment_method": payment_method, "return_url": return_url}


def pay(client: stripe.StripeClient, db: MerchantDB, *, order_id: str, amount: int, currency: str,
        payment_method: str, token: str, return_url: str, api_base: str | None = None,
        card: str | None = None) -> PayResult:
    """Step 4: write the order first, then create+confirm its PaymentIntent (or, on a retry,
    confirm the SAME PaymentIntent with the new payment method)."""
    order, order_created = db.create_order(order_id, amount, currency, f"{DESCRIPTION} {order_id}", api_base)
    if order["amount"] != amount or order["currency"] != currency.lower():
        raise ValueError("This order's amount is fixed once it exists; start a new order to change it.")
    key = pay_key(order_id, token)
    wanted = f"confirm:{order['payment_intent']}" if order.get("payment_intent") else "create"
    attempt, first_click, request = db.begin_attempt(order_id, key, payment_method, wanted)
    if card:
        db.update_order(order_id, card=card)
    if request.startswith("confirm:"):
        pi_id = request.split(":", 1)[1]
        params = confirm_params(payment_method, return_url)
        call, _ = record_call("POST", f"/v1/payment_intents/{pi_id}/confirm", params,
                              lambda p, o: client.v1.payment_intents.confirm(pi_id, params=p, options=o), key)
        kind = "confirm"
    else:
        params = create_params(order_id, amount, currency.lower(), payment_method, return_url)
        call, _ = record_call("POST", "/v1/payment_intents", params,
                              lambda p, o: client.v1.payment_intents.create(params=p, options=o), key)
        kind = "create"
    pi = pi_of(call)
    if pi is not None:
        db.attach_payment_intent(order_id, pi["id"])
        apply_payment_intent(db, order_id, pi, via="api_response")
    elif call.error is not None:
        db.update_order(order_id, last_error=call.error.code or call.error.title)
    db.finish_attempt(key, (pi or {}).get("status") or (call.error.code if call.error else None) or "error")
    return PayResult(call, db.order(order_id) or order, pi, attempt, first_click, kind, order_created)


def apply_payment_intent(db: MerchantDB, order_id: str, pi: dict[str, Any], via: str) -> None:
    """What the server does with a PaymentIntent it just received (API response or polling).
    Fulfilment is NOT here: only the webhook handler fulfils."""
    order = db.order(order_id)
    if order is None or order.get("paid_at"):
        return
    status = pi.get("status")
    if status == "succeeded":
        db.mark_paid(order_id, via)
        fresh = db.order(order_id) or order
        db.queue_message(order_id, "receipt", f"receipt:{order_id}", *receipts.render_receipt(fresh))
    elif status == "requires_action":
        db.update_order(order_id, status="requires_action")
    elif status == "canceled":
        db.update_order(order_id, status="canceled")
    elif status == "requires_payment_method" and pi.get("last_payment_error"):
        err = pi["last_payment_error"]
        db.update_order(order_id, status="payment_failed", last_error=err.get("decline_code") or err.get("code"))


def refresh(client: stripe.StripeClient, db: MerchantDB, order_id: str, via: str = "return_url") -> ApiCall | None:
    """Ask the processor for the order's PaymentIntent (after 3-D Secure) and update the order."""
    order = db.order(order_id)
    if not order or not order.get("payment_intent"):
        return None
    pi_id = order["payment_intent"]
    call, _ = record_call("GET", f"/v1/payment_intents/{pi_id}", {},
                          lambda p, o: client.v1.payment_intents.retrieve(pi_id, options=o))
    if call.ok and call.response:
        apply_payment_intent(db, order_id, call.response, via=via)
    return call


def refund(client: stripe.StripeClient, db: MerchantDB, order_id: str, amount: int, token: str) -> ApiCall:
    """Step 7: refund all or part of a paid order (one idempotency key per refund form)."""
    order = db.order(order_id)
    if order is None or not order.get("payment_intent"):
        raise ValueError("This order has no payment to refund.")
    params = {"payment_intent": order["payment_intent"], "amount": int(amount), "reason": "requested_by_customer",
              "metadata": {"order_id": order_id}}
    call, _ = record_call("POST", "/v1/refunds", params,
                          lambda p, o: client.v1.refunds.create(params=p, options=o), f"pfl-{order_id}-refund-{token}")
    body = call.response or {}
    if call.ok and body.get("object") == "refund":
        db.upsert_refund(body["id"], order_id, int(body.get("amount") or amount), str(body.get("status")),
                         body.get("failure_reason"))
        if body.get("status") in ("succeeded", "pending"):
            db.queue_message(order_id, "refund", f"refund:{body['id']}",
                             *receipts.render_refund_note(db.order(order_id) or order, body["id"], int(body["amount"])))
    return call


def dispute_for(client: stripe.StripeClient, pi_id: str) -> tuple[ApiCall, dict[str, Any] | None]:
    call, _ = record_call("GET", "/v1/disputes", {"payment_intent": pi_id, "limit": 3},
                          lambda p, o: client.v1.disputes.list(params=p, options=o))
    data = (call.response or {}).get("data") or []
    return call, (data[0] if data else None)


def submit_evidence(client: stripe.StripeClient, dispute_id: str, winning: bool) -> ApiCall:
    text = WINNING_EVIDENCE if winning else LOSING_EVIDENCE
    params = {"evidence": {"uncategorized_text": text,
                           "product_description": "Sticker pack, shipped with tracking; customer confirmed receipt."}}
    call, _ = record_call("POST", f"/v1/disputes/{dispute_id}", params,
                          lambda p, o: client.v1.disputes.update(dispute_id, params=p, options=o))
    return call


def legacy_charge(client: stripe.StripeClient, token_id: str, amount: int, currency: str) -> ApiCall:
    """The pre-2019 way: one synchronous POST /v1/charges with a tok_… source. No 3-D Secure."""
    params = {"amount": amount, "currency": currency, "source": token_id, "description": "Legacy Charges API demo"}
    call, _ = record_call("POST", "/v1/charges", params, lambda p, o: client.v1.charges.create(params=p, options=o))
    return call


def intent_payment(client: stripe.StripeClient, pm_id: str, amount: int, currency: str, return_url: str) -> ApiCall:
    """The same purchase through a PaymentIntent, for the side-by-side comparison."""
    params = {"amount": amount, "currency": currency, "payment_method": pm_id, "confirm": True,
              "return_url": return_url, "description": "PaymentIntents API demo"}
    call, _ = record_call("POST", "/v1/payment_intents", params,
                          lambda p, o: client.v1.payment_intents.create(params=p, options=o))
    return call


def retrieve_intent(client: stripe.StripeClient, pi_id: str) -> ApiCall:
    call, _ = record_call("GET", f"/v1/payment_intents/{pi_id}", {},
                          lambda p, o: client.v1.payment_intents.retrieve(pi_id, options=o))
    return call


def retrieve_charge(client: stripe.StripeClient, charge_id: str) -> ApiCall:
    call, _ = record_call("GET", f"/v1/charges/{charge_id}", {},
                          lambda p, o: client.v1.charges.retrieve(charge_id, options=o))
    return call
