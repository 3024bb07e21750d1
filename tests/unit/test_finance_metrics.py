"""Every finance metric on a small hand-made account, checked to the exact minor unit.

The account (March 2025 unless noted; settlement currency USD):

=====  ==========  =====  ======================  ============================================
ch     created     cur    amount / card           what happened (balance transaction)
=====  ==========  =====  ======================  ============================================
ch_1   03-01 10:00 usd    1000 visa US            succeeded (1000, fee 59)
ch_2   03-01 11:00 usd    2001 mastercard US      succeeded (2001, fee 88); fully refunded 03-03
ch_3   03-02 09:00 eur    5000 visa FR            succeeded, settled 5435 USD (fee 245)
ch_4   03-02 12:00 usd    3000 amex US            succeeded (3000, fee 117); dispute 03-05 open
ch_5   03-03 08:00 usd    1500 visa US            failed insufficient_funds
ch_6   03-03 09:00 usd     800 visa GB            blocked by Radar (highest_risk_level)
ch_7   03-04 10:00 jpy     500 jcb JP             succeeded, 333 USD (fee 40); 200 refunded 03-04
ch_8   03-10 10:00 kwd    5120 visa KW            succeeded, 16677 USD (fee 700); inquiry 03-07
ch_9   03-10 11:00 usd    4000 visa US            authorized, not captured
ch_10  02-27 10:00 usd    9999 visa US            succeeded in Feb (fee 320); dispute 03-06 won
=====  ==========  =====  ======================  ============================================

Plus a payout (not a sale) and a stand-alone Stripe fee of -500 on 03-20.
"""

from __future__ import annotations

import io
from datetime import UTC, date, datetime

import duckdb
import pandas as pd
import pyarrow.parquet as pq
import pytest

from lib.finance import metrics as m
from lib.finance.money import format_amount, format_rate, to_major
from lib.finance.store import DuckDBWarehouse, ensure_schema, insert_objects, rebuild_rollups
from lib.finance.synthetic import generate

MARCH = m.Filters(date(2025, 3, 1), date(2025, 3, 31))


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def charge(cid, created, amount, cur, brand, country, *, status="succeeded", captured=True, refunded=0,
           disputed=False, decline=None, blocked=False, bt=None):
    failed = status == "failed"
    return {
        "id": cid, "object": "charge", "created": ts(created), "amount": amount, "currency": cur,
        "amount_captured": amount if captured and not failed else 0, "amount_refunded": refunded,
        "status": status, "paid": not failed, "captured": captured and not failed,
        "refunded": refunded == amount, "disputed": disputed, "payment_intent": "pi_" + cid[3:],
        "balance_transaction": bt, "failure_code": "card_declined" if failed else None,
        "outcome": {"type": ("blocked" if blocked else "issuer_declined") if failed else "authorized",
                    "reason": decline, "risk_level": "highest" if blocked else "normal"},
        "payment_method_details": {"type": "card", "card": {"brand": brand, "country": country,
                                                            "last4": "4242"}},
    }


def pi(pid, created, amount, cur, status, latest_charge=None):
    return {"id": pid, "object": "payment_intent", "created": ts(created), "amount": amount, "currency": cur,
            "status": status, "latest_charge": latest_charge}


def bt(tid, created, amount, fee, category, source, cur="usd", rate=None):
    return {"id": tid, "object": "balance_transaction", "created": ts(created), "amount": amount, "fee": fee,
            "net": amount - fee, "currency": cur, "exchange_rate": rate, "reporting_category": category,
            "type": {"charge": "charge", "refund": "refund", "payout": "payout", "fee": "stripe_fee"}.get(
                category, "adjustment"), "source": source, "status": "available"}


