"""GET /v1/balance: the ledger's running totals, split available / pending."""

from __future__ import annotations

from lib.stripe_facts import currencies

from .. import params as fp
from ..engine import Ctx
from .ledger import balance_totals


def retrieve(ctx: Ctx, params: dict) -> dict:
    fp.validate(params, fp.EXPAND)
    totals = balance_totals(ctx)

    def funds(status: str) -> list[dict]:
        amounts = totals[status] or {currencies.SETTLEMENT_CURRENCY: 0}
        return [{"amount": amt, "currency": cur, "source_types": {"card": amt}} for cur, amt in amounts.items()]

    return {"object": "balance", "available": funds("available"), "pending": funds("pending"),
            "connect_reserved": [], "livemode": False}
