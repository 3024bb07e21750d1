"""Finance dashboard KPI tiles (with sparklines and changes vs the previous period), what the
currency filter means for them, and the open disputes list."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from lib import ui_pages
from lib.finance import metrics as m
from lib.finance.money import format_amount, format_rate
from lib.finance.ui_data import previous_period
from lib.finance.ui_format import (
    MIN_PREVIOUS_RECORDS,
    NEW,
    delta_text,
    format_money_columns,
    format_rate_columns,
    major_units,
)
from lib.finance.ui_tables import show_table
from lib.stripe_facts.statuses import dispute_badge, humanize

LEDGER_TILES = [
    ("Gross volume", "gross_volume", "gross", "Captured payments (balance transactions of category charge)."),
    ("Refunds", "refunds", "refunds", "Refunded amounts (refund and refund-failure lines)."),
    ("Dispute losses", "dispute_losses", "dispute_losses",
     "Amounts withdrawn for disputes, minus reversals of won disputes (dispute fees are in Fees)."),
    ("Fees", "fees", "fees", "Stripe fees on every line, including $15 dispute fees."),
    ("Net volume", "net_volume", "net", "Gross − refunds − dispute losses − fees (+ other adjustments)."),
]
# Volume and rates first (what the tiles show, per currency), then the counts behind them.
PAYMENTS_TABLE_HEADERS = {
    "currency": "Currency", "successful_volume": "Successful volume", "successful_payments": "Successful payments",
    "average_payment": "Average payment", "auth_rate": "Authorization rate",
    "refund_rate_count": "Refund rate (count)", "dispute_rate_count": "Dispute rate (count)",
    "refunded_amount": "Refunded", "disputed_amount": "Disputed", "refund_rate_amount": "Refund rate (amount)",
    "dispute_rate_amount": "Dispute rate (amount)", "attempts": "Attempts", "authorized": "Authorized",
    "failed": "Failed", "refunded_payments": "Refunded payments", "disputes": "Disputes", "inquiries": "Inquiries",
}


def _tile(col, label: str, value: str, delta: str | None, *, inverse: bool = False, **kwargs) -> None:
    """A bordered KPI tile; a change that is :data:`NEW` or zero is grey, without an arrow."""
    neutral = delta == NEW or (delta is not None and delta[:1] not in "+-")
    col.metric(label, value, delta, border=True, delta_arrow="off" if neutral else "auto",
               delta_color="off" if neutral else ("inverse" if inverse else "normal"), **kwargs)


def comparison_caption(f: m.Filters) -> str:
    prev = previous_period(f)
    days = (f.end - f.start).days + 1
    return (f"Changes are against the previous {days} days ({prev.start:%d %b} – {prev.end:%d %b %Y}); "
            f"**new** means that period had too little to compare with (fewer than {MIN_PREVIOUS_RECORDS} "
            "payments or ledger lines, or none of that kind).")


def currency_note(dash: m.Dashboard) -> str | None:
    """What a currency filter shows: payments chosen by the currency the customer paid in
    (presentment), ledger amounts in the currency they settled in. ``None`` without a filter."""
    chosen = [c for c in dash.filters.currencies]
    settled = sorted(dash.ledger.settlement_currency.unique()) if len(dash.ledger) else []
    if not chosen or set(chosen) <= set(settled):
        return None
    pk = dash.payments.set_index("currency") if len(dash.payments) else pd.DataFrame()
    paid = [format_amount(int(pk.loc[c, "successful_volume"]) if c in pk.index else 0, c) for c in chosen]
    names = ", ".join(c.upper() for c in chosen)
    into = ", ".join(c.upper() for c in settled) or "your settlement currency"
    return (f"**{names} payments, shown in {into}.** The currency filter picks payments by the currency "
            f"the customer paid in (the *presentment* currency): customers paid {' + '.join(paid)}. "
            f"Stripe converts each payment into your *settlement* currency ({into}) when it settles, so "
            f"gross, refunds, fees and net below are the {into} amounts those payments settled for.")


def render_kpis(dash: m.Dashboard, prev_ledger: dict, prev_totals: dict) -> None:
    led = dash.ledger
    sparks = dash.fees_net
    note = currency_note(dash)
    if note:
        st.info(note, icon=":material/currency_exchange:")
    st.caption(comparison_caption(dash.filters))
    if led.empty:
        st.info("No balance transactions in this range: gross, fees and net are zero.")
    for _, r in led.iterrows():
        cur = r["settlement_currency"]
        before = prev_ledger.get(cur, {})
        records = int(before.get("balance_transactions") or 0)
        spark = sparks[sparks.settlement_currency == cur]
        st.caption(f"Ledger in **{cur.upper()}**, the settlement currency (from balance transactions)")
        # Two rows: five amounts side by side truncate ("$20,15…") at common widths.
        cols = [*st.columns(3), *st.columns(3)[:2]]
        for col, (label, key, spark_key, help_text) in zip(cols, LEDGER_TILES):
            value = int(r[key])
            _tile(col, label, format_amount(value, cur), delta_text(value, before.get(key), previous_records=records),
                  inverse=key in ("refunds", "dispute_losses", "fees"), help=help_text,
                  chart_data=major_units(spark[spark_key], cur).tolist() if len(spark) > 1 else None)
        if int(r["other_adjustments"]):
            st.caption(f"Other adjustments: {format_amount(int(r['other_adjustments']), cur)}")

    t = dash.totals
    attempts, captured = prev_totals.get("attempts"), prev_totals.get("successful_payments")
    # 3 + 2 like the ledger: five tiles in a row truncate their labels at 1280 px.
    cols = [*st.columns(3), *st.columns(3)[:2]]
    _tile(cols[0], "Successful payments", f"{t['successful_payments']:,}",
          delta_text(t["successful_payments"], captured, previous_records=attempts))
    _tile(cols[1], "Authorization rate", format_rate(t["auth_rate"]),
          delta_text(t["auth_rate"], prev_totals.get("auth_rate"), pct=False, previous_records=attempts),
          help="Charges authorized / charges attempted (succeeded + failed), all currencies.")
    _tile(cols[2], "Refund rate", format_rate(t["refund_rate_count"]),
          delta_text(t["refund_rate_count"], prev_totals.get("refund_rate_count"), pct=False,
                     previous_records=captured), inverse=True,
          help="Payments in the range with a refund / successful payments in the range.")
    _tile(cols[3], "Dispute rate", format_rate(t["dispute_rate_count"]),
          delta_text(t["dispute_rate_count"], prev_totals.get("dispute_rate_count"), pct=False,
                     previous_records=captured), inverse=True,
          help=f"Disputes opened in the range (inquiries excluded) / successful payments. Card "
               f"networks start monitoring at {m.DISPUTE_RATE_THRESHOLD:.2%}.")
    deadlines = m.dispute_deadlines(dash.open_disputes)
    # The tile's change stays short (like the others); the overdue count gets its own line.
    nxt = deadlines["next_due"]
    cols[4].metric("Open disputes", f"{deadlines['open']:,}", border=True,
                   delta=f"next due {pd.Timestamp(nxt):%d %b}" if nxt is not None else None,
                   delta_color="off", delta_arrow="off",
                   help="Disputes waiting for your response (all dates); the next due date is never a past one.")
    if deadlines["overdue"]:
        n = deadlines["overdue"]
        st.warning(f"**{n:,} open dispute{'s are' if n != 1 else ' is'} overdue**: past the evidence due "
                   "date without a response (see *Disputes needing a response*).", icon=":material/schedule:")
    if t["dispute_rate_flag"]:
        st.error(f"Dispute rate {format_rate(t['dispute_rate_count'])} is at or above the card networks' "
                 f"{m.DISPUTE_RATE_THRESHOLD:.2%} monitoring threshold.", icon=":material/warning:")

    pk = dash.payments
    if len(pk):
        with st.expander("Payments per currency (in the currency customers paid in)"):
            show = format_money_columns(pk, ["successful_volume", "refunded_amount", "disputed_amount",
                                        "average_payment"], "currency")
            show = format_rate_columns(show, ["auth_rate", "refund_rate_count", "refund_rate_amount",
                                         "dispute_rate_count", "dispute_rate_amount"])
            table = per_currency_table(show)
            show_table(table, key="fin_tbl_payments_kpi", all_rows=True,
                       column_config={code: code for code in table.columns if code != "measure"})  # "USD", not "Usd"
            flagged = pk[pk.dispute_rate_flag]
            if len(flagged):
                st.warning("Dispute rate above 0.75% in: " + ", ".join(flagged.currency.str.upper()))


def per_currency_table(show: pd.DataFrame) -> pd.DataFrame:
    """The per-currency KPIs with a row per measure and a column per currency (USD, EUR, ...): 17
    measures side by side were twice as wide as the page, a few currencies side by side fit."""
    measures = [c for c in PAYMENTS_TABLE_HEADERS if c != "currency"]
    table = pd.DataFrame({"measure": [PAYMENTS_TABLE_HEADERS[c] for c in measures]})
    for _, row in show.iterrows():
        table[str(row["currency"]).upper()] = [_cell(row[c]) for c in measures]
    return table


def _cell(value: object) -> str:
    """A count with thousands separators (2.0 is 2), text as it is, blank for nothing."""
    if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
        return ""
    if pd.api.types.is_number(value):
        number = float(value)  # type: ignore[arg-type]
        return f"{int(number):,}" if number.is_integer() else f"{number:,}"
    return str(value)


def due_text(days_left: float | None) -> str:
    """``2.6`` → ``"in 2 days"``, ``-58.4`` → ``"58 days overdue"`` (blank when there is no deadline)."""
    if days_left is None or pd.isna(days_left):
        return ""
    days = int(abs(days_left))
    if days_left >= 0:
        return "today" if days == 0 else f"in {days} day{'s' if days != 1 else ''}"
    return "overdue today" if days == 0 else f"{days} day{'s' if days != 1 else ''} overdue"


def render_open_disputes(dash: m.Dashboard) -> None:
    od = dash.open_disputes
    st.subheader("Disputes needing a response")
    if od.empty:
        st.caption("No open disputes.")
        return
    show = format_money_columns(od, ["amount"], "currency")
    show["reason"] = [humanize(r) for r in od.reason]
    show["due"] = [due_text(d) for d in od.days_left]
    show["explorer"] = [ui_pages.explorer_url(p) if p else None for p in od.payment_intent]
    show = show[["amount", "status", "reason", "evidence_due_by", "due", "id", "payment_intent", "explorer"]]
    show_table(show, key="fin_tbl_disputes", badges={"status": dispute_badge}, column_config={
        "evidence_due_by": st.column_config.DatetimeColumn("Evidence due (UTC)", format="D MMM YYYY, HH:mm"),
        "due": "Respond", "id": "Dispute", "payment_intent": "PaymentIntent",
        "explorer": st.column_config.LinkColumn("Explorer", display_text="Open"),
    })
