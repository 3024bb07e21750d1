"""Finance KPIs: ledger totals per settlement currency, payment counts and rates per presentment
currency, open disputes (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd

from lib.finance.metrics.filters import DISPUTE_RATE_THRESHOLD, Filters
from lib.finance.metrics.sql import CAPTURED, SALES_ONLY, ledger_columns, rate, where, zero_if_none
from lib.finance.store import Reader


def ledger_kpis(db: Reader, f: Filters) -> pd.DataFrame:
    """Gross volume, refunds, dispute losses, other adjustments, fees and net volume per
    settlement currency, from balance transactions created in the range."""
    w, p = where(f, currency="pcurrency")
    return db.df(f"""
        SELECT currency AS settlement_currency, {ledger_columns("gross_volume", "net_volume")},
            {zero_if_none("sum(n)")} AS balance_transactions
        FROM rollup_balance WHERE {w} AND {SALES_ONLY}
        GROUP BY 1 ORDER BY sum(n) DESC, 1""", p)


def payment_kpis(db: Reader, f: Filters) -> pd.DataFrame:
    """Per presentment currency: successful payments and volume, average payment, authorization
    rate, refund rate (by count and amount, of the payments in the range) and dispute rate (by
    count and amount: disputes opened in the range / successful payments in the range; inquiries
    excluded), with the 0.75% network threshold flagged."""
    w, p = where(f)
    w2, p2 = where(f)
    df = db.df(f"""
        WITH c AS (
            SELECT currency,
                sum(n) FILTER (WHERE {CAPTURED}) AS successful_payments,
                sum(amount_captured) FILTER (WHERE {CAPTURED}) AS successful_volume,
                sum(n) FILTER (WHERE status IN ('succeeded', 'failed')) AS attempts,
                sum(n) FILTER (WHERE status = 'succeeded') AS authorized,
                sum(n) FILTER (WHERE status = 'failed') AS failed,
                sum(n_refunded) FILTER (WHERE {CAPTURED}) AS refunded_payments,
                sum(amount_refunded) FILTER (WHERE {CAPTURED}) AS refunded_amount
            FROM rollup_charges WHERE {w} GROUP BY 1),
        d AS (
            SELECT currency,
                sum(n) FILTER (WHERE NOT is_inquiry) AS disputes,
                sum(amount) FILTER (WHERE NOT is_inquiry) AS disputed_amount,
                sum(n) FILTER (WHERE is_inquiry) AS inquiries
            FROM rollup_disputes WHERE {w2} GROUP BY 1),
        j AS (
            SELECT currency, {", ".join(zero_if_none(c) + " AS " + c for c in (
                "successful_payments", "successful_volume", "attempts", "authorized", "failed",
                "refunded_payments", "refunded_amount", "disputes", "disputed_amount", "inquiries"))}
            FROM c FULL OUTER JOIN d USING (currency))
        SELECT *,
            successful_volume / nullif(successful_payments, 0) AS average_payment,
            authorized / nullif(attempts, 0) AS auth_rate,
            refunded_payments / nullif(successful_payments, 0) AS refund_rate_count,
            refunded_amount / nullif(successful_volume, 0) AS refund_rate_amount,
            disputes / nullif(successful_payments, 0) AS dispute_rate_count,
            disputed_amount / nullif(successful_volume, 0) AS dispute_rate_amount,
            coalesce(disputes / nullif(successful_payments, 0) >= {DISPUTE_RATE_THRESHOLD}, false)
                AS dispute_rate_flag
        FROM j ORDER BY successful_payments DESC, currency""", p + p2)
    return df


def payment_totals(db: Reader, f: Filters) -> dict:
    """Count-based KPIs over all currencies (counts may be added across currencies; amounts not)."""
    return totals_from(payment_kpis(db, f))


def totals_from(payments: pd.DataFrame) -> dict:
    """:func:`payment_totals` from an already computed :func:`payment_kpis` frame."""
    tot = {c: int(payments[c].sum()) if len(payments) else 0 for c in (
        "successful_payments", "attempts", "authorized", "failed", "refunded_payments", "disputes",
        "inquiries")}
    tot["auth_rate"] = rate(tot["authorized"], tot["attempts"])
    tot["refund_rate_count"] = rate(tot["refunded_payments"], tot["successful_payments"])
    tot["dispute_rate_count"] = rate(tot["disputes"], tot["successful_payments"])
    tot["dispute_rate_flag"] = bool(tot["dispute_rate_count"] is not None
                                    and tot["dispute_rate_count"] >= DISPUTE_RATE_THRESHOLD)
    return tot


def open_disputes(db: Reader, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """Disputes waiting for a response (any date; deadlines matter now), soonest due first.
    Currency, brand and country filters apply; date and status filters do not."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    w, p = where(f, dated=False, status=False)
    return db.df(f"""
        SELECT id, charge, payment_intent, amount, currency, status, reason, created, evidence_due_by,
            evidence_has_evidence, evidence_submission_count, brand, country,
            date_diff('second', ?::TIMESTAMP, evidence_due_by) / 86400.0 AS days_left,
            coalesce(evidence_due_by < ?::TIMESTAMP, false) AS overdue
        FROM rollup_open_disputes WHERE {w}
        ORDER BY evidence_due_by NULLS LAST, id""", [now, now, *p])
