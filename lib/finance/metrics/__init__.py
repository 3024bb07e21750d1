"""Finance KPIs and series, each a function of a :class:`~lib.finance.store.Reader` and a
:class:`Filters` returning a DataFrame (or a dict), computed over the rollups by queries written
once with Ibis: each is compiled once per (engine, filter shape) and run with its values bound
(:mod:`lib.finance.store.queries`), on DuckDB or Postgres, with the same results and dtypes.

Conventions
-----------
* Dates are UTC days, the range is inclusive. Each metric is dated by its own event: payments by
  the charge's ``created``, refunds by the refund's, disputes by the dispute's, ledger lines by the
  balance transaction's.
* Amounts are ``int`` minor units and are never added across currencies: every money column sits
  next to a currency column. Payment metrics are keyed by the **presentment** ``currency`` (what
  the customer paid in); ledger metrics (gross, fees, refunds, dispute losses, net) come from
  balance transactions and are keyed by ``settlement_currency``. The currency filter selects
  payments by presentment currency in both.
* The ledger KPIs equal the sums of the balance transactions in the range: gross = ``charge``
  lines, refunds = ``refund``/``refund_failure``/``partial_capture_reversal``, dispute losses =
  ``dispute``/``dispute_reversal`` (amounts only; the dispute fee is in fees), other adjustments =
  the remaining sales lines, fees = ``fee`` of all lines, net = ``net`` of all lines. Payouts,
  transfers and other money movements are not sales and are left out (:data:`NON_SALES_CATEGORIES`).
* Filters: ``currencies`` (presentment), ``brands``/``countries`` (card), ``statuses`` (the
  payment status of the charge, see :data:`lib.finance.store.PAY_STATUSES`). Empty = all.
  ``account``: one account's rows; ``None`` = every account.

Inner layers (lower first): :mod:`~lib.finance.metrics.filters` (what counts, :class:`Filters`),
:mod:`~lib.finance.metrics.expressions` (Ibis fragments), then :mod:`~lib.finance.metrics.kpis`,
:mod:`~lib.finance.metrics.series`, :mod:`~lib.finance.metrics.payments_table` (the payments table
reads ``charges``, not a rollup) and :mod:`~lib.finance.metrics.status` (data and sync status), and
on top :mod:`~lib.finance.metrics.dashboard` (:func:`compute_dashboard`).
"""

from __future__ import annotations

from lib.finance.metrics.dashboard import Dashboard, compute_dashboard
from lib.finance.metrics.filters import (
    DISPUTE_CATEGORIES,
    DISPUTE_RATE_THRESHOLD,
    FUNNEL_STAGES,
    GRANULARITIES,
    NON_SALES_CATEGORIES,
    REFUND_CATEGORIES,
    REFUND_COUNTED_STATUSES,
    Filters,
    FilterShape,
)
from lib.finance.metrics.kpis import (
    dispute_deadlines,
    ledger_kpis,
    open_disputes,
    payment_kpis,
    payment_totals,
    totals_from,
)
from lib.finance.metrics.payments_table import (
    PAYMENT_COLUMNS,
    count_payments,
    export_payments,
    payments_table,
)
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
from lib.finance.metrics.status import (
    account_newest,
    data_freshness,
    filter_options,
    has_data,
    sync_status,
    warehouse_freshness,
)
from lib.finance.store import CAPTURED_PAY_STATUSES, PAY_STATUSES

__all__ = [
    "CAPTURED_PAY_STATUSES",
    "DISPUTE_CATEGORIES",
    "DISPUTE_RATE_THRESHOLD",
    "Dashboard",
    "FUNNEL_STAGES",
    "FilterShape",
    "Filters",
    "GRANULARITIES",
    "NON_SALES_CATEGORIES",
    "PAYMENT_COLUMNS",
    "PAY_STATUSES",
    "REFUND_CATEGORIES",
    "REFUND_COUNTED_STATUSES",
    "account_newest",
    "compute_dashboard",
    "count_payments",
    "data_freshness",
    "warehouse_freshness",
    "decline_reasons",
    "disputes_by_reason",
    "disputes_by_status",
    "dispute_deadlines",
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
