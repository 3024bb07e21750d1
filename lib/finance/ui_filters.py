"""Finance dashboard sidebar filters: the account, date range presets, granularity, currency, card
and status filters, turned into :class:`lib.finance.metrics.Filters`.

The **Account** choice is shown only when the warehouse holds more than one account (several keys
synced into it with ``python -m lib.sync --account LABEL=ENV_VAR``): with one account it could
change nothing. Its default, *All accounts*, adds the accounts up (amounts still per currency);
picking one filters every KPI, chart and table to that account's rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import streamlit as st

from lib.finance import metrics as m
from lib.finance.ui_format import pay_status_badge

RANGES = ("Last 7 days", "Last 30 days", "Last 90 days", "Last 365 days", "Year to date", "All time",
          "Custom")
DEFAULT_RANGE = "Last 30 days"
ALL_ACCOUNTS_LABEL = "All accounts"
DEFAULT_ACCOUNT_LABEL = "This app's key"  # account '' : the app's own connection
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


def account_label(account: str | None) -> str:
    """How an account reads in the chooser: ``None`` is every account, ``''`` the app's own key."""
    if account is None:
        return ALL_ACCOUNTS_LABEL
    return account or DEFAULT_ACCOUNT_LABEL


def _account_choice(accounts: list[str]) -> str | None:
    """The Account selectbox (only with more than one account); ``None``: every account."""
    if len(accounts) < 2:
        st.session_state.pop("fin_account", None)
        return None
    if st.session_state.get("fin_account") not in (None, *accounts):  # left the data: back to all
        st.session_state["fin_account"] = None
    return st.selectbox("Account", [None, *accounts], key="fin_account", format_func=account_label,
                        help="The Stripe account whose data every number, chart and table shows "
                             "(several keys can be synced into one warehouse).")


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
        account = _account_choice(options.get("accounts", []))
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
                         tuple(statuses), account=account)
    except ValueError as exc:
        st.error(str(exc))
        return None
