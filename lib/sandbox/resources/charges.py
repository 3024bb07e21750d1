"""Charges: one per confirmation attempt (succeeded or failed), plus the legacy Charges API.

``attempt`` is the processor: given a card and an amount it decides the outcome from the test-card
table (lib.stripe_facts.cards), writes the Charge and, when money moves, its balance transaction.
The legacy ``POST /v1/charges`` (``source=tok_…``) exists so the app can contrast it with
PaymentIntents: it cannot do 3-D Secure, so a card that needs authentication fails there with
``authentication_required``.
"""

from __future__ import annotations

from lib.stripe_facts import cards, currencies
from lib.stripe_facts.cards import Decline

from .. import params as fp
from ..engine import Ctx, private
from ..errors import CardError, InvalidRequest
from ..ids import body_of, new_id
from . import ledger
from .listing import fetch, list_response, render, sub_list
from .payment_methods import card_of, from_magic_id

AUTH_REQUIRED = Decline("authentication_required", "authentication_required", None,
                        "Your card was declined. This transaction requires authentication.")
LOOKUP_ERROR = cards.LOOKUP_PROCESSING_ERROR


def _checks(pm: dict, card: cards.TestCard) -> dict:
    overrides = card.checks or {}
    address = pm["billing_details"]["address"]
    return {
        "cvc_check": (overrides.get("cvc_check", "pass") if pm.get("_cvc") else None),
        "address_postal_code_check": (overrides.get("address_postal_code_check", "pass")
                                      if address.get("postal_code") else None),
        "address_line1_check": overrides.get("address_line1_check", "pass") if address.get("line1") else None,
    }


def three_ds_details(result: str | None) -> dict | None:
    """``result`` is Stripe's three_d_secure.result, or "frictionless" (authenticated without a challenge)."""
    if result is None:
        return None
    flow = "challenge" if result in ("authenticated", "failed") else None
    if result == "frictionless":
        result, flow = "authenticated", "frictionless"
    return {"authentication_flow": flow,
            "electronic_commerce_indicator": "05" if result == "authenticated" else None,
            "exemption_indicator": None, "result": result, "result_reason": None,
            "transaction_id": new_id("", None)[1:], "version": "2.2.0"}


def build_charge(ctx: Ctx, *, pm: dict, amount: int, currency: str, pi: dict | None, customer: str | None,
                 description: str | None, metadata: dict, three_ds: str | None, source: dict | None = None) -> dict:
    card = cards.card_for_number(pm["_number"])
    pm_card = pm["card"]
    body = body_of(pi["id"]) if pi else None
    return {
        "id": new_id("ch", body) if pi is None or not pi.get("latest_charge") else new_id("ch"),
        "object": "charge", "amount": amount, "amount_captured": 0, "amount_refunded": 0, "application": None,
        "application_fee": None, "application_fee_amount": None, "balance_transaction": None,
        "billing_details": pm["billing_details"], "calculated_statement_descriptor": "PAYMENT FLOW LAB",
        "captured": False, "created": ctx.now, "currency": currency, "customer": customer,
        "description": description, "disputed": False, "failure_balance_transaction": None, "failure_code": None,
        "failure_message": None, "fraud_details": {}, "livemode": False, "metadata": metadata,
        "on_behalf_of": None, "outcome": None, "paid": False, "payment_intent": pi["id"] if pi else None,
        "payment_method": pm["id"],
        "payment_method_details": {"card": {
            "amount_authorized": None, "authorization_code": None, "brand": pm_card["brand"],
            "checks": _checks(pm, card), "country": pm_card["country"], "exp_month": pm_card["exp_month"],
            "exp_year": pm_card["exp_year"], "extended_authorization": {"status": "disabled"},
            "fingerprint": pm_card["fingerprint"], "funding": pm_card["funding"],
            "incremental_authorization": {"status": "unavailable"}, "installments": None,
            "last4": pm_card["last4"], "mandate": None, "multicapture": {"status": "unavailable"},
            "network": pm_card["brand"], "network_token": {"used": False}, "network_transaction_id": None,
            "overcapture": {"maximum_amount_capturable": amount, "status": "unavailable"},
            "regulated_status": "unregulated", "three_d_secure": three_ds_details(three_ds),
            "transaction_link_id": None, "wallet": None}, "type": "card"},
        "radar_options": {}, "receipt_email": None, "receipt_number": None,
        "receipt_url": None, "refunded": False, "review": None, "shipping": None,
        "source": source, "source_transfer": None, "statement_descriptor": None,
        "statement_descriptor_suffix": None, "status": "pending", "transfer_data": None, "transfer_group": None,
        "_card": card.number,
    }


