"""The same seeded data gives every dashboard number equal on DuckDB and on Postgres.

Synthetic data for two accounts (the embedded default account ``''`` and ``acct_two``, with the
same object ids) is generated in DuckDB and copied into a fresh Postgres database, where the
rollups are built by Postgres itself. Every query then runs on both; integers and strings must be
equal, floats equal to 1e-9. Independent expectations come from plain Python over the generated
rows."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from lib.finance import metrics as m
from lib.finance.store import DuckDBWarehouse, rebuild_rollups
from lib.finance.store.postgres_warehouse import close_pools
from lib.finance.store.queries import conform
from lib.finance.store.rollups import OPEN_DISPUTE_STATUSES, ROLLUP_TABLES, rollup_table
from lib.finance.synthetic import generate
from tests.finance_engines import copy_tables, open_pg

END = date(2025, 6, 30)
START = END - timedelta(days=59)
NOW = datetime(2025, 6, 24, 12)
TWO = "acct_two"
FILTERS = [
    m.Filters(START, END),
    m.Filters(START, END, "week", currencies=("usd", "eur"), brands=("visa", "mastercard"), account=TWO),
    m.Filters(START + timedelta(days=10), END, "month", countries=("US", "FR", "GB"),
              statuses=("refunded", "partially_refunded", "failed", "succeeded")),
    m.Filters(END - timedelta(days=6), END, statuses=("disputed",), account=""),
    m.Filters(date(2024, 1, 1), date(2024, 1, 31)),  # no data
]


@pytest.fixture(scope="module")
def duck():
    con = duckdb.connect()
    generate(con, 2000, end=END, days=60, seed=11, rollups=False)
    generate(con, 1500, end=END, days=60, seed=12, account=TWO)
    yield DuckDBWarehouse(con)
    con.close()


@pytest.fixture
def pg(duck, pg_database):
    warehouse = open_pg(pg_database.url)
    counts = copy_tables(duck.con, warehouse)
    assert counts["payment_intents"] == 3500
    rebuild_rollups(warehouse)
    yield warehouse
    warehouse.close()
    close_pools()


def assert_same(a, b, what: str) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b, check_exact=False, rtol=1e-9, atol=0, obj=what)
    else:
        assert a == b, what


def rollups(db) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ROLLUP_TABLES:
        df = conform(db.df(f"SELECT * FROM {name}"), rollup_table(name).schema())
        out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def test_every_dashboard_number_is_equal_on_both_engines(duck, pg):
    for f in FILTERS:
        a, b = m.compute_dashboard(duck, f, now=NOW), m.compute_dashboard(pg, f, now=NOW)
        for name in a.__dataclass_fields__:
            if name != "timings_ms":
                assert_same(getattr(a, name), getattr(b, name), f"{name} for {f}")
        assert_same(m.dispute_deadlines(a.open_disputes, NOW), m.dispute_deadlines(b.open_disputes, NOW), "deadlines")
        assert m.count_payments(duck, f) == m.count_payments(pg, f)
        for offset in (0, 150):
            assert_same(m.payments_table(duck, f, 100, offset), m.payments_table(pg, f, 100, offset), "payments page")
        csv_a, csv_b = (pd.read_csv(io.BytesIO(m.export_payments(db, f)), dtype=str) for db in (duck, pg))
        assert_same(csv_a[["id", "amount", "currency", "amount_decimal", "pay_status"]],
                    csv_b[["id", "amount", "currency", "amount_decimal", "pay_status"]], "export")
    assert m.filter_options(duck) == m.filter_options(pg)
    assert m.filter_options(pg)["accounts"] == ["", TWO]
    assert m.data_freshness(duck, NOW) == m.data_freshness(pg, NOW)


def test_the_rollups_postgres_builds_equal_duckdbs(duck, pg):
    a, b = rollups(duck), rollups(pg)
    for name in ROLLUP_TABLES:
        assert len(a[name]) > 0, name
        assert_same(a[name], b[name], name)


def raw(duck, sql: str) -> list[dict]:
    return duck.records(sql)


def test_postgres_numbers_match_plain_python_over_the_generated_rows(duck, pg):
    f = m.Filters(START, END, account=TWO)
    lo, hi = f.start_ts, f.end_ts_exclusive
    bts = [b for b in raw(duck, f"SELECT * FROM balance_transactions WHERE account = '{TWO}'")
           if lo <= b["created"] < hi and b["reporting_category"] not in m.NON_SALES_CATEGORIES]
    ledger = m.ledger_kpis(pg, f).set_index("settlement_currency").loc["usd"]
    assert ledger["gross_volume"] == sum(b["amount"] for b in bts if b["reporting_category"] == "charge")
    assert ledger["fees"] == sum(b["fee"] for b in bts)
    assert ledger["net_volume"] == sum(b["net"] for b in bts)

    charges = [c for c in raw(duck, f"SELECT * FROM charges WHERE account = '{TWO}'") if lo <= c["created"] < hi]
    kpis = m.payment_kpis(pg, f).set_index("currency")
    for cur in ("usd", "eur", "gbp"):
        mine = [c for c in charges if c["currency"] == cur and c["pay_status"] in m.CAPTURED_PAY_STATUSES]
        assert kpis.loc[cur, "successful_payments"] == len(mine)
        assert kpis.loc[cur, "successful_volume"] == sum(c["amount_captured"] for c in mine)
    assert m.count_payments(pg, f) == len(charges)

    refunds = [r for r in raw(duck, f"SELECT * FROM refunds WHERE account = '{TWO}'")
               if lo <= r["created"] < hi and r["status"] in m.REFUND_COUNTED_STATUSES]
    series = m.refunds_over_time(pg, f)
    assert series.refunded_amount.sum() == sum(r["amount"] for r in refunds)
    assert series.refunds.sum() == len(refunds)

    # the default account has open disputes both past and before their due date
    disputes = [d for d in raw(duck, "SELECT * FROM disputes WHERE account = ''") if d["status"] in OPEN_DISPUTE_STATUSES]
    future = [d["evidence_due_by"] for d in disputes if d["evidence_due_by"] > NOW]
    assert future and len(future) < len(disputes)
    deadlines = m.dispute_deadlines(m.open_disputes(pg, m.Filters(START, END, account=""), now=NOW), NOW)
    assert deadlines == {"open": len(disputes), "next_due": min(future), "overdue": len(disputes) - len(future)}
    assert deadlines["next_due"] > NOW


def test_one_account_plus_the_other_is_all_of_them_on_postgres(pg):
    f = m.Filters(START, END)
    both, one, two = (m.payment_totals(pg, m.Filters(f.start, f.end, account=a)) for a in (None, "", TWO))
    for key in ("successful_payments", "attempts", "failed", "disputes", "refunded_payments"):
        assert both[key] == one[key] + two[key], key
    assert one["successful_payments"] > 0 and two["successful_payments"] > 0


def test_rebuilding_the_touched_days_on_postgres_equals_a_full_rebuild(pg):
    row = pg.records("""SELECT c.id, CAST(c.created AS DATE) AS charge_day FROM charges c JOIN refunds r
        ON r.charge = c.id AND r.account = c.account WHERE c.account = ? AND c.pay_status = 'partially_refunded'
        AND CAST(r.created AS DATE) <> CAST(c.created AS DATE) ORDER BY c.id LIMIT 1""", [TWO])[0]
    dispute_day = END - timedelta(days=2)
    pg.execute("UPDATE charges SET disputed = true, pay_status = 'disputed' WHERE id = ? AND account = ?",
               [row["id"], TWO])
    pg.execute("INSERT INTO disputes (account, id, created, amount, currency, status, reason, charge, "
               "evidence_due_by) VALUES (?, 'du_pg', ?, 100, 'usd', 'needs_response', 'fraudulent', ?, ?)",
               [TWO, datetime.combine(dispute_day, datetime.min.time()), row["id"],
                datetime.combine(dispute_day + timedelta(days=8), datetime.min.time())])
    rebuilt = rebuild_rollups(pg, {row["charge_day"], dispute_day}, accounts=[TWO])
    assert {row["charge_day"], dispute_day} <= rebuilt and len(rebuilt) < 60
    partial = rollups(pg)
    rebuild_rollups(pg)
    full = rollups(pg)
    for name in ROLLUP_TABLES:
        assert_same(partial[name], full[name], name)