CHARGES = [
    charge("ch_1", "2025-03-01 10:00", 1000, "usd", "visa", "US", bt="txn_1"),
    charge("ch_2", "2025-03-01 11:00", 2001, "usd", "mastercard", "US", refunded=2001, bt="txn_2"),
    charge("ch_3", "2025-03-02 09:00", 5000, "eur", "visa", "FR", bt="txn_3"),
    charge("ch_4", "2025-03-02 12:00", 3000, "usd", "amex", "US", disputed=True, bt="txn_4"),
    charge("ch_5", "2025-03-03 08:00", 1500, "usd", "visa", "US", status="failed",
           decline="insufficient_funds"),
    charge("ch_6", "2025-03-03 09:00", 800, "usd", "visa", "GB", status="failed",
           decline="highest_risk_level", blocked=True),
    charge("ch_7", "2025-03-04 10:00", 500, "jpy", "jcb", "JP", refunded=200, bt="txn_7"),
    charge("ch_8", "2025-03-10 10:00", 5120, "kwd", "visa", "KW", disputed=True, bt="txn_8"),
    charge("ch_9", "2025-03-10 11:00", 4000, "usd", "visa", "US", captured=False),
    charge("ch_10", "2025-02-27 10:00", 9999, "usd", "visa", "US", disputed=True, bt="txn_10"),
]
INTENTS = [pi("pi_" + c["id"][3:], datetime.fromtimestamp(c["created"], UTC).replace(tzinfo=None).isoformat(),
              c["amount"], c["currency"], "requires_payment_method" if c["status"] == "failed" else
              ("succeeded" if c["captured"] else "requires_capture"), c["id"]) for c in CHARGES] + [
    pi("pi_11", "2025-03-05 10:00", 700, "usd", "requires_payment_method"),
    pi("pi_12", "2025-03-08 10:00", 1200, "usd", "canceled"),
]
REFUNDS = [
    {"id": "re_1", "object": "refund", "created": ts("2025-03-03 10:00"), "amount": 2001, "currency": "usd",
     "status": "succeeded", "charge": "ch_2", "balance_transaction": "txn_r1"},
    {"id": "re_2", "object": "refund", "created": ts("2025-03-04 12:00"), "amount": 200, "currency": "jpy",
     "status": "succeeded", "charge": "ch_7", "balance_transaction": "txn_r2"},
]
DISPUTES = [
    {"id": "du_1", "object": "dispute", "created": ts("2025-03-05 10:00"), "amount": 3000, "currency": "usd",
     "status": "needs_response", "reason": "fraudulent", "charge": "ch_4",
     "evidence_details": {"due_by": ts("2025-03-13 23:59:59"), "has_evidence": False}},
    {"id": "du_2", "object": "dispute", "created": ts("2025-03-06 10:00"), "amount": 9999, "currency": "usd",
     "status": "won", "reason": "general", "charge": "ch_10",
     "evidence_details": {"due_by": ts("2025-03-14 23:59:59"), "has_evidence": True}},
    {"id": "du_3", "object": "dispute", "created": ts("2025-03-07 10:00"), "amount": 5120, "currency": "kwd",
     "status": "warning_needs_response", "reason": "general", "charge": "ch_8",
     "evidence_details": {"due_by": ts("2025-03-15 23:59:59"), "has_evidence": False}},
]
BALANCE_TXNS = [
    bt("txn_1", "2025-03-01 10:00", 1000, 59, "charge", "ch_1"),
    bt("txn_2", "2025-03-01 11:00", 2001, 88, "charge", "ch_2"),
    bt("txn_3", "2025-03-02 09:00", 5435, 245, "charge", "ch_3", rate=1.087),
    bt("txn_4", "2025-03-02 12:00", 3000, 117, "charge", "ch_4"),
    bt("txn_7", "2025-03-04 10:00", 333, 40, "charge", "ch_7", rate=0.00666),
    bt("txn_8", "2025-03-10 10:00", 16677, 700, "charge", "ch_8", rate=3.257),
    bt("txn_10", "2025-02-27 10:00", 9999, 320, "charge", "ch_10"),
    bt("txn_r1", "2025-03-03 10:00", -2001, 0, "refund", "re_1"),
    bt("txn_r2", "2025-03-04 12:00", -133, 0, "refund", "re_2", rate=0.00666),
    bt("txn_d1", "2025-03-05 10:00", -3000, 1500, "dispute", "du_1"),
    bt("txn_d2", "2025-03-06 10:00", -9999, 1500, "dispute", "du_2"),
    bt("txn_d3", "2025-03-20 10:00", 9999, 0, "dispute_reversal", "du_2"),
    bt("txn_p1", "2025-03-15 00:00", -10000, 0, "payout", "po_1"),
    bt("txn_f1", "2025-03-20 00:00", -500, 0, "fee", None),
]


