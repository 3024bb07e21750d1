"""PaymentMethods (type card): create from raw card fields or a token, retrieve, update, detach, list.
Attaching one to a customer (and listing a customer's) is in customers.py, which knows customers.

Raw card numbers are accepted only with a publishable key — the browser sends them straight to the
processor, which is the whole point of step 1 (PCI). With a secret key Stripe refuses raw numbers
by default; so do we, pointing at the ``pm_card_*`` ids. Every ``pm_card_*`` id creates a new
PaymentMethod each time it is used, as Stripe's do.
"""

from __future__ import annotations

import time

from lib.stripe_facts import cards

from .. import params as fp
from ..engine import Ctx
from ..errors import CardError, InvalidRequest, NotFound
from ..ids import new_id
from .listing import list_response, render

CARD_FIELDS = {"number": fp.string(40), "exp_month": fp.string(4), "exp_year": fp.string(6), "cvc": fp.string(8),
               "token": fp.string(255)}
ADDRESS = {k: fp.string(200, blank=True) for k in ("city", "country", "line1", "line2", "postal_code", "state")}
BILLING = {"address": fp.hash_of(ADDRESS), "email": fp.string(512, blank=True), "name": fp.string(256, blank=True),
           "phone": fp.string(40, blank=True), "tax_id": fp.string(100, blank=True)}
CREATE = {"type": fp.enum("card"), "card": fp.anything, "billing_details": fp.hash_of(BILLING),
          "metadata": fp.metadata, "allow_redisplay": fp.enum("always", "limited", "unspecified"),
          "customer": fp.string(255), "payment_method": fp.string(255), **fp.EXPAND}


def card_error(code: str, message: str, param: str) -> CardError:
    return CardError(message, code=code, param=param)


def _int_field(value: object, code: str, message: str, param: str) -> int:
    text = str(value or "").strip()
    if not text.isdigit():
        raise card_error(code, message, param)
    return int(text)


def validate_raw_card(card: dict) -> tuple[str, int, int, str | None]:
    """Stripe's client-side checks, in its order: number, month, year, CVC."""
    number = str(card.get("number") or "").replace(" ", "").replace("-", "")
    if not number:
        raise fp.param_missing("card[number]")
    if not number.isdigit() or not cards.luhn_ok(number) or not 12 <= len(number) <= 19:
        raise card_error("incorrect_number", "Your card number is incorrect.", "number")
    if "exp_month" not in card:
        raise fp.param_missing("card[exp_month]")
    if "exp_year" not in card:
        raise fp.param_missing("card[exp_year]")
    month = _int_field(card.get("exp_month"), "invalid_expiry_month", "Your card's expiration month is invalid.",
                       "exp_month")
    if not 1 <= month <= 12:
        raise card_error("invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month")
    year = _int_field(card.get("exp_year"), "invalid_expiry_year", "Your card's expiration year is invalid.",
                      "exp_year")
    if year < 100:
        year += 2000
    now = time.gmtime()
    if year < now.tm_year or year > now.tm_year + 50:
        raise card_error("invalid_expiry_year", "Your card's expiration year is invalid.", "exp_year")
    if year == now.tm_year and month < now.tm_mon:
        raise card_error("invalid_expiry_month", "Your card's expiration month is invalid.", "exp_month")
    cvc = card.get("cvc")
    if cvc not in (None, ""):
        brand = cards.card_for_number(number).brand
        if not str(cvc).isdigit() or len(str(cvc)) != cards.cvc_length(brand):
            raise card_error("invalid_cvc", "Your card's security code is invalid.", "cvc")
    return number, month, year, (str(cvc) if cvc not in (None, "") else None)


def build(ctx: Ctx, number: str, exp_month: int | None = None, exp_year: int | None = None,
          cvc_supplied: bool = True, billing: dict | None = None, metadata: dict | None = None) -> dict:
    """A new card PaymentMethod for a test number (the seeder calls this too)."""
    card = cards.card_for_number(number)
    now = time.gmtime(ctx.now)
    billing = billing or {}
    address = {k: None for k in ADDRESS} | (billing.get("address") or {})
    networks = list(card.available_networks) if card.brand not in ("unknown",) else []
    return {
        "id": new_id("pm"), "object": "payment_method", "allow_redisplay": "unspecified",
        "billing_details": {"address": address, "email": billing.get("email") or None,
                            "name": billing.get("name") or None, "phone": billing.get("phone") or None,
                            "tax_id": None},
        "card": {
            "brand": card.brand, "checks": {"address_line1_check": None, "address_postal_code_check": None,
                                            "cvc_check": "unchecked" if cvc_supplied else None},
            "country": card.country, "display_brand": card.display_brand or card.brand,
            "exp_month": exp_month or now.tm_mon,
            "exp_year": exp_year or now.tm_year + 1, "fingerprint": cards.fingerprint(number),
            "funding": card.funding, "generated_from": None, "last4": number[-4:],
            "networks": {"available": networks, "preferred": None}, "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": card.three_ds != "not_supported"}, "wallet": None,
        },
        "created": ctx.now, "customer": None, "customer_account": None, "livemode": False,
        "metadata": metadata or {}, "type": "card",
        "_number": number, "_cvc": cvc_supplied,
    }


