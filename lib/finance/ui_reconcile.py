"""The Finance dashboard's "Check against Stripe": runs :func:`lib.finance.reconcile.reconcile` for
the app's own key and shows every check as a row with a Match / Mismatch badge, both numbers and,
for a mismatch, the sentence saying exactly what differs.

Counts are over the dashboard's date range (UTC days, end day included); balances are all-time.
The report is kept in session state (``fin_reconcile``) until the next check, and dropped when the
date range changes (it would describe another window)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pandas as pd
import streamlit as st

from lib.finance import metrics as m
from lib.finance import ui_sync
from lib.finance.reconcile import Check, Reconciliation, reconcile
from lib.finance.store import DEFAULT_ACCOUNT, Location
from lib.finance.ui_data import read, readable_error
from lib.finance.ui_tables import show_table
from lib.stripe_facts.statuses import Badge

MATCH = Badge("Match", "green")
MISMATCH = Badge("Mismatch", "red")
OBJECT_NAMES = {"payment_intents": "PaymentIntents", "charges": "Charges", "refunds": "Refunds",
                "disputes": "Disputes", "balance_transactions": "Balance transactions", "customers": "Customers"}


def result_badge(value: str | None) -> Badge:
    return MATCH if value == MATCH.label else MISMATCH


def check_name(c: Check) -> str:
    """``"USD balance"`` or ``"PaymentIntents created in the range"``."""
    if c.kind == "balance":
        return f"{c.scope.upper()} balance (available + pending vs sum of balance-transaction nets)"
    return f"{OBJECT_NAMES.get(c.scope, c.scope)} created in the range"


def report_table(report: Reconciliation) -> pd.DataFrame:
    rows = report.rows()
    return pd.DataFrame({
        "result": [MATCH.label if r["agrees"] else MISMATCH.label for r in rows],
        "check": [check_name(c) for c in report.checks],
        "stripe": [r["stripe"] for r in rows], "warehouse": [r["warehouse"] for r in rows],
        "difference": [r["difference"] for r in rows],
        "what_differs": ["" if c.ok else c.sentence() for c in report.checks],
    })


def window(f: m.Filters) -> tuple[datetime, datetime]:
    """The filters' UTC days as ``[start, end)``."""
    return (datetime.combine(f.start, time.min, tzinfo=UTC),
            datetime.combine(f.end + timedelta(days=1), time.min, tzinfo=UTC))


def _run(location: Location, f: m.Filters) -> Reconciliation:
    client = ui_sync.sync_client()
    start, end = window(f)
    return read(location, lambda db: reconcile(client, db, start, end, account=DEFAULT_ACCOUNT))


def render_reconcile(location: Location, f: m.Filters, accounts: list[str]) -> None:
    st.subheader("Check against Stripe")
    st.caption("Compares the warehouse with the API now: each currency's balance against the sum of its "
               "balance-transaction nets, and how many objects of each type were created in the date range. "
               + ("Checks the app's own key (other synced accounts have their own keys). "
                  if len([a for a in accounts if a != DEFAULT_ACCOUNT]) else ""))
    span = (f.start, f.end)
    kept = st.session_state.get("fin_reconcile")
    if kept is not None and kept[0] != span:
        st.session_state.pop("fin_reconcile")
    if st.button("Check against Stripe", key="fin_reconcile_run", icon=":material/fact_check:",
                 help="Reads the balance and lists every object type in the range from the API."):
        with st.status("Checking against Stripe…", expanded=False) as box:
            try:
                report = _run(location, f)
            except Exception as exc:  # noqa: BLE001 - readable message, never a traceback or key
                box.update(label="The check could not run", state="error")
                st.error(readable_error(exc))
                return
            box.update(label=f"Checked {len(report.checks)} things", state="complete")
        st.session_state["fin_reconcile"] = (span, report)
    kept = st.session_state.get("fin_reconcile")
    if kept is None:
        return
    report = kept[1]
    if report.ok:
        st.success(f"Everything matches. {report.summary()}", icon=":material/check_circle:")
    else:
        st.error(report.summary(), icon=":material/error:")
    show_table(report_table(report), key="fin_tbl_reconcile", badges={"result": result_badge},
               column_config={"result": "Result", "check": "Check", "stripe": "Stripe",
                              "warehouse": "Warehouse", "difference": "Difference",
                              "what_differs": "What differs"})
