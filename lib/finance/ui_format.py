"""Finance dashboard display helpers: colours, status labels, explorer links, money/rate
formatting of DataFrames, deltas vs the previous period and the "Show numbers" expanders."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib.finance.money import exponent, format_amount, format_rate

STATUS_LABELS = {"succeeded": "Succeeded", "partially_refunded": "Partially refunded",
                 "refunded": "Refunded", "disputed": "Disputed", "uncaptured": "Uncaptured",
                 "canceled": "Canceled", "pending": "Pending", "failed": "Failed"}
COLORS = {"succeeded": "#2e7d32", "refunded": "#f9a825", "disputed": "#c62828", "failed": "#c62828",
          "fees": "#6d4c41", "net": "#1565c0", "gross": "#90caf9"}


def _major(values: pd.Series, currency: str) -> pd.Series:
    return values.astype("float64") / (10 ** exponent(currency))


def _fmt_money_cols(df: pd.DataFrame, cols: list[str], currency_col: str) -> pd.DataFrame:
    """A display copy with money columns formatted per row currency (numbers stay in the CSV)."""
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [format_amount(int(round(v)), cur) if pd.notna(v) else "–"
                      for v, cur in zip(out[c], out[currency_col])]
    return out


def _fmt_rate_cols(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [format_rate(None if pd.isna(v) else float(v)) for v in out[c]]
    return out


def _delta(now: float | int | None, before: float | int | None, *, pct: bool = True) -> str | None:
    if now is None or before is None:
        return None
    if pct:
        if not before:
            return None
        return f"{(now - before) / abs(before) * 100:+.1f}% vs previous period"
    return f"{(now - before) * 100:+.2f} pts vs previous period"


def _numbers(df: pd.DataFrame, label: str = "Show numbers", *, key: str, display: pd.DataFrame | None = None):
    with st.expander(label):
        st.dataframe(display if display is not None else df, hide_index=True, width="stretch", key=key)
