"""The Finance dashboard page through AppTest, on a fixture DuckDB (synthetic data, last 90 days).

Expected numbers are computed here, in plain Python, from the raw synced rows (``charges``,
``refunds``, ``disputes``, ``balance_transactions``), not with the metrics the page uses.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from streamlit.proto.LabelVisibility_pb2 import LabelVisibility
from streamlit.proto.Metric_pb2 import Metric

from lib.finance import ENV_FINANCE_DB, ui_sync
from lib.finance.money import format_amount, format_rate
from lib.finance.store import open_duckdb
from lib.finance.sync import run_sync
from lib.finance.synthetic import generate
from tests.app.conftest import open_page, rendered_text
from tests.unit.fake_stripe import Failure, FakeStripe

PAGE = "app_pages/finance_dashboard.py"
VISIBLE = LabelVisibility.LabelVisibilityOptions.VISIBLE
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
    show_numbers = [e for e in at.expander if e.label == "Show numbers" or e.label.startswith("Numbers: ")]
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


def test_a_sync_already_running_is_said_so_and_changes_nothing(db_env, monkeypatch):
    fake = FakeStripe(start=int(datetime.now(UTC).timestamp()) - 3600)
    fake.pay(1099)
    monkeypatch.setattr(ui_sync, "sync_client", fake.client)
    at = open_page(PAGE)
    before = metric(at, "Gross volume")
    other = open_duckdb(":memory:")
    try:
        with other.sync_lock(""):  # another session's run holds this app's sync lock
            at.button(key="fin_sync").click().run()
    finally:
        other.close()
    assert not at.exception and not any("sync" in e.value.lower() for e in at.error)  # said as info
    assert any("already running in this app" in i.value for i in at.info)
    assert fake.requests == [] and metric(at, "Gross volume") == before


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


# --- readable at a glance (issue 14): labels, "new" changes, currencies, charts, badges ----------

DAY = 86_400
# Stripe Dashboard words for a charge (TEST_MODE.md: a refund of part of the amount leaves the
# payment "Partially refunded", all of it "Refunded"; a dispute marks it "Disputed").
CHARGE_WORDS = {"failed": "Failed", "disputed": "Disputed", "refunded": "Refunded",
                "partially_refunded": "Partially refunded", "succeeded": "Succeeded"}


def stripe_word(charge: dict) -> str:
    """The Payments list's word for a charge, from its own fields."""
    if charge["status"] == "failed":
        return CHARGE_WORDS["failed"]
    if charge["disputed"]:
        return CHARGE_WORDS["disputed"]
    if charge["refunded"]:
        return CHARGE_WORDS["refunded"]
    if charge["amount_refunded"]:
        return CHARGE_WORDS["partially_refunded"]
    return CHARGE_WORDS["succeeded"]


def tile(at, label: str):
    (found,) = [x for x in at.metric if x.label == label]
    return found


def hand_built_account(tmp_path):
    """$10 payments at noon UTC: 3 forty days ago, 12 ten days ago and 15 three days ago."""
    midnight = int(datetime.combine(TODAY, datetime.min.time(), tzinfo=UTC).timestamp())
    fake = FakeStripe(start=midnight - 40 * DAY)
    for days_ago, count in ((40, 3), (10, 12), (3, 15)):
        fake.clock = midnight - days_ago * DAY + DAY // 2
        for _ in range(count):
            fake.pay(1000)
            fake.tick(60)
    fake.clock = int(datetime.now(UTC).timestamp())
    db = tmp_path / "hand.duckdb"
    assert run_sync(fake.client(), db, now=lambda: fake.clock).ok
    return db


def test_a_change_from_a_nearly_empty_previous_period_reads_new(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_FINANCE_DB, str(hand_built_account(tmp_path)))
    at = open_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    # last 30 days: 27 payments against 3 in the 30 days before — too few for a percentage
    assert metric(at, "Successful payments") == "27"
    for label in ("Gross volume", "Successful payments", "Authorization rate"):
        shown = tile(at, label).proto
        assert shown.delta == "new", (label, shown.delta)
        assert shown.direction == Metric.NONE and shown.color == Metric.GRAY  # grey, no arrow
    assert any("**new** means" in c.value for c in at.caption)
    # last 7 days: 15 payments against 12: a real comparison, short enough for the tile
    at.selectbox(key="fin_range").set_value("Last 7 days").run()
    assert metric(at, "Successful payments") == "15"
    assert tile(at, "Successful payments").proto.delta == "+25.0%"
    assert tile(at, "Gross volume").proto.delta == "+25.0%"
    assert tile(at, "Gross volume").proto.direction == Metric.UP
    assert tile(at, "Authorization rate").proto.delta == "0.00 pts"  # 100% both times: no arrow
    assert tile(at, "Authorization rate").proto.direction == Metric.NONE


def test_kpi_changes_are_short_and_the_comparison_is_said_once(db_env):
    at = open_page(PAGE)
    deltas = [m.proto.delta for m in at.metric if m.proto.delta]
    assert len(deltas) >= 8
    assert all(len(d) <= 16 and "previous" not in d for d in deltas), deltas  # "vs previo…" was cut
    prev_start, prev_end = LAST_30[0] - timedelta(days=30), LAST_30[0] - timedelta(days=1)
    assert any(f"previous 30 days ({prev_start:%d %b} – {prev_end:%d %b %Y})" in c.value for c in at.caption)


