"""The ledger: one balance transaction per money movement, with Stripe's fee rules
(lib.stripe_facts.fees), and the running balance totals behind GET /v1/balance.

Funds start ``pending`` and become ``available`` after the engine's async delay (a job), or at once
for the bypass-pending cards. Live sandbox payments therefore settle in seconds rather than T+2 days:
a teaching choice, documented in the README; seeded history uses ``available_on = created + 2 days``.
"""

from __future__ import annotations

from lib.stripe_facts import currencies, fees

from ..engine import Ctx
from ..ids import body_of, new_id

SETTLEMENT_DAYS = 2


def new_balance_transaction(ctx: Ctx, *, amount: int, fee: int, fee_details: list[dict], type_: str,
                            category: str, source: str, description: str | None, exchange_rate: float | None,
                            body: str | None = None, available_now: bool = False) -> dict:
    settled_later = ctx.now + SETTLEMENT_DAYS * 86400
    txn = {
        "id": new_id("txn", body), "object": "balance_transaction", "amount": amount,
        "available_on": ctx.now if available_now else settled_later, "balance_type": "payments",
        "created": ctx.now, "currency": currencies.SETTLEMENT_CURRENCY, "description": description,
        "exchange_rate": exchange_rate, "fee": fee, "fee_details": fee_details, "net": amount - fee,
        "reporting_category": category, "source": source, "status": "pending", "type": type_,
    }
    if available_now:
        txn["status"] = "available"
    ctx.store.insert(txn)
    add_to_balance(ctx, txn["status"], txn["net"])
    if not available_now:
        if ctx.inline_jobs:
            # Seeded history: settled if its settlement date has passed.
            if settled_later <= ctx.engine.clock():
                txn["status"] = "available"
                ctx.store.update(txn)
                add_to_balance(ctx, "pending", -txn["net"])
                add_to_balance(ctx, "available", txn["net"])
        else:
            ctx.schedule(1.0, "balance.make_available", {"txn": txn["id"]})
    return txn


def make_available(ctx: Ctx, payload: dict) -> None:
    """Job ``balance.make_available``: a pending balance transaction's funds become available."""
    txn = ctx.store.get(payload["txn"], "balance_transaction")
    if txn is None or txn["status"] == "available":
        return
    txn["status"] = "available"
    txn["available_on"] = min(txn["available_on"], ctx.now)
    ctx.store.update(txn)
    add_to_balance(ctx, "pending", -txn["net"])
    add_to_balance(ctx, "available", txn["net"])


def add_to_balance(ctx: Ctx, status: str, net: int) -> None:
    """Running totals, so GET /v1/balance never sums the whole ledger."""
    ctx.store.execute("INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                      "value=value+excluded.value", (f"balance:{status}:{currencies.SETTLEMENT_CURRENCY}", net))


def balance_totals(ctx: Ctx) -> dict[str, dict[str, int]]:
    rows = ctx.store.execute("SELECT name, value FROM counters WHERE name LIKE 'balance:%'").fetchall()
    out: dict[str, dict[str, int]] = {"available": {}, "pending": {}}
    for name, value in rows:
        _, status, cur = name.split(":")
        out[status][cur] = value
    return out


def record_charge(ctx: Ctx, charge: dict, card, amount: int | None = None) -> dict:
    """The `charge` balance transaction for a captured amount (fee assessed on it)."""
    captured = charge["amount"] if amount is None else amount
    settled, rate = currencies.to_settlement(captured, charge["currency"])
    fee, details = fees.charge_fee(settled, card.country, charge["currency"])
    return new_balance_transaction(
        ctx, amount=settled, fee=fee, fee_details=details, type_="charge", category="charge", source=charge["id"],
        description=charge.get("description"), exchange_rate=rate, body=body_of(charge["id"]),
        available_now=bool(getattr(card, "bypass_pending", False)))
