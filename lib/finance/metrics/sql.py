"""The SQL fragments the finance metrics are built from: a :class:`~lib.finance.metrics.filters.Filters`
as a ``WHERE`` clause, periods, dense series, the ledger columns, and what counts as captured,
refunded or a sale. DuckDB SQL with ``?`` placeholders (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

from collections.abc import Sequence

from lib.finance.metrics.filters import (
    DISPUTE_CATEGORIES,
    NON_SALES_CATEGORIES,
    REFUND_CATEGORIES,
    REFUND_COUNTED_STATUSES,
    Filters,
)
from lib.finance.store import CAPTURED_PAY_STATUSES


def in_list(column: str, values: Sequence[str], params: list) -> str:
    """``column IN (?, ...)``, appending the values to ``params``."""
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def where(f: Filters, *, currency: str = "currency", dated: bool = True,
          status: bool = True) -> tuple[str, list]:
    """The filters as a ``WHERE`` clause over a rollup (``day``, ``brand``, ``country``,
    ``pay_status`` and the given currency column) and its parameters."""
    params: list = []
    clauses = []
    if dated:
        clauses.append("day BETWEEN ? AND ?")
        params += [f.start, f.end]
    if f.currencies:
        clauses.append(in_list(currency, f.currencies, params))
    if f.brands:
        clauses.append(in_list("brand", f.brands, params))
    if f.countries:
        clauses.append(in_list("country", f.countries, params))
    if status and f.statuses:
        clauses.append(in_list("pay_status", f.statuses, params))
    return " AND ".join(clauses) or "TRUE", params


def period(f: Filters, column: str = "day") -> str:
    """The start date of ``column``'s day, week or month (the filters' granularity)."""
    return f"CAST(date_trunc('{f.granularity}', {column}) AS DATE)"


def quoted_list(values: Sequence[str]) -> str:
    """``'a', 'b'`` for constants written into the SQL (never user input)."""
    return ", ".join(f"'{v}'" for v in values)


CAPTURED = f"pay_status IN ({quoted_list(CAPTURED_PAY_STATUSES)})"
REFUND_COUNTED = f"status IN ({quoted_list(REFUND_COUNTED_STATUSES)})"
SALES_ONLY = f"reporting_category NOT IN ({quoted_list(NON_SALES_CATEGORIES)})"


def rate(num, den) -> float | None:
    """``num / den`` as a float; ``None`` when there is no denominator."""
    return float(num) / float(den) if den else None


def zero_if_none(expr: str) -> str:
    """A sum that is 0 (BIGINT) rather than NULL when nothing matches."""
    return f"coalesce({expr}, 0)::BIGINT"


def dense(f: Filters, agg_sql: str, values: Sequence[str], key: str | None = None) -> str:
    """Wrap an aggregate (columns ``period``[, key], values...) so that every period of the range
    appears, per key value present, with 0 where there was no data."""
    per = (f"SELECT DISTINCT {period(f, 'd')} AS period FROM generate_series(DATE '{f.start}', "
           f"DATE '{f.end}', INTERVAL 1 DAY) t(d)")
    vals = ", ".join(f"coalesce(agg.{v}, 0)::BIGINT AS {v}" for v in values)
    if key is None:
        return (f"WITH agg AS ({agg_sql}), per AS ({per}) SELECT per.period, {vals} "
                "FROM per LEFT JOIN agg ON agg.period = per.period ORDER BY 1")
    return (f"WITH agg AS ({agg_sql}), per AS ({per}), keys AS (SELECT DISTINCT {key} FROM agg) "
            f"SELECT per.period, keys.{key}, {vals} FROM per CROSS JOIN keys "
            f"LEFT JOIN agg ON agg.period = per.period AND agg.{key} = keys.{key} ORDER BY 1, 2")


def ledger_columns(gross: str = "gross", net: str = "net") -> str:
    """The ledger sums over ``rollup_balance``: gross, refunds, dispute losses, other
    adjustments, fees and net (see :mod:`lib.finance.metrics`)."""
    return f"""
    {zero_if_none("sum(amount) FILTER (WHERE reporting_category = 'charge')")} AS {gross},
    {zero_if_none(f"-sum(amount) FILTER (WHERE reporting_category IN ({quoted_list(REFUND_CATEGORIES)}))")}
        AS refunds,
    {zero_if_none(f"-sum(amount) FILTER (WHERE reporting_category IN ({quoted_list(DISPUTE_CATEGORIES)}))")}
        AS dispute_losses,
    {zero_if_none(f"sum(amount) FILTER (WHERE reporting_category NOT IN ('charge', "
                  f"{quoted_list(REFUND_CATEGORIES)}, {quoted_list(DISPUTE_CATEGORIES)}))")} AS other_adjustments,
    {zero_if_none("sum(fee)")} AS fees,
    {zero_if_none("sum(net)")} AS {net}"""