def attempt(ctx: Ctx, *, pm: dict, amount: int, currency: str, pi: dict | None, customer: str | None,
            description: str | None, metadata: dict, capture: bool, three_ds: str | None,
            decline: Decline | None, source: dict | None = None) -> tuple[dict, Decline | None]:
    """Charge ``pm``. ``decline`` is decided by the caller (it knows about 3DS); None means approve."""
    card = cards.card_for_number(pm["_number"])
    charge = build_charge(ctx, pm=pm, amount=amount, currency=currency, pi=pi, customer=customer,
                          description=description, metadata=metadata, three_ds=three_ds, source=source)
    charge["outcome"] = cards.default_outcome(card, None if decline == card.decline else decline)
    if decline is not None:
        charge.update(status="failed", failure_code=decline.code, failure_message=decline.message)
        if card.fraud_details and decline == card.decline:
            charge["fraud_details"] = dict(card.fraud_details)
        ctx.store.insert(charge)
        return charge, decline
    charge.update(status="succeeded", paid=True)
    charge["payment_method_details"]["card"]["amount_authorized"] = amount
    charge["payment_method_details"]["card"]["authorization_code"] = str(100000 + ctx.now % 899999)
    charge["receipt_url"] = f"{ctx.base_url}/_sandbox/receipts/{charge['id']}"
    if capture:
        charge.update(captured=True, amount_captured=amount)
        charge["balance_transaction"] = ledger.record_charge(ctx, charge, card)["id"]
    ctx.store.insert(charge)
    return charge, None


def capture_charge(ctx: Ctx, charge: dict, amount: int) -> dict:
    card = cards.card_for_number(charge["_card"])
    charge.update(captured=True, amount_captured=amount)
    charge["balance_transaction"] = ledger.record_charge(ctx, charge, card, amount)["id"]
    ctx.store.update(charge)
    return charge


def card_error(d: Decline, **extra) -> CardError:
    err = CardError(d.message, code=d.code, decline_code=d.decline_code, advice_code=d.advice_code,
                    param=d.param, **extra)
    err.commit = True
    return err


def get_charge(ctx: Ctx, charge_id: str, param: str = "id") -> dict:
    return fetch(ctx, "charge", charge_id, param)


def render_refunds(ctx: Ctx, out: dict) -> None:
    """Renderer: ``charge.refunds``, the charge's refunds as a list (not stored with the charge)."""
    out["refunds"] = sub_list(ctx, "refund", f"/v1/charges/{out['id']}/refunds", {"charge": out["id"]})


def render_refunds_page(ctx: Ctx, outs: list[dict]) -> None:
    """Page renderer: charge.refunds for a whole list page in one query (same lists as render_refunds)."""
    found = ctx.store.list_for("refund", "charge", [o["id"] for o in outs])
    for out in outs:
        refunds = found.get(out["id"], [])
        out["refunds"] = {"object": "list", "data": [private(r) for r in refunds[:10]],
                          "has_more": len(refunds) > 10, "url": f"/v1/charges/{out['id']}/refunds"}



# --- endpoints ---------------------------------------------------------------------------------
def retrieve(ctx: Ctx, params: dict, cid: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, get_charge(ctx, cid), p.get("expand"))


