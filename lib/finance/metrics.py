"""Finance KPIs and series: pure functions over the DuckDB rollups, each returning a DataFrame.

Conventions
-----------
* Every function takes a DuckDB connection and a :class:`Filters`. Dates are UTC days, the range
  is inclusive. Each metric is dated by its own event: payments by the charge's ``created``,
  refunds by the refund's, disputes by the dispute's, ledger lines by the balance transaction's.
* Amounts are ``int`` minor units and are never added across currencies: every money column sits
  next to a currency column. Payment metrics are keyed by the **presentment** ``currency`` (what
  the customer paid in); ledger metrics (gross, fees, refunds, dispute losses, net) come from
  balance transactions and are keyed by ``settlement_currency``. The currency filter selects
  payments by presentment currency in both.
* The ledger KPIs equal the sums of the balance transactions in the range: gross = ``charge``
  lines, refunds = ``refund``/``refund_failure``/``partial_capture_reversal``, dispute losses =
  ``dispute``/``dispute_reversal`` (amounts only; the dispute fee is in fees), fees = ``fee`` of all
  lines, net = ``net`` of all lines. Payouts, transfers and other money movements are not sales
  and are left out (:data:`NON_SALES_CATEGORIES`).
* Filters: ``currencies`` (presentment), ``brands``/``countries`` (card), ``statuses`` (the
  payment status of the charge, see :data:`lib.finance.schema.PAY_STATUSES`). Empty = all.
"""

from __future__ import annotations

import io
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

import pandas as pd

from lib.finance.money import major_sql
from lib.finance.rollups import NONE
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


# ---------------------------------------------------------------------------------------------
# KPIs



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


def ledger_kpis(con, f: Filters) -> pd.DataFrame:
    """Gross volume, refunds, dispute losses, other adjustments, fees and net volume per
    settlement currency, from balance transactions created in the range."""
    w, p = _where(f, currency="pcurrency")
    return _q(con, f"""
        SELECT currency AS settlement_currency, {_ledger_cols("gross_volume", "net_volume")},
            {_z("sum(n)")} AS balance_transactions
        FROM rollup_balance WHERE {w} AND {_SALES_ONLY}
        GROUP BY 1 ORDER BY sum(n) DESC, 1""", p)