def build(con) -> None:
    ensure_schema(con)
    insert_objects(con, "charges", CHARGES)
    insert_objects(con, "payment_intents", INTENTS)
    insert_objects(con, "refunds", REFUNDS)
    insert_objects(con, "disputes", DISPUTES)
    insert_objects(con, "balance_transactions", BALANCE_TXNS)
    rebuild_rollups(DuckDBWarehouse(con))


@pytest.fixture(scope="module")
def db():
    c = duckdb.connect()
    build(c)
    yield DuckDBWarehouse(c)
    c.close()


def row(df: pd.DataFrame, **match) -> dict:
    sel = df
    for k, v in match.items():
        sel = sel[sel[k] == v]
    assert len(sel) == 1, f"{match}: {len(sel)} rows"
    return sel.iloc[0].to_dict()


# --- KPIs ---------------------------------------------------------------------------------------


def test_ledger_kpis_equal_the_balance_transaction_sums(db):
    df = m.ledger_kpis(db, MARCH)
    assert list(df.settlement_currency) == ["usd"]
    r = row(df, settlement_currency="usd")
    assert r["gross_volume"] == 1000 + 2001 + 5435 + 3000 + 333 + 16677
    assert r["refunds"] == 2001 + 133
    assert r["dispute_losses"] == 3000 + 9999 - 9999
    assert r["other_adjustments"] == -500
    assert r["fees"] == 59 + 88 + 245 + 117 + 40 + 700 + 1500 + 1500
    assert r["net_volume"] == 18563
    assert r["net_volume"] == r["gross_volume"] - r["refunds"] - r["dispute_losses"] + r["other_adjustments"] \
        - r["fees"]
    assert r["balance_transactions"] == 12  # the payout is not a sale
    # and summed here, in Python, over the hand-built balance transactions (the payout is no sale)
    march = [b for b in BALANCE_TXNS if ts("2025-03-01 00:00") <= b["created"] < ts("2025-04-01 00:00")
             and b["reporting_category"] != "payout"]
    assert r["gross_volume"] == sum(b["amount"] for b in march if b["reporting_category"] == "charge")
    assert r["fees"] == sum(b["fee"] for b in march)
    assert r["net_volume"] == sum(b["net"] for b in march)
    assert r["balance_transactions"] == len(march)
    assert isinstance(r["gross_volume"], int)


def test_payment_kpis_per_presentment_currency(db):
    df = m.payment_kpis(db, MARCH)
    assert sorted(df.currency) == ["eur", "jpy", "kwd", "usd"]
    usd = row(df, currency="usd")
    assert usd["successful_payments"] == 3 and usd["successful_volume"] == 6001
    assert usd["average_payment"] == pytest.approx(6001 / 3)
    assert (usd["attempts"], usd["authorized"], usd["failed"]) == (6, 4, 2)
    assert usd["auth_rate"] == pytest.approx(4 / 6)
    assert (usd["refunded_payments"], usd["refunded_amount"]) == (1, 2001)
    assert usd["refund_rate_count"] == pytest.approx(1 / 3)
    assert usd["refund_rate_amount"] == pytest.approx(2001 / 6001)
    assert (usd["disputes"], usd["disputed_amount"], usd["inquiries"]) == (2, 12999, 0)
    assert usd["dispute_rate_count"] == pytest.approx(2 / 3)
    assert usd["dispute_rate_amount"] == pytest.approx(12999 / 6001)
    assert usd["dispute_rate_flag"]
    jpy = row(df, currency="jpy")
    assert (jpy["successful_volume"], jpy["refunded_amount"], jpy["average_payment"]) == (500, 200, 500.0)
    kwd = row(df, currency="kwd")
    assert (kwd["successful_volume"], kwd["disputes"], kwd["inquiries"]) == (5120, 0, 1)
    assert kwd["dispute_rate_count"] == 0 and not kwd["dispute_rate_flag"]
    eur = row(df, currency="eur")
    assert eur["successful_volume"] == 5000 and eur["auth_rate"] == 1.0


