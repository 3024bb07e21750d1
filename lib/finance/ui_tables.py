"""Finance dashboard tables a person reads at a glance: headers in words, dates as dates, empty
cells blank (never "None"), currency codes in capitals, columns as wide as their longest value,
statuses as coloured badges in Stripe's words; and the "Show numbers" expanders behind the charts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from lib.column_widths import fitted_width
from lib.stripe_facts import statuses
from lib.stripe_facts.statuses import Badge
from lib.ui import badge_rows

# Headers a plain humanize would get wrong (Stripe's object names, abbreviations).
HEADERS = {"auth_rate": "Authorization rate", "payment_intents": "PaymentIntents", "payment_intent": "PaymentIntent",
           "pct_of_created": "% of created", "pct_of_previous": "% of previous stage",
           "succeeded_count": "Succeeded (count)", "outcome_types": "Outcome", "share": "Share",
           "share_of_payments": "Share"}
CURRENCY_COLUMNS = ("currency", "settlement_currency")  # ISO codes, shown as the Dashboard does: EUR


def readable_header(column: str) -> str:
    """``"successful_payments"`` → ``"Successful payments"`` (a table header)."""
    return HEADERS.get(column) or statuses.humanize(column)


def _blank_missing(values: pd.Series) -> list[Any]:
    return [None if pd.isna(v) else v for v in values.astype(object)]


def show_table(df: pd.DataFrame, *, key: str, badges: dict[str, Callable[[Any], Badge]] | None = None,
               column_config: dict[str, Any] | None = None, pinned: tuple[str, ...] = (),
               all_rows: bool = False) -> None:
    """``df`` as a dataframe a person reads at a glance (see the module docstring); the ``badges``
    columns (name → value-to-Badge) as coloured status pills in Stripe's words. ``column_config``
    sets a column's header (a string) or replaces its config. ``pinned`` columns stay in view when
    a table wider than the page scrolls sideways (the payments list: a row per payment with all its
    facts, as the Dashboard's list; every other table fits). The table sits in a container keyed
    ``<key>_box``, which the browser tests find it by. ``all_rows``: tall enough for every row (a
    short table read as a whole), instead of scrolling after about ten."""
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
    for name in pinned:
        config[name] = {**config[name], "pinned": True}
    with st.container(key=f"{key}_box"):
        st.dataframe(shown, hide_index=True, width="stretch", key=key, column_config=config, placeholder="",
                     height=38 + 35 * len(shown) if all_rows else "auto")


def show_numbers(df: pd.DataFrame, label: str = "Show numbers", *, key: str,
                 display: pd.DataFrame | None = None,
                 badges: dict[str, Callable[[Any], Badge]] | None = None) -> None:
    """An expander with the frame behind a chart (``display``: its formatted copy)."""
    with st.expander(label):
        show_table(display if display is not None else df, key=key, badges=badges)