def payment_kpis(con, f: Filters) -> pd.DataFrame:
    """Per presentment currency: successful payments and volume, average payment, authorization
    rate, refund rate (by count and amount, of the payments in the range) and dispute rate (by
    count and amount: disputes opened in the range / successful payments in the range; inquiries
    excluded), with the 0.75% network threshold flagged."""
    w, p = _where(f)
    w2, p2 = _where(f)
    df = _q(con, f"""
        WITH c AS (
            SELECT currency,
                sum(n) FILTER (WHERE {_CAPTURED}) AS successful_payments,
                sum(amount_captured) FILTER (WHERE {_CAPTURED}) AS successful_volume,
                sum(n) FILTER (WHERE status IN ('succeeded', 'failed')) AS attempts,
                sum(n) FILTER (WHERE status = 'succeeded') AS authorized,
                sum(n) FILTER (WHERE status = 'failed') AS failed,
                sum(n_refunded) FILTER (WHERE {_CAPTURED}) AS refunded_payments,
                sum(amount_refunded) FILTER (WHERE {_CAPTURED}) AS refunded_amount
            FROM rollup_charges WHERE {w} GROUP BY 1),
        d AS (
            SELECT currency,
                sum(n) FILTER (WHERE NOT is_inquiry) AS disputes,
                sum(amount) FILTER (WHERE NOT is_inquiry) AS disputed_amount,
                sum(n) FILTER (WHERE is_inquiry) AS inquiries
            FROM rollup_disputes WHERE {w2} GROUP BY 1),
        j AS (
            SELECT currency, {", ".join(_z(c) + " AS " + c for c in (
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


def payment_totals(con, f: Filters) -> dict:
    """Count-based KPIs over all currencies (counts may be added across currencies; amounts not)."""
    return totals_from(payment_kpis(con, f))


def totals_from(payments: pd.DataFrame) -> dict:
    """:func:`payment_totals` from an already computed :func:`payment_kpis` frame."""
    tot = {c: int(payments[c].sum()) if len(payments) else 0 for c in (
        "successful_payments", "attempts", "authorized", "failed", "refunded_payments", "disputes",
        "inquiries")}
    tot["auth_rate"] = _rate(tot["authorized"], tot["attempts"])
    tot["refund_rate_count"] = _rate(tot["refunded_payments"], tot["successful_payments"])
    tot["dispute_rate_count"] = _rate(tot["disputes"], tot["successful_payments"])
    tot["dispute_rate_flag"] = bool(tot["dispute_rate_count"] is not None
                                    and tot["dispute_rate_count"] >= DISPUTE_RATE_THRESHOLD)
    return tot


def open_disputes(con, f: Filters, now: datetime | None = None) -> pd.DataFrame:
    """Disputes waiting for a response (any date; deadlines matter now), soonest due first.
    Currency, brand and country filters apply; date and status filters do not."""
    now = now or datetime.now(UTC).replace(tzinfo=None)
    w, p = _where(f, dated=False, status=False)
    return _q(con, f"""
        SELECT id, charge, payment_intent, amount, currency, status, reason, created, evidence_due_by,
            evidence_has_evidence, evidence_submission_count, brand, country,
            date_diff('second', ?::TIMESTAMP, evidence_due_by) / 86400.0 AS days_left,
            coalesce(evidence_due_by < ?::TIMESTAMP, false) AS overdue
        FROM rollup_open_disputes WHERE {w}
        ORDER BY evidence_due_by NULLS LAST, id""", [now, now, *p])


# ---------------------------------------------------------------------------------------------
# series


def volume_over_time(con, f: Filters) -> pd.DataFrame:
    """Per period and presentment currency: captured volume of successful payments (by charge
    date), refunded amount (by refund date) and disputed amount (by dispute date, no inquiries)."""
    w1, p1 = _where(f)
    w2, p2 = _where(f)
    w3, p3 = _where(f)
    per = _period(f)
    agg = f"""
        WITH s AS (SELECT {per} AS period, currency, sum(amount_captured) AS succeeded,
                     sum(n) AS succeeded_count
                   FROM rollup_charges WHERE {w1} AND {_CAPTURED} GROUP BY 1, 2),
             r AS (SELECT {per} AS period, currency, sum(amount) AS refunded
                   FROM rollup_refunds WHERE {w2} AND {_REFUND_OK} GROUP BY 1, 2),
             d AS (SELECT {per} AS period, currency, sum(amount) AS disputed
                   FROM rollup_disputes WHERE {w3} AND NOT is_inquiry GROUP BY 1, 2)
        SELECT period, currency, succeeded, succeeded_count, refunded, disputed
        FROM s FULL OUTER JOIN r USING (period, currency) FULL OUTER JOIN d USING (period, currency)"""
    return _q(con, _dense(f, agg, ["succeeded", "succeeded_count", "refunded", "disputed"], "currency"),
              p1 + p2 + p3)


def success_failure_over_time(con, f: Filters) -> pd.DataFrame:
    """Per period: charges that succeeded (authorized) and failed, and the success rate."""
    w, p = _where(f)
    agg = f"""SELECT {_period(f)} AS period,
            sum(n) FILTER (WHERE status = 'succeeded') AS succeeded,
            sum(n) FILTER (WHERE status = 'failed') AS failed
        FROM rollup_charges WHERE {w} GROUP BY 1"""
    return _q(con, f"""SELECT *, succeeded + failed AS attempts,
            succeeded / nullif(succeeded + failed, 0) AS success_rate
        FROM ({_dense(f, agg, ["succeeded", "failed"])}) ORDER BY period""", p)


def decline_reasons(con, f: Filters) -> pd.DataFrame:
    """Failed charges by decline code (issuer code, Radar reason, or failure code)."""
    w, p = _where(f)
    return _q(con, f"""
        SELECT coalesce(decline_code, 'unknown') AS decline_code,
            string_agg(DISTINCT coalesce(outcome_type, '{NONE}'), ', ' ORDER BY
                coalesce(outcome_type, '{NONE}')) AS outcome_types,
            {_z("sum(n)")} AS failed_payments,
            sum(n) / sum(sum(n)) OVER () AS share
        FROM rollup_charges WHERE {w} AND status = 'failed'
        GROUP BY 1 ORDER BY failed_payments DESC, 1""", p)


def refunds_over_time(con, f: Filters) -> pd.DataFrame:
    """Per period and currency: refunds created (succeeded or pending), count and amount, and
    failed/canceled refunds separately."""
    w, p = _where(f)
    agg = f"""SELECT {_period(f)} AS period, currency,
            sum(n) FILTER (WHERE {_REFUND_OK}) AS refunds,
            sum(amount) FILTER (WHERE {_REFUND_OK}) AS refunded_amount,
            sum(n) FILTER (WHERE NOT {_REFUND_OK}) AS failed_refunds
        FROM rollup_refunds WHERE {w} GROUP BY 1, 2"""
    return _q(con, _dense(f, agg, ["refunds", "refunded_amount", "failed_refunds"], "currency"), p)


def _disputes_by(con, f: Filters, column: str) -> pd.DataFrame:
    w, p = _where(f)
    return _q(con, f"""
        SELECT {column}, currency, {_z("sum(n)")} AS disputes, {_z("sum(amount)")} AS amount
        FROM rollup_disputes WHERE {w} GROUP BY 1, 2 ORDER BY disputes DESC, 1, 2""", p)


def disputes_by_status(con, f: Filters) -> pd.DataFrame:
    """Disputes opened in the range by current status (inquiries have ``warning_*`` statuses)."""
    return _disputes_by(con, f, "status")


def disputes_by_reason(con, f: Filters) -> pd.DataFrame:
    """Disputes opened in the range by reason."""
    return _disputes_by(con, f, "reason")


def _payments_by(con, f: Filters, column: str) -> pd.DataFrame:
    w, p = _where(f)
    return _q(con, f"""
        SELECT *, authorized / nullif(authorized + failed, 0) AS auth_rate,
            successful_payments / nullif(sum(successful_payments) OVER (PARTITION BY currency), 0)
                AS share_of_payments
        FROM (SELECT {column}, currency,
                {_z(f"sum(n) FILTER (WHERE {_CAPTURED})")} AS successful_payments,
                {_z(f"sum(amount_captured) FILTER (WHERE {_CAPTURED})")} AS volume,
                {_z("sum(n) FILTER (WHERE status = 'succeeded')")} AS authorized,
                {_z("sum(n) FILTER (WHERE status = 'failed')")} AS failed
              FROM rollup_charges WHERE {w} GROUP BY 1, 2)
        ORDER BY successful_payments DESC, 1, 2""", p)


def payments_by_brand(con, f: Filters) -> pd.DataFrame:
    """Successful payments and volume by card brand and currency (+ authorization rate)."""
    return _payments_by(con, f, "brand")


def payments_by_country(con, f: Filters) -> pd.DataFrame:
    """Successful payments and volume by card country and currency (+ authorization rate)."""
    return _payments_by(con, f, "country")


def payment_intent_funnel(con, f: Filters) -> pd.DataFrame:
    """PaymentIntents created in the range: Created -> Attempted (confirmed at least once) ->
    Authorized (succeeded or awaiting capture) -> Succeeded. The status filter does not apply
    (the funnel is about statuses); PaymentIntents without a charge have no brand/country, so a
    brand or country filter leaves them out."""
    w, p = _where(f, status=False)
    row = con.execute(f"""
        SELECT sum(n), sum(n) FILTER (WHERE attempted),
            sum(n) FILTER (WHERE status IN ('succeeded', 'requires_capture')),
            sum(n) FILTER (WHERE status = 'succeeded')
        FROM rollup_payment_intents WHERE {w}""", p).fetchone()
    counts = [int(v or 0) for v in row]
    df = pd.DataFrame({"stage": list(FUNNEL_STAGES), "payment_intents": counts})
    df["pct_of_created"] = [_rate(c, counts[0]) for c in counts]
    df["pct_of_previous"] = [None] + [_rate(c, prev) for prev, c in zip(counts, counts[1:])]
    return df


def payment_intent_statuses(con, f: Filters) -> pd.DataFrame:
    """PaymentIntents created in the range by current status (status filter not applied)."""
    w, p = _where(f, status=False)
    return _q(con, f"""
        SELECT status, {_z("sum(n)")} AS payment_intents, sum(n) / sum(sum(n)) OVER () AS share
        FROM rollup_payment_intents WHERE {w}
        GROUP BY 1 ORDER BY payment_intents DESC, 1""", p)


def fees_net_over_time(con, f: Filters) -> pd.DataFrame:
    """Per period and settlement currency, from balance transactions: gross, refunds, dispute
    losses, fees and net (the same definitions as :func:`ledger_kpis`)."""
    w, p = _where(f, currency="pcurrency")
    agg = f"""SELECT {_period(f)} AS period, currency AS settlement_currency, {_ledger_cols()}
        FROM rollup_balance WHERE {w} AND {_SALES_ONLY} GROUP BY 1, 2"""
    return _q(con, _dense(f, agg, ["gross", "refunds", "dispute_losses", "fees", "net"],
                          "settlement_currency"), p)


# ---------------------------------------------------------------------------------------------
# payments table and export

PAYMENT_COLUMNS = (
    "created", "id", "payment_intent", "customer", "amount", "currency", "amount_captured",
    "amount_refunded", "pay_status", "status", "card_brand", "card_country", "card_last4",
    "decline_code", "outcome_type", "outcome_risk_level", "description")


def _payments_where(f: Filters) -> tuple[str, list]:
    params: list = [f.start_ts, f.end_ts_exclusive]
    clauses = ["created >= ? AND created < ?"]
    if f.currencies:
        clauses.append(_in("currency", f.currencies, params))
    if f.brands:
        clauses.append(_in(f"coalesce(card_brand, '{NONE}')", f.brands, params))
    if f.countries:
        clauses.append(_in(f"coalesce(card_country, '{NONE}')", f.countries, params))
    if f.statuses:
        clauses.append(_in("pay_status", f.statuses, params))
    return " AND ".join(clauses), params


def payments_table(con, f: Filters, limit: int = 200, offset: int = 0) -> pd.DataFrame:
    """The charges the filters select, newest first (one page)."""
    w, p = _payments_where(f)
    return _q(con, f"""SELECT {', '.join(PAYMENT_COLUMNS)} FROM charges WHERE {w}
                      ORDER BY created DESC, id DESC LIMIT ? OFFSET ?""", [*p, int(limit), int(offset)])


def count_payments(con, f: Filters) -> int:
    w, p = _payments_where(f)
    return int(con.execute(f"SELECT count(*) FROM charges WHERE {w}", p).fetchone()[0])


def export_payments(con, f: Filters, fmt: str = "csv") -> bytes:
    """Every charge the filters select, as CSV or Parquet bytes. Amounts stay integer minor units;
    ``amount_decimal`` is the exact major-unit amount as text."""
    import pyarrow.csv as pacsv
    import pyarrow.parquet as pq

    w, p = _payments_where(f)
    table = con.sql(f"""
        SELECT {', '.join(PAYMENT_COLUMNS)}, {major_sql('amount', 'currency')} AS amount_decimal
        FROM charges WHERE {w} ORDER BY created DESC, id DESC""", params=p).to_arrow_table()
    buf = io.BytesIO()
    if fmt == "csv":
        pacsv.write_csv(table, buf)
    elif fmt == "parquet":
        pq.write_table(table, buf)
    else:
        raise ValueError("fmt must be 'csv' or 'parquet'")
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# filters, status, bundle


def has_data(con) -> bool:
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    return "rollup_charges" in names


def filter_options(con) -> dict:
    """Values present in the data for the filter widgets, and the date span of the payments."""
    out: dict = {"currencies": [], "brands": [], "countries": [], "statuses": [], "first_day": None,
                 "last_day": None}
    if not has_data(con):
        return out
    row = con.execute("""
        SELECT list(DISTINCT currency ORDER BY currency), list(DISTINCT brand ORDER BY brand),
               list(DISTINCT country ORDER BY country), list(DISTINCT pay_status ORDER BY pay_status),
               min(day), max(day)
        FROM rollup_charges""").fetchone()
    out.update(currencies=row[0] or [], brands=row[1] or [], countries=row[2] or [],
               statuses=[s for s in PAY_STATUSES if s in (row[3] or [])], first_day=row[4],
               last_day=row[5])
    return out


def sync_status(con) -> dict:
    """Last sync run (time, mode, status, message), rows per table and per-resource errors."""
    names = {r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'").fetchall()}
    out: dict = {"last_run": None, "resources": []}
    if "sync_runs" in names:
        cur = con.execute("SELECT * FROM sync_runs ORDER BY run_id DESC LIMIT 1")
        row = cur.fetchone()
        if row:
            out["last_run"] = dict(zip([d[0] for d in cur.description], row))
    if "sync_state" in names:
        out["resources"] = con.execute(
            "SELECT resource, phase, last_fetched, last_sync_at, last_success_at, last_error "
            "FROM sync_state ORDER BY resource").df().to_dict("records")
    from lib.finance.schema import TABLES

    out["counts"] = {t: int(con.execute(f"SELECT count(*) FROM {t}").fetchone()[0])
                     for t in TABLES if t in names}
    return out


@dataclass
class Dashboard:
    filters: Filters
    ledger: pd.DataFrame
    payments: pd.DataFrame
    totals: dict
    open_disputes: pd.DataFrame
    volume: pd.DataFrame
    success_failure: pd.DataFrame
    declines: pd.DataFrame
    refunds: pd.DataFrame
    disputes_status: pd.DataFrame
    disputes_reason: pd.DataFrame
    by_brand: pd.DataFrame
    by_country: pd.DataFrame
    funnel: pd.DataFrame
    pi_statuses: pd.DataFrame
    fees_net: pd.DataFrame
    timings_ms: dict[str, float] = field(default_factory=dict)

    @property
    def total_ms(self) -> float:
        return sum(self.timings_ms.values())


def compute_dashboard(con, f: Filters, now: datetime | None = None) -> Dashboard:
    """Every KPI and series for the filters (about 15 small queries over the rollups)."""
    timings: dict[str, float] = {}

    def timed(name: str, fn: Callable, *args):
        t0 = time.perf_counter()
        value = fn(con, f, *args)
        timings[name] = (time.perf_counter() - t0) * 1000
        return value

    payments = timed("payments", payment_kpis)
    t0 = time.perf_counter()
    totals = totals_from(payments)
    timings["totals"] = (time.perf_counter() - t0) * 1000
    return Dashboard(
        filters=f,
        ledger=timed("ledger", ledger_kpis),
        payments=payments,
        totals=totals,
        open_disputes=timed("open_disputes", open_disputes, now),
        volume=timed("volume", volume_over_time),
        success_failure=timed("success_failure", success_failure_over_time),
        declines=timed("declines", decline_reasons),
        refunds=timed("refunds", refunds_over_time),
        disputes_status=timed("disputes_status", disputes_by_status),
        disputes_reason=timed("disputes_reason", disputes_by_reason),
        by_brand=timed("by_brand", payments_by_brand),
        by_country=timed("by_country", payments_by_country),
        funnel=timed("funnel", payment_intent_funnel),
        pi_statuses=timed("pi_statuses", payment_intent_statuses),
        fees_net=timed("fees_net", fees_net_over_time),
        timings_ms=timings,
    )
