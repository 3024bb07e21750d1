"""Finance dashboard charts: volume, success/failure, declines, refunds, fees and net, disputes,
card brands/countries and the PaymentIntent funnel (Plotly).

Every chart titles both axes and puts its value ticks on round numbers (1, 2, 2.5 or 5 × 10ⁿ;
rates on 0/25/50/75/100 %). Statuses and reasons are in words, dispute outcomes in their
badge colours (won green, lost red)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from functools import partial

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.finance import metrics as m
from lib.finance.ui_format import (
    COLORS,
    amounts_text,
    brand_label,
    decline_label,
    format_money_columns,
    format_rate_columns,
    in_words,
    major_units,
)
from lib.finance.ui_tables import show_numbers
from lib.stripe_facts.statuses import dispute_badge, humanize, pi_status_badge
from lib.ui import BADGE_HEX

ROUND_STEPS = (1, 2, 2.5, 5)
RATE_TICKS = [0, 25, 50, 75, 100]
TIME_TITLES = {"day": "Day (UTC)", "week": "Week starting (UTC)", "month": "Month (UTC)"}
NEUTRAL = BADGE_HEX["gray"]


def round_step(span: float, *, integer: bool = False, intervals: int = 5) -> float:
    """A tick step of 1, 2, 2.5 or 5 × 10ⁿ that cuts ``span`` into at most ``intervals`` parts
    (a whole number for counts)."""
    if not span or span != span or span <= 0:
        return 1
    raw = span / intervals
    magnitude = 10 ** math.floor(math.log10(raw))
    for s in ROUND_STEPS:
        step = s * magnitude
        if step >= raw and not (integer and step != int(step)):
            return step
    return max(1, 10 * magnitude) if integer else 10 * magnitude


def value_axis(title: str, values: Iterable[float], *, integer: bool = False) -> dict:
    """An axis from zero with round ticks spanning ``values`` (counts: ``integer``)."""
    nums = [float(v) for v in values if v == v]
    top, bottom = max([0.0, *nums]), min([0.0, *nums])
    return dict(title=dict(text=title), tick0=0, dtick=round_step(top - bottom, integer=integer),
                rangemode="tozero", tickformat=",")


def time_axis(granularity: str) -> dict:
    return dict(title=dict(text=TIME_TITLES.get(granularity, "Date (UTC)")), type="date")


def category_axis(title: str) -> dict:
    return dict(title=dict(text=title), type="category")


def _layout(fig: go.Figure, x: dict, y: dict, *, hovermode: str = "x unified", height: int = 340) -> go.Figure:
    # the legend sits above the plot, never over the bars
    fig.update_layout(margin=dict(l=10, r=10, t=40, b=10), height=height,
                      legend=dict(orientation="h", yanchor="bottom", y=1.02, xanchor="left", x=0),
                      xaxis=x, yaxis=y, hovermode=hovermode)
    return fig


def _hbar(labels: list[str], values: pd.Series, colors: list[str] | str, x_title: str, y_title: str,
          text: list[str] | None = None, bars: int | None = None) -> go.Figure:
    """Horizontal bars of counts (one category per bar), the largest at the top; as tall as
    ``bars`` bars (default: as many as there are), so charts side by side line up."""
    fig = go.Figure(go.Bar(x=values, y=labels, orientation="h", marker_color=colors, text=text,
                           hovertemplate="%{y}: %{x:,}<extra></extra>"))
    y = category_axis(y_title)
    y["autorange"] = "reversed"
    # about 30 px a bar: one bar is not a wall, fifteen are not slivers
    height = min(480, max(180, 110 + 30 * (bars or len(labels))))
    return _layout(fig, value_axis(x_title, values, integer=True), y, hovermode="closest", height=height)


def _currency_picker(currencies: list[str], key: str) -> str | None:
    if not currencies:
        return None
    if len(currencies) == 1:
        return currencies[0]
    return st.selectbox("Chart currency (amounts are never added across currencies)", currencies,
                        format_func=str.upper, key=key)


def render_charts(dash: m.Dashboard) -> None:
    gran = dash.filters.granularity
    vol = dash.volume
    # The settlement currency first (the usual default a finance reader expects), then alphabetical.
    currencies = sorted(vol.currency.unique(), key=lambda c: (c != "usd", c)) if len(vol) else []
    st.subheader("Volume over time")
    cur = _currency_picker(currencies, "fin_chart_currency")
    if cur:
        v = vol[vol.currency == cur]
        fig = go.Figure()
        series = (("succeeded", "Succeeded"), ("refunded", "Refunded"), ("disputed", "Disputed"))
        for col, name in series:
            fig.add_bar(x=v.period, y=major_units(v[col], cur), name=name, marker_color=COLORS[col],
                        customdata=amounts_text(v[col], cur), hovertemplate="%{customdata}")
        fig.update_layout(barmode="group")
        amounts = pd.concat([major_units(v[c], cur) for c, _ in series])
        st.plotly_chart(_layout(fig, time_axis(gran), value_axis(f"Amount ({cur.upper()}, as paid)", amounts)),
                        key="fin_chart_volume")
    else:
        st.caption("No payments in this range.")
    show_numbers(vol, "Numbers: volume over time", key="fin_num_volume", display=format_money_columns(vol, ["succeeded", "refunded", "disputed"],
                                                                  "currency") if len(vol) else vol)

    numbers: list[Callable[[], None]] = []  # shown under the row, full width: they do not fit half of it
    left, right = st.columns(2)
    with left:
        st.subheader("Success vs failure")
        sf = dash.success_failure
        fig = go.Figure()
        fig.add_bar(x=sf.period, y=sf.succeeded, name="Succeeded", marker_color=COLORS["succeeded"])
        fig.add_bar(x=sf.period, y=sf.failed, name="Failed", marker_color=COLORS["failed"])
        fig.add_scatter(x=sf.period, y=sf.success_rate * 100, name="Success rate", yaxis="y2",
                        mode="lines", line=dict(color="#424242"), hovertemplate="%{y:.1f}%")
        fig.update_layout(barmode="stack", yaxis2=dict(
            overlaying="y", side="right", range=[0, 100], tickmode="array", tickvals=RATE_TICKS,
            ticktext=[f"{t}%" for t in RATE_TICKS], showgrid=False, title=dict(text="Success rate")))
        st.plotly_chart(_layout(fig, time_axis(gran), value_axis("Charges", sf.attempts, integer=True)),
                        key="fin_chart_success")
        numbers.append(partial(show_numbers, sf, "Numbers: success vs failure", key="fin_num_success",
                               display=format_rate_columns(sf, ["success_rate"])))
    with right:
        st.subheader("Decline reasons")
        dr = dash.declines
        if len(dr):
            fig = _hbar([decline_label(c) for c in dr.decline_code], dr.failed_payments, COLORS["failed"],
                        "Failed payments", "Decline reason")
            st.plotly_chart(fig, key="fin_chart_declines")
        else:
            st.caption("No failed payments in this range.")
        numbers.append(partial(show_numbers, dr, "Numbers: decline reasons", key="fin_num_declines",
                               display=in_words(format_rate_columns(dr, ["share"]), {
                                   "decline_code": decline_label,
                                   "outcome_types": lambda t: ", ".join(humanize(x) for x in t.split(","))})))
    _show_all(numbers)

    left, right = st.columns(2)
    with left:
        st.subheader("Refunds over time")
        rf = dash.refunds
        if cur and len(rf[rf.currency == cur]):
            r = rf[rf.currency == cur]
            fig = go.Figure(go.Bar(x=r.period, y=major_units(r.refunded_amount, cur), name="Refunded",
                                   marker_color=COLORS["refunded"],
                                   customdata=list(zip(amounts_text(r.refunded_amount, cur), r.refunds)),
                                   hovertemplate="%{customdata[0]} (%{customdata[1]} refunds)<extra></extra>"))
            st.plotly_chart(_layout(fig, time_axis(gran), value_axis(f"Refunded ({cur.upper()})",
                                                                     major_units(r.refunded_amount, cur))),
                            key="fin_chart_refunds")
        else:
            st.caption(f"No refunds in {cur.upper()} in this range." if cur else "No refunds in this range.")
        numbers.append(partial(show_numbers, rf, "Numbers: refunds over time", key="fin_num_refunds",
                               display=format_money_columns(rf, ["refunded_amount"], "currency") if len(rf) else rf))
    with right:
        st.subheader("Fees and net")
        fn = dash.fees_net
        scur = sorted(fn.settlement_currency.unique()) if len(fn) else []
        if scur:
            sc = scur[0] if len(scur) == 1 else st.selectbox("Settlement currency", scur, format_func=str.upper,
                                                               key="fin_chart_settlement")
            x = fn[fn.settlement_currency == sc]
            fig = go.Figure()
            fig.add_bar(x=x.period, y=major_units(x.fees, sc), name="Fees", marker_color=COLORS["fees"])
            fig.add_scatter(x=x.period, y=major_units(x.net, sc), name="Net", mode="lines",
                            line=dict(color=COLORS["net"]))
            fig.add_scatter(x=x.period, y=major_units(x.gross, sc), name="Gross", mode="lines",
                            line=dict(color=COLORS["gross"], dash="dot"))
            amounts = pd.concat([major_units(x[c], sc) for c in ("fees", "net", "gross")])
            st.plotly_chart(_layout(fig, time_axis(gran), value_axis(f"Amount ({sc.upper()}, settled)", amounts)),
                            key="fin_chart_fees")
        else:
            st.caption("No balance transactions in this range.")
        numbers.append(partial(show_numbers, fn, "Numbers: fees and net", key="fin_num_fees",
                               display=format_money_columns(fn, ["gross", "refunds", "dispute_losses", "fees", "net"],
                                                            "settlement_currency") if len(fn) else fn))
    _show_all(numbers)

    _render_disputes(dash)
    _render_cards(dash)
    _render_funnel(dash)


def _show_all(numbers: list[Callable[[], None]]) -> None:
    """The row's "Numbers" expanders, one under the other at the page's width; then the list is empty."""
    for show in numbers:
        show()
    numbers.clear()


def _render_disputes(dash: m.Dashboard) -> None:
    numbers: list[Callable[[], None]] = []
    left, right = st.columns(2)
    with left:
        st.subheader("Disputes by status")
        frame = dash.disputes_status
        if len(frame):
            agg = frame.groupby("status", as_index=False)["disputes"].sum().sort_values("disputes", ascending=False)
            badges = [dispute_badge(s) for s in agg.status]
            st.plotly_chart(_hbar([b.label for b in badges], agg.disputes,
                                  [BADGE_HEX.get(b.color, NEUTRAL) for b in badges], "Disputes", "Status"),
                            key="fin_chart_disputes_status")
        else:
            st.caption("No disputes opened in this range.")
        numbers.append(partial(show_numbers, frame, "Numbers: disputes by status", key="fin_num_disputes_status",
                               badges={"status": dispute_badge},
                               display=format_money_columns(frame, ["amount"], "currency") if len(frame) else frame))
    with right:
        st.subheader("Disputes by reason")
        frame = dash.disputes_reason
        if len(frame):
            agg = frame.groupby("reason", as_index=False)["disputes"].sum().sort_values("disputes", ascending=False)
            st.plotly_chart(_hbar([humanize(r) for r in agg.reason], agg.disputes, NEUTRAL, "Disputes", "Reason"),
                            key="fin_chart_disputes_reason")
        else:
            st.caption("No disputes opened in this range.")
        numbers.append(partial(show_numbers, frame, "Numbers: disputes by reason", key="fin_num_disputes_reason",
                               display=in_words(format_money_columns(frame, ["amount"], "currency"),
                                                {"reason": humanize}) if len(frame) else frame))
    _show_all(numbers)


def _render_cards(dash: m.Dashboard) -> None:
    numbers: list[Callable[[], None]] = []
    left, right = st.columns(2)
    top = {field: frame.groupby(field, as_index=False)["successful_payments"].sum()
           .sort_values("successful_payments", ascending=False).head(15)
           for frame, field in ((dash.by_brand, "brand"), (dash.by_country, "country"))}
    bars = max(len(agg) for agg in top.values())
    for col, frame, field, title, axis, label in (
            (left, dash.by_brand, "brand", "Payments by card brand", "Card brand", brand_label),
            (right, dash.by_country, "country", "Payments by card country", "Card country", str)):
        with col:
            st.subheader(title)
            if len(frame):
                agg = top[field]
                st.plotly_chart(_hbar([label(v) for v in agg[field]], agg.successful_payments, COLORS["net"],
                                      "Successful payments", axis, bars=bars), key=f"fin_chart_{field}")
                st.caption("Counts of successful payments (all currencies); volumes per currency in the table.")
            else:
                st.caption("No payments in this range.")
            numbers.append(partial(show_numbers, frame, f"Numbers: {title[0].lower()}{title[1:]}",
                                   key=f"fin_num_{field}", display=in_words(format_rate_columns(
                                       format_money_columns(frame, ["volume"], "currency"),
                                       ["auth_rate", "share_of_payments"]), {field: label}) if len(frame) else frame))
    _show_all(numbers)


def _render_funnel(dash: m.Dashboard) -> None:
    st.subheader("PaymentIntent funnel")
    fu = dash.funnel
    if fu.payment_intents.iloc[0]:
        text = [f"{n:,} ({p:.1%})" for n, p in zip(fu.payment_intents, fu.pct_of_created)]  # 99.5% is not 100%
        fig = _hbar(list(fu.stage), fu.payment_intents, "#635bff", "PaymentIntents", "Stage", text=text)
        fig.update_traces(textposition="auto")
        st.plotly_chart(fig, key="fin_chart_funnel")
    else:
        st.caption("No PaymentIntents created in this range.")
    st.caption("The payment-status filter does not apply to the funnel.")
    show_numbers(fu, "Numbers: PaymentIntent funnel", key="fin_num_funnel", display=format_rate_columns(fu, ["pct_of_created", "pct_of_previous"]))
    show_numbers(dash.pi_statuses, "PaymentIntents by status", key="fin_num_pi_status",
                 display=format_rate_columns(dash.pi_statuses, ["share"]), badges={"status": pi_status_badge})

