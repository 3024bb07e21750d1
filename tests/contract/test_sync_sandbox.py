"""The finance sync against the real sandbox over HTTP, with the real stripe SDK.

A private sandbox (not the shared session one, whose objects other tests change) is seeded with
realistic history through ``lib.sandbox.seed``; the sync must reproduce the sandbox's ledger
exactly and stay cheap on incremental runs.
"""

from __future__ import annotations

import socket
import time
from datetime import UTC, datetime, timedelta

import duckdb
import pandas as pd
import pytest
import stripe

from lib.finance import metrics as m
from lib.finance.store import DuckDBWarehouse
from lib.finance.sync.model import EVENTS_SETTLE_SECONDS
from lib.sandbox import start_sandbox
from lib.sandbox.seed import seed
from lib.sync import sync
from tests.contract.money_helpers import CONFIRM
from tests.waiting import wait_until

TABLES = {"customers": "customers", "payment_intents": "payment_intents", "charges": "charges",
          "refunds": "refunds", "disputes": "disputes", "balance_transactions": "balance_transactions"}


class CountingClient(stripe.RequestsClient):
    """A stripe HTTP client that counts requests and can simulate a crash after N of them."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(timeout=30)
        self.paths: list[str] = []
        self.fail_after = fail_after

    def request(self, method, url, headers, post_data=None):
        if self.fail_after is not None and len(self.paths) >= self.fail_after:
            raise stripe.APIConnectionError("simulated crash", should_retry=False)
        self.paths.append(url.split("?")[0].split("/v1/", 1)[-1])
        return super().request(method, url, headers, post_data)


@pytest.fixture(scope="module")
def seeded():
    """600 seeded payments. The seeder stamps their events when it records them (so a sync never
    misses them), thousands within a second or two: until that last second has settled
    (``EVENTS_SETTLE_SECONDS``), a backfill pages through all of its events to fix its cursor,
    which would make the request counts below depend on how fast this machine ran the seed."""
    handle = start_sandbox(memory=True, async_delay=0)
    seed(handle.engine, payments=600, days=45, seed=11)
    newest = max(e["created"] for e in client_for(handle).v1.events.list(params={"limit": 1}).to_dict()["data"])
    assert wait_until(lambda: time.time() >= newest + EVENTS_SETTLE_SECONDS + 1, timeout=30, interval=0.1)
    yield handle
    handle.stop()


def client_for(handle, http_client=None, key="sk_test_finance_contract") -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": handle.url}, max_network_retries=0,
                               http_client=http_client)


def api_list(client: stripe.StripeClient, resource: str) -> list[dict]:
    service = getattr(client.v1, resource)
    return [o.to_dict() for o in service.list(params={"limit": 100}).auto_paging_iter()]


def ledger_from_api(bts: list[dict], start, end) -> dict:
    lo = int(datetime.combine(start, datetime.min.time(), UTC).timestamp())
    hi = int(datetime.combine(end + timedelta(days=1), datetime.min.time(), UTC).timestamp())
    rows = [b for b in bts if lo <= b["created"] < hi and b["reporting_category"] not in m.NON_SALES_CATEGORIES]
    return {
        "gross_volume": sum(b["amount"] for b in rows if b["reporting_category"] == "charge"),
        "refunds": -sum(b["amount"] for b in rows if b["reporting_category"] in m.REFUND_CATEGORIES),
        "dispute_losses": -sum(b["amount"] for b in rows if b["reporting_category"] in m.DISPUTE_CATEGORIES),
        "fees": sum(b["fee"] for b in rows),
        "net_volume": sum(b["net"] for b in rows),
        "count": len(rows),
    }


def db_ledger(db, f: m.Filters) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    try:
        df = m.ledger_kpis(DuckDBWarehouse(con), f)
    finally:
        con.close()
    assert df.settlement_currency.tolist() in ([], ["usd"])
    if df.empty:
        return dict.fromkeys(("gross_volume", "refunds", "dispute_losses", "fees", "net_volume", "count"), 0)
    r = df.iloc[0]
    return {k: int(r[k]) for k in ("gross_volume", "refunds", "dispute_losses", "fees", "net_volume")} | {
        "count": int(r["balance_transactions"])}


def test_full_sync_reproduces_the_sandbox_ledger(seeded, tmp_path):
    client = client_for(seeded)
    db = tmp_path / "finance.duckdb"
    result = sync(client, db)
    assert result.ok, result.message
    for table, resource in TABLES.items():
        assert result.counts[table] == len(api_list(client, resource)), table
    bts = api_list(client, "balance_transactions")
    today = datetime.now(UTC).date()
    ranges = [(today - timedelta(days=60), today), (today - timedelta(days=20), today - timedelta(days=10)),
              (today - timedelta(days=3), today)]
    for start, end in ranges:
        expected = ledger_from_api(bts, start, end)
        got = db_ledger(db, m.Filters(start, end))
        assert got == expected, (start, end)
    assert ledger_from_api(bts, *ranges[0])["gross_volume"] > 0


def test_incremental_sync_after_one_payment_costs_a_handful_of_requests(seeded, tmp_path):
    db = tmp_path / "finance.duckdb"
    assert sync(client_for(seeded), db).ok
    api = client_for(seeded)
    pi = api.v1.payment_intents.create(params={"amount": 2599, "currency": "usd", "payment_method": "pm_card_visa",
                                               **CONFIRM})
    counter = CountingClient()
    result = sync(client_for(seeded, counter), db)
    assert result.ok, result.message
    assert result.mode == "incremental"
    assert len(counter.paths) <= 6, counter.paths  # (the last: the newest PaymentIntent, for freshness)
    assert counter.paths[0] == "events"
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT status, amount_received FROM payment_intents WHERE id = ?", [pi.id]).fetchall() \
            == [("succeeded", 2599)]
        assert con.execute("SELECT count(*) FROM balance_transactions b JOIN charges c ON c.id = b.source "
                           "WHERE c.payment_intent = ?", [pi.id]).fetchone()[0] == 1
    finally:
        con.close()
    # nothing new: the events page, and the newest PaymentIntent (limit=1) for the freshness line
    idle = CountingClient()
    assert sync(client_for(seeded, idle), db).ok
    assert idle.paths == ["events", "payment_intents"]


def test_refunds_and_disputes_flow_through_incremental_syncs(seeded, tmp_path):
    db = tmp_path / "finance.duckdb"
    assert sync(client_for(seeded), db).ok
    api = client_for(seeded)
    paid = api.v1.payment_intents.create(params={"amount": 5000, "currency": "usd", "payment_method": "pm_card_visa",
                                                 **CONFIRM})
    disputed = api.v1.payment_intents.create(params={"amount": 7000, "currency": "usd",
                                                     "payment_method": "pm_card_createDispute", **CONFIRM})
    assert sync(client_for(seeded), db).ok
    api.v1.refunds.create(params={"payment_intent": paid.id, "amount": 1500})
    result = sync(client_for(seeded), db)
    assert result.ok, result.message
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT pay_status, amount_refunded FROM charges WHERE payment_intent = ?",
                           [paid.id]).fetchall() == [("partially_refunded", 1500)]
        assert con.execute("SELECT amount, currency FROM refunds WHERE payment_intent = ?", [paid.id]).fetchall() \
            == [(1500, "usd")]
        dispute = con.execute("SELECT status, reason, evidence_due_by IS NOT NULL FROM disputes "
                              "WHERE payment_intent = ?", [disputed.id]).fetchall()
        assert dispute == [("needs_response", "fraudulent", True)]
        assert con.execute("SELECT pay_status FROM charges WHERE payment_intent = ?", [disputed.id]).fetchall() \
            == [("disputed",)]
    finally:
        con.close()
    bts = api_list(api, "balance_transactions")
    today = datetime.now(UTC).date()
    assert db_ledger(db, m.Filters(today - timedelta(days=60), today)) == \
        ledger_from_api(bts, today - timedelta(days=60), today)


def test_interrupted_sync_resumes_and_ends_complete(seeded, tmp_path):
    db = tmp_path / "finance.duckdb"
    crash = CountingClient(fail_after=5)  # dies in the middle of the backfill
    first = sync(client_for(seeded, crash), db, sleep=lambda s: None, max_attempts=1)
    assert first.status == "error" and "Could not reach" in first.message
    con = duckdb.connect(str(db), read_only=True)
    try:
        phases = dict(con.execute("SELECT resource, phase FROM sync_state").fetchall())
    finally:
        con.close()
    assert "backfill" in phases.values()
    counter = CountingClient()
    second = sync(client_for(seeded, counter), db)
    assert second.ok and second.mode == "resume", second.message
    client = client_for(seeded)
    for table, resource in TABLES.items():
        assert second.counts[table] == len(api_list(client, resource)), table
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) = count(DISTINCT id) FROM charges").fetchone()[0]
    finally:
        con.close()


def test_rejected_key_is_a_clear_message_and_keeps_the_data(seeded, tmp_path):
    db = tmp_path / "finance.duckdb"
    assert sync(client_for(seeded), db).ok
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT count(*) FROM charges").fetchone()[0]
    con.close()
    result = sync(client_for(seeded, key="sk_live_notallowedhere1234"), db)
    assert result.status == "error"
    assert "401" in result.message and "sk_live" not in result.message
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM charges").fetchone()[0] == before
    finally:
        con.close()


def test_unreachable_api_is_a_clear_message(tmp_path):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": f"http://127.0.0.1:{port}"},
                                 max_network_retries=0)
    result = sync(client, tmp_path / "f.duckdb", sleep=lambda s: None, max_attempts=2)
    assert result.status == "error" and "Could not reach" in result.message


def test_an_incremental_sync_narrows_the_rebuild_with_fresh_from_and_the_rollups_stay_exact() -> None:
    """An incremental run that read every event hands the rollup rebuild ``fresh_from`` (the oldest
    events cursor + 1 s); the rollups it leaves -- after a new payment and a refund of a payment
    from before the first sync -- equal a full rebuild of the same rows."""
    from lib.finance.store.rollups import ROLLUP_TABLES
    from lib.finance.sync.syncer import Syncer

    seen: list = []

    class Recorder(DuckDBWarehouse):
        def rebuild_rollups(self, days=None, accounts=None, *, written_since=None, fresh_from=None):
            seen.append(fresh_from)
            return super().rebuild_rollups(days, accounts, written_since=written_since, fresh_from=fresh_from)

    def snapshot(db) -> dict:
        out = {}
        for name in ROLLUP_TABLES:
            df = db.df(f"SELECT * FROM {name}")
            out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
        return out

    db = Recorder(duckdb.connect())
    sb = start_sandbox(memory=True, async_delay=0)
    try:
        client = stripe.StripeClient("sk_test_x", base_addresses={"api": sb.url}, max_network_retries=0)
        pay = {"amount": 1200, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True,
               "return_url": "https://shop.example/return"}
        old = client.v1.payment_intents.create(params=pay)
        assert Syncer(client, db).run().status == "ok"  # a backfill: full rebuild, no fresh_from
        assert seen == [None]
        cursor = int(db.load_state("")["payment_intents"]["events_cursor"])
        client.v1.payment_intents.create(params=pay)
        client.v1.refunds.create(params={"payment_intent": old.id, "amount": 500})
        time.sleep(0.2)
        result = Syncer(client, db).run()
        assert result.mode == "incremental" and result.status == "ok", result.message
        assert seen[-1] == datetime.fromtimestamp(cursor + 1, UTC).replace(tzinfo=None)
        partial = snapshot(db)
        assert db.rebuild_rollups() is None
        full = snapshot(db)
        for name in ROLLUP_TABLES:
            pd.testing.assert_frame_equal(partial[name], full[name], obj=name)
        refunded = db.row("SELECT pay_status FROM charges WHERE payment_intent = ?", [old.id])[0]
        assert refunded == "partially_refunded"
    finally:
        sb.stop()
