"""Finance KPIs and series: pure functions over the DuckDB rollups, each returning a DataFrame.

Conventions
-----------
* Every function takes a DuckDB connection and a :class:`Filters`. Dates are UTC days, the range
  is inclusive. Each metric is dated by its own event: payments by the charge's ``created``,
  refunds by the refund's, disputes by the dispute's, ledger lines by the balance transaction's.
* Amounts are ``int`` minor units and are never added across currencies: every money column sits
  next to a currency column. Payment metrics are keyed by the **presentment** ``currency`` (what
  the customer paid in); ledger metrics (gross, fees, refunds, dispute losses, net) come from
  balance transactions and are keyed by ``settlement_currency``. The currency filter selects
  payments by presentment currency in both.
* The ledger KPIs equal the sums of the balance transactions in the range: gross = ``charge``
  lines, refunds = ``refund``/``refund_failure``/``partial_capture_reversal``, dispute losses =
  ``dispute``/``dispute_reversal`` (amounts only; the dispute fee is in fees), fees = ``fee`` of all
  lines, net = ``net`` of all lines. Payouts, transfers and other money movements are not sales
  and are left out (:data:`NON_SALES_CATEGORIES`).
* Filters: ``currencies`` (presentment), ``brands``/``countries`` (card), ``statuses`` (the
  payment status of the charge, see :data:`lib.finance.schema.PAY_STATUSES`). Empty = all.

The parts: :mod:`~lib.finance.metrics_filters` (filters, SQL helpers), :mod:`~lib.finance.metrics_kpis`,
:mod:`~lib.finance.metrics_series`, :mod:`~lib.finance.metrics_payments_table`; this module re-exports
them and adds the data/sync status and :func:`compute_dashboard`.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from lib.finance.metrics_filters import (
    DISPUTE_CATEGORIES,
    DISPUTE_RATE_THRESHOLD,
    FUNNEL_STAGES,
    GRANULARITIES,
    NON_SALES_CATEGORIES,
    REFUND_CATEGORIES,
    REFUND_COUNTED_STATUSES,
    Filters,
)
from lib.finance.metrics_kpis import ledger_kpis, open_disputes, payment_kpis, payment_totals, totals_from
from lib.finance.metrics_payments_table import (
    PAYMENT_COLUMNS,
    count_payments,
    export_payments,
    payments_table,
)
from lib.finance.metrics_series import (
    decline_reasons,
    disputes_by_reason,
    disputes_by_status,
    fees_net_over_time,
    payment_intent_funnel,
    payment_intent_statuses,
    payments_by_brand,
    payments_by_country,
    refunds_over_time,
    success_failure_over_time,
    volume_over_time,
)
from lib.finance.schema import CAPTURED_PAY_STATUSES, PAY_STATUSES

__all__ = [
    "CAPTURED_PAY_STATUSES",
    "DISPUTE_CATEGORIES",
    "DISPUTE_RATE_THRESHOLD",
    "Dashboard",
    "FUNNEL_STAGES",
    "Filters",
    "GRANULARITIES",
    "NON_SALES_CATEGORIES",
    "PAYMENT_COLUMNS",
    "REFUND_CATEGORIES",
    "REFUND_COUNTED_STATUSES",
    "compute_dashboard",
    "count_payments",
    "decline_reasons",
    "disputes_by_reason",
    "disputes_by_status",
    "export_payments",
    "fees_net_over_time",
    "filter_options",
    "has_data",
    "ledger_kpis",
    "open_disputes",
    "payment_intent_funnel",
    "payment_intent_statuses",
    "payment_kpis",
    "payment_totals",
    "payments_by_brand",
    "payments_by_country",
    "payments_table",
    "refunds_over_time",
    "success_failure_over_time",
    "sync_status",
    "totals_from",
    "volume_over_time",
]


# ---------------------------------------------------------------------------------------------
# filters, status, bundle


def has_data(con) -> bool:
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    return "rollup_charges" in names


def filter_options(con) -> dict:
    """Values present in the data for the filter widgets, and the date span of the payments."""
    out: dict = {"currencies": [], "brands": [], "countries": [], "statuses": [], "first_day": None,
                 "last_day": None}
    if not has_data(con):
        return out
    row = con.execute("""
        SELECT list(DISTINCT currency ORDER BY currency), list(DISTINCT brand ORDER BY brand),
               list(DISTINCT country ORDER BY country), list(DISTINCT pay_status ORDER BY pay_status),
               min(day), max(day)
        FROM rollup_charges""").fetchone()
    out.update(currencies=row[0] or [], brands=row[1] or [], countries=row[2] or [],
               statuses=[s for s in PAY_STATUSES if s in (row[3] or [])], first_day=row[4],
               last_day=row[5])
    return out


def sync_status(con) -> dict:
    """Last sync run (time, mode, status, message), rows per table and per-resource errors."""
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    out: dict = {"last_run": None, "resources": []}
    if "sync_runs" in names:
        cur = con.execute("SELECT * FROM sync_runs ORDER BY run_id DESC LIMIT 1")
        row = cur.fetchone()
        if row:
            out["last_run"] = dict(zip([d[0] for d in cur.description], row))
    if "sync_state" in names:
        out["resources"] = con.execute(
            "SELECT resource, phase, last_fetched, last_sync_at, last_success_at, last_error "
            "FROM sync_state ORDER BY resource").df().to_dict("records")
    from lib.finance.schema import TABLES

    out["counts"] = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                     for t in TABLES if t in names}
    return out


@dataclass
class Dashboard:
    filters: Filters
    ledger: pd.DataFrame
    payments: pd.DataFrame
    totals: dict
    open_disputes: pd.DataFrame
    volume: pd.DataFrame
    success_failure: pd.DataFrame
    declines: pd.DataFrame
    refunds: pd.DataFrame
    disputes_status: pd.DataFrame
    disputes_reason: pd.DataFrame
    by_brand: pd.DataFrame
    by_country: pd.DataFrame
    funnel: pd.DataFrame
    pi_statuses: pd.DataFrame
    fees_net: pd.DataFrame
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def total_ms(self) -> float:
        return sum(self.timings_ms.values())


def compute_dashboard(con, f: Filters, now: datetime | None = None) -> Dashboard:
    """Every KPI and series for the filters (about 15 small queries over the rollups)."""
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable, *args):
        t0 = time.perf_counter()
        value = fn(con, f, *args)
        timings[name] = (time.perf_counter() - t0) * 1000
        return value

    payments = timed("payments", payment_kpis)
    t0 = time.perf_counter()
    totals = totals_from(payments)
    timings["totals"] = (time.perf_counter() - t0) * 1000
    return Dashboard(
        filters=f,
        ledger=timed("ledger", ledger_kpis),
        payments=payments,
        totals=totals,
        open_disputes=timed("open_disputes", open_disputes, now),
        volume=timed("volume", volume_over_time),
        success_failure=timed("success_failure", success_failure_over_time),
        declines=timed("declines", decline_reasons),
        refunds=timed("refunds", refunds_over_time),
        disputes_status=timed("disputes_status", disputes_by_status),
        disputes_reason=timed("disputes_reason", disputes_by_reason),
        by_brand=timed("by_brand", payments_by_brand),
        by_country=timed("by_country", payments_by_country),
        funnel=timed("funnel", payment_intent_funnel),
        pi_statuses=timed("pi_statuses", payment_intent_statuses),
        fees_net=timed("fees_net", fees_net_over_time),
        timings_ms=timings,
    )