def card_of(pm: dict) -> cards.TestCard:
    """The test card behind a PaymentMethod. Token-only variants that share another card's number
    (tok_visa_chargeCustomerFailLostCard...) are remembered by token, or they would act as that card."""
    if pm.get("_tok"):
        card = cards.card_by_token(pm["_tok"])
        if card is not None:
            return card
    return cards.card_for_number(pm["_number"])


def from_magic_id(ctx: Ctx, value: str, param: str) -> dict | None:
    """``pm_card_*`` or ``tok_*`` → a new stored PaymentMethod; None if ``value`` is not magic."""
    card = None
    if value.startswith("pm_card_"):
        card = cards.card_by_pm_id(value)
    elif value.startswith("tok_"):
        card = cards.card_by_token(value)
        if card is None:
            token = ctx.store.get(value, "token")
            if token is not None:
                return ctx.store.insert(_from_token(ctx, token, param))
    else:
        return None
    if card is None:
        raise NotFound("PaymentMethod", value, param)
    pm = build(ctx, card.number)
    if not card.number_primary:
        pm["_tok"] = value
    ctx.store.insert(pm)
    return pm


def _from_token(ctx: Ctx, token: dict, param: str, billing: dict | None = None,
                metadata: dict | None = None) -> dict:
    """Spend a stored single-use token on a new PaymentMethod (returned, not yet stored)."""
    if token.get("used"):
        raise InvalidRequest(f"You cannot use a Stripe token more than once: {token['id']}.",
                             code="token_already_used", param=param)
    token["used"] = True
    ctx.store.update(token)
    return build(ctx, token["_number"], token["card"]["exp_month"], token["card"]["exp_year"],
                 token.get("_cvc", True), billing, metadata)


def resolve(ctx: Ctx, value: str, param: str = "payment_method") -> dict:
    """A PaymentMethod id, magic id or token, as passed to a PaymentIntent."""
    pm = from_magic_id(ctx, value, param)
    if pm is not None:
        return pm
    pm = ctx.store.get(value, "payment_method")
    if pm is None:
        raise NotFound("PaymentMethod", value, param)
    return pm


def new_from_params(ctx: Ctx, p: dict, prefix: str = "") -> dict:
    """A new stored PaymentMethod from validated create params (``type``, ``card``, ``billing_details``,
    ``metadata``). ``prefix`` names where they came from in error params (``payment_method_data``)."""
    def name(key: str) -> str:
        return f"{prefix}[{key}]" if prefix else key

    if p.get("type") != "card":
        raise fp.param_missing(name("type")) if "type" not in p else InvalidRequest("Only type=card is supported.",
                                                                                    param=prefix and name("type"))
    raw = p.get("card")
    if not isinstance(raw, dict):
        raise fp.param_missing(name("card"))
    raw = fp.validate(raw, CARD_FIELDS, prefix=name("card"))
    if "token" in raw:
        tok = raw["token"]
        card = cards.card_by_token(tok)
        if card is not None:
            pm = build(ctx, card.number, billing=p.get("billing_details"), metadata=p.get("metadata"))
            if not card.number_primary:
                pm["_tok"] = tok
        else:
            token = ctx.store.get(tok, "token")
            if token is None:
                raise NotFound("token", tok, name("card[token]"))
            pm = _from_token(ctx, token, name("card[token]"), p.get("billing_details"), p.get("metadata"))
    else:
        if not ctx.publishable:
            raise CardError("Sending credit card numbers directly to the Stripe API is generally unsafe. Collect "
                            "card details in the browser with a publishable key, or use test PaymentMethod ids such "
                            "as pm_card_visa from server code.", code=None)
        number, month, year, cvc = validate_raw_card(raw)
        pm = build(ctx, number, month, year, cvc is not None, p.get("billing_details"), p.get("metadata"))
    ctx.store.insert(pm)
    return pm


# ``payment_method_data`` on PaymentIntents and SetupIntents: the create params of a PaymentMethod.
DATA = {k: CREATE[k] for k in ("type", "card", "billing_details", "metadata", "allow_redisplay")}


def from_data(ctx: Ctx, data: dict, param: str = "payment_method_data") -> dict:
    """The PaymentMethod ``payment_method_data`` describes, created now (Stripe creates one per use)."""
    return new_from_params(ctx, fp.validate(data, DATA, prefix=param), param)


def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, CREATE)
    if "payment_method" in p:  # cloning for Connect: not emulated
        raise InvalidRequest("Cloning PaymentMethods (payment_method=) is not supported by the sandbox.",
                             param="payment_method")
    return render(ctx, new_from_params(ctx, p), p.get("expand"))


def retrieve(ctx: Ctx, params: dict, pm_id: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, resolve(ctx, pm_id, "payment_method"), p.get("expand"))


