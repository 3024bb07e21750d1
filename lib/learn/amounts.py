"""The amount and currency picker's rules: what a person types → the integer the API wants.

Stripe takes amounts in the currency's *smallest unit* (cents for USD, whole yen for JPY, fils
for KWD). :func:`parse_amount` turns "25.00" into 2500, and explains every bad input in words
before anything is sent: empty, not a number, negative, zero, too many decimals for the
currency, too many digits, below the minimum charge, above the maximum.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from lib.stripe_facts import currencies

# The picker's currencies: the common ones plus one of each unusual kind.
CURRENCIES: tuple[str, ...] = ("usd", "eur", "gbp", "cad", "aud", "chf", "inr", "brl", "jpy", "krw", "kwd", "isk")
MAX_INPUT_CHARS = 24
_NUMBER_RE = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")


@dataclass(frozen=True)
class AmountCheck:
    ok: bool
    amount: int | None          # minor units, when ok
    currency: str
    display: str = ""           # "$25.00"
    error: str | None = None
    code: str | None = None     # Stripe's error code for the same problem, when there is one

    @property
    def unit_note(self) -> str:
        return unit_note(self.currency)


def unit_note(currency: str) -> str:
    """One line on how this currency's amounts are written in the API."""
    c = currency.lower()
    e = currencies.exponent(c)
    upper = c.upper()
    if c in currencies.DIVISIBLE_BY_100:
        return (f"{upper} is zero-decimal in practice, but the API takes it ×100 for backwards compatibility: "
                f"{currencies.format_amount(500, c)} is sent as 500 and must be divisible by 100.")
    if e == 0:
        return f"{upper} has no minor unit: 500 means {currencies.format_amount(500, c)} (not 5.00)."
    if e == 3:
        return f"{upper} has three decimals: 1000 means {currencies.format_amount(1000, c)}, and the last digit must be 0."
    return f"The API takes {upper} in cents: 2500 means {currencies.format_amount(2500, c)}."


def currency_label(currency: str) -> str:
    c = currency.lower()
    kind = {0: "zero-decimal", 3: "three-decimal"}.get(currencies.exponent(c), "")
    if c in currencies.DIVISIBLE_BY_100:
        kind = "zero-decimal, sent ×100"
    return f"{c.upper()} ({currencies.symbol(c)})" + (f" · {kind}" if kind else "")


def parse_amount(text: str | None, currency: str) -> AmountCheck:
    """Validate what the customer typed (major units, e.g. "25.00") for ``currency``."""
    c = (currency or "").lower()
    if c not in currencies.SUPPORTED:
        return AmountCheck(False, None, c, error=f"{currency!r} is not a currency Stripe supports.", code="invalid_currency")
    raw = (text or "").strip().replace(" ", "").replace("\u00a0", "")
    fmt = currencies.format_amount
    if not raw:
        return AmountCheck(False, None, c, error="Enter an amount.")
    if len(raw) > MAX_INPUT_CHARS:
        return AmountCheck(False, None, c, error=f"That is too many digits. The most you can charge in {c.upper()} "
                           f"is {fmt(currencies.maximum_amount(c), c)}.", code="amount_too_large")
    if "," in raw:
        return AmountCheck(False, None, c, error="Use a dot for decimals and no thousands separators, e.g. 1234.50.")
    if not _NUMBER_RE.match(raw):
        return AmountCheck(False, None, c, error=f"{raw[:MAX_INPUT_CHARS]!r} is not a number.")
    try:
        value = Decimal(raw)
    except InvalidOperation:  # pragma: no cover - the regex already rules this out
        return AmountCheck(False, None, c, error=f"{raw!r} is not a number.")
    if value < 0:
        return AmountCheck(False, None, c, error="An amount cannot be negative. To give money back, refund a payment "
                           "(step 7).", code="parameter_invalid_integer")
    if value == 0:
        return AmountCheck(False, None, c, error="The amount must be greater than zero. (To save a card without "
                           "charging it, Stripe has SetupIntents.)", code="parameter_invalid_integer")
    places = max(0, -value.as_tuple().exponent)  # type: ignore[operator]
    shown_places = 0 if c in currencies.DIVISIBLE_BY_100 else currencies.exponent(c)
    if places > shown_places and value != value.to_integral_value():
        if shown_places == 0:
            why = f"{c.upper()} has no decimal places: charge whole units, e.g. {fmt(currencies.minimum_amount(c), c)}."
        else:
            why = f"{c.upper()} amounts have at most {shown_places} decimal places."
        return AmountCheck(False, None, c, error=why)
    minor = currencies.major_to_minor(value, c) if c not in currencies.DIVISIBLE_BY_100 else int(value) * 100
    high = currencies.maximum_amount(c)
    if minor > high:
        return AmountCheck(False, None, c, error=f"That is too many digits: the most Stripe lets you charge in "
                           f"{c.upper()} is {fmt(high, c)} ({high} in the API's units).", code="amount_too_large")
    low = currencies.effective_minimum_amount(c)
    if minor < low:
        return AmountCheck(False, None, c, error=f"Below the minimum charge: Stripe's minimum for {c.upper()} is "
                           f"{fmt(low, c)} (it must cover the fees and convert to at least US$0.50).",
                           code="amount_too_small")
    problem = currencies.amount_error(minor, c)
    if problem:
        return AmountCheck(False, None, c, error=problem[1], code=problem[0])
    return AmountCheck(True, minor, c, display=fmt(minor, c))


def default_amount_text(currency: str) -> str:
    """A sensible starting amount for the picker: about US$25 in ``currency``."""
    c = currency.lower()
    major = {"jpy": "3500", "krw": "33000", "isk": "3500", "inr": "2000", "kwd": "7.500", "huf": "9000",
             "brl": "125.00"}.get(c)
    return major or "25.00"


def parse_refund(text: str | None, currency: str, remaining: int) -> AmountCheck:
    """A refund amount: positive, the currency's decimals, at most what is left to refund.
    (No minimum: a refund can be a single cent.)"""
    c = currency.lower()
    if remaining <= 0:
        return AmountCheck(False, None, c, error="Nothing is left to refund on this payment.")
    raw = (text or "").strip()
    if not raw:
        return AmountCheck(True, remaining, c, display=currencies.format_amount(remaining, c))
    check = parse_amount(raw, c)
    if check.code == "parameter_invalid_integer":
        return AmountCheck(False, None, c, error="A refund must be more than zero.")
    if check.ok or check.code == "amount_too_small" or (check.error or "").startswith("Below"):
        try:
            value = Decimal(raw)
        except InvalidOperation:
            return check
        minor = int(value) * 100 if c in currencies.DIVISIBLE_BY_100 else currencies.major_to_minor(value, c)
        if minor > remaining:
            return AmountCheck(False, None, c, error=f"You can refund at most {currencies.format_amount(remaining, c)} "
                               "(what is left of the payment).")
        return AmountCheck(True, minor, c, display=currencies.format_amount(minor, c))
    return check
