"""What the finance metrics count (categories, statuses, the dispute threshold) and the
dashboard's :class:`Filters` (see :mod:`lib.finance.metrics`), with their query *shape*
(:class:`FilterShape`: which filters are present, how many values each has) and their bind values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from lib.finance.store import PAY_STATUSES

GRANULARITIES = ("day", "week", "month")
DISPUTE_RATE_THRESHOLD = 0.0075   # card networks' monitoring threshold (0.75% of transactions)
REFUND_CATEGORIES = ("refund", "refund_failure", "partial_capture_reversal")
DISPUTE_CATEGORIES = ("dispute", "dispute_reversal")
NON_SALES_CATEGORIES = ("payout", "payout_reversal", "transfer", "transfer_reversal", "topup",
                        "topup_reversal", "connect_reserved_funds", "risk_reserved_funds")
REFUND_COUNTED_STATUSES = ("succeeded", "pending", "requires_action")
FUNNEL_STAGES = ("Created", "Attempted", "Authorized", "Succeeded")


@dataclass(frozen=True)
class FilterShape:
    """What a compiled query depends on: the granularity (only for series), how many currencies,
    brands, countries and statuses are selected (0 = no filter) and whether one account is."""
    granularity: str = "day"
    currencies: int = 0
    brands: int = 0
    countries: int = 0
    statuses: int = 0
    account: bool = False


@dataclass(frozen=True)
class Filters:
    start: date
    end: date
    granularity: str = "day"
    currencies: tuple[str, ...] = ()
    brands: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    account: str | None = None  # one account's rows; None = every account

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

    def shape(self, periodic: bool = False) -> FilterShape:
        """The shape of the queries for these filters; ``periodic`` for series (by granularity)."""
        return FilterShape(self.granularity if periodic else "day", len(self.currencies), len(self.brands),
                           len(self.countries), len(self.statuses), self.account is not None)

    def values(self) -> dict:
        """The bind values: ``start``/``end`` (dates), ``start_ts``/``end_ts`` (the end exclusive),
        ``currency_0``..., ``brand_0``..., ``country_0``..., ``status_0``... and ``account``."""
        out: dict = {"start": self.start, "end": self.end, "start_ts": self.start_ts,
                     "end_ts": self.end_ts_exclusive, "account": self.account}
        for prefix, values in (("currency", self.currencies), ("brand", self.brands),
                               ("country", self.countries), ("status", self.statuses)):
            out.update({f"{prefix}_{i}": v for i, v in enumerate(values)})
        return out

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
