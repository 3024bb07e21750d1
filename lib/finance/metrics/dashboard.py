"""The whole dashboard in one call: :class:`Dashboard` holds every KPI and series for one set of
filters, with how long each query took (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

import pandas as pd

from lib.finance.metrics.filters import Filters
from lib.finance.metrics.kpis import ledger_kpis, open_disputes, payment_kpis, totals_from
from lib.finance.metrics.series import (
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
from lib.finance.store import Reader


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


def compute_dashboard(db: Reader, f: Filters, now: datetime | None = None) -> Dashboard:
    """Every KPI and series for the filters (about 15 small queries over the rollups)."""
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable, *args):
        t0 = time.perf_counter()
        value = fn(db, f, *args)
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
