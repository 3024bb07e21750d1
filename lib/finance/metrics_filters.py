"""Finance metrics, shared part: what counts (categories, statuses, thresholds), the dashboard
:class:`Filters`, and the SQL fragments they become (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from lib.finance.schema import CAPTURED_PAY_STATUSES, PAY_STATUSES

GRANULARITIES = ("day", "week", "month")
DISPUTE_RATE_THRESHOLD = 0.0075   # card networks' monitoring threshold (0.75% of transactions)
REFUND_CATEGORIES = ("refund", "refund_failure", "partial_capture_reversal")
DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")
NON_SALES_CATEGORIES = ("payout", "payout_reversal", "transfer", "transfer_reversal", "topup",
                        "topup_reversal", "connect_reserved_funds", "risk_reserved_funds")
REFUND_COUNTED_STATUSES = ("succeeded", "pending", "requires_action")
FUNNEL_STAGES = ("Created", "Attempted", "Authorized", "Succeeded")


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    granularity: str = "day"
    currencies: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.granularity not in GRANULARITIES:
            raise ValueError(f"granularity must be one of {', '.join(GRANULARITIES)}")
        start, end = _as_date(self.start), _as_date(self.end)
        if end < start:
            raise ValueError("The end date is before the start date.")
        object.__setattr__(self, "start", start)
        object.__setattr__(self, "end", end)
        object.__setattr__(self, "currencies", tuple(sorted({c.lower() for c in self.currencies})))
        object.__setattr__(self, "brands", tuple(sorted(set(self.brands))))
        object.__setattr__(self, "countries", tuple(sorted(set(self.countries))))
        unknown = set(self.statuses) - set(PAY_STATUSES)
        if unknown:
            raise ValueError(f"Unknown status: {', '.join(sorted(unknown))}")
        object.__setattr__(self, "statuses", tuple(sorted(set(self.statuses))))

    @property
    def start_ts(self) -> datetime:
        return datetime.combine(self.start, datetime.min.time())

    @property
    def end_ts_exclusive(self) -> datetime:
        return datetime.combine(self.end + timedelta(days=1), datetime.min.time())

    @classmethod
    def last_days(cls, days: int, today: date | None = None, **kw) -> Filters:
        today = today or datetime.now(UTC).replace(tzinfo=None).date()
        return cls(start=today - timedelta(days=days - 1), end=today, **kw)


def _as_date(value) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


# ---------------------------------------------------------------------------------------------
# SQL helpers


def _in(column: str, values: Sequence[str], params: list) -> str:
    params.extend(values)
    return f"{column} IN ({', '.join('?' for _ in values)})"


def _where(f: Filters, *, currency: str = "currency", dated: bool = True,
           status: bool = True) -> tuple[str, list]:
    params: list = []
    clauses = []
    if dated:
        clauses.append("day BETWEEN ? AND ?")
        params += [f.start, f.end]
    if f.currencies:
        clauses.append(_in(currency, f.currencies, params))
    if f.brands:
        clauses.append(_in("brand", f.brands, params))
    if f.countries:
        clauses.append(_in("country", f.countries, params))
    if status and f.statuses:
        clauses.append(_in("pay_status", f.statuses, params))
    return " AND ".join(clauses) or "TRUE", params


def _period(f: Filters, column: str = "day") -> str:
    return f"CAST(date_trunc('{f.granularity}', {column}) AS DATE)"


def _q(con, sql: str, params: list | None = None) -> pd.DataFrame:
    return con.execute(sql, params or []).df()


def _list_sql(values: Sequence[str]) -> str:
    return ", ".join(f"'{v}'" for v in values)


_CAPTURED = f"pay_status IN ({_list_sql(CAPTURED_PAY_STATUSES)})"
_REFUND_OK = f"status IN ({_list_sql(REFUND_COUNTED_STATUSES)})"


def _rate(num, den) -> float | None:
    return float(num) / float(den) if den else None


def _z(expr: str) -> str:
    """A sum that is 0 (BIGINT) rather than NULL when nothing matches."""
    return f"coalesce({expr}, 0)::BIGINT"


def _dense(f: Filters, agg_sql: str, values: Sequence[str], key: str | None = None) -> str:
    """Wrap an aggregate (columns ``period``[, key], values...) so that every period of the range
    appears, per key value present, with 0 where there was no data."""
    per = (f"SELECT DISTINCT {_period(f, 'd')} AS period FROM generate_series(DATE '{f.start}', "
           f"DATE '{f.end}', INTERVAL 1 DAY) t(d)")
    vals = ", ".join(f"coalesce(agg.{v}, 0)::BIGINT AS {v}" for v in values)
    if key is None:
        return (f"WITH agg AS ({agg_sql}), per AS ({per}) SELECT per.period, {vals} "
                "FROM per LEFT JOIN agg ON agg.period = per.period ORDER BY 1")
    return (f"WITH agg AS ({agg_sql}), per AS ({per}), keys AS (SELECT DISTINCT {key} FROM agg) "
            f"SELECT per.period, keys.{key}, {vals} FROM per CROSS JOIN keys "
            f"LEFT JOIN agg ON agg.period = per.period AND agg.{key} = keys.{key} ORDER BY 1, 2")


def _ledger_cols(gross: str = "gross", net: str = "net") -> str:
    return f"""
    {_z("sum(amount) FILTER (WHERE reporting_category = 'charge')")} AS {gross},
    {_z(f"-sum(amount) FILTER (WHERE reporting_category IN ({_list_sql(REFUND_CATEGORIES)}))")} AS refunds,
    {_z(f"-sum(amount) FILTER (WHERE reporting_category IN ({_list_sql(DISPUTE_CATEGORIES)}))")}
        AS dispute_losses,
    {_z(f"sum(amount) FILTER (WHERE reporting_category NOT IN ('charge', {_list_sql(REFUND_CATEGORIES)}, "
        f"{_list_sql(DISPUTE_CATEGORIES)}))")} AS other_adjustments,
    {_z("sum(fee)")} AS fees,
    {_z("sum(net)")} AS {net}"""


_SALES_ONLY = f"reporting_category NOT IN ({_list_sql(NON_SALES_CATEGORIES)})"
