"""Money for the finance warehouse: exact major units and the same rules as SQL expressions.

Display formatting is not here: the one amount formatter is
:func:`lib.stripe_facts.currencies.format_amount`, re-exported below for the finance UI.
"""

from __future__ import annotations

from decimal import Decimal

from lib.stripe_facts import currencies
from lib.stripe_facts.currencies import format_amount

__all__ = ["exponent", "exponent_sql", "format_amount", "format_rate", "major_sql", "to_major"]


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


def exponent_sql(column: str) -> str:
    """A SQL expression giving the minor-unit exponent of the currency in ``column``."""
    zero = sorted(c for c in currencies.SUPPORTED if exponent(c) == 0)
    three = sorted(c for c in currencies.SUPPORTED if exponent(c) == 3)

    def lst(items: list[str]) -> str:
        return ", ".join(f"'{c}'" for c in items) or "NULL"

    return f"(CASE WHEN {column} IN ({lst(zero)}) THEN 0 WHEN {column} IN ({lst(three)}) THEN 3 ELSE 2 END)"


def major_sql(column: str, currency_column: str) -> str:
    """SQL for the exact major-unit amount as text ('10.99', '500', '5.120')."""
    e = exponent_sql(currency_column)
    return (f"(CASE {e} WHEN 0 THEN CAST({column} AS VARCHAR) "
            f"WHEN 3 THEN CAST(CAST({column} AS DECIMAL(38,0)) * 0.001 AS VARCHAR) "
            f"ELSE CAST(CAST({column} AS DECIMAL(38,0)) * 0.01 AS VARCHAR) END)")
