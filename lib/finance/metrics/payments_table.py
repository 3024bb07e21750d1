"""Finance payments table: the charges the filters select, one page at a time, counted, and
exported as CSV or Parquet (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

import io

import ibis
import ibis.expr.types as ir
import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lib.finance.metrics.expressions import major_text, restrict, run, values_in, where, zero
from lib.finance.metrics.filters import Filters, FilterShape
from lib.finance.store import NONE, Reader
from lib.finance.store.queries import compiled, fetch, param, table
from lib.finance.store.rollups import rollup_table

PAYMENT_COLUMNS = (
    "created", "id", "payment_intent", "customer", "amount", "currency", "amount_captured",
    "amount_refunded", "pay_status", "status", "card_brand", "card_country", "card_last4",
    "decline_code", "outcome_type", "outcome_risk_level", "description")


def _selected(s: FilterShape) -> ir.Table:
    t = table("charges")
    preds = [t.created >= param("start_ts", "timestamp"), t.created < param("end_ts", "timestamp")]
    if s.currencies:
        preds.append(values_in(t.currency, "currency", s.currencies))
    if s.brands:
        preds.append(values_in(t.card_brand.fill_null(NONE), "brand", s.brands))
    if s.countries:
        preds.append(values_in(t.card_country.fill_null(NONE), "country", s.countries))
    if s.statuses:
        preds.append(values_in(t.pay_status, "status", s.statuses))
    if s.account:
        preds.append(t.account == param("account"))
    return restrict(t, *preds)


# NULLS FIRST is Postgres' own order for DESC, so its (created, id) index, read backwards, gives
# the page without sorting (the columns are never null).
_NEWEST_FIRST = [ibis.desc("created", nulls_first=True), ibis.desc("id", nulls_first=True)]


def _page(s: FilterShape) -> ir.Table:
    return _selected(s).select(*PAYMENT_COLUMNS).order_by(_NEWEST_FIRST)


def _count(s: FilterShape) -> ir.Table:
    # the daily rollup has the same filters (UTC days, '(none)' for a missing brand or country), so
    # the count costs one small aggregate rather than a pass over every charge of the range
    t = rollup_table("rollup_charges")
    t = restrict(t, *where(t, s))
    return t.aggregate(payments=zero(t.n.sum()))


def _export(s: FilterShape) -> ir.Table:
    t = _selected(s)
    return t.select(*PAYMENT_COLUMNS, amount_decimal=major_text(t.amount, t.currency)).order_by(_NEWEST_FIRST)


def payments_table(db: Reader, f: Filters, limit: int = 200, offset: int = 0) -> pd.DataFrame:
    """The charges the filters select, newest first (one page)."""
    return fetch(db, _page, f.shape(), f.values(), suffix="LIMIT {} OFFSET {}",
                 suffix_values=[int(limit), int(offset)])


def count_payments(db: Reader, f: Filters) -> int:
    """How many charges the filters select (from the daily rollup, which counts the same rows)."""
    return int(run(db, _count, f)["payments"].iloc[0])


def export_payments(db: Reader, f: Filters, fmt: str = "csv") -> bytes:
    """Every charge the filters select, as CSV or Parquet bytes. Amounts stay integer minor units;
    ``amount_decimal`` is the exact major-unit amount as text."""
    if fmt not in ("csv", "parquet"):
        raise ValueError("fmt must be 'csv' or 'parquet'")
    q = compiled(_export, db.dialect, f.shape())
    table_ = db.arrow(q.sql, q.bind(f.values()))
    buf = io.BytesIO()
    if fmt == "csv":
        pacsv.write_csv(table_, buf)
    else:
        pq.write_table(table_, buf)
    return buf.getvalue()
