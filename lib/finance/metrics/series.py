"""Finance time series and breakdowns: volume, success/failure, declines, refunds, disputes,
card brands/countries, the PaymentIntent funnel, fees and net (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from lib.finance.metrics.expressions import (
    captured,
    dense,
    ledger_sums,
    period,
    rate,
    refund_counted,
    restrict,
    run,
    sales_only,
    where,
    zero,
)
from lib.finance.metrics.filters import FUNNEL_STAGES, Filters, FilterShape
from lib.finance.store import NONE, Reader
from lib.finance.store.rollups import rollup_table


def _filtered(name: str, s: FilterShape, **kw) -> ir.Table:
    t = rollup_table(name)
    return restrict(t, *where(t, s, **kw))


def _per_period(t: ir.Table, s: FilterShape, *keys: str, **named: ir.Value) -> ir.GroupedTable:
    return t.group_by(period(t, s).name("period"), *keys, **named)


# ---------------------------------------------------------------------------------------------
# series


def _volume(s: FilterShape) -> ir.Table:
    c = _filtered("rollup_charges", s)
    c = c.filter(captured(c))
    r = _filtered("rollup_refunds", s)
    r = r.filter(refund_counted(r))
    d = _filtered("rollup_disputes", s)
    d = d.filter(~d.is_inquiry)
    parts = [
        _per_period(c, s, "currency").aggregate(succeeded=c.amount_captured.sum(), succeeded_count=c.n.sum(),
                                                refunded=ibis.null("int64"), disputed=ibis.null("int64")),
        _per_period(r, s, "currency").aggregate(succeeded=ibis.null("int64"), succeeded_count=ibis.null("int64"),
                                                refunded=r.amount.sum(), disputed=ibis.null("int64")),
        _per_period(d, s, "currency").aggregate(succeeded=ibis.null("int64"), succeeded_count=ibis.null("int64"),
                                                refunded=ibis.null("int64"), disputed=d.amount.sum()),
    ]
    u = parts[0].union(parts[1]).union(parts[2])
    return u.group_by("period", "currency").aggregate(
        **{k: u[k].sum() for k in ("succeeded", "succeeded_count", "refunded", "disputed")})


def volume_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period and presentment currency: captured volume of successful payments (by charge
    date), refunded amount (by refund date) and disputed amount (by dispute date, no inquiries)."""
    return dense(run(db, _volume, f, periodic=True), f,
                 ["succeeded", "succeeded_count", "refunded", "disputed"], "currency")


def _success_failure(s: FilterShape) -> ir.Table:
    t = _filtered("rollup_charges", s)
    return _per_period(t, s).aggregate(succeeded=t.n.sum(where=t.status == "succeeded"),
                                       failed=t.n.sum(where=t.status == "failed"))


def success_failure_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period: charges that succeeded (authorized) and failed, and the success rate."""
    df = dense(run(db, _success_failure, f, periodic=True), f, ["succeeded", "failed"])
    df["attempts"] = df.succeeded + df.failed
    df["success_rate"] = np.where(df.attempts > 0, df.succeeded / df.attempts.where(df.attempts > 0, 1), np.nan)
    return df


def _declines(s: FilterShape) -> ir.Table:
    t = _filtered("rollup_charges", s)
    t = t.filter(t.status == "failed")
    outcome = t.outcome_type.fill_null(NONE)
    agg = t.group_by(decline_code=t.decline_code.fill_null("unknown")).aggregate(
        outcome_types=ibis.literal(", ").join(outcome.collect(distinct=True, order_by=outcome)),
        failed_payments=zero(t.n.sum()))
    return agg.mutate(share=agg.failed_payments / agg.failed_payments.sum()) \
        .order_by([ibis.desc("failed_payments"), "decline_code"])


def decline_reasons(db: Reader, f: Filters) -> pd.DataFrame:
    """Failed charges by decline code (issuer code, Radar reason, or failure code)."""
    return run(db, _declines, f)


def _refunds(s: FilterShape) -> ir.Table:
    t = _filtered("rollup_refunds", s)
    counted = refund_counted(t)
    return _per_period(t, s, "currency").aggregate(
        refunds=t.n.sum(where=counted), refunded_amount=t.amount.sum(where=counted),
        failed_refunds=t.n.sum(where=~counted))


def refunds_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period and currency: refunds created (succeeded or pending), count and amount, and
    failed/canceled refunds separately."""
    return dense(run(db, _refunds, f, periodic=True), f, ["refunds", "refunded_amount", "failed_refunds"],
                 "currency")


def _disputes_by(column: str):
    def build(s: FilterShape) -> ir.Table:
        t = _filtered("rollup_disputes", s)
        return t.group_by(column, "currency").aggregate(disputes=zero(t.n.sum()), amount=zero(t.amount.sum())) \
            .order_by([ibis.desc("disputes"), column, "currency"])
    build.__name__ = build.__qualname__ = f"disputes_by_{column}"
    return build


