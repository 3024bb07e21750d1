"""Finance dashboard sidebar filters: date range presets, granularity, currency, card and status
filters, turned into :class:`lib.finance.metrics.Filters`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st

from lib.finance import metrics as m
from lib.finance.ui_format import pay_status_badge

RANGES = ("Last 7 days", "Last 30 days", "Last 90 days", "Last 365 days", "Year to date", "All time",
          "Custom")
DEFAULT_RANGE = "Last 30 days"
CURRENCY_HELP = ("Picks payments by the currency the customer paid in (the **presentment** currency). "
                 "Gross, refunds, fees and net stay in your **settlement** currency: Stripe converts each "
                 "payment into it when it settles, so EUR payments show the dollars they settled for. "
                 "Payment volumes per currency are in *Payments per currency* and the volume chart.")


def _resolve_range(choice: str, options: dict, today: date) -> tuple[date, date]:
    first, last = options.get("first_day"), options.get("last_day")
    if choice == "All time" and first and last:
        return first, max(last, first)
    if choice == "Year to date":
        return date(today.year, 1, 1), today
    days = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "Last 365 days": 365}.get(choice, 30)
    return today - timedelta(days=days - 1), today


def render_filters(options: dict) -> m.Filters | None:
    today = datetime.now(UTC).date()
    # values chosen earlier may have left the data (e.g. after a re-sync): drop them, don't fail
    for key, opts in (("fin_currencies", "currencies"), ("fin_brands", "brands"),
                      ("fin_countries", "countries"), ("fin_statuses", "statuses")):
        if key in st.session_state:
            kept = [v for v in st.session_state[key] if v in options[opts]]
            if kept != list(st.session_state[key]):
                st.session_state[key] = kept
    with st.sidebar:
        st.subheader("Finance filters")
        choice = st.selectbox("Date range", RANGES, index=RANGES.index(DEFAULT_RANGE), key="fin_range")
        start, end = _resolve_range(choice, options, today)
        if choice == "Custom":
            picked = st.date_input("From – to (UTC)", value=(start, end), key="fin_dates")
            if not isinstance(picked, tuple | list) or len(picked) != 2:
                st.info("Pick an end date.")
                return None
            start, end = picked
        else:
            st.caption(f"{start:%d %b %Y} – {end:%d %b %Y} (UTC)")
        gran = st.segmented_control("Granularity", list(m.GRANULARITIES), default="day",
                                    format_func=str.capitalize, key="fin_granularity",
                                    required=True)
        currencies = st.multiselect("Payment currency", options["currencies"], key="fin_currencies",
                                    format_func=str.upper, placeholder="All currencies", help=CURRENCY_HELP)
        brands = st.multiselect("Card brand", options["brands"], key="fin_brands", placeholder="All brands")
        countries = st.multiselect("Card country", options["countries"], key="fin_countries",
                                   placeholder="All countries")
        statuses = st.multiselect("Payment status", [s for s in m.PAY_STATUSES if s in options["statuses"]],
                                  key="fin_statuses", format_func=lambda s: pay_status_badge(s).label,
                                  placeholder="All statuses")
    try:
        return m.Filters(start, end, gran or "day", tuple(currencies), tuple(brands), tuple(countries),
                         tuple(statuses))
    except ValueError as exc:
        st.error(str(exc))
        return None
