"""Money in minor units: exponents per currency and display formatting.

Stripe amounts are integers in the currency's smallest unit. Most currencies have two decimals,
the zero-decimal ones (JPY, KRW, ...) none, and BHD/JOD/KWD/OMR/TND three. ISK is sent to Stripe
with two decimals (the amount must be divisible by 100) but is displayed without decimals.

If the sandbox's formatter (``lib.sandbox.currencies.format_amount``) exists it is used, so the
whole app formats money one way; this module's own rules are the fallback.
"""

from __future__ import annotations

import functools
from decimal import Decimal

ZERO_DECIMAL = frozenset({
    "bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx", "vnd", "vuv",
    "xaf", "xof", "xpf",
})
THREE_DECIMAL = frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
# Sent with two decimals, shown with none (Stripe requires the amount to be divisible by 100).
TWO_DECIMAL_SHOWN_WHOLE = frozenset({"isk"})

SYMBOLS = {
    "usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹", "krw": "₩", "cny": "CN¥",
    "aud": "A$", "cad": "CA$", "nzd": "NZ$", "hkd": "HK$", "sgd": "SGD ", "chf": "CHF ",
    "brl": "R$", "mxn": "MX$",
}


@functools.cache
def _shared_exponent():
    try:
        from lib.sandbox.currencies import exponent as shared  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - optional
        return None
    return shared


def exponent(currency: str) -> int:
    """Number of minor-unit digits Stripe uses for ``currency`` (0, 2 or 3)."""
    cur = (currency or "").lower()
    shared = _shared_exponent()
    if shared is not None:
        try:
            return int(shared(cur))
        except Exception:  # noqa: BLE001 - unknown currency there: use our rules
            pass
    if cur in ZERO_DECIMAL:
        return 0
    if cur in THREE_DECIMAL:
        return 3
    return 2


def to_major(amount: int, currency: str) -> Decimal:
    """Minor units -> exact major-unit Decimal (``1099, 'usd'`` -> ``Decimal('10.99')``)."""
    return Decimal(int(amount)).scaleb(-exponent(currency))


def _fallback_format(amount: int, currency: str) -> str:
    cur = (currency or "").lower()
    value = to_major(amount, cur)
    shown = 0 if cur in TWO_DECIMAL_SHOWN_WHOLE else exponent(cur)
    sign = "-" if value < 0 else ""
    number = f"{abs(value):,.{shown}f}"
    symbol = SYMBOLS.get(cur)
    if symbol:
        return f"{sign}{symbol}{number}"
    return f"{sign}{number} {cur.upper()}"


@functools.cache
def _shared_formatter():
    try:
        from lib.sandbox.currencies import format_amount as shared  # type: ignore[import-not-found]
    except Exception:  # noqa: BLE001 - the shared formatter is optional
        return None
    return shared


def format_amount(amount: int | None, currency: str | None) -> str:
    """Display string for an amount in minor units, e.g. ``(1099, 'usd')`` -> ``'$10.99'``,
    ``(500, 'jpy')`` -> ``'¥500'``, ``(5120, 'kwd')`` -> ``'5.120 KWD'``."""
    if amount is None or currency is None:
        return "–"
    shared = _shared_formatter()
    if shared is not None:
        try:
            return str(shared(int(amount), currency))
        except Exception:  # noqa: BLE001 - fall back to our own rules
            pass
    return _fallback_format(int(amount), currency)


def format_rate(rate: float | None, digits: int = 2) -> str:
    """``0.0123`` -> ``'1.23%'``; ``None`` (no denominator) -> ``'–'``."""
    if rate is None or rate != rate:  # None or NaN
        return "–"
    return f"{rate * 100:.{digits}f}%"


def exponent_sql(column: str) -> str:
    """A SQL expression giving the minor-unit exponent of the currency in ``column``."""
    candidates = ZERO_DECIMAL | THREE_DECIMAL | TWO_DECIMAL_SHOWN_WHOLE
    zero = sorted(c for c in candidates if exponent(c) == 0)
    three = sorted(c for c in candidates if exponent(c) == 3)

    def lst(items: list[str]) -> str:
        return ", ".join(f"'{c}'" for c in items) or "NULL"

    return f"(CASE WHEN {column} IN ({lst(zero)}) THEN 0 WHEN {column} IN ({lst(three)}) THEN 3 ELSE 2 END)"


def major_sql(column: str, currency_column: str) -> str:
    """SQL for the exact major-unit amount as text ('10.99', '500', '5.120')."""
    e = exponent_sql(currency_column)
    return (f"(CASE {e} WHEN 0 THEN CAST({column} AS VARCHAR) "
            f"WHEN 3 THEN CAST(CAST({column} AS DECIMAL(38,0)) * 0.001 AS VARCHAR) "
            f"ELSE CAST(CAST({column} AS DECIMAL(38,0)) * 0.01 AS VARCHAR) END)")
