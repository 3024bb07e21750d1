"""Finance time series and breakdowns: volume, success/failure, declines, refunds, disputes,
card brands/countries, the PaymentIntent funnel, fees and net (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

import pandas as pd

from lib.finance.metrics.filters import FUNNEL_STAGES, Filters
from lib.finance.metrics.sql import (
    CAPTURED,
    REFUND_COUNTED,
    SALES_ONLY,
    dense,
    ledger_columns,
    period,
    rate,
    where,
    zero_if_none,
)
from lib.finance.store import NONE, Reader

# ---------------------------------------------------------------------------------------------
# series


def volume_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period and presentment currency: captured volume of successful payments (by charge
    date), refunded amount (by refund date) and disputed amount (by dispute date, no inquiries)."""
    w1, p1 = where(f)
    w2, p2 = where(f)
    w3, p3 = where(f)
    per = period(f)
    agg = f"""
        WITH s AS (SELECT {per} AS period, currency, sum(amount_captured) AS succeeded,
                     sum(n) AS succeeded_count
                   FROM rollup_charges WHERE {w1} AND {CAPTURED} GROUP BY 1, 2),
             r AS (SELECT {per} AS period, currency, sum(amount) AS refunded
                   FROM rollup_refunds WHERE {w2} AND {REFUND_COUNTED} GROUP BY 1, 2),
             d AS (SELECT {per} AS period, currency, sum(amount) AS disputed
                   FROM rollup_disputes WHERE {w3} AND NOT is_inquiry GROUP BY 1, 2)
        SELECT period, currency, succeeded, succeeded_count, refunded, disputed
        FROM s FULL OUTER JOIN r USING (period, currency) FULL OUTER JOIN d USING (period, currency)"""
    return db.df(dense(f, agg, ["succeeded", "succeeded_count", "refunded", "disputed"], "currency"),
              p1 + p2 + p3)


def success_failure_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period: charges that succeeded (authorized) and failed, and the success rate."""
    w, p = where(f)
    agg = f"""SELECT {period(f)} AS period,
            sum(n) FILTER (WHERE status = 'succeeded') AS succeeded,
            sum(n) FILTER (WHERE status = 'failed') AS failed
        FROM rollup_charges WHERE {w} GROUP BY 1"""
    return db.df(f"""SELECT *, succeeded + failed AS attempts,
            succeeded / nullif(succeeded + failed, 0) AS success_rate
        FROM ({dense(f, agg, ["succeeded", "failed"])}) ORDER BY period""", p)


def decline_reasons(db: Reader, f: Filters) -> pd.DataFrame:
    """Failed charges by decline code (issuer code, Radar reason, or failure code)."""
    w, p = where(f)
    return db.df(f"""
        SELECT coalesce(decline_code, 'unknown') AS decline_code,
            string_agg(DISTINCT coalesce(outcome_type, '{NONE}'), ', ' ORDER BY
                coalesce(outcome_type, '{NONE}')) AS outcome_types,
            {zero_if_none("sum(n)")} AS failed_payments,
            sum(n) / sum(sum(n)) OVER () AS share
        FROM rollup_charges WHERE {w} AND status = 'failed'
        GROUP BY 1 ORDER BY failed_payments DESC, 1""", p)


def refunds_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period and currency: refunds created (succeeded or pending), count and amount, and
    failed/canceled refunds separately."""
    w, p = where(f)
    agg = f"""SELECT {period(f)} AS period, currency,
            sum(n) FILTER (WHERE {REFUND_COUNTED}) AS refunds,
            sum(amount) FILTER (WHERE {REFUND_COUNTED}) AS refunded_amount,
            sum(n) FILTER (WHERE NOT {REFUND_COUNTED}) AS failed_refunds
        FROM rollup_refunds WHERE {w} GROUP BY 1, 2"""
    return db.df(dense(f, agg, ["refunds", "refunded_amount", "failed_refunds"], "currency"), p)


