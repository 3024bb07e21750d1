"""The query layer (lib.finance.store.queries) and the dashboard's time-dependent numbers: each
query shape is compiled once per engine with bind parameters (no values in the SQL), results get
the same dtypes whatever the engine, the disputes tile never calls a past date "next due", and the
freshness check says when the account has newer payments than the warehouse."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import ibis
import pandas as pd
import pytest

from lib.finance import metrics as m
from lib.finance.metrics.status import ACCOUNT_NEWEST_COLUMN
from lib.finance.store import DuckDBWarehouse, ensure_schema, insert_objects, rebuild_rollups
from lib.finance.store.postgres_warehouse import to_psycopg
from lib.finance.store.queries import compiled, conform, fetch, param, table

MARCH = m.Filters(date(2025, 3, 1), date(2025, 3, 31))


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def dispute(did: str, due: str, status: str = "needs_response", currency: str = "usd") -> dict:
    return {"id": did, "created": ts("2025-03-01 10:00"), "amount": 1000, "currency": currency, "status": status,
            "reason": "fraudulent", "charge": "ch_" + did, "evidence_details": {"due_by": ts(due)}}


@pytest.fixture
def db():
    con = duckdb.connect()
    ensure_schema(con)
    insert_objects(con, "disputes", [dispute("du_past", "2025-03-05 23:59:59"),
                                     dispute("du_soon", "2025-03-12 23:59:59", "warning_needs_response"),
                                     dispute("du_later", "2025-03-20 23:59:59"),
                                     dispute("du_closed", "2025-03-04 23:59:59", "lost")])
    insert_objects(con, "payment_intents", [
        {"id": "pi_1", "created": ts("2025-03-09 08:00"), "amount": 100, "currency": "usd", "status": "succeeded"}])
    insert_objects(con, "payment_intents", [
        {"id": "pi_2", "created": ts("2025-03-10 09:30"), "amount": 100, "currency": "usd", "status": "succeeded"}],
        account="acct_b")
    warehouse = DuckDBWarehouse(con)
    rebuild_rollups(warehouse)
    yield warehouse
    con.close()


# --- compiled once, values bound -----------------------------------------------------------------


class Recording(DuckDBWarehouse):
    """A DuckDB warehouse that keeps the SQL and parameters it was given."""

    def __init__(self, con, dialect: str = "duckdb") -> None:
        super().__init__(con)
        self.dialect = dialect
        self.seen: list[tuple[str, list]] = []

    def df(self, sql, params=()):
        self.seen.append((sql, list(params)))
        if self.dialect != "duckdb":
            raise LookupError("recorded only")
        return super().df(sql, params)


def test_each_shape_is_compiled_once_per_engine_with_placeholders_not_values(db):
    rec = Recording(db.con)
    usd = m.Filters(MARCH.start, MARCH.end, currencies=("usd", "eur"), brands=("visa",), account="acct_b")
    gbp = m.Filters(date(2025, 1, 1), date(2025, 1, 31), currencies=("gbp", "jpy"), brands=("amex",), account="x")
    m.payment_kpis(rec, usd)
    hits = compiled.cache_info().hits
    m.payment_kpis(rec, gbp)
    assert compiled.cache_info().hits == hits + 1
    (sql_usd, params_usd), (sql_gbp, params_gbp) = rec.seen
    assert sql_usd == sql_gbp  # same shape: the same SQL text, other values
    bound = " ".join(map(str, params_usd))
    for value in ("usd", "eur", "visa", "acct_b", "2025-03"):
        assert value not in sql_usd and value in bound
    assert sql_usd.count("?") == len(params_usd) and "%s" not in sql_usd
    assert {"gbp", "jpy", "amex", "x", date(2025, 1, 1), date(2025, 1, 31)} <= set(params_gbp)
    m.payment_kpis(rec, m.Filters(MARCH.start, MARCH.end))
    assert rec.seen[-1][0] != sql_usd  # another shape: other SQL

    pg = Recording(db.con, dialect="postgres")
    with pytest.raises(LookupError):
        m.payment_kpis(pg, usd)
    sql_pg, params_pg = pg.seen[0]
    assert sql_pg.count("?") == len(params_pg) == len(params_usd) and "%s" not in sql_pg
    assert sql_pg != sql_usd  # Postgres's own SQL, same placeholders


def test_a_literal_percent_is_doubled_for_psycopg_only_when_there_are_parameters():
    def starts_with_warning(_shape):
        d = table("disputes")
        return d.filter(d.status.like("warning%"), d.currency == param("cur")).select("id")

    pg = compiled(starts_with_warning, "postgres")
    assert "'warning%'" in pg.sql and pg.names == ("cur",)
    sql, args = to_psycopg(pg.sql, ["usd"])
    assert "'warning%%'" in sql and sql.count("%s") == 1 and "?" not in sql and args == ["usd"]
    assert to_psycopg("SELECT 'a%'", []) == ("SELECT 'a%'", None)  # no parameters: psycopg reads % as is
    duck = compiled(starts_with_warning, "duckdb")
    assert "'warning%'" in duck.sql and duck.names == ("cur",)


def test_results_get_the_expression_dtypes_whatever_the_engine_returned():
    schema = ibis.schema({"n": "int64", "maybe": "int64", "rate": "float64", "day": "date", "at": "timestamp",
                          "ok": "boolean", "name": "string"})
    from decimal import Decimal  # what psycopg returns for a Postgres NUMERIC
    raw = pd.DataFrame({"n": [Decimal(3), Decimal(4)], "maybe": [Decimal(1), None], "rate": [Decimal("0.5"), None],
                        "day": [date(2025, 3, 1), date(2025, 3, 2)], "at": [datetime(2025, 3, 1, 10), None],
                        "ok": [True, False], "name": ["a", None]})
    out = conform(raw, schema)
    assert out.dtypes.astype(str).to_dict() == {"n": "int64", "maybe": "Int64", "rate": "float64",
                                                "day": "datetime64[us]", "at": "datetime64[us]", "ok": "bool",
                                                "name": "str"}
    assert out.n.tolist() == [3, 4] and out.maybe.isna().tolist() == [False, True]


def test_sums_come_back_as_int64_not_wider_types(db):
    def total(_shape):
        d = table("disputes")
        return d.aggregate(amount=d.amount.sum())

    out = fetch(db, total)
    assert out.amount.dtype == "int64" and out.amount.tolist() == [4000]
    assert "CAST(SUM(" in compiled(total, "duckdb").sql


# --- next due, overdue -----------------------------------------------------------------------------


def test_next_due_is_the_earliest_future_due_date_and_past_ones_are_counted_overdue(db):
    now = datetime(2025, 3, 10, 12, 0)
    od = m.open_disputes(db, MARCH, now=now)
    assert od.id.tolist() == ["du_past", "du_soon", "du_later"]  # 'lost' is not open
    assert od.overdue.tolist() == [True, False, False]
    assert od.days_left.iloc[0] < 0
    deadlines = m.dispute_deadlines(od, now)
    assert deadlines == {"open": 3, "next_due": pd.Timestamp("2025-03-12 23:59:59"), "overdue": 1}
    # three weeks later every due date has passed: nothing is "next due", all three are overdue
    assert m.dispute_deadlines(od, datetime(2025, 3, 31)) == {"open": 3, "next_due": None, "overdue": 3}
    assert m.dispute_deadlines(od.iloc[0:0], now) == {"open": 0, "next_due": None, "overdue": 0}


def test_next_due_follows_the_currency_filter(db):
    now = datetime(2025, 3, 13)
    eur = m.open_disputes(db, m.Filters(MARCH.start, MARCH.end, currencies=("eur",)), now=now)
    assert m.dispute_deadlines(eur, now) == {"open": 0, "next_due": None, "overdue": 0}
    usd = m.open_disputes(db, m.Filters(MARCH.start, MARCH.end, currencies=("usd",)), now=now)
    assert m.dispute_deadlines(usd, now)["next_due"] == pd.Timestamp("2025-03-20 23:59:59")


# --- freshness -------------------------------------------------------------------------------------


def test_data_is_stale_when_the_account_has_a_newer_payment(db):
    newest_b = datetime(2025, 3, 10, 9, 30)
    fresh = m.data_freshness(db, newest_b)
    assert fresh == {"synced_up_to": newest_b, "account_newest": newest_b, "stale": False}
    later = datetime(2025, 3, 11, 8, 0)
    assert m.data_freshness(db, later)["stale"] is True
    own = m.data_freshness(db, newest_b, account="")  # the default account's newest is older
    assert own["synced_up_to"] == datetime(2025, 3, 9, 8, 0) and own["stale"] is True
    assert m.data_freshness(db, None)["stale"] is False  # unknown: say nothing


def test_the_accounts_newest_payment_is_read_from_the_sync_state(db):
    assert m.account_newest(db) is None
    db.execute(f"ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS {ACCOUNT_NEWEST_COLUMN} BIGINT")  # a column of the schema
    db.execute("INSERT INTO sync_state (resource, account_newest) VALUES ('payment_intents', ?)",
               [ts("2025-03-11 08:00")])
    assert m.account_newest(db) == datetime(2025, 3, 11, 8, 0)
    assert m.data_freshness(db, m.account_newest(db))["stale"] is True


def test_one_account_behind_is_not_hidden_by_another_accounts_newer_payment(db):
    # the warehouse: pi_1 of '' at 03-09 08:00, pi_2 of acct_b at 03-10 09:30 (the fixture)
    db.execute(f"ALTER TABLE sync_state ADD COLUMN IF NOT EXISTS {ACCOUNT_NEWEST_COLUMN} BIGINT")
    db.execute("INSERT INTO sync_state (account, resource, account_newest) VALUES "
               "('', 'payment_intents', ?), ('acct_b', 'payment_intents', ?)",
               [ts("2025-03-09 09:00"), ts("2025-03-10 09:30")])  # '' has a newer one; acct_b is up to date
    assert m.data_freshness(db, m.account_newest(db))["stale"] is False  # overall: 03-10 09:30 both sides
    fresh = m.warehouse_freshness(db)
    assert fresh == {"synced_up_to": datetime(2025, 3, 9, 8, 0), "account_newest": datetime(2025, 3, 9, 9, 0),
                     "stale": True, "account": ""}
    db.execute("UPDATE sync_state SET account_newest = ? WHERE account = ''", [ts("2025-03-09 08:00")])
    assert m.warehouse_freshness(db)["stale"] is False and m.warehouse_freshness(db)["account"] is None


def test_on_postgres_an_array_membership_filter_is_written_as_equals_any():
    """``array @> ARRAY[x]`` gets a fixed tiny row estimate from Postgres's planner (it then chose a
    nested loop that made a one-day rollup take 1.8 s at 1M payments); ``x = ANY(array)`` is
    estimated from the column's statistics. DuckDB keeps its own ``ARRAY_CONTAINS``."""
    from lib.finance.store.rollup_rebuild import delete_sql, insert_sql
    from lib.finance.store.rollups import Scope

    scope = Scope(days=True, accounts=True)
    for name in ("rollup_balance", "rollup_payment_intents"):
        for q in (insert_sql(name, "postgres", scope), delete_sql(name, "postgres", scope)):
            assert "@>" not in q.sql
            assert q.sql.count("= ANY(") >= 2, q.sql  # the days and the accounts
            assert set(q.names) >= {"days", "accounts"}
    assert "ARRAY_CONTAINS" in insert_sql("rollup_balance", "duckdb", scope).sql
    t = table("charges")
    e = t.filter(param("accounts", "array<string>").contains(t.account)).select("id")
    sql = compiled(lambda _: e, "postgres", "membership-test").sql
    assert sql.endswith("= ANY(CAST(CAST(? AS VARCHAR[]) AS VARCHAR[]))"), sql
