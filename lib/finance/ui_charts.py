"""Finance dashboard charts: volume, success/failure, declines, refunds, fees and net, disputes,
card brands/countries and the PaymentIntent funnel (Plotly)."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from lib.finance import metrics as m
from lib.finance.ui_format import (
    COLORS,
    amounts_text,
    format_money_columns,
    format_rate_columns,
    major_units,
    show_numbers,
)


def _currency_picker(currencies: list[str], key: str) -> str | None:
    if not currencies:
        return None
    if len(currencies) == 1:
        return currencies[0]
    return st.selectbox("Chart currency (amounts are never added across currencies)", currencies,
                        format_func=str.upper, key=key)


def _layout(fig: go.Figure, y_title: str = "") -> go.Figure:
    fig.update_layout(margin=dict(l=10, r=10, t=30, b=10), height=320, legend=dict(orientation="h", y=1.1),
                      yaxis_title=y_title, hovermode="x unified")
    return fig


def render_charts(dash: m.Dashboard) -> None:
    vol = dash.volume
    # The settlement currency first (the usual default a finance reader expects), then alphabetical.
    currencies = sorted(vol.currency.unique(), key=lambda c: (c != "usd", c)) if len(vol) else []
    st.subheader("Volume over time")
    cur = _currency_picker(currencies, "fin_chart_currency")
    if cur:
        v = vol[vol.currency == cur]
        fig = go.Figure()
        for col, name in (("succeeded", "Succeeded"), ("refunded", "Refunded"), ("disputed", "Disputed")):
            fig.add_bar(x=v.period, y=major_units(v[col], cur), name=name, marker_color=COLORS[col])
        fig.update_layout(barmode="group")
        st.plotly_chart(_layout(fig, cur.upper()), key="fin_chart_volume")
    else:
        st.caption("No payments in this range.")
    show_numbers(vol, key="fin_num_volume", display=format_money_columns(vol, ["succeeded", "refunded", "disputed"],
                                                                  "currency") if len(vol) else vol)

    left, right = st.columns(2)
    with left:
        st.subheader("Success vs failure")
        sf = dash.success_failure
        fig = go.Figure()
        fig.add_bar(x=sf.period, y=sf.succeeded, name="Succeeded", marker_color=COLORS["succeeded"])
        fig.add_bar(x=sf.period, y=sf.failed, name="Failed", marker_color=COLORS["failed"])
        fig.add_scatter(x=sf.period, y=sf.success_rate * 100, name="Success rate %", yaxis="y2",
                        mode="lines", line=dict(color="#424242"))
        fig.update_layout(barmode="stack", yaxis2=dict(overlaying="y", side="right", range=[0, 100],
                                                         title="%"))
        st.plotly_chart(_layout(fig, "Charges"), key="fin_chart_success")
        show_numbers(sf, key="fin_num_success", display=format_rate_columns(sf, ["success_rate"]))
    with right:
        st.subheader("Decline reasons")
        dr = dash.declines
        if len(dr):
            fig = go.Figure(go.Bar(x=dr.failed_payments, y=dr.decline_code, orientation="h",
                                   marker_color=COLORS["failed"]))
            fig.update_yaxes(autorange="reversed")
            st.plotly_chart(_layout(fig), key="fin_chart_declines")
        else:
            st.caption("No failed payments in this range.")
        show_numbers(dr, key="fin_num_declines", display=format_rate_columns(dr, ["share"]))

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
            st.plotly_chart(_layout(fig, cur.upper()), key="fin_chart_refunds")
        else:
            st.caption(f"No refunds in {cur.upper()} in this range." if cur else "No refunds in this range.")
        show_numbers(rf, key="fin_num_refunds",
                 display=format_money_columns(rf, ["refunded_amount"], "currency") if len(rf) else rf)
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
            st.plotly_chart(_layout(fig, f"{sc.upper()} (settlement)"), key="fin_chart_fees")
        else:
            st.caption("No balance transactions in this range.")
        show_numbers(fn, key="fin_num_fees", display=format_money_columns(
            fn, ["gross", "refunds", "dispute_losses", "fees", "net"], "settlement_currency") if len(fn) else fn)

    left, right = st.columns(2)
    for col, frame, field, title, key in ((left, dash.disputes_status, "status", "Disputes by status", "status"),
                                          (right, dash.disputes_reason, "reason", "Disputes by reason", "reason")):
        with col:
            st.subheader(title)
            if len(frame):
                agg = frame.groupby(field, as_index=False)["disputes"].sum().sort_values("disputes")
                fig = go.Figure(go.Bar(x=agg.disputes, y=agg[field], orientation="h",
                                       marker_color=COLORS["disputed"]))
                st.plotly_chart(_layout(fig, ""), key=f"fin_chart_disputes_{key}")
            else:
                st.caption("No disputes opened in this range.")
            show_numbers(frame, key=f"fin_num_disputes_{key}",
                     display=format_money_columns(frame, ["amount"], "currency") if len(frame) else frame)

    left, right = st.columns(2)
    for col, frame, field, title, key in ((left, dash.by_brand, "brand", "Payments by card brand", "brand"),
                                          (right, dash.by_country, "country", "Payments by card country",
                                           "country")):
        with col:
            st.subheader(title)
            if len(frame):
                agg = frame.groupby(field, as_index=False)["successful_payments"].sum() \
                    .sort_values("successful_payments").tail(15)
                fig = go.Figure(go.Bar(x=agg.successful_payments, y=agg[field], orientation="h",
                                       marker_color=COLORS["net"]))
                st.plotly_chart(_layout(fig, ""), key=f"fin_chart_{key}")
                st.caption("Counts of successful payments (all currencies); volumes per currency in the table.")
            else:
                st.caption("No payments in this range.")
            show_numbers(frame, key=f"fin_num_{key}", display=format_rate_columns(
                format_money_columns(frame, ["volume"], "currency"), ["auth_rate", "share_of_payments"])
                if len(frame) else frame)

    st.subheader("PaymentIntent funnel")
    fu = dash.funnel
    if fu.payment_intents.iloc[0]:
        fig = go.Figure(go.Funnel(y=fu.stage, x=fu.payment_intents, textinfo="value+percent initial"))
        st.plotly_chart(_layout(fig), key="fin_chart_funnel")
    else:
        st.caption("No PaymentIntents created in this range.")
    st.caption("The payment-status filter does not apply to the funnel.")
    show_numbers(fu, key="fin_num_funnel", display=format_rate_columns(fu, ["pct_of_created", "pct_of_previous"]))
    show_numbers(dash.pi_statuses, "PaymentIntents by status", key="fin_num_pi_status",
             display=format_rate_columns(dash.pi_statuses, ["share"]))