def test_totals_add_counts_across_currencies_only(db):
    t = m.payment_totals(db, MARCH)
    assert t["successful_payments"] == 6 and t["attempts"] == 9 and t["authorized"] == 7
    assert t["auth_rate"] == pytest.approx(7 / 9)
    assert t["refund_rate_count"] == pytest.approx(2 / 6)
    assert t["disputes"] == 2 and t["inquiries"] == 1
    assert t["dispute_rate_count"] == pytest.approx(2 / 6) and t["dispute_rate_flag"] is True
    assert not any("volume" in k or "amount" in k for k in t)


def test_dispute_rate_threshold_is_075_percent(db):
    assert m.DISPUTE_RATE_THRESHOLD == 0.0075
    # one dispute in 133 payments = 0.75% -> flagged; in 134 -> not
    c = duckdb.connect()
    ensure_schema(c)
    for n, flagged in ((133, True), (134, False)):
        c.execute("DELETE FROM charges")
        c.execute("DELETE FROM disputes")
        insert_objects(c, "charges", [charge(f"ch_{i}", "2025-03-01 10:00", 1000, "usd", "visa", "US")
                                      for i in range(n)])
        insert_objects(c, "disputes", [{"id": "du_x", "created": ts("2025-03-02 10:00"), "amount": 1000,
                                        "currency": "usd", "status": "lost", "charge": "ch_0"}])
        rebuild_rollups(DuckDBWarehouse(c))
        assert row(m.payment_kpis(DuckDBWarehouse(c), MARCH), currency="usd")["dispute_rate_flag"] is flagged


def test_open_disputes_need_a_response_soonest_first(db):
    now = datetime(2025, 3, 12, 0, 0)
    df = m.open_disputes(db, MARCH, now=now)
    assert list(df.id) == ["du_1", "du_3"]
    assert list(df.status) == ["needs_response", "warning_needs_response"]
    assert df.iloc[0]["evidence_due_by"] == pd.Timestamp("2025-03-13 23:59:59")
    assert df.iloc[0]["days_left"] == pytest.approx(2 - 1 / 86400)
    assert list(df.overdue) == [False, False]
    late = m.open_disputes(db, MARCH, now=datetime(2025, 3, 14, 12))
    assert list(late.overdue) == [True, False]
    # ignores the date range (deadlines are about now), honours currency / brand filters
    assert len(m.open_disputes(db, m.Filters(date(2024, 1, 1), date(2024, 1, 2)), now=now)) == 2
    assert list(m.open_disputes(db, m.Filters(MARCH.start, MARCH.end, currencies=("kwd",)), now=now).id) \
        == ["du_3"]
    assert list(m.open_disputes(db, m.Filters(MARCH.start, MARCH.end, brands=("amex",)), now=now).id) \
        == ["du_1"]


# --- series -------------------------------------------------------------------------------------


def test_volume_over_time_daily_is_dense_and_per_currency(db):
    df = m.volume_over_time(db, MARCH)
    assert len(df) == 31 * 4  # every day for each currency present
    usd = df[df.currency == "usd"].set_index("period")
    assert usd.loc["2025-03-01", "succeeded"] == 3001 and usd.loc["2025-03-01", "succeeded_count"] == 2
    assert usd.loc["2025-03-03", "refunded"] == 2001
    assert usd.loc["2025-03-05", "disputed"] == 3000 and usd.loc["2025-03-06", "disputed"] == 9999
    assert usd.loc["2025-03-07", ["succeeded", "refunded", "disputed"]].tolist() == [0, 0, 0]
    kwd = df[df.currency == "kwd"]
    assert kwd.disputed.sum() == 0  # inquiries are not disputes (yet)
    assert df.succeeded.dtype == "int64"


