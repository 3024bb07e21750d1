"""The Finance dashboard page through AppTest, on a fixture DuckDB (synthetic data, last 90 days)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

import lib.ui_finance as ui_finance
from lib.finance import ENV_FINANCE_DB
from lib.finance import metrics as m
from lib.finance.money import format_amount, format_rate
from lib.finance.synthetic import generate
from tests.app.conftest import open_page, rendered_text
from tests.unit.fake_stripe import Failure, FakeStripe

PAGE = "app_pages/finance_dashboard.py"
TODAY = datetime.now(UTC).date()


@pytest.fixture(scope="module")
def fixture_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("fin") / "finance.duckdb"
    con = duckdb.connect(str(path))
    generate(con, 4000, end=TODAY, days=90, seed=3)
    con.close()
    return path


@pytest.fixture
def db_env(fixture_db, monkeypatch):
    monkeypatch.setenv(ENV_FINANCE_DB, str(fixture_db))
    return fixture_db


def expected(path, f: m.Filters):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return m.ledger_kpis(con, f), m.payment_totals(con, f)
    finally:
        con.close()


def metric(at, label: str) -> str:
    values = [x.value for x in at.metric if x.label == label]
    assert values, f"no metric {label!r}"
    return values[0]


def last_30() -> m.Filters:
    return m.Filters(TODAY - timedelta(days=29), TODAY)


def test_page_shows_kpis_charts_and_tables_matching_the_metrics(db_env):
    at = open_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Finance dashboard"
    ledger, totals = expected(db_env, last_30())
    usd = ledger.set_index("settlement_currency").loc["usd"]
    assert metric(at, "Gross volume") == format_amount(int(usd.gross_volume), "usd")
    assert metric(at, "Fees") == format_amount(int(usd.fees), "usd")
    assert metric(at, "Net volume") == format_amount(int(usd.net_volume), "usd")
    assert metric(at, "Refunds") == format_amount(int(usd.refunds), "usd")
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"
    assert metric(at, "Authorization rate") == format_rate(totals["auth_rate"])
    assert len(at.get("plotly_chart")) >= 8
    show_numbers = [e for e in at.expander if e.label == "Show numbers"]
    assert len(show_numbers) >= 8
    assert len(at.dataframe) >= 10  # each chart's numbers + disputes + payments
    text = rendered_text(at)
    assert "/build_explorer?pi=pi_syn" in text  # drill-down links in the payments table
    assert any(b.label == "Sync now" for b in at.button)


def test_changing_filters_changes_the_numbers(db_env):
    at = open_page(PAGE)
    at.multiselect(key="fin_currencies").set_value(["eur"]).run()
    assert not at.exception
    ledger, totals = expected(db_env, m.Filters(last_30().start, last_30().end, currencies=("eur",)))
    assert metric(at, "Gross volume") == format_amount(int(ledger.iloc[0].gross_volume), "usd")
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"

    at.multiselect(key="fin_currencies").set_value([]).run()
    at.multiselect(key="fin_brands").set_value(["amex"]).run()
    at.segmented_control(key="fin_granularity").set_value("week").run()
    assert not at.exception
    _, totals = expected(db_env, m.Filters(last_30().start, last_30().end, "week", brands=("amex",)))
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"

    at.multiselect(key="fin_statuses").set_value(["failed"]).run()
    assert not at.exception
    assert metric(at, "Successful payments") == "0"
    assert metric(at, "Authorization rate") == "0.00%"


def test_date_range_choices(db_env):
    at = open_page(PAGE)
    at.selectbox(key="fin_range").set_value("All time").run()
    assert not at.exception
    ledger, totals = expected(db_env, m.Filters(TODAY - timedelta(days=89), TODAY))
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"
    at.selectbox(key="fin_range").set_value("Custom").run()
    empty = (TODAY - timedelta(days=400), TODAY - timedelta(days=370))
    at.date_input(key="fin_dates").set_value(empty).run()
    assert not at.exception
    assert any("No payments between" in i.value for i in at.info)
    assert metric(at, "Successful payments") == "0"


def test_session_state_keys_are_prefixed(db_env):
    at = open_page()  # the default page first: its keys are not ours
    before = set(at.session_state.keys())
    at.switch_page(PAGE).run()
    at.multiselect(key="fin_countries").set_value(["US"]).run()
    page_keys = set(at.session_state.keys()) - before
    assert page_keys and all(k.startswith("fin_") for k in page_keys), page_keys


def test_empty_database_then_sync_now_fills_it(tmp_path, monkeypatch):
    db = tmp_path / "new.duckdb"
    monkeypatch.setenv(ENV_FINANCE_DB, str(db))
    fake = FakeStripe(start=int(datetime.now(UTC).timestamp()) - 3600)
    fake.pay(1099)
    fake.tick()
    fake.pay(2000, decline="insufficient_funds")
    monkeypatch.setattr(ui_finance, "sync_client", fake.client)
    at = open_page(PAGE)
    assert not at.exception
    assert any("No finance data yet" in i.value for i in at.info)
    assert not db.exists()  # looking does not create the file
    at.button(key="fin_sync").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert any("Backfill sync finished" in s.value for s in at.success)
    assert metric(at, "Gross volume") == "$10.99"
    assert metric(at, "Successful payments") == "1"
    assert metric(at, "Authorization rate") == "50.00%"


def test_sync_errors_are_readable_and_keep_the_data(db_env, tmp_path, monkeypatch):
    db = tmp_path / "err.duckdb"
    monkeypatch.setenv(ENV_FINANCE_DB, str(db))
    fake = FakeStripe(start=int(datetime.now(UTC).timestamp()) - 3600)
    fake.pay(1099)
    monkeypatch.setattr(ui_finance, "sync_client", fake.client)
    at = open_page(PAGE)
    at.button(key="fin_sync").click().run()
    assert metric(at, "Gross volume") == "$10.99"
    fake.failures.append(Failure("/v1/", 401))
    at.button(key="fin_sync").click().run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "401" in errors and "revoked" in errors
    assert "sk_test" not in rendered_text(at)
    assert metric(at, "Gross volume") == "$10.99"  # last good data still shown


def test_connection_failure_for_sync_is_a_message(db_env, monkeypatch):
    def broken():
        raise RuntimeError("no sandbox")

    monkeypatch.setattr(ui_finance, "sync_client", broken)
    at = open_page(PAGE)
    at.button(key="fin_sync").click().run()
    assert not at.exception
    assert any("Cannot connect for the sync" in e.value for e in at.error)


def test_unreadable_database_is_a_message_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"this is not a duckdb file" * 100)
    monkeypatch.setenv(ENV_FINANCE_DB, str(bad))
    at = open_page(PAGE)
    assert not at.exception
    assert any("finance database" in e.value for e in at.error)


def test_filter_values_missing_from_new_data_are_dropped(db_env, tmp_path, monkeypatch):
    at = open_page(PAGE)
    at.multiselect(key="fin_currencies").set_value(["eur"]).run()
    assert not at.exception
    usd_only = tmp_path / "usd.duckdb"
    fake = FakeStripe(start=int(datetime.now(UTC).timestamp()) - 3600)
    fake.pay(1500)
    from lib.sync import sync

    assert sync(fake.client(), usd_only, now=lambda: fake.clock).ok
    monkeypatch.setenv(ENV_FINANCE_DB, str(usd_only))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="fin_currencies").value == []
    assert metric(at, "Gross volume") == "$15.00"