def test_every_control_has_a_visible_label(db_env):
    at = open_page(PAGE)
    refresh = at.selectbox(key="fin_refresh")
    assert refresh.label == "Auto-refresh" and refresh.proto.label_visibility.value == VISIBLE
    widgets = [*at.selectbox, *at.multiselect, *at.checkbox, *at.number_input, *at.get("button_group")]
    assert len(widgets) >= 9
    for widget in widgets:
        assert widget.proto.label.strip(), widget
        assert widget.proto.label_visibility.value == VISIBLE, widget.proto.label
    buttons = [*at.button, *at.get("download_button")]
    assert {b.proto.label for b in buttons} >= {"Sync now", "Export CSV", "Export Parquet"}


def test_the_currency_filter_explains_presentment_and_settlement(db_env):
    at = open_page(PAGE)
    chooser = at.multiselect(key="fin_currencies")
    assert chooser.label == "Payment currency"
    assert "presentment" in chooser.help and "settlement" in chooser.help
    assert not [i for i in at.info if "presentment" in i.value]  # no filter: nothing to explain
    chooser.set_value(["eur"]).run()
    assert not at.exception
    (note,) = [i.value for i in at.info if "presentment" in i.value]
    paid = sum(c["amount_captured"] for c in raw_charges(db_env)
               if c["currency"] == "eur" and LAST_30[0] <= c["created"].date() <= LAST_30[1])
    assert "EUR payments, shown in USD" in note
    assert f"customers paid {format_amount(paid, 'eur')}" in note
    assert "settlement" in note


def raw_charges(path) -> list[dict]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        cur = con.execute("SELECT id, created, currency, amount, amount_captured, amount_refunded, status, "
                          "refunded, disputed FROM charges")
        names = [d[0] for d in cur.description]
        return [dict(zip(names, r)) for r in cur.fetchall()]
    finally:
        con.close()


def is_round(value: float) -> bool:
    """1, 2, 2.5 or 5 times a power of ten."""
    if value <= 0:
        return False
    mantissa = value / 10 ** math.floor(math.log10(value) + 1e-9)
    return any(abs(mantissa - m) < 1e-6 for m in (1, 2, 2.5, 5))


def chart_layouts(at) -> list[dict]:
    return [json.loads(c.proto.spec)["layout"] for c in at.get("plotly_chart")]


def test_every_chart_has_axis_titles_and_round_ticks(db_env):
    at = open_page(PAGE)
    layouts = chart_layouts(at)
    assert len(layouts) >= 10
    for layout in layouts:
        for name in ("xaxis", "yaxis"):
            axis = layout[name]
            assert axis["title"]["text"].strip(), (name, layout)
            if axis.get("type") not in ("date", "category"):  # a value axis: round steps from zero
                assert is_round(axis["dtick"]) and axis["tick0"] == 0, axis
    (rate,) = [lay["yaxis2"] for lay in layouts if "yaxis2" in lay]
    assert rate["title"]["text"] == "Success rate"
    assert rate["tickvals"] == [0, 25, 50, 75, 100] and rate["ticktext"] == ["0%", "25%", "50%", "75%", "100%"]
    assert rate["range"] == [0, 100]
    counts = [lay for lay in layouts if lay["xaxis"]["title"]["text"] in ("Failed payments", "Disputes")]
    assert len(counts) == 3 and all(lay["xaxis"]["dtick"] >= 1 for lay in counts)  # counts tick on whole numbers


def hex_rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def test_dispute_outcomes_are_coloured_won_green_lost_red(db_env):
    con = duckdb.connect(str(db_env), read_only=True)
    try:
        statuses = {s for (s,) in con.execute("SELECT status FROM disputes WHERE created::DATE >= ?",
                                             [LAST_30[0]]).fetchall()}
    finally:
        con.close()
    assert {"won", "lost"} <= statuses  # the fixture has both outcomes in the range
    at = open_page(PAGE)
    (chart,) = [json.loads(c.proto.spec) for c in at.get("plotly_chart")
                if json.loads(c.proto.spec)["layout"]["yaxis"]["title"]["text"] == "Status"]
    bars = chart["data"][0]
    colour = dict(zip(bars["y"], bars["marker"]["color"]))
    r, g, b = hex_rgb(colour["Won"])
    assert g > r and g > b, colour["Won"]
    r, g, b = hex_rgb(colour["Lost"])
    assert r > g and r > b, colour["Lost"]
    assert "won" not in bars["y"] and "needs_response" not in bars["y"]  # words, not codes


def test_finance_tables_show_statuses_as_badges_and_blank_empty_cells(db_env):
    at = open_page(PAGE)
    at.multiselect(key="fin_statuses").set_value(["partially_refunded", "refunded", "disputed"]).run()
    assert not at.exception
    (table,) = [d for d in at.dataframe if "payment_method" in d.value.columns]
    config = json.loads(table.proto.columns)
    assert config["status"]["type_config"]["type"] == "multiselect"  # coloured pills
    charges = {c["id"]: c for c in raw_charges(db_env)}
    shown = table.value
    assert len(shown) >= 20
    words = {row_id: list(status) for row_id, status in zip(shown["id"], shown["status"])}
    assert words == {row_id: [stripe_word(charges[row_id])] for row_id in shown["id"]}
    assert {w for (w,) in words.values()} == {"Partially refunded", "Refunded", "Disputed"}

    at.multiselect(key="fin_statuses").set_value([]).run()
    (disputes,) = [d for d in at.dataframe if "evidence_due_by" in d.value.columns]
    assert {s for (s,) in disputes.value["status"]} <= {"Needs response", "Inquiry: needs response",
                                                       "Under review", "Inquiry: under review"}
    assert "Fraudulent" in set(disputes.value["reason"])
    for frame in at.dataframe:  # missing values are drawn blank, never "None"
        assert frame.proto.placeholder == "", list(frame.value.columns)
        texts = {v for col in frame.value.columns for v in frame.value[col] if isinstance(v, str)}
        assert not texts & {"None", "nan", "NaN", "<NA>", "NaT"}, list(frame.value.columns)  # no such words either