def update(ctx: Ctx, params: dict, pm_id: str) -> dict:
    p = fp.validate(params, {"metadata": fp.metadata, "billing_details": fp.hash_of(BILLING), **fp.EXPAND})
    pm = resolve(ctx, pm_id)
    previous = {}
    if "metadata" in p:
        previous["metadata"] = pm["metadata"]
        pm["metadata"] = {k: v for k, v in {**pm["metadata"], **p["metadata"]}.items() if v != ""}
    if "billing_details" in p:
        previous["billing_details"] = pm["billing_details"]
        bd = p["billing_details"]
        pm["billing_details"] = {**pm["billing_details"], **{k: v for k, v in bd.items() if k != "address"}}
        if "address" in bd:
            pm["billing_details"]["address"] = {**pm["billing_details"]["address"], **bd["address"]}
    ctx.store.update(pm)
    ctx.emit("payment_method.updated", pm, previous)
    return render(ctx, pm, p.get("expand"))


def attach_to(ctx: Ctx, pm: dict, customer_id: str) -> dict:
    """Attach ``pm`` to the customer ``customer_id`` (which the caller has checked exists)."""
    card = card_of(pm)
    if not card.attachable and card.decline is not None:
        d = card.decline
        raise CardError(d.message, code=d.code, decline_code=d.decline_code, advice_code=d.advice_code)
    if pm.get("customer") and pm["customer"] != customer_id:
        raise InvalidRequest("The payment method you provided has already been attached to a customer.",
                             param="payment_method")
    if pm.get("_consumed"):
        raise InvalidRequest("This PaymentMethod was previously used without being attached to a Customer or was "
                             "detached from a Customer, and may not be used again.", param="payment_method")
    pm["customer"] = customer_id
    ctx.store.update(pm)
    ctx.emit("payment_method.attached", pm)
    return pm


def given(ctx: Ctx, p: dict) -> dict | None:
    """The PaymentMethod an intent's params name (``payment_method``: an id, magic id or token) or
    describe (``payment_method_data``: created now, as Stripe does), or None if neither is given."""
    if p.get("payment_method") and p.get("payment_method_data"):
        raise InvalidRequest("You may only specify one of these parameters: payment_method, payment_method_data.",
                             code="parameters_exclusive", param="payment_method_data")
    if p.get("payment_method_data"):
        return from_data(ctx, p["payment_method_data"])
    return resolve(ctx, p["payment_method"]) if p.get("payment_method") else None


def check_usable(pm: dict, customer: str | None, intent_name: str) -> None:
    """Refuse ``pm`` for an intent of ``customer``: it belongs to another customer, or it was spent."""
    if pm.get("customer") and pm["customer"] != customer:
        raise InvalidRequest(f"The provided PaymentMethod belongs to a customer; pass that customer to the "
                             f"{intent_name}.", param="payment_method")
    if pm.get("_consumed"):
        raise InvalidRequest("This PaymentMethod was previously used without being attached to a Customer or was "
                             "detached from a Customer, and may not be used again.", param="payment_method")


def save_after_success(ctx: Ctx, intent: dict, pm: dict, usage: str | None) -> None:
    """After a successful payment or setup with ``pm``. With ``usage`` (a PaymentIntent's
    ``setup_future_usage``, a SetupIntent's ``usage``) and a ``customer`` on ``intent``, ``pm`` is
    attached to that customer (``payment_method.attached``, TEST_MODE §2.1); ``off_session`` also
    sets the card up for off-session payments (§1.11). A PaymentMethod used without either is
    spent: it cannot be used again (§1.1)."""
    if usage:
        if intent.get("customer") and pm.get("customer") != intent["customer"]:
            attach_to(ctx, pm, intent["customer"])
        if usage == "off_session":
            pm["_setup_off_session"] = True
    elif not pm.get("customer"):
        pm["_consumed"] = True
    ctx.store.update(pm)


def detach(ctx: Ctx, params: dict, pm_id: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    pm = resolve(ctx, pm_id)
    if not pm.get("customer"):
        raise InvalidRequest("The payment method you provided is not attached to a customer so detachment is "
                             "impossible.", param="payment_method")
    previous = {"customer": pm["customer"]}
    pm["customer"] = None
    pm["_consumed"] = True
    ctx.store.update(pm)
    ctx.emit("payment_method.detached", pm, previous)
    owner = ctx.store.get(previous["customer"], "customer")
    settings = (owner or {}).get("invoice_settings") or {}
    if owner is not None and settings.get("default_payment_method") == pm["id"]:  # Stripe unsets the default
        owner["invoice_settings"] = {**settings, "default_payment_method": None}
        ctx.store.update(owner)
        ctx.emit("customer.updated", owner, {"invoice_settings": settings})
    return render(ctx, pm, p.get("expand"))


def list_(ctx: Ctx, params: dict) -> dict:
    extra = {"customer": fp.string(255), "type": fp.enum("card")}
    if "customer" not in params:
        raise fp.param_missing("customer")
    return list_response(ctx, "payment_method", "/v1/payment_methods", params, extra,
                         {"customer": params["customer"]})
