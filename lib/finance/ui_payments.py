"""Finance dashboard payments table: paging, CSV/Parquet export and drill-down to the explorer."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import streamlit as st

from lib import ui_pages
from lib.finance import metrics as m
from lib.finance.money import format_amount
from lib.finance.ui_data import export_bytes, read

TABLE_PAGE_SIZE = 100


def render_payments(path: Path, f: m.Filters) -> None:
    st.subheader("Payments")
    key = dataclasses.astuple(f)
    total = read(path, m.count_payments, f)
    pages = max(1, -(-total // TABLE_PAGE_SIZE))
    cols = st.columns([1, 1, 1, 3])
    page = cols[0].number_input("Page", min_value=1, max_value=pages, value=1, step=1, key="fin_page")
    cols[1].download_button("CSV", data=lambda: export_bytes(str(path), key, "csv"),
                            file_name=f"payments_{f.start}_{f.end}.csv", mime="text/csv", key="fin_csv",
                            icon=":material/download:", on_click="ignore", disabled=total == 0,
                            help="Every payment the filters select (amounts in minor units + exact decimals).")
    cols[2].download_button("Parquet", data=lambda: export_bytes(str(path), key, "parquet"),
                            file_name=f"payments_{f.start}_{f.end}.parquet",
                            mime="application/vnd.apache.parquet", key="fin_parquet",
                            icon=":material/download:", on_click="ignore", disabled=total == 0)
    cols[3].caption(f"{total:,} payments match the filters · page {page} of {pages} · newest first")
    if total == 0:
        return
    df = read(path, m.payments_table, f, TABLE_PAGE_SIZE, (int(page) - 1) * TABLE_PAGE_SIZE)
    show = df.copy()
    show.insert(4, "amount_display", [format_amount(int(a), c) for a, c in zip(df.amount, df.currency)])
    show["explorer"] = [ui_pages.explorer_url(p) if p else None for p in df.payment_intent]
    st.dataframe(show, hide_index=True, width="stretch", key="fin_tbl_payments", column_config={
        "created": st.column_config.DatetimeColumn("Created (UTC)", format="D MMM YYYY, HH:mm:ss"),
        "amount_display": st.column_config.TextColumn("Amount"),
        "amount": st.column_config.NumberColumn("Amount (minor units)", format="%d"),
        "explorer": st.column_config.LinkColumn("Explorer", display_text="Open"),
    })
    pis = [p for p in df.payment_intent.dropna().unique()]
    if pis:
        c1, c2 = st.columns([2, 1])
        chosen = c1.selectbox("Drill down into a payment", pis, key="fin_drill")
        with c2:
            st.page_link(ui_pages.page(ui_pages.EXPLORER), label=f"Open {chosen} in the explorer", icon=":material/travel_explore:",
                         query_params={"pi": chosen})
