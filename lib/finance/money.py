"""Money for the finance warehouse: exact major units (the same rule as an Ibis expression for the
queries: :func:`lib.finance.metrics.expressions.major_text`).

Display formatting is not here: the one amount formatter is
:func:`lib.stripe_facts.currencies.format_amount`, re-exported below for the finance UI.
"""

from __future__ import annotations

from decimal import Decimal

from lib.stripe_facts import currencies
from lib.stripe_facts.currencies import format_amount

__all__ = ["exponent", "format_amount", "format_rate", "to_major"]


def exponent(currency: str | None) -> int:
    """Minor-unit digits of the API amount (0, 2 or 3); 2 for a currency we do not know, so a
    warehouse row in an unexpected currency still shows a number."""
    cur = (currency or "").lower()
    return currencies.exponent(cur) if cur in currencies.SUPPORTED else 2


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units -> exact major-unit Decimal (``1099, 'usd'`` -> ``Decimal('10.99')``)."""
    return Decimal(int(amount)).scaleb(-exponent(currency))


def format_rate(rate: float | None, digits: int = 2) -> str:
    """``0.0123`` -> ``'1.23%'``; ``None`` (no denominator) -> ``'–'``."""
    if rate is None or rate != rate:  # None or NaN
        return "–"
    return f"{rate * 100:.{digits}f}%"
