"""Finance dashboard payments table (statuses as the Dashboard's badges): paging, CSV/Parquet
export and drill-down to the explorer."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from lib import ui_pages
from lib.finance import metrics as m
from lib.finance.money import format_amount
from lib.finance.store import Location
from lib.finance.ui_data import export_bytes, read
from lib.finance.ui_format import brand_label, decline_label, pay_status_badge
from lib.finance.ui_tables import show_table

TABLE_PAGE_SIZE = 100
# The Payments list's columns (Stripe Dashboard order: amount, status, payment method, description,
# customer, date), then the explorer link and the ids. Everything else is in the CSV.
PAYMENTS_COLUMNS = {
    "amount": "Amount", "currency": "Currency", "status": "Status", "payment_method": "Payment method",
    "description": "Description", "customer": "Customer",
    "created": st.column_config.DatetimeColumn("Date (UTC)", format="D MMM YYYY, HH:mm:ss"),
    "refunded": "Refunded", "decline_reason": "Decline reason",
    "explorer": st.column_config.LinkColumn("Explorer", display_text="Open"),
    "id": "Charge", "payment_intent": "PaymentIntent",
}


def payments_display(df: pd.DataFrame) -> pd.DataFrame:
    """One page of :func:`lib.finance.metrics.payments_table` as a person reads it: amounts
    formatted, the status as its raw ``pay_status`` (``show_table`` turns it into a badge), the card
    as "Visa •••• 4242", blank where there is nothing (no refund, no decline)."""
    out = pd.DataFrame({
        "amount": [format_amount(int(a), c) for a, c in zip(df.amount, df.currency)],
        "currency": df.currency.str.upper(),
        "status": df.pay_status,
        "payment_method": [f"{brand_label(b)} •••• {last4}" if last4 else brand_label(b) if b else None
                           for b, last4 in zip(df.card_brand, df.card_last4.astype(object).where(
                               df.card_last4.notna(), None))],
        "description": df.description,
        "customer": df.customer,
        "created": df.created,
        "refunded": [format_amount(int(r), c) if r and r == r else None
                     for r, c in zip(df.amount_refunded, df.currency)],
        "decline_reason": [decline_label(c) if isinstance(c, str) and c else None for c in df.decline_code],
        "explorer": [ui_pages.explorer_url(p) if isinstance(p, str) and p else None for p in df.payment_intent],
        "id": df.id,
        "payment_intent": df.payment_intent,
    })
    return out


def render_payments(path: Location, f: m.Filters) -> None:
    st.subheader("Payments")
    key = dataclasses.astuple(f)
    total = read(path, m.count_payments, f)
    pages = max(1, -(-total // TABLE_PAGE_SIZE))
    cols = st.columns([1, 1.4, 1.6, 2.6], vertical_alignment="bottom")
    page = cols[0].number_input("Page", min_value=1, max_value=pages, value=1, step=1, key="fin_page")
    cols[1].download_button("Export CSV", data=lambda: export_bytes(path, key, "csv"),
                            file_name=f"payments_{f.start}_{f.end}.csv", mime="text/csv", key="fin_csv",
                            icon=":material/download:", on_click="ignore", disabled=total == 0,
                            help="Every payment the filters select (amounts in minor units + exact decimals).")
    cols[2].download_button("Export Parquet", data=lambda: export_bytes(path, key, "parquet"),
                            file_name=f"payments_{f.start}_{f.end}.parquet",
                            mime="application/vnd.apache.parquet", key="fin_parquet",
                            icon=":material/download:", on_click="ignore", disabled=total == 0,
                            help="The same payments as a Parquet file (typed columns, for analysis tools).")
    cols[3].caption(f"{total:,} payments match the filters · page {page} of {pages} · newest first")
    if total == 0:
        return
    df = read(path, m.payments_table, f, TABLE_PAGE_SIZE, (int(page) - 1) * TABLE_PAGE_SIZE)
    show_table(payments_display(df), key="fin_tbl_payments", badges={"status": pay_status_badge},
               column_config=PAYMENTS_COLUMNS, pinned=("amount", "status"))
    pis = [p for p in df.payment_intent.dropna().unique()]
    if pis:
        c1, c2 = st.columns([2, 1])
        chosen = c1.selectbox("Drill down into a payment", pis, key="fin_drill")
        with c2:
            st.page_link(ui_pages.page(ui_pages.EXPLORER), label="Open in the explorer",
                         icon=":material/travel_explore:", query_params={"pi": chosen},
                         help=f"The payments explorer, showing {chosen}")
