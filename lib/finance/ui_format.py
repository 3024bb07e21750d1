"""Finance dashboard display helpers: colours, status labels, money/rate columns of DataFrames
formatted for display (with THE amount formatter), chart values in major units, deltas vs the
previous period and the "Show numbers" expanders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.finance.money import exponent, format_amount, format_rate

STATUS_LABELS = {"succeeded": "Succeeded", "partially_refunded": "Partially refunded",
                 "refunded": "Refunded", "disputed": "Disputed", "uncaptured": "Uncaptured",
                 "canceled": "Canceled", "pending": "Pending", "failed": "Failed"}
COLORS = {"succeeded": "#2e7d32", "refunded": "#f9a825", "disputed": "#c62828", "failed": "#c62828",
          "fees": "#6d4c41", "net": "#1565c0", "gross": "#90caf9"}


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
    """A display copy with rate columns as percentages (``format_rate``)."""
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [format_rate(None if pd.isna(v) else float(v)) for v in out[c]]
    return out


def delta_text(now: float | int | None, before: float | int | None, *, pct: bool = True) -> str | None:
    """The change vs the previous period: relative (``+12.5%``) or, for rates, in percentage
    points; ``None`` when there is nothing to compare with."""
    if now is None or before is None:
        return None
    if pct:
        if not before:
            return None
        return f"{(now - before) / abs(before) * 100:+.1f}% vs previous period"
    return f"{(now - before) * 100:+.2f} pts vs previous period"


def show_numbers(df: pd.DataFrame, label: str = "Show numbers", *, key: str,
                 display: pd.DataFrame | None = None) -> None:
    """An expander with the frame behind a chart (``display``: its formatted copy)."""
    with st.expander(label):
        st.dataframe(display if display is not None else df, hide_index=True, width="stretch", key=key)