def test_volume_over_time_monthly_and_weekly(db):
    month = m.volume_over_time(db, m.Filters(MARCH.start, MARCH.end, granularity="month"))
    usd = row(month, currency="usd")
    assert (usd["succeeded"], usd["refunded"], usd["disputed"]) == (6001, 2001, 12999)
    assert row(month, currency="jpy")["refunded"] == 200
    week = m.volume_over_time(db, m.Filters(MARCH.start, MARCH.end, granularity="week"))
    # 2025-03-01 is a Saturday: its week starts Monday 02-24, but only in-range days count
    first = week[(week.currency == "usd")].iloc[0]
    assert first["period"] == pd.Timestamp("2025-02-24") and first["succeeded"] == 6001
    assert sorted(week.period.unique())[-1] == pd.Timestamp("2025-03-31")


def test_success_and_failure_over_time(db):
    df = m.success_failure_over_time(db, MARCH).set_index("period")
    assert len(df) == 31
    assert df.loc["2025-03-03", ["succeeded", "failed", "attempts"]].tolist() == [0, 2, 2]
    assert df.loc["2025-03-03", "success_rate"] == 0
    assert df.loc["2025-03-10", "succeeded"] == 2 and df.loc["2025-03-10", "success_rate"] == 1
    assert pd.isna(df.loc["2025-03-20", "success_rate"])
    assert df.succeeded.sum() == 7 and df.failed.sum() == 2


def test_decline_reasons(db):
    df = m.decline_reasons(db, MARCH)
    assert set(zip(df.decline_code, df.outcome_types, df.failed_payments)) == {
        ("insufficient_funds", "issuer_declined", 1), ("highest_risk_level", "blocked", 1)}
    assert df.share.tolist() == [0.5, 0.5]
    gb = m.decline_reasons(db, m.Filters(MARCH.start, MARCH.end, countries=("GB",)))
    assert gb.decline_code.tolist() == ["highest_risk_level"] and gb.share.tolist() == [1.0]


def test_refunds_over_time(db):
    df = m.refunds_over_time(db, MARCH)
    hits = df[df.refunds > 0]
    assert set(zip(hits.period.dt.strftime("%m-%d"), hits.currency, hits.refunds, hits.refunded_amount)) == {
        ("03-03", "usd", 1, 2001), ("03-04", "jpy", 1, 200)}
    assert df.failed_refunds.sum() == 0


def test_disputes_by_status_and_reason(db):
    st = m.disputes_by_status(db, MARCH)
    assert set(zip(st.status, st.currency, st.disputes, st.amount)) == {
        ("needs_response", "usd", 1, 3000), ("won", "usd", 1, 9999), ("warning_needs_response", "kwd", 1, 5120)}
    rs = m.disputes_by_reason(db, MARCH)
    assert set(zip(rs.reason, rs.currency, rs.disputes, rs.amount)) == {
        ("fraudulent", "usd", 1, 3000), ("general", "usd", 1, 9999), ("general", "kwd", 1, 5120)}


def test_payments_by_brand(db):
    df = m.payments_by_brand(db, MARCH)
    visa = row(df, brand="visa", currency="usd")
    assert (visa["successful_payments"], visa["volume"], visa["authorized"], visa["failed"]) == (1, 1000, 2, 2)
    assert visa["auth_rate"] == 0.5 and visa["share_of_payments"] == pytest.approx(1 / 3)
    assert row(df, brand="amex", currency="usd")["volume"] == 3000
    assert row(df, brand="jcb", currency="jpy")["volume"] == 500
    assert row(df, brand="visa", currency="kwd")["volume"] == 5120


def test_payments_by_country(db):
    df = m.payments_by_country(db, MARCH)
    us = row(df, country="US", currency="usd")
    assert (us["successful_payments"], us["volume"], us["authorized"], us["failed"]) == (3, 6001, 4, 1)
    gb = row(df, country="GB", currency="usd")
    assert (gb["successful_payments"], gb["failed"], gb["auth_rate"]) == (0, 1, 0.0)
    assert row(df, country="FR", currency="eur")["volume"] == 5000


