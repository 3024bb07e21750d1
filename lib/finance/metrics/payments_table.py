"""Finance payments table: the charges the filters select, one page at a time, counted, and
exported as CSV or Parquet (see :mod:`lib.finance.metrics`)."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from lib.finance.metrics.filters import Filters
from lib.finance.metrics.sql import in_list
from lib.finance.money import major_sql
from lib.finance.store import NONE, Reader

PAYMENT_COLUMNS = (
    "created", "id", "payment_intent", "customer", "amount", "currency", "amount_captured",
    "amount_refunded", "pay_status", "status", "card_brand", "card_country", "card_last4",
    "decline_code", "outcome_type", "outcome_risk_level", "description")


def _payments_where(f: Filters) -> tuple[str, list]:
    params: list = [f.start_ts, f.end_ts_exclusive]
    clauses = ["created >= ? AND created < ?"]
    if f.currencies:
        clauses.append(in_list("currency", f.currencies, params))
    if f.brands:
        clauses.append(in_list(f"coalesce(card_brand, '{NONE}')", f.brands, params))
    if f.countries:
        clauses.append(in_list(f"coalesce(card_country, '{NONE}')", f.countries, params))
    if f.statuses:
        clauses.append(in_list("pay_status", f.statuses, params))
    return " AND ".join(clauses), params


def payments_table(db: Reader, f: Filters, limit: int = 200, offset: int = 0) -> pd.DataFrame:
    """The charges the filters select, newest first (one page)."""
    w, p = _payments_where(f)
    return db.df(f"""SELECT {', '.join(PAYMENT_COLUMNS)} FROM charges WHERE {w}
                      ORDER BY created DESC, id DESC LIMIT ? OFFSET ?""", [*p, int(limit), int(offset)])


def count_payments(db: Reader, f: Filters) -> int:
    w, p = _payments_where(f)
    return int(db.row(f"SELECT count(*) FROM charges WHERE {w}", p)[0])


def export_payments(db: Reader, f: Filters, fmt: str = "csv") -> bytes:
    """Every charge the filters select, as CSV or Parquet bytes. Amounts stay integer minor units;
    ``amount_decimal`` is the exact major-unit amount as text."""
    w, p = _payments_where(f)
    table = db.arrow(f"""
        SELECT {', '.join(PAYMENT_COLUMNS)}, {major_sql('amount', 'currency')} AS amount_decimal
        FROM charges WHERE {w} ORDER BY created DESC, id DESC""", p)
    buf = io.BytesIO()
    if fmt == "csv":
        pacsv.write_csv(table, buf)
    elif fmt == "parquet":
        pq.write_table(table, buf)
    else:
        raise ValueError("fmt must be 'csv' or 'parquet'")
    return buf.getvalue()
