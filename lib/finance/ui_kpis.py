"""Finance dashboard KPI tiles (with sparklines and deltas) and the open disputes list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import ui_pages
from lib.finance import metrics as m
from lib.finance.money import format_amount, format_rate
from lib.finance.ui_format import delta_text, format_money_columns, format_rate_columns, major_units


def render_kpis(dash: m.Dashboard, prev_ledger: dict, prev_totals: dict) -> None:
    led = dash.ledger
    sparks = dash.fees_net
    if led.empty:
        st.info("No balance transactions in this range: gross, fees and net are zero.")
    for _, r in led.iterrows():
        cur = r["settlement_currency"]
        before = prev_ledger.get(cur, {})
        spark = sparks[sparks.settlement_currency == cur]
        st.caption(f"Ledger in **{cur.upper()}** (settlement currency, from balance transactions)")
        # Two rows: five amounts side by side truncate ("$20,15…") at common widths.
        cols = [*st.columns(3), *st.columns(3)[:2]]
        tiles = [
            ("Gross volume", "gross_volume", "gross", "Captured payments (balance transactions of category charge)."),
            ("Refunds", "refunds", "refunds", "Refunded amounts (refund and refund-failure lines)."),
            ("Dispute losses", "dispute_losses", "dispute_losses",
             "Amounts withdrawn for disputes, minus reversals of won disputes (dispute fees are in Fees)."),
            ("Fees", "fees", "fees", "Stripe fees on every line, including $15 dispute fees."),
            ("Net volume", "net_volume", "net", "Gross − refunds − dispute losses − fees (+ other adjustments)."),
        ]
        for col, (label, key, spark_key, help_text) in zip(cols, tiles):
            value = int(r[key])
            col.metric(label, format_amount(value, cur), delta_text(value, before.get(key)), help=help_text,
                       border=True, chart_data=major_units(spark[spark_key], cur).tolist() if len(spark) > 1 else None,
                       delta_color="inverse" if key in ("refunds", "dispute_losses", "fees") else "normal")
        if int(r["other_adjustments"]):
            st.caption(f"Other adjustments: {format_amount(int(r['other_adjustments']), cur)}")

    t = dash.totals
    cols = st.columns(5)
    cols[0].metric("Successful payments", f"{t['successful_payments']:,}",
                   delta_text(t["successful_payments"], prev_totals.get("successful_payments")), border=True)
    cols[1].metric("Authorization rate", format_rate(t["auth_rate"]),
                   delta_text(t["auth_rate"], prev_totals.get("auth_rate"), pct=False), border=True,
                   help="Charges authorized / charges attempted (succeeded + failed), all currencies.")
    cols[2].metric("Refund rate", format_rate(t["refund_rate_count"]),
                   delta_text(t["refund_rate_count"], prev_totals.get("refund_rate_count"), pct=False),
                   delta_color="inverse", border=True,
                   help="Payments in the range with a refund / successful payments in the range.")
    cols[3].metric("Dispute rate", format_rate(t["dispute_rate_count"]),
                   delta_text(t["dispute_rate_count"], prev_totals.get("dispute_rate_count"), pct=False),
                   delta_color="inverse", border=True,
                   help=f"Disputes opened in the range (inquiries excluded) / successful payments. Card "
                        f"networks start monitoring at {m.DISPUTE_RATE_THRESHOLD:.2%}.")
    od = dash.open_disputes
    due = od["evidence_due_by"].dropna().min() if len(od) else None
    cols[4].metric("Open disputes", f"{len(od):,}", border=True,
                   delta=f"next due {pd.Timestamp(due):%d %b}" if due is not None else None,
                   delta_color="off", help="Disputes waiting for your response (all dates).")
    if t["dispute_rate_flag"]:
        st.error(f"Dispute rate {format_rate(t['dispute_rate_count'])} is at or above the card networks' "
                 f"{m.DISPUTE_RATE_THRESHOLD:.2%} monitoring threshold.", icon=":material/warning:")

    pk = dash.payments
    if len(pk):
        with st.expander("Payments per currency (average payment, rates by count and amount)"):
            show = format_money_columns(pk, ["successful_volume", "refunded_amount", "disputed_amount",
                                        "average_payment"], "currency")
            show = format_rate_columns(show, ["auth_rate", "refund_rate_count", "refund_rate_amount",
                                         "dispute_rate_count", "dispute_rate_amount"])
            show["currency"] = show["currency"].str.upper()
            st.dataframe(show, hide_index=True, width="stretch", key="fin_tbl_payments_kpi")
            flagged = pk[pk.dispute_rate_flag]
            if len(flagged):
                st.warning("Dispute rate above 0.75% in: " + ", ".join(flagged.currency.str.upper()))


def render_open_disputes(dash: m.Dashboard) -> None:
    od = dash.open_disputes
    st.subheader("Disputes needing a response")
    if od.empty:
        st.caption("No open disputes. 🎉")
        return
    show = od[["id", "payment_intent", "amount", "currency", "status", "reason", "evidence_due_by",
               "days_left", "overdue"]].copy()
    show = format_money_columns(show, ["amount"], "currency")
    show["days_left"] = show["days_left"].round(1)
    show["explorer"] = [ui_pages.explorer_url(p) if p else None for p in od.payment_intent]
    st.dataframe(show, hide_index=True, width="stretch", key="fin_tbl_disputes", column_config={
        "evidence_due_by": st.column_config.DatetimeColumn("Evidence due (UTC)", format="D MMM YYYY, HH:mm"),
        "explorer": st.column_config.LinkColumn("Explorer", display_text="Open"),
        "overdue": st.column_config.CheckboxColumn("Overdue"),
    })