_DISPUTES_BY_STATUS = _disputes_by("status")
_DISPUTES_BY_REASON = _disputes_by("reason")


def disputes_by_status(db: Reader, f: Filters) -> pd.DataFrame:
    """Disputes opened in the range by current status (inquiries have ``warning_*`` statuses)."""
    return run(db, _DISPUTES_BY_STATUS, f)


def disputes_by_reason(db: Reader, f: Filters) -> pd.DataFrame:
    """Disputes opened in the range by reason."""
    return run(db, _DISPUTES_BY_REASON, f)


def _payments_by(column: str):
    def build(s: FilterShape) -> ir.Table:
        t = _filtered("rollup_charges", s)
        ok = captured(t)
        agg = t.group_by(column, "currency").aggregate(
            successful_payments=zero(t.n.sum(where=ok)), volume=zero(t.amount_captured.sum(where=ok)),
            authorized=zero(t.n.sum(where=t.status == "succeeded")), failed=zero(t.n.sum(where=t.status == "failed")))
        per_currency = agg.successful_payments.sum().over(ibis.window(group_by="currency"))
        return agg.mutate(auth_rate=agg.authorized / (agg.authorized + agg.failed).nullif(0),
                          share_of_payments=agg.successful_payments / per_currency.nullif(0)) \
            .order_by([ibis.desc("successful_payments"), column, "currency"])
    build.__name__ = build.__qualname__ = f"payments_by_{column}"
    return build


_PAYMENTS_BY_BRAND = _payments_by("brand")
_PAYMENTS_BY_COUNTRY = _payments_by("country")


def payments_by_brand(db: Reader, f: Filters) -> pd.DataFrame:
    """Successful payments and volume by card brand and currency (+ authorization rate)."""
    return run(db, _PAYMENTS_BY_BRAND, f)


def payments_by_country(db: Reader, f: Filters) -> pd.DataFrame:
    """Successful payments and volume by card country and currency (+ authorization rate)."""
    return run(db, _PAYMENTS_BY_COUNTRY, f)


_AUTHORIZED_PI_STATUSES = ("succeeded", "requires_capture")


def _funnel(s: FilterShape) -> ir.Table:
    t = _filtered("rollup_payment_intents", s, status=False)
    return t.aggregate(created=zero(t.n.sum()), attempted=zero(t.n.sum(where=t.attempted)),
                       authorized=zero(t.n.sum(where=t.status.isin(_AUTHORIZED_PI_STATUSES))),
                       succeeded=zero(t.n.sum(where=t.status == "succeeded")))


def payment_intent_funnel(db: Reader, f: Filters) -> pd.DataFrame:
    """PaymentIntents created in the range: Created -> Attempted (confirmed at least once) ->
    Authorized (succeeded or awaiting capture) -> Succeeded. The status filter does not apply
    (the funnel is about statuses); PaymentIntents without a charge have no brand/country, so a
    brand or country filter leaves them out."""
    row = run(db, _funnel, f).iloc[0]
    counts = [int(row[k]) for k in ("created", "attempted", "authorized", "succeeded")]
    df = pd.DataFrame({"stage": list(FUNNEL_STAGES), "payment_intents": counts})
    df["pct_of_created"] = [rate(c, counts[0]) for c in counts]
    df["pct_of_previous"] = [None] + [rate(c, prev) for prev, c in zip(counts, counts[1:])]
    return df


def _pi_statuses(s: FilterShape) -> ir.Table:
    t = _filtered("rollup_payment_intents", s, status=False)
    agg = t.group_by("status").aggregate(payment_intents=zero(t.n.sum()))
    return agg.mutate(share=agg.payment_intents / agg.payment_intents.sum()) \
        .order_by([ibis.desc("payment_intents"), "status"])


def payment_intent_statuses(db: Reader, f: Filters) -> pd.DataFrame:
    """PaymentIntents created in the range by current status (status filter not applied)."""
    return run(db, _pi_statuses, f)


def _fees_net(s: FilterShape) -> ir.Table:
    t = _filtered("rollup_balance", s, currency="pcurrency")
    t = t.filter(sales_only(t))
    return _per_period(t, s, settlement_currency=t.currency).aggregate(**ledger_sums(t))


def fees_net_over_time(db: Reader, f: Filters) -> pd.DataFrame:
    """Per period and settlement currency, from balance transactions: gross, refunds, dispute
    losses, fees and net (the same definitions as :func:`ledger_kpis`)."""
    df = run(db, _fees_net, f, periodic=True)
    return dense(df, f, ["gross", "refunds", "dispute_losses", "fees", "net"], "settlement_currency")
