"""Card tokens (the legacy ``tok_…`` objects), created client-side with a publishable key."""

from __future__ import annotations

from lib.stripe_facts import cards

from .. import params as fp
from ..engine import Ctx
from ..errors import NotFound
from ..ids import new_id
from .listing import render
from .payment_methods import CARD_FIELDS, validate_raw_card

LEGACY_BRAND = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express", "discover": "Discover",
                "jcb": "JCB", "diners": "Diners Club", "unionpay": "UnionPay", "cartes_bancaires": "Visa",
                "eftpos_au": "Visa", "unknown": "Unknown"}


def legacy_card(number: str, exp_month: int, exp_year: int, cvc_supplied: bool) -> dict:
    card = cards.card_for_number(number)
    return {
        "id": new_id("card"), "object": "card", "address_city": None, "address_country": None,
        "address_line1": None, "address_line1_check": None, "address_line2": None, "address_state": None,
        "address_zip": None, "address_zip_check": None, "brand": LEGACY_BRAND.get(card.brand, "Unknown"),
        "country": card.country, "cvc_check": "unchecked" if cvc_supplied else None, "dynamic_last4": None,
        "exp_month": exp_month, "exp_year": exp_year, "fingerprint": cards.fingerprint(number),
        "funding": card.funding, "last4": number[-4:], "metadata": {}, "name": None,
        "networks": {"preferred": None}, "regulated_status": None, "tokenization_method": None,
    }


def build_token(ctx: Ctx, number: str, exp_month: int, exp_year: int, cvc_supplied: bool = True) -> dict:
    return {"id": new_id("tok"), "object": "token", "card": legacy_card(number, exp_month, exp_year, cvc_supplied),
            "client_ip": None, "created": ctx.now, "livemode": False, "type": "card", "used": False,
            "_number": number, "_cvc": cvc_supplied}


def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, {"card": fp.anything, **fp.EXPAND}, required=("card",))
    raw = fp.validate(p["card"] if isinstance(p["card"], dict) else {}, CARD_FIELDS, prefix="card")
    number, month, year, cvc = validate_raw_card(raw)
    token = build_token(ctx, number, month, year, cvc is not None)
    ctx.store.insert(token)
    return render(ctx, token, p.get("expand"))


def retrieve(ctx: Ctx, params: dict, tok_id: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    token = ctx.store.get(tok_id, "token")
    if token is None:
        card = cards.card_by_token(tok_id)
        if card is None:
            raise NotFound("token", tok_id)
        token = build_token(ctx, card.number, 12, 2034) | {"id": tok_id}
    return render(ctx, token, p.get("expand"))