def update(ctx: Ctx, params: dict, cid: str) -> dict:
    p = fp.validate(params, {"metadata": fp.metadata, "description": fp.string(1000, blank=True),
                             "receipt_email": fp.string(512, blank=True), "fraud_details": fp.hash_any,
                             "shipping": fp.hash_any, **fp.EXPAND})
    ch = get_charge(ctx, cid)
    previous = {}
    for key, value in p.items():
        if key == "expand":
            continue
        previous[key] = ch.get(key)
        ch[key] = {k: v for k, v in {**ch["metadata"], **value}.items() if v != ""} if key == "metadata" \
            else (value or None)
    ctx.store.update(ch)
    ctx.emit("charge.updated", ch, previous)
    return render(ctx, ch, p.get("expand"))


def list_(ctx: Ctx, params: dict) -> dict:
    extra = {"payment_intent": fp.string(255), "customer": fp.string(255), "transfer_group": fp.string(255)}
    filters = {k: params[k] for k in ("payment_intent", "customer") if isinstance(params.get(k), str)}
    return list_response(ctx, "charge", "/v1/charges", params, extra, filters)


def capture_legacy(ctx: Ctx, params: dict, cid: str) -> dict:
    p = fp.validate(params, {"amount": fp.integer(1), **fp.EXPAND})
    ch = get_charge(ctx, cid)
    if ch.get("payment_intent"):
        raise InvalidRequest(f"This charge belongs to PaymentIntent {ch['payment_intent']}; capture the "
                             "PaymentIntent instead.", param="charge")
    if ch["captured"]:
        raise InvalidRequest(f"Charge {cid} has already been captured.", code="charge_already_captured")
    if ch["status"] != "succeeded":
        raise InvalidRequest(f"Charge {cid} has status {ch['status']}; only a successful authorization can be "
                             "captured.", param="charge")
    amount = p.get("amount", ch["amount"])
    if amount > ch["amount"]:
        raise InvalidRequest("Amount to capture is greater than the amount authorized.", code="amount_too_large",
                             param="amount")
    capture_charge(ctx, ch, amount)
    ctx.emit("charge.captured", ch)
    ctx.charge_captured(ch, cards.card_for_number(ch["_card"]))
    return render(ctx, ch, p.get("expand"))


LEGACY = {"amount": fp.integer(1), "currency": fp.currency, "source": fp.string(255), "customer": fp.string(255),
          "description": fp.string(1000, blank=True), "metadata": fp.metadata, "capture": fp.boolean,
          "receipt_email": fp.string(512), "statement_descriptor": fp.string(22), **fp.EXPAND}


def create_legacy(ctx: Ctx, params: dict) -> dict:
    """The pre-2019 Charges API: one synchronous call, no authentication step possible."""
    p = fp.validate(params, LEGACY, required=("amount", "currency"))
    if "source" not in p and "customer" not in p:
        raise InvalidRequest("Must provide source or customer.", code="parameter_missing", param="source")
    problem = currencies.amount_error(p["amount"], p["currency"])
    if problem:
        raise InvalidRequest(problem[1], code=problem[0], param="amount")
    pm = from_magic_id(ctx, p["source"], "source") if p.get("source") else None
    if pm is None:
        raise InvalidRequest("The sandbox's legacy Charges API takes a test token as source (e.g. tok_visa).",
                             param="source")
    card = card_of(pm)
    decline = card.decline
    if decline is None and card.three_ds in ("required", "required_on_setup", "setup_off_session"):
        decline = AUTH_REQUIRED  # no way to authenticate on the legacy API
    source = {"id": new_id("card"), "object": "card", "brand": pm["card"]["brand"], "last4": pm["card"]["last4"],
              "country": pm["card"]["country"], "funding": pm["card"]["funding"]}
    charge, failed = attempt(ctx, pm=pm, amount=p["amount"], currency=p["currency"], pi=None,
                             customer=p.get("customer"), description=p.get("description"),
                             metadata=p.get("metadata", {}), capture=p.get("capture", True), three_ds=None,
                             decline=decline, source=source)
    if failed:
        ctx.emit("charge.failed", charge)
        raise card_error(failed, charge=charge["id"])
    ctx.emit("charge.succeeded", charge)
    if charge["captured"]:
        ctx.charge_captured(charge, card)
    return render(ctx, charge, p.get("expand"))