def test_payment_intent_funnel_and_statuses(db):
    f = m.payment_intent_funnel(db, MARCH)
    assert f.stage.tolist() == ["Created", "Attempted", "Authorized", "Succeeded"]
    assert f.payment_intents.tolist() == [11, 9, 7, 6]
    assert f.pct_of_created.tolist() == pytest.approx([1, 9 / 11, 7 / 11, 6 / 11])
    assert f.pct_of_previous.tolist()[1:] == pytest.approx([9 / 11, 7 / 9, 6 / 7])
    s = m.payment_intent_statuses(db, MARCH)
    assert dict(zip(s.status, s.payment_intents)) == {"succeeded": 6, "requires_payment_method": 3,
                                                       "requires_capture": 1, "canceled": 1}
    # the status filter does not apply to the funnel
    assert m.payment_intent_funnel(db, m.Filters(MARCH.start, MARCH.end, statuses=("failed",))) \
        .payment_intents.tolist() == [11, 9, 7, 6]


def test_fees_and_net_over_time_match_the_ledger(db):
    month = m.fees_net_over_time(db, m.Filters(MARCH.start, MARCH.end, granularity="month"))
    r = row(month, settlement_currency="usd")
    assert (r["gross"], r["refunds"], r["dispute_losses"], r["fees"], r["net"]) == (28446, 2134, 3000, 4249, 18563)
    daily = m.fees_net_over_time(db, MARCH)
    assert len(daily) == 31
    assert daily.net.sum() == 18563 and daily.fees.sum() == 4249
    assert daily.set_index("period").loc["2025-03-05", "fees"] == 1500


# --- filters ------------------------------------------------------------------------------------


def test_currency_filter_selects_presentment_currency(db):
    f = m.Filters(MARCH.start, MARCH.end, currencies=("USD",))
    assert f.currencies == ("usd",)
    assert m.payment_kpis(db, f).currency.tolist() == ["usd"]
    led = row(m.ledger_kpis(db, f), settlement_currency="usd")
    assert led["gross_volume"] == 6001 and led["refunds"] == 2001 and led["dispute_losses"] == 3000
    eur = row(m.ledger_kpis(db, m.Filters(MARCH.start, MARCH.end, currencies=("eur",))),
              settlement_currency="usd")
    assert (eur["gross_volume"], eur["fees"], eur["net_volume"]) == (5435, 245, 5190)


def test_brand_country_and_status_filters(db):
    visa = row(m.ledger_kpis(db, m.Filters(MARCH.start, MARCH.end, brands=("visa",))), settlement_currency="usd")
    assert visa["gross_volume"] == 1000 + 5435 + 16677
    assert visa["dispute_losses"] == 0 and visa["fees"] == 59 + 245 + 700 + 1500
    refunded = m.payment_kpis(db, m.Filters(MARCH.start, MARCH.end, statuses=("refunded",)))
    assert refunded.currency.tolist() == ["usd"]
    assert row(refunded, currency="usd")["successful_volume"] == 2001
    jp = m.payments_by_brand(db, m.Filters(MARCH.start, MARCH.end, countries=("JP",)))
    assert jp.brand.tolist() == ["jcb"]
    failed = m.payment_totals(db, m.Filters(MARCH.start, MARCH.end, statuses=("failed",)))
    assert failed["successful_payments"] == 0 and failed["failed"] == 2 and failed["auth_rate"] == 0


def test_filters_validate_input():
    with pytest.raises(ValueError, match="before the start"):
        m.Filters(date(2025, 3, 2), date(2025, 3, 1))
    with pytest.raises(ValueError, match="granularity"):
        m.Filters(date(2025, 3, 1), date(2025, 3, 2), granularity="hour")
    with pytest.raises(ValueError, match="Unknown status"):
        m.Filters(date(2025, 3, 1), date(2025, 3, 2), statuses=("paid",))
    f = m.Filters("2025-03-01", datetime(2025, 3, 2, 15), brands=("visa", "visa"))
    assert f.start == date(2025, 3, 1) and f.end == date(2025, 3, 2) and f.brands == ("visa",)
    assert m.Filters.last_days(7, today=date(2025, 3, 10)).start == date(2025, 3, 4)


