"""Stripe fees for a US account (TEST_MODE.md §5.3, §4.4).

``fee = round_half_up(amount × (2.9% [+1.5% international card] [+1% currency conversion])) + 30``
on the *settlement* (USD cent) amount. Stripe does not publish a rounding rule; we round half-up
on integer minor units with Decimal (§5.3 [INF]). The percentage is applied once to the total
rate, so the worked examples hold exactly ($10 → 59, $20 → 88, $100 → 320, $100 on a GB card →
470). The conversion part is shown as its own ``fee_details`` line ("Stripe currency conversion
fee", = round_half_up(amount × 1%)), and the "Stripe processing fees" line is the remainder, so
the lines always add up to the total.

International means the card's issuing country differs from the account country (US); a
missing/unknown country counts as domestic. Failed charges have no fee, and refunds keep the
original fee (refund balance transactions have ``fee: 0``) [D].

Dispute fee: $15.00, debited with the chargeback withdrawal. Whether it comes back when the
dispute is won is a documented conflict (§4.4): we default to **keeping** it
(``REFUND_DISPUTE_FEE_ON_WIN = False``), matching Stripe's current "dispute fee is
non-refundable" docs and the 2026 observed reversal with ``fee: 0``. Set it to True to model
the older behaviour (reversal carries ``fee: -1500``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ACCOUNT_COUNTRY = "US"
SETTLEMENT_CURRENCY = "usd"
PROCESSING_PCT = Decimal("0.029")
FIXED_FEE = 30
INTERNATIONAL_PCT = Decimal("0.015")
FX_PCT = Decimal("0.01")
DISPUTE_FEE = 1500
REFUND_DISPUTE_FEE_ON_WIN = False

PROCESSING_DESCRIPTION = "Stripe processing fees"
FX_DESCRIPTION = "Stripe currency conversion fee"
DISPUTE_DESCRIPTION = "Dispute fee"


def round_half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fee_line(amount: int, description: str, currency: str = SETTLEMENT_CURRENCY) -> dict:
    """One ``fee_details`` entry in Stripe's shape."""
    return {"amount": int(amount), "application": None, "currency": currency,
            "description": description, "type": "stripe_fee"}


def is_international(card_country: str | None) -> bool:
    return bool(card_country) and card_country.upper() != ACCOUNT_COUNTRY


def is_converted(presentment_currency: str | None) -> bool:
    return bool(presentment_currency) and presentment_currency.lower() != SETTLEMENT_CURRENCY


def fee_rate(card_country: str | None, presentment_currency: str | None) -> Decimal:
    """The percentage part of the fee, e.g. Decimal("0.044") for a GB card charged in USD."""
    pct = PROCESSING_PCT
    if is_international(card_country):
        pct += INTERNATIONAL_PCT
    if is_converted(presentment_currency):
        pct += FX_PCT
    return pct


def charge_fee(settlement_amount: int, card_country: str, presentment_currency: str) -> tuple[int, list[dict]]:
    """Fee on a successful card charge: (total fee in USD cents, ``fee_details`` list).

    ``settlement_amount`` is the captured amount already converted to USD cents.
    """
    amount = Decimal(int(settlement_amount))
    total = round_half_up(amount * fee_rate(card_country, presentment_currency)) + FIXED_FEE
    details = []
    fx = round_half_up(amount * FX_PCT) if is_converted(presentment_currency) else 0
    details.append(fee_line(total - fx, PROCESSING_DESCRIPTION))
    if is_converted(presentment_currency):
        details.append(fee_line(fx, FX_DESCRIPTION))
    return total, details


def net_after_fee(settlement_amount: int, card_country: str, presentment_currency: str) -> int:
    return int(settlement_amount) - charge_fee(settlement_amount, card_country, presentment_currency)[0]


def dispute_fee_details() -> tuple[int, list[dict]]:
    """Fee on a chargeback withdrawal: (1500, [Dispute fee line])."""
    return DISPUTE_FEE, [fee_line(DISPUTE_FEE, DISPUTE_DESCRIPTION)]


def dispute_reversal_fee(refund_fee_on_win: bool | None = None) -> tuple[int, list[dict]]:
    """Fee on the win reversal: (-1500, [line]) if the fee is refunded, else (0, [])."""
    refund = REFUND_DISPUTE_FEE_ON_WIN if refund_fee_on_win is None else refund_fee_on_win
    if not refund:
        return 0, []
    return -DISPUTE_FEE, [fee_line(-DISPUTE_FEE, DISPUTE_DESCRIPTION)]
