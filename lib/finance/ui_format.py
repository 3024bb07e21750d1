"""Finance dashboard display helpers: colours, payment statuses, card brands and decline codes in
the Stripe Dashboard's words, money/rate columns of DataFrames formatted for display (with THE
amount formatter), chart values in major units and changes vs the previous period. Tables are in
:mod:`lib.finance.ui_tables`."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from lib.finance.money import exponent, format_amount, format_rate
from lib.stripe_facts import statuses
from lib.stripe_facts.cards import DISPLAY_BRAND
from lib.stripe_facts.statuses import Badge

COLORS = {"succeeded": "#2e7d32", "refunded": "#f9a825", "disputed": "#c62828", "failed": "#c62828",
          "fees": "#6d4c41", "net": "#1565c0", "gross": "#90caf9"}

# The warehouse's one status per charge (lib.finance.store.PAY_STATUSES) as the Payments list shows it.
_PAY_STATUS_BADGES = {"succeeded": statuses.SUCCEEDED, "partially_refunded": statuses.PARTIALLY_REFUNDED,
                      "refunded": statuses.REFUNDED, "disputed": statuses.DISPUTED,
                      "uncaptured": statuses.UNCAPTURED, "canceled": statuses.CANCELED,
                      "pending": Badge("Pending", "blue"), "failed": statuses.FAILED}

ACRONYMS = {"cvc": "CVC", "pin": "PIN", "cvv": "CVV", "3ds": "3DS", "avs": "AVS"}

# A change is "new" when the previous period had fewer records than this (payments, ledger lines)
# or nothing at all: a percentage of almost nothing ("+9591.1%") says nothing.
MIN_PREVIOUS_RECORDS = 10
NEW = "new"


def pay_status_badge(pay_status: Any) -> Badge:
    """A charge's ``pay_status`` (succeeded, partially_refunded, ...) as the Dashboard's badge."""
    return _PAY_STATUS_BADGES.get(str(pay_status or ""), Badge(statuses.humanize(pay_status) or "—", "gray"))


def brand_label(brand: Any) -> str:
    """A card brand as the Dashboard writes it (``amex`` → ``American Express``)."""
    return DISPLAY_BRAND.get(str(brand), statuses.humanize(brand))


def decline_label(code: Any) -> str:
    """A decline code in words (``incorrect_cvc`` → ``Incorrect CVC``)."""
    words = statuses.humanize(code).split(" ")
    return " ".join(ACRONYMS.get(w.lower(), w) for w in words)


def major_units(values: pd.Series, currency: str) -> pd.Series:
    """Minor units as floats in major units, for chart axes (numbers, not display strings)."""
    return values.astype("float64") / (10 ** exponent(currency))


def amount_text(value: float | int | None, currency: str) -> str:
    """A minor-unit amount from a DataFrame (int, float or missing) as a person reads it."""
    return format_amount(None if pd.isna(value) else int(round(value)), currency)


def amounts_text(values: pd.Series, currency: str) -> list[str]:
    """Each amount of one currency as a person reads it, e.g. for chart hovers."""
    return [amount_text(v, currency) for v in values]


def format_money_columns(df: pd.DataFrame, cols: list[str], currency_col: str) -> pd.DataFrame:
    """A display copy with money columns formatted per row currency (numbers stay in the CSV)."""
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [amount_text(v, cur) for v, cur in zip(out[c], out[currency_col])]
    return out


def format_rate_columns(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """A display copy with rate columns as percentages (``format_rate``); missing rates blank."""
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = ["" if pd.isna(v) else format_rate(float(v)) for v in out[c]]
    return out


def in_words(df: pd.DataFrame, columns: dict[str, Callable[[Any], str]]) -> pd.DataFrame:
    """A display copy with codes turned into words (``{"reason": humanize}``); missing stays blank."""
    out = df.copy()
    for name, to_words in columns.items():
        if name in out.columns:
            out[name] = [None if v is None or (not isinstance(v, list) and pd.isna(v)) else to_words(v)
                         for v in out[name]]
    return out


def delta_text(now: float | int | None, before: float | int | None, *, pct: bool = True,
               previous_records: int | None = None) -> str | None:
    """The change vs the previous period, short enough for a KPI tile: relative (``+12.5%``) or,
    for rates, in percentage points (``-0.52 pts``); :data:`NEW` when the previous period is too
    small to compare (``previous_records``: how many payments or ledger lines it had, fewer than
    :data:`MIN_PREVIOUS_RECORDS`) or had none of it; no sign when it rounds to zero; ``None`` when
    there is nothing in either period."""
    if now is None:
        return None
    if before is None:
        return NEW if now else None
    if not now and not before:
        return None
    if previous_records is not None and previous_records < MIN_PREVIOUS_RECORDS:
        return NEW
    if pct:
        if not before:
            return NEW
        change, digits, unit = (now - before) / abs(before) * 100, 1, "%"
    else:
        change, digits, unit = (now - before) * 100, 2, " pts"
    sign = "+" if round(change, digits) > 0 else "-" if round(change, digits) < 0 else ""
    return f"{sign}{abs(change):.{digits}f}{unit}"
