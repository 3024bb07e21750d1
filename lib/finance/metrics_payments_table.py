"""Finance payments table: the charges the filters select, one page at a time, counted, and
exported as CSV or Parquet (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

import io

import pandas as pd

from lib.finance.metrics_filters import (
    Filters,
    _in,
    _q,
)
from lib.finance.money import major_sql
from lib.finance.rollups import NONE

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
