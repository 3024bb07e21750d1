"""The Finance dashboard page through AppTest, on a fixture DuckDB (synthetic data, last 90 days).

Expected numbers are computed here, in plain Python, from the raw synced rows (``charges``,
``refunds``, ``disputes``, ``balance_transactions``), not with the metrics the page uses.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from lib.finance import ENV_FINANCE_DB, ui_sync
from lib.finance.money import format_amount, format_rate
from lib.finance.sync import run_sync
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


# Stripe's reporting categories that are money movements, not sales (the fixture has payouts).
NOT_SALES = {"payout", "payout_reversal", "transfer", "transfer_reversal", "topup", "topup_reversal"}
CAPTURED = {"succeeded", "partially_refunded", "refunded", "disputed"}   # money was captured
REFUND_LINES = {"refund", "refund_failure", "partial_capture_reversal"}


def raw_rows(path) -> dict[str, list[dict]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        out = {}
        for table, cols in (("charges", "id, created, currency, status, pay_status, card_brand"),
                            ("refunds", "id, charge, created, amount, currency, status"), ("disputes", "id, charge"),
                            ("balance_transactions", "created, amount, fee, net, currency, reporting_category, source")):
            cur = con.execute(f"SELECT {cols} FROM {table}")
            names = [d[0] for d in cur.description]
            out[table] = [dict(zip(names, r)) for r in cur.fetchall()]
        return out
    finally:
        con.close()


def expected(path, start, end, *, currency: str | None = None, brand: str | None = None) -> tuple[dict, dict]:
    """(USD ledger, payment totals) for the UTC days ``start``..``end``, optionally for payments in
    one presentment currency / card brand: sums over the raw rows."""
    rows = raw_rows(path)
    charges = {c["id"]: c for c in rows["charges"]}
    charge_of = {r["id"]: r["charge"] for r in rows["refunds"] + rows["disputes"]}

    def selected(charge: dict | None, own_currency: str) -> bool:
        # a ledger line is filtered by its payment's presentment currency and card brand
        return (currency is None or (charge["currency"] if charge else own_currency) == currency) and \
            (brand is None or (charge is not None and charge["card_brand"] == brand))

    lines = [b for b in rows["balance_transactions"] if start <= b["created"].date() <= end
             and b["reporting_category"] not in NOT_SALES
             and selected(charges.get(b["source"]) or charges.get(charge_of.get(b["source"])), b["currency"])]
    ledger = {"gross_volume": sum(b["amount"] for b in lines if b["reporting_category"] == "charge"),
              "refunds": -sum(b["amount"] for b in lines if b["reporting_category"] in REFUND_LINES),
              "fees": sum(b["fee"] for b in lines), "net_volume": sum(b["net"] for b in lines)}
    paid = [c for c in rows["charges"] if start <= c["created"].date() <= end and selected(c, c["currency"])]
    authorized = sum(c["status"] == "succeeded" for c in paid)
    attempts = sum(c["status"] in ("succeeded", "failed") for c in paid)
    totals = {"successful_payments": sum(c["pay_status"] in CAPTURED for c in paid),
              "auth_rate": authorized / attempts if attempts else None}
    return ledger, totals


def metric(at, label: str) -> str:
    values = [x.value for x in at.metric if x.label == label]
    assert values, f"no metric {label!r}"
    return values[0]


LAST_30 = (TODAY - timedelta(days=29), TODAY)


def test_page_shows_kpis_charts_and_tables_matching_the_metrics(db_env):
    at = open_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert at.title[0].value == "Finance dashboard"
    usd, totals = expected(db_env, *LAST_30)
    assert usd["gross_volume"] > 0 and usd["refunds"] > 0
    assert metric(at, "Gross volume") == format_amount(usd["gross_volume"], "usd")
    assert metric(at, "Fees") == format_amount(usd["fees"], "usd")
    assert metric(at, "Net volume") == format_amount(usd["net_volume"], "usd")
    assert metric(at, "Refunds") == format_amount(usd["refunds"], "usd")
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"
    assert metric(at, "Authorization rate") == format_rate(totals["auth_rate"])
    assert len(at.get("plotly_chart")) >= 8
    show_numbers = [e for e in at.expander if e.label == "Show numbers"]
    assert len(show_numbers) >= 8
    assert len(at.dataframe) >= 10  # each chart's numbers + disputes + payments
    text = rendered_text(at)
    assert "/build_explorer?pi=pi_syn" in text  # drill-down links in the payments table
    assert any(b.label == "Sync now" for b in at.button)


def test_refund_chart_hovers_show_each_day_with_the_one_amount_formatter(db_env):
    at = open_page(PAGE)
    assert not at.exception
    (chart,) = [json.loads(c.proto.spec)["data"][0] for c in at.get("plotly_chart")
                if "refunds)" in json.loads(c.proto.spec)["data"][0].get("hovertemplate", "")]
    shown = {x[:10]: text for x, (text, _) in zip(chart["x"], chart["customdata"])}
    per_day: dict[str, int] = {}
    for r in raw_rows(db_env)["refunds"]:
        day = r["created"].date()
        if LAST_30[0] <= day <= LAST_30[1] and r["currency"] == "usd" and \
                r["status"] in ("succeeded", "pending", "requires_action"):
            per_day[day.isoformat()] = per_day.get(day.isoformat(), 0) + r["amount"]
    assert per_day and len(shown) == 30
    assert shown == {(LAST_30[0] + timedelta(days=i)).isoformat():
                     format_amount(per_day.get((LAST_30[0] + timedelta(days=i)).isoformat(), 0), "usd")
                     for i in range(30)}


def test_changing_filters_changes_the_numbers(db_env):
    at = open_page(PAGE)
    at.multiselect(key="fin_currencies").set_value(["eur"]).run()
    assert not at.exception
    ledger, totals = expected(db_env, *LAST_30, currency="eur")
    assert 0 < ledger["gross_volume"] < expected(db_env, *LAST_30)[0]["gross_volume"]
    assert metric(at, "Gross volume") == format_amount(ledger["gross_volume"], "usd")  # settled in USD
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"

    at.multiselect(key="fin_currencies").set_value([]).run()
    at.multiselect(key="fin_brands").set_value(["amex"]).run()
    at.segmented_control(key="fin_granularity").set_value("week").run()
    assert not at.exception
    _, totals = expected(db_env, *LAST_30, brand="amex")
    assert metric(at, "Successful payments") == f"{totals['successful_payments']:,}"

    at.multiselect(key="fin_statuses").set_value(["failed"]).run()
    assert not at.exception
    assert metric(at, "Successful payments") == "0"
    assert metric(at, "Authorization rate") == "0.00%"


def test_date_range_choices(db_env):
    at = open_page(PAGE)
    at.selectbox(key="fin_range").set_value("All time").run()
    assert not at.exception
    _, totals = expected(db_env, TODAY - timedelta(days=89), TODAY)
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
    monkeypatch.setattr(ui_sync, "sync_client", fake.client)
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
    monkeypatch.setattr(ui_sync, "sync_client", fake.client)
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

    monkeypatch.setattr(ui_sync, "sync_client", broken)
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
    assert run_sync(fake.client(), usd_only, now=lambda: fake.clock).ok
    monkeypatch.setenv(ENV_FINANCE_DB, str(usd_only))
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert at.multiselect(key="fin_currencies").value == []
    assert metric(at, "Gross volume") == "$15.00"
