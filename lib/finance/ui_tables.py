"""Finance dashboard tables a person reads at a glance: headers in words, dates as dates, empty
cells blank (never "None"), currency codes in capitals, columns as wide as their longest value,
statuses as coloured badges in Stripe's words; and the "Show numbers" expanders behind the charts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pandas as pd
import streamlit as st

from lib.stripe_facts import statuses
from lib.stripe_facts.statuses import Badge
from lib.ui import badge_rows

MAX_COLUMN_PX = 420
# Headers a plain humanize would get wrong (Stripe's object names, abbreviations).
HEADERS = {"auth_rate": "Authorization rate", "payment_intents": "PaymentIntents", "payment_intent": "PaymentIntent",
           "pct_of_created": "% of created", "pct_of_previous": "% of previous stage",
           "succeeded_count": "Succeeded (count)", "outcome_types": "Outcome", "share": "Share"}
CURRENCY_COLUMNS = ("currency", "settlement_currency")  # ISO codes, shown as the Dashboard does: EUR
NARROW_CHARS = set("iljtfrI.,:;!|' ()[]")
WIDE_CHARS = set("mwMW@—%&")


def readable_header(column: str) -> str:
    """``"successful_payments"`` → ``"Successful payments"`` (a table header)."""
    return HEADERS.get(column) or statuses.humanize(column)


def _blank_missing(values: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else v for v in values.astype(object)]


def text_px(text: str) -> float:
    """About how wide ``text`` is in the grid's 14 px font (on the wide side: it must fit)."""
    return sum(4.5 if ch in NARROW_CHARS else 9.5 if ch.isupper() or ch in WIDE_CHARS else 7.6 for ch in text)


def fitted_width(header: str, values: Iterable[Any], *, pill: bool = False) -> int | None:
    """Pixels for a column to show its longest value unclipped (the grid sizes a column by its
    header and first rows only, so a longer value further down would be cut), with the cell's
    padding (and a badge's). ``None`` (the grid's own size) when no value is wider than the header."""
    texts = [", ".join(map(str, v)) if isinstance(v, list) else str(v) for v in values
             if isinstance(v, list) or not pd.isna(v)]
    widest = max([0.0, *(text_px(t) for t in texts)])
    if widest <= text_px(header):
        return None
    return int(min(MAX_COLUMN_PX, widest + (44 if pill else 24)))


def show_table(df: pd.DataFrame, *, key: str, badges: dict[str, Callable[[Any], Badge]] | None = None,
               column_config: dict[str, Any] | None = None) -> None:
    """``df`` as a dataframe a person reads at a glance (see the module docstring); the ``badges``
    columns (name → value-to-Badge) as coloured status pills in Stripe's words. ``column_config``
    sets a column's header (a string) or replaces its config."""
    shown = df.copy()
    config: dict[str, Any] = {}
    for name in shown.columns:
        if name in CURRENCY_COLUMNS:
            shown[name] = shown[name].str.upper()
        if pd.api.types.is_datetime64_any_dtype(shown[name]):
            config[name] = st.column_config.DatetimeColumn(readable_header(name), format="D MMM YYYY")
        else:
            config[name] = st.column_config.Column(readable_header(name))
    if badges:
        rows, badge_config = badge_rows([dict(zip(badges, values)) for values in
                                         zip(*(_blank_missing(shown[n]) for n in badges))], badges)
        for name in badges:
            shown[name] = [row[name] for row in rows] if rows else []
            if name in badge_config:
                config[name] = {**badge_config[name], "label": readable_header(name)}
    custom = {name for name, value in (column_config or {}).items() if not isinstance(value, str)}
    for name, value in (column_config or {}).items():
        config[name] = {**config[name], "label": value} if name not in custom and name in config else value
    for name, conf in config.items():  # text only: the grid sizes numbers and dates well itself
        column = shown[name] if name in shown.columns else None
        if name not in custom and column is not None and not pd.api.types.is_datetime64_any_dtype(column) \
                and not pd.api.types.is_numeric_dtype(column):
            conf["width"] = fitted_width(conf.get("label") or name, column, pill=bool(badges) and name in badges)
    st.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config, placeholder="")


def show_numbers(df: pd.DataFrame, label: str = "Show numbers", *, key: str,
                 display: pd.DataFrame | None = None,
                 badges: dict[str, Callable[[Any], Badge]] | None = None) -> None:
    """An expander with the frame behind a chart (``display``: its formatted copy)."""
    with st.expander(label):
        show_table(display if display is not None else df, key=key, badges=badges)