def test_a_range_with_no_data_gives_zeros_not_errors(db):
    f = m.Filters(date(2024, 1, 1), date(2024, 1, 31))
    assert m.ledger_kpis(db, f).empty
    assert m.payment_kpis(db, f).empty
    t = m.payment_totals(db, f)
    assert t["successful_payments"] == 0 and t["auth_rate"] is None and t["dispute_rate_flag"] is False
    assert m.volume_over_time(db, f).empty
    sf = m.success_failure_over_time(db, f)
    assert len(sf) == 31 and sf.attempts.sum() == 0 and sf.success_rate.isna().all()
    assert m.payment_intent_funnel(db, f).payment_intents.tolist() == [0, 0, 0, 0]
    assert m.decline_reasons(db, f).empty and m.fees_net_over_time(db, f).empty
    assert m.count_payments(db, f) == 0 and m.payments_table(db, f).empty
    d = m.compute_dashboard(db, f)
    assert d.totals["successful_payments"] == 0


def test_empty_database_has_no_data_and_empty_options():
    c = duckdb.connect()
    empty = DuckDBWarehouse(c)
    assert m.has_data(empty) is False
    assert m.filter_options(empty)["currencies"] == []
    assert m.sync_status(empty) == {"last_run": None, "resources": [], "counts": {}}
    ensure_schema(c)
    rebuild_rollups(DuckDBWarehouse(c))
    assert m.has_data(empty) is True
    assert m.compute_dashboard(empty, MARCH).ledger.empty
    assert m.sync_status(empty)["counts"] == {"customers": 0, "payment_intents": 0, "charges": 0, "refunds": 0,
                                              "disputes": 0, "balance_transactions": 0}


# --- table, export, options, bundle -------------------------------------------------------------


def test_payments_table_and_count(db):
    df = m.payments_table(db, MARCH)
    assert df.id.tolist() == ["ch_9", "ch_8", "ch_7", "ch_6", "ch_5", "ch_4", "ch_3", "ch_2", "ch_1"]
    assert m.count_payments(db, MARCH) == 9
    assert row(df, id="ch_2")["pay_status"] == "refunded"
    assert row(df, id="ch_9")["pay_status"] == "uncaptured"
    page2 = m.payments_table(db, MARCH, limit=4, offset=4)
    assert page2.id.tolist() == ["ch_5", "ch_4", "ch_3", "ch_2"]
    failed = m.Filters(MARCH.start, MARCH.end, statuses=("failed",))
    assert m.count_payments(db, failed) == 2
    assert m.payments_table(db, failed).decline_code.tolist() == ["highest_risk_level", "insufficient_funds"]


def test_export_csv_and_parquet_hold_exact_amounts(db):
    csv = m.export_payments(db, MARCH, "csv")
    df = pd.read_csv(io.BytesIO(csv), dtype={"amount_decimal": str})
    assert len(df) == 9
    assert dict(zip(df.id, df.amount_decimal))["ch_8"] == "5.120"   # three-decimal KWD
    assert dict(zip(df.id, df.amount_decimal))["ch_7"] == "500"     # zero-decimal JPY
    assert dict(zip(df.id, df.amount_decimal))["ch_2"] == "20.01"
    table = pq.read_table(io.BytesIO(m.export_payments(db, m.Filters(MARCH.start, MARCH.end,
                                                                       currencies=("usd",)), "parquet")))
    assert table.num_rows == 6 and str(table.schema.field("amount").type) == "int64"
    with pytest.raises(ValueError):
        m.export_payments(db, MARCH, "xlsx")