def _disputes_by(db: Reader, f: Filters, column: str) -> pd.DataFrame:
    w, p = where(f)
    return db.df(f"""
        SELECT {column}, currency, {zero_if_none("sum(n)")} AS disputes, {zero_if_none("sum(amount)")} AS amount
        FROM rollup_disputes WHERE {w} GROUP BY 1, 2 ORDER BY disputes DESC, 1, 2""", p)


def disputes_by_status(db: Reader, f: Filters) -> pd.DataFrame:
    """Disputes opened in the range by current status (inquiries have ``warning_*`` statuses)."""
    return _disputes_by(db, f, "status")


def disputes_by_reason(db: Reader, f: Filters) -> pd.DataFrame:
    """Disputes opened in the range by reason."""
    return _disputes_by(db, f, "reason")


def _payments_by(db: Reader, f: Filters, column: str) -> pd.DataFrame:
    w, p = where(f)
    return db.df(f"""
        SELECT *, authorized / nullif(authorized + failed, 0) AS auth_rate,
            successful_payments / nullif(sum(successful_payments) OVER (PARTITION BY currency), 0)
                AS share_of_payments
        FROM (SELECT {column}, currency,
                {zero_if_none(f"sum(n) FILTER (WHERE {CAPTURED})")} AS successful_payments,
                {zero_if_none(f"sum(amount_captured) FILTER (WHERE {CAPTURED})")} AS volume,
                {zero_if_none("sum(n) FILTER (WHERE status = 'succeeded')")} AS authorized,
                {zero_if_none("sum(n) FILTER (WHERE status = 'failed')")} AS failed
              FROM rollup_charges WHERE {w} GROUP BY 1, 2)
        ORDER BY successful_payments DESC, 1, 2""", p)


def payments_by_brand(db: Reader, f: Filters) -> pd.DataFrame:
    """Successful payments and volume by card brand and currency (+ authorization rate)."""
    return _payments_by(db, f, "brand")


def payments_by_country(db: Reader, f: Filters) -> pd.DataFrame:
    """Successful payments and volume by card country and currency (+ authorization rate)."""
    return _payments_by(db, f, "country")


def payment_intent_funnel(db: Reader, f: Filters) -> pd.DataFrame:
    """PaymentIntents created in the range: Created -> Attempted (confirmed at least once) ->
    Authorized (succeeded or awaiting capture) -> Succeeded. The status filter does not apply
    (the funnel is about statuses); PaymentIntents without a charge have no brand/country, so a
    brand or country filter leaves them out."""
    w, p = where(f, status=False)
    row = db.row(f"""
        SELECT sum(n), sum(n) FILTER (WHERE attempted),
            sum(n) FILTER (WHERE status IN ('succeeded', 'requires_capture')),
            sum(n) FILTER (WHERE status = 'succeeded')
        FROM rollup_payment_intents WHERE {w}""", p)
    counts = [int(v or 0) for v in row]
    df = pd.DataFrame({"stage": list(FUNNEL_STAGES), "payment_intents": counts})
    df["pct_of_created"] = [rate(c, counts[0]) for c in counts]
    df["pct_of_previous"] = [None] + [rate(c, prev) for prev, c in zip(counts, counts[1:])]
    return df


def payment_intent_statuses(db: Reader, f: Filters) -> pd.DataFrame:
    """PaymentIntents created in the range by current status (status filter not applied)."""
    w, p = where(f, status=False)
    return db.df(f"""
        SELECT status, {zero_if_none("sum(n)")} AS payment_intents, sum(n) / sum(sum(n)) OVER () AS share
        FROM rollup_payment_intents WHERE {w}
        GROUP BY 1 ORDER BY payment_intents DESC, 1""", p)


def fees_net_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period and settlement currency, from balance transactions: gross, refunds, dispute
    losses, fees and net (the same definitions as :func:`ledger_kpis`)."""
    w, p = where(f, currency="pcurrency")
    agg = f"""SELECT {period(f)} AS period, currency AS settlement_currency, {ledger_columns()}
        FROM rollup_balance WHERE {w} AND {SALES_ONLY} GROUP BY 1, 2"""
    return db.df(dense(f, agg, ["gross", "refunds", "dispute_losses", "fees", "net"],
                          "settlement_currency"), p)
