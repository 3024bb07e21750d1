"""The Ibis pieces the finance metrics are built from: a :class:`~lib.finance.metrics.filters.FilterShape`
as predicates with bind parameters, periods, the ledger sums, what counts as captured, refunded or
a sale, exact major-unit text; :func:`run` (a query for one set of filters) and :func:`dense`
(every period of the range present). See :mod:`lib.finance.metrics`."""

from __future__ import annotations

from collections.abc import Sequence

import ibis
import ibis.expr.types as ir
import pandas as pd

from lib.finance.metrics.filters import (
    DISPUTE_CATEGORIES,
    NON_SALES_CATEGORIES,
    REFUND_CATEGORIES,
    REFUND_COUNTED_STATUSES,
    Filters,
    FilterShape,
)
from lib.finance.money import exponent
from lib.finance.store import CAPTURED_PAY_STATUSES
from lib.finance.store.queries import Builder, fetch, param
from lib.stripe_facts import currencies


def run(db, build: Builder, f: Filters, *, periodic: bool = False, **extra) -> pd.DataFrame:
    """``build`` for the shape of ``f`` (see :func:`lib.finance.store.queries.fetch`), with the
    filters' values and ``extra`` ones bound."""
    return fetch(db, build, f.shape(periodic), f.values() | extra)


def values_in(column: ir.Value, prefix: str, count: int) -> ir.BooleanValue:
    """``column IN (prefix_0, ..., prefix_{count-1})`` as bind parameters."""
    return column.isin([param(f"{prefix}_{i}") for i in range(count)])


def where(t: ir.Table, s: FilterShape, *, currency: str = "currency", dated: bool = True,
          status: bool = True) -> list[ir.BooleanValue]:
    """The filters as predicates over a rollup (``day``, ``brand``, ``country``, ``pay_status``,
    ``account`` and the given currency column)."""
    preds = []
    if dated:
        preds.append(t.day.between(param("start", "date"), param("end", "date")))
    if s.currencies:
        preds.append(values_in(t[currency], "currency", s.currencies))
    if s.brands:
        preds.append(values_in(t.brand, "brand", s.brands))
    if s.countries:
        preds.append(values_in(t.country, "country", s.countries))
    if status and s.statuses:
        preds.append(values_in(t.pay_status, "status", s.statuses))
    if s.account:
        preds.append(t.account == param("account"))
    return preds


def restrict(t: ir.Table, *preds: ir.BooleanValue) -> ir.Table:
    """``t`` filtered by the predicates (``t`` itself when there are none)."""
    return t.filter(*preds) if preds else t


def period(t: ir.Table, s: FilterShape) -> ir.Value:
    """The first day of ``t.day``'s day, week (Monday) or month. Plain date arithmetic, so it is
    the same on every engine and in every session time zone."""
    if s.granularity == "week":
        return t.day - t.day.day_of_week.index().as_interval("D")
    if s.granularity == "month":
        return ibis.date(t.day.year(), t.day.month(), 1)
    return t.day


def captured(t: ir.Table) -> ir.BooleanValue:
    return t.pay_status.isin(CAPTURED_PAY_STATUSES)


def refund_counted(t: ir.Table) -> ir.BooleanValue:
    return t.status.isin(REFUND_COUNTED_STATUSES)


def sales_only(t: ir.Table) -> ir.BooleanValue:
    return ~t.reporting_category.isin(NON_SALES_CATEGORIES)


def zero(value: ir.Value) -> ir.Value:
    """A sum that is 0 rather than NULL when nothing matches."""
    return value.fill_null(0)


def ledger_sums(t: ir.Table, gross: str = "gross", net: str = "net") -> dict[str, ir.Value]:
    """The ledger sums over ``rollup_balance``: gross, refunds, dispute losses, other
    adjustments, fees and net (see :mod:`lib.finance.metrics`)."""
    category = t.reporting_category
    named = ("charge", *REFUND_CATEGORIES, *DISPUTE_CATEGORIES)
    return {
        gross: zero(t.amount.sum(where=category == "charge")),
        "refunds": zero(-t.amount.sum(where=category.isin(REFUND_CATEGORIES))),
        "dispute_losses": zero(-t.amount.sum(where=category.isin(DISPUTE_CATEGORIES))),
        "other_adjustments": zero(t.amount.sum(where=~category.isin(named))),
        "fees": zero(t.fee.sum()),
        net: zero(t.net.sum()),
    }


def rate(num, den) -> float | None:
    """``num / den`` as a float; ``None`` when there is no denominator."""
    return float(num) / float(den) if den else None


def major_text(amount: ir.IntegerValue, currency: ir.StringValue) -> ir.StringValue:
    """The exact major-unit amount as text ('10.99', '500', '5.120', '-3.00'), digit by digit (no
    floating point, the same text on every engine)."""
    zero_decimal = sorted(c for c in currencies.SUPPORTED if exponent(c) == 0)
    three_decimal = sorted(c for c in currencies.SUPPORTED if exponent(c) == 3)
    size = amount.abs()
    sign = ibis.ifelse(amount < 0, "-", "")

    def scaled(digits: int) -> ir.StringValue:
        unit = 10 ** digits
        return sign + (size // unit).cast("string") + "." + (size % unit).cast("string").lpad(digits, "0")

    return ibis.cases((currency.isin(zero_decimal), sign + size.cast("string")),
                      (currency.isin(three_decimal), scaled(3)), else_=scaled(2))


def periods(f: Filters) -> pd.Series:
    """The start of every period (of ``f.granularity``) that has a day in the range."""
    days = pd.date_range(f.start, f.end, freq="D")
    if f.granularity == "week":
        days = days - pd.to_timedelta(days.day_of_week, unit="D")
    elif f.granularity == "month":
        days = days.to_period("M").to_timestamp()
    return pd.Series(days.unique(), name="period").astype("datetime64[us]")


def dense(df: pd.DataFrame, f: Filters, values: Sequence[str], key: str | None = None) -> pd.DataFrame:
    """An aggregate (columns ``period``[, key], values...) with every period of the range, per key
    value present, and 0 where there was no data; sorted by period (and key)."""
    grid = periods(f).to_frame()
    if key is not None:
        grid = grid.merge(pd.DataFrame({key: pd.Series(sorted(df[key].unique()), dtype=df[key].dtype)}), how="cross")
    on = ["period"] if key is None else ["period", key]
    out = grid.merge(df[[*on, *values]].astype({"period": "datetime64[us]"}), on=on, how="left")
    for v in values:
        out[v] = out[v].fillna(0).astype("int64")
    return out.sort_values(on, kind="stable").reset_index(drop=True)