def test_filter_options(db):
    o = m.filter_options(db)
    assert o["currencies"] == ["eur", "jpy", "kwd", "usd"]
    assert o["brands"] == ["amex", "jcb", "mastercard", "visa"]
    assert o["countries"] == ["FR", "GB", "JP", "KW", "US"]
    assert o["statuses"] == ["succeeded", "partially_refunded", "refunded", "disputed", "uncaptured", "failed"]
    assert (o["first_day"], o["last_day"]) == (date(2025, 2, 27), date(2025, 3, 10))


def test_compute_dashboard_bundles_everything(db):
    d = m.compute_dashboard(db, MARCH, now=datetime(2025, 3, 12))
    assert row(d.ledger, settlement_currency="usd")["net_volume"] == 18563
    assert d.totals["successful_payments"] == 6
    assert len(d.open_disputes) == 2 and d.funnel.payment_intents.tolist() == [11, 9, 7, 6]
    assert set(d.timings_ms) >= {"ledger", "payments", "volume", "fees_net", "funnel"}
    assert d.total_ms > 0


def test_canceled_uncaptured_charge_gets_canceled_status():
    c = duckdb.connect()
    ensure_schema(c)
    insert_objects(c, "charges", [charge("ch_a", "2025-03-01 10:00", 1000, "usd", "visa", "US", captured=False)])
    insert_objects(c, "payment_intents", [pi("pi_a", "2025-03-01 10:00", 1000, "usd", "canceled", "ch_a")])
    rebuild_rollups(DuckDBWarehouse(c))
    assert c.execute("SELECT pay_status FROM charges").fetchall() == [("canceled",)]


# --- money --------------------------------------------------------------------------------------


def test_money_formatting_respects_minor_units():
    assert format_amount(1099, "usd") == "$10.99"
    assert format_amount(500, "jpy") == "¥500"
    assert format_amount(5120, "kwd") == "KWD 5.120"
    assert format_amount(-300, "eur") == "-€3.00"
    assert format_amount(None, "usd") == "–"
    assert str(to_major(5120, "kwd")) == "5.120" and str(to_major(500, "jpy")) == "500"
    assert format_rate(0.0075) == "0.75%" and format_rate(None) == "–"


# --- synthetic data -----------------------------------------------------------------------------


def test_synthetic_data_has_the_sync_shape_and_consistent_ledger():
    c = duckdb.connect()
    counts = generate(c, 3000, end=date(2025, 12, 31), days=90, seed=7)
    assert counts["payment_intents"] == 3000 and counts["charges"] > 2500
    again = duckdb.connect()
    assert generate(again, 3000, end=date(2025, 12, 31), days=90, seed=7) == counts  # deterministic
    f = m.Filters(date(2025, 10, 3), date(2025, 12, 31))
    db = DuckDBWarehouse(c)
    led = row(m.ledger_kpis(db, f), settlement_currency="usd")
    # the raw rows, summed here in plain Python (payouts are not sales)
    lo, hi = datetime(2025, 10, 3), datetime(2026, 1, 1)
    bts = [b for b in c.execute("SELECT created, amount, fee, net, reporting_category "
                                "FROM balance_transactions").fetchall()
           if lo <= b[0] < hi and b[4] != "payout"]
    assert led["gross_volume"] == sum(b[1] for b in bts if b[4] == "charge") > 0
    assert led["fees"] == sum(b[2] for b in bts)
    assert led["net_volume"] == sum(b[3] for b in bts)
    charges = c.execute("SELECT created, currency, pay_status, amount_captured FROM charges").fetchall()
    assert len(charges) == counts["charges"]
    captured = [ch for ch in charges if lo <= ch[0] < hi
                and ch[2] in ("succeeded", "partially_refunded", "refunded", "disputed")]
    kp = m.payment_kpis(db, f)
    assert set(kp.currency) >= {"usd", "eur", "jpy"}
    for cur in ("usd", "eur", "jpy"):
        mine = [ch for ch in captured if ch[1] == cur]
        got = row(kp, currency=cur)
        assert (got["successful_payments"], got["successful_volume"]) == (len(mine), sum(ch[3] for ch in mine))
