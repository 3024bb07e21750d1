"""Finance KPIs: ledger totals per settlement currency, payment counts and rates per presentment
currency, open disputes and their deadlines (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

from datetime import UTC, datetime

import ibis
import ibis.expr.types as ir
import pandas as pd

from lib.finance.metrics.expressions import (
    captured,
    ledger_sums,
    rate,
    restrict,
    run,
    sales_only,
    where,
    zero,
)
from lib.finance.metrics.filters import DISPUTE_RATE_THRESHOLD, Filters, FilterShape
from lib.finance.store import Reader
from lib.finance.store.queries import param
from lib.finance.store.rollups import rollup_table


def _ledger(s: FilterShape) -> ir.Table:
    t = rollup_table("rollup_balance")
    t = restrict(t, *where(t, s, currency="pcurrency"), sales_only(t))
    return t.group_by(settlement_currency=t.currency).aggregate(
        **ledger_sums(t, "gross_volume", "net_volume"), balance_transactions=zero(t.n.sum())) \
        .order_by([ibis.desc("balance_transactions"), "settlement_currency"])


def ledger_kpis(db: Reader, f: Filters) -> pd.DataFrame:
    """Gross volume, refunds, dispute losses, other adjustments, fees and net volume per
    settlement currency, from balance transactions created in the range."""
    return run(db, _ledger, f)


_CHARGE_COUNTS = ("successful_payments", "successful_volume", "attempts", "authorized", "failed",
                  "refunded_payments", "refunded_amount")
_DISPUTE_COUNTS = ("disputes", "disputed_amount", "inquiries")


def _payments(s: FilterShape) -> ir.Table:
    rc = rollup_table("rollup_charges")
    rc = restrict(rc, *where(rc, s))
    ok = captured(rc)
    c = rc.group_by("currency").aggregate(
        successful_payments=rc.n.sum(where=ok), successful_volume=rc.amount_captured.sum(where=ok),
        attempts=rc.n.sum(where=rc.status.isin(("succeeded", "failed"))),
        authorized=rc.n.sum(where=rc.status == "succeeded"), failed=rc.n.sum(where=rc.status == "failed"),
        refunded_payments=rc.n_refunded.sum(where=ok), refunded_amount=rc.amount_refunded.sum(where=ok))
    rd = rollup_table("rollup_disputes")
    rd = restrict(rd, *where(rd, s))
    d = rd.group_by("currency").aggregate(
        disputes=rd.n.sum(where=~rd.is_inquiry), disputed_amount=rd.amount.sum(where=~rd.is_inquiry),
        inquiries=rd.n.sum(where=rd.is_inquiry))
    j = c.outer_join(d, c.currency == d.currency).select(
        currency=ibis.coalesce(c.currency, d.currency), **{k: zero(c[k]) for k in _CHARGE_COUNTS},
        **{k: zero(d[k]) for k in _DISPUTE_COUNTS})
    paid, volume = j.successful_payments.nullif(0), j.successful_volume.nullif(0)
    return j.mutate(
        average_payment=j.successful_volume / paid, auth_rate=j.authorized / j.attempts.nullif(0),
        refund_rate_count=j.refunded_payments / paid, refund_rate_amount=j.refunded_amount / volume,
        dispute_rate_count=j.disputes / paid, dispute_rate_amount=j.disputed_amount / volume,
        dispute_rate_flag=(j.disputes / paid >= DISPUTE_RATE_THRESHOLD).fill_null(False),
    ).order_by([ibis.desc("successful_payments"), "currency"])


def payment_kpis(db: Reader, f: Filters) -> pd.DataFrame:
    """Per presentment currency: successful payments and volume, average payment, authorization
    rate, refund rate (by count and amount, of the payments in the range) and dispute rate (by
    count and amount: disputes opened in the range / successful payments in the range; inquiries
    excluded), with the 0.75% network threshold flagged."""
    return run(db, _payments, f)


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


def _open_disputes(s: FilterShape) -> ir.Table:
    t = rollup_table("rollup_open_disputes")
    t = restrict(t, *where(t, s, dated=False, status=False))
    now = param("now", "timestamp")
    return t.select(
        "id", "charge", "payment_intent", "amount", "currency", "status", "reason", "created",
        "evidence_due_by", "evidence_has_evidence", "evidence_submission_count", "brand", "country", "account",
        days_left=(t.evidence_due_by.epoch_seconds() - now.epoch_seconds()) / 86400.0,
        overdue=(t.evidence_due_by < now).fill_null(False),
    ).order_by([t.evidence_due_by.asc(nulls_first=False), "id"])


def open_disputes(db: Reader, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """Disputes waiting for a response (any date; deadlines matter now), soonest due first, with
    ``days_left`` (negative once the due date has passed) and ``overdue``. Currency, brand, country
    and account filters apply; date and status filters do not."""
    return run(db, _open_disputes, f, now=now or _utc_now())


def dispute_deadlines(open_disputes_df: pd.DataFrame, now: datetime | None = None) -> dict:
    """From :func:`open_disputes`: how many are open, the earliest due date still in the future
    (``next_due``; ``None`` when none is) and how many are past their due date (``overdue``).
    A due date that has passed is never the next one due."""
    now = now or _utc_now()
    due = pd.to_datetime(open_disputes_df["evidence_due_by"]) if len(open_disputes_df) else pd.Series([], dtype="datetime64[us]")
    upcoming = due[due > pd.Timestamp(now)]
    return {"open": len(open_disputes_df), "next_due": upcoming.min() if len(upcoming) else None,
            "overdue": int((due <= pd.Timestamp(now)).sum())}


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)
