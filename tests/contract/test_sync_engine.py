"""The finance sync against an in-process fake Stripe API (the real SDK does the HTTP encoding),
on both warehouse engines: the embedded DuckDB file and a real Postgres (``engine`` fixture)."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta

import duckdb
import pytest

from lib.finance import metrics as m
from lib.finance.store import open_warehouse
from lib.finance.sync import EVENTS_RETENTION_SECONDS
from lib.sync import main, sync
from tests.finance_engines import row_counts
from tests.unit.fake_stripe import Failure, FakeStripe

TABLES = ("customers", "payment_intents", "charges", "refunds", "disputes", "balance_transactions")


@pytest.fixture
def fake() -> FakeStripe:
    return FakeStripe()


@pytest.fixture
def db(warehouse_location):
    return warehouse_location


@pytest.fixture
def duck(tmp_path):
    """A DuckDB file, for what only a file can do (be locked by another process, be garbage)."""
    return tmp_path / "finance.duckdb"


def run(fake: FakeStripe, db, **kw):
    kw.setdefault("now", lambda: fake.clock)
    kw.setdefault("sleep", lambda s: None)
    return sync(fake.client(), db, **kw)


def query(db, sql, params=None):
    wh = open_warehouse(db)
    try:
        return [tuple(r.values()) for r in wh.records(sql, params or [])]
    finally:
        wh.close()


def seed_small(fake: FakeStripe) -> dict:
    cus = fake.customer("ada@example.com")
    fake.tick()
    ok = fake.pay(1099, customer=cus["id"])
    fake.tick()
    declined = fake.pay(2000, decline="insufficient_funds", brand="mastercard", country="GB", currency="gbp")
    fake.tick()
    refunded = fake.pay(5000)
    fake.tick()
    fake.refund(fake.charge_of(refunded)["id"], 1250)
    fake.tick()
    disputed = fake.pay(3000, brand="amex")
    fake.tick()
    dispute = fake.dispute(fake.charge_of(disputed)["id"], reason="product_not_received")
    fake.tick(60)
    return {"customer": cus, "ok": ok, "declined": declined, "refunded": refunded, "disputed": disputed,
            "dispute": dispute}


# --- backfill -----------------------------------------------------------------------------------


def test_first_run_backfills_every_resource_into_typed_columns(fake, db):
    seed_small(fake)
    result = run(fake, db)
    assert result.status == "ok", result.message
    assert result.mode == "backfill"
    assert row_counts(db, TABLES) == {"customers": 1, "payment_intents": 4, "charges": 4, "refunds": 1, "disputes": 1,
                          "balance_transactions": 5}
    types = dict(query(db, "SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_name = 'charges'"))
    assert types["created"].upper() in ("TIMESTAMP", "TIMESTAMP WITHOUT TIME ZONE")
    assert types["amount"].upper() == "BIGINT"
    declined = query(db, "SELECT amount, currency, status, card_brand, card_country, decline_code, "
                         "failure_code, outcome_type, pay_status FROM charges WHERE status = 'failed'")
    assert declined == [(2000, "gbp", "failed", "mastercard", "GB", "insufficient_funds", "card_declined",
                         "issuer_declined", "failed")]
    assert query(db, "SELECT pay_status, amount_refunded FROM charges WHERE amount = 5000") == [
        ("partially_refunded", 1250)]
    du = query(db, "SELECT status, reason, evidence_due_by, created, card_brand FROM disputes")
    assert [(s, r, due - at, b) for s, r, due, at, b in du] == [
        ("needs_response", "product_not_received", timedelta(days=8), "amex")]
    # a dispute's withdrawal: amount and the $15 fee
    assert query(db, "SELECT amount, fee, net FROM balance_transactions WHERE reporting_category = 'dispute'") \
        == [(-3000, 1500, -4500)]
    state = query(db, "SELECT resource, phase, backfill_after FROM sync_state ORDER BY resource")
    assert {r[1] for r in state} == {"ready"} and {r[2] for r in state} == {None}
    run_row = query(db, "SELECT mode, status, requests, objects FROM sync_runs")
    assert run_row == [("backfill", "ok", result.requests, result.objects)]


def test_list_requests_use_limit_100_and_expand_balance_transaction(fake, db):
    seed_small(fake)
    run(fake, db)
    (charges_call,) = fake.list_calls("charges")
    assert charges_call.param("limit") == "100"
    assert charges_call.param("expand[0]") == "data.balance_transaction"
    assert all(c.param("limit") == "100" for c in fake.requests)


def test_pagination_follows_has_more_with_starting_after(fake, db):
    for i in range(230):
        fake.pay(1000 + i)
        if i % 7 == 0:
            fake.tick()
    result = run(fake, db)
    assert result.ok
    pages = fake.list_calls("payment_intents")
    assert len(pages) == 3
    assert pages[0].param("starting_after") is None
    assert pages[1].param("starting_after") and pages[2].param("starting_after")
    assert row_counts(db, TABLES)["payment_intents"] == 230
    assert row_counts(db, TABLES)["charges"] == 230
    assert query(db, "SELECT count(DISTINCT id), sum(amount) FROM payment_intents") == [
        (230, sum(1000 + i for i in range(230)))]


def test_full_resync_is_idempotent(fake, db):
    seed_small(fake)
    run(fake, db)
    first = row_counts(db, TABLES)
    totals = query(db, "SELECT sum(amount), sum(fee), sum(net) FROM balance_transactions")
    result = run(fake, db, full=True)
    assert result.mode == "backfill" and result.ok
    assert row_counts(db, TABLES) == first
    assert query(db, "SELECT sum(amount), sum(fee), sum(net) FROM balance_transactions") == totals


def test_empty_account_syncs_to_empty_tables(fake, db):
    result = run(fake, db)
    assert result.ok, result.message
    assert row_counts(db, TABLES) == dict.fromkeys(TABLES, 0)
    assert run(fake, db).mode == "incremental"


# --- incremental --------------------------------------------------------------------------------


def test_incremental_after_one_new_payment_costs_a_handful_of_requests(fake, db):
    seed_small(fake)
    run(fake, db)
    fake.requests.clear()
    fake.tick(30)
    pi = fake.pay(4242)
    fake.tick(30)
    result = run(fake, db)
    assert result.ok and result.mode == "incremental"
    paths = [r.path for r in fake.requests]
    # the last one: the API's newest PaymentIntent (limit=1), kept for the dashboard's freshness line
    assert paths == ["/v1/events", "/v1/payment_intents", "/v1/charges", "/v1/balance_transactions",
                     "/v1/payment_intents"]
    assert fake.requests[-1].param("limit") == "1"
    assert result.requests == 5
    assert fake.requests[0].param("created[gte]") is not None
    # counted (DuckDB) or the previous run's counts plus the rows inserted (Postgres): the same
    assert result.counts == {"customers": 1, "payment_intents": 5, "charges": 5, "refunds": 1, "disputes": 1,
                             "balance_transactions": 6}
    assert query(db, "SELECT status, amount_received FROM payment_intents WHERE id = ?", [pi["id"]]) == [
        ("succeeded", 4242)]
    assert query(db, "SELECT count(*) FROM balance_transactions WHERE source = ?",
                 [pi["latest_charge"]]) == [(1,)]


def test_incremental_with_nothing_new_is_two_requests(fake, db):
    seed_small(fake)
    run(fake, db)
    fake.requests.clear()
    fake.tick(600)
    result = run(fake, db)
    assert result.ok and result.mode == "incremental" and result.objects == 0
    # the events page, and the API's newest PaymentIntent (limit=1) for the freshness line
    assert [r.path for r in fake.requests] == ["/v1/events", "/v1/payment_intents"]


def test_refund_of_an_old_charge_refetches_only_that_charge(fake, db):
    data = seed_small(fake)
    run(fake, db)
    fake.requests.clear()
    fake.tick(3600)
    charge_id = fake.charge_of(data["ok"])["id"]
    fake.refund(charge_id)
    fake.tick()
    result = run(fake, db)
    assert result.ok
    paths = sorted(r.path for r in fake.requests)
    assert paths == sorted(["/v1/events", "/v1/refunds", f"/v1/charges/{charge_id}",
                            "/v1/balance_transactions", "/v1/payment_intents"])  # + the newest (limit=1)
    retrieve = next(r for r in fake.requests if r.path == f"/v1/charges/{charge_id}")
    assert retrieve.param("expand[0]") == "balance_transaction"
    assert query(db, "SELECT pay_status, amount_refunded, refunded FROM charges WHERE id = ?", [charge_id]) == [
        ("refunded", 1099, True)]
    assert query(db, "SELECT sum(amount) FROM balance_transactions WHERE reporting_category = 'refund'") == [
        (-1250 - 1099,)]


def test_dispute_outcome_is_picked_up_from_events(fake, db):
    data = seed_small(fake)
    run(fake, db)
    fake.tick(86400)
    fake.close_dispute(data["dispute"]["id"], "won")
    fake.tick()
    fake.requests.clear()
    result = run(fake, db)
    assert result.ok
    assert query(db, "SELECT status FROM disputes") == [("won",)]
    assert query(db, "SELECT amount FROM balance_transactions WHERE reporting_category = 'dispute_reversal'") \
        == [(3000,)]
    # one request for the dispute (a list when it is at the watermark second, else a retrieve),
    # one to re-fetch its charge, plus events, balance transactions and the newest PaymentIntent
    assert len(fake.requests) == 5
    assert sum(r.path.startswith("/v1/disputes") for r in fake.requests) == 1


def test_events_in_the_cursor_second_are_not_lost_nor_reapplied(fake, db):
    seed_small(fake)
    run(fake, db)
    # same second as the newest event already applied
    pi = fake.pay(777)
    fake.requests.clear()
    result = run(fake, db)
    assert result.ok
    assert query(db, "SELECT count(*) FROM payment_intents WHERE id = ?", [pi["id"]]) == [(1,)]
    fake.requests.clear()
    again = run(fake, db)
    assert again.objects == 0
    assert [r.path for r in fake.requests] == ["/v1/events", "/v1/payment_intents"]  # + the newest (limit=1)


def test_deleted_customer_is_flagged(fake, db):
    data = seed_small(fake)
    run(fake, db)
    fake.tick(60)
    fake.delete_customer(data["customer"]["id"])
    result = run(fake, db)
    assert result.ok
    assert query(db, "SELECT deleted FROM customers") == [(True,)]


def test_cursor_older_than_event_retention_falls_back_to_backfill(fake, db):
    seed_small(fake)
    run(fake, db)
    fake.tick(EVENTS_RETENTION_SECONDS + 3600)
    fake.pay(1234)
    fake.requests.clear()
    result = run(fake, db)
    assert result.ok and result.mode == "backfill"
    assert {r.path for r in fake.requests} >= {f"/v1/{t}" for t in TABLES}
    assert row_counts(db, TABLES)["payment_intents"] == 5


def test_events_forbidden_falls_back_to_listing_new_objects(fake, db):
    seed_small(fake)
    run(fake, db)
    fake.tick(60)
    pi = fake.pay(999)
    fake.failures.append(Failure("/v1/events", 403))
    result = run(fake, db)
    assert result.status == "partial"
    assert "events" in result.message and "403" in result.message
    assert query(db, "SELECT count(*) FROM payment_intents WHERE id = ?", [pi["id"]]) == [(1,)]


# --- failures -----------------------------------------------------------------------------------


def test_rate_limits_are_retried_with_exponential_backoff(fake, db):
    seed_small(fake)
    fake.failures.append(Failure("/v1/charges", 429, times=3))
    sleeps: list[float] = []
    result = run(fake, db, sleep=sleeps.append)
    assert result.ok, result.message
    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2]
    assert row_counts(db, TABLES)["charges"] == 4


def test_retry_after_header_is_honoured(fake, db):
    fake.failures.append(Failure("/v1/customers", 429, times=1, headers={"Retry-After": "7"}))
    sleeps: list[float] = []
    assert run(fake, db, sleep=sleeps.append).ok
    assert sleeps == [7.0]


def test_network_errors_are_retried_then_reported(fake, db):
    seed_small(fake)
    fake.failures.append(Failure("/v1/", None))
    sleeps: list[float] = []
    result = run(fake, db, sleep=sleeps.append, max_attempts=4)
    assert result.status == "error"
    assert "Could not reach" in result.message
    assert len(sleeps) == 3


def test_revoked_key_gives_a_clear_message_and_keeps_the_data(fake, db):
    seed_small(fake)
    assert run(fake, db).ok
    before = row_counts(db, TABLES)
    fake.tick(60)
    fake.pay(5555)
    fake.failures.append(Failure("/v1/", 401))
    result = run(fake, db)
    assert result.status == "error"
    assert "401" in result.message and "revoked" in result.message
    assert "sk_test" not in result.message and "fake" not in result.message
    assert row_counts(db, TABLES) == before
    assert query(db, "SELECT status FROM sync_runs ORDER BY run_id DESC LIMIT 1") == [("error",)]


def test_forbidden_resource_fails_alone_and_recovers_later(fake, db):
    seed_small(fake)
    fake.failures.append(Failure("/v1/disputes", 403))
    result = run(fake, db)
    assert result.status == "partial"
    assert "disputes" in result.message and "403" in result.message
    assert "rk_test" not in result.message
    got = row_counts(db, TABLES)
    assert got["disputes"] == 0 and got["charges"] == 4 and got["balance_transactions"] == 5
    assert query(db, "SELECT last_error IS NOT NULL FROM sync_state WHERE resource = 'disputes'") == [(True,)]
    fake.failures.clear()
    fake.tick(60)
    again = run(fake, db)
    assert again.ok, again.message
    assert row_counts(db, TABLES)["disputes"] == 1
    assert query(db, "SELECT last_error FROM sync_state WHERE resource = 'disputes'") == [(None,)]


def test_interrupted_backfill_resumes_from_the_checkpoint(fake, db):
    for i in range(250):
        fake.pay(100 + i)
        fake.tick()
    # the third page of charges fails for good (after two pages were written)
    fake.failures.append(Failure("/v1/charges", None, after=2))
    first = run(fake, db, max_attempts=2)
    assert first.status == "error"
    assert row_counts(db, TABLES)["charges"] == 200
    checkpoint = query(db, "SELECT phase, backfill_after, backfill_created FROM sync_state "
                           "WHERE resource = 'charges'")[0]
    assert checkpoint[0] == "backfill" and checkpoint[1].startswith("ch_")
    assert checkpoint[2] == fake.store["charges"][checkpoint[1]]["created"]
    fake.failures.clear()
    fake.requests.clear()
    second = run(fake, db)
    assert second.ok and second.mode == "resume"
    charge_calls = fake.list_calls("charges")
    assert len(charge_calls) == 1 and charge_calls[0].param("starting_after") == checkpoint[1]
    assert row_counts(db, TABLES)["charges"] == 250
    assert row_counts(db, TABLES)["balance_transactions"] == 250
    assert query(db, "SELECT count(DISTINCT id) FROM charges") == [(250,)]


def test_progress_is_monotone_and_ends_at_one(fake, db):
    seed_small(fake)
    seen = []
    run(fake, db, progress=seen.append)
    fractions = [p.fraction for p in seen]
    assert fractions == sorted(fractions)
    assert seen[-1].phase == "done" and seen[-1].fraction == 1.0
    assert any(p.phase == "backfill" and p.resource == "charges" for p in seen)


def test_database_locked_by_another_process_is_a_readable_error(fake, duck, monkeypatch):
    attempts = []

    def locked(*a, **k):
        attempts.append(a)
        raise duckdb.IOException("Could not set lock on file: Conflicting lock is held")

    monkeypatch.setattr(duckdb, "connect", locked)
    result = run(fake, duck)
    assert result.status == "error" and "in use by another process" in result.message
    assert len(attempts) > 1  # it waited for the lock before giving up
    assert fake.requests == []  # nothing was fetched that could not be written


def test_a_file_that_is_not_a_database_is_reported_at_once(fake, duck):
    duck.write_bytes(b"not a duckdb file" * 100)
    sleeps: list[float] = []
    result = run(fake, duck, sleep=sleeps.append)
    assert result.status == "error"
    assert "Could not open the finance database" in result.message and duck.name in result.message
    assert sleeps == []  # not mistaken for a lock held by another process


def test_cli_prints_summary_and_exit_code(fake, db, capsys):
    seed_small(fake)
    code = main(["--db", str(db), "--quiet"], client=fake.client())
    out = capsys.readouterr().out
    assert code == 0
    assert "Backfill sync finished" in out and "charges 4" in out
    fake.failures.append(Failure("/v1/", 401))
    assert main(["--db", str(db), "--quiet", "--full"], client=fake.client()) == 2
    assert "401" in capsys.readouterr().out


# --- one sync per account; several accounts ------------------------------------------------------


def test_a_second_sync_of_the_same_account_is_refused_while_one_runs(fake, db, engine):
    seed_small(fake)
    entered, release = threading.Event(), threading.Event()

    def hold_at_start(p):
        if p.phase == "start":  # the first run holds the lock here, before any request
            entered.set()
            release.wait(30)

    results: dict = {}
    first = threading.Thread(target=lambda: results.update(first=run(fake, db, progress=hold_at_start)))
    first.start()
    try:
        assert entered.wait(30)
        second = run(fake, db)
        requests_meanwhile = len(fake.requests)
    finally:
        release.set()
        first.join(60)
    assert second.status == "busy" and second.objects == 0
    wanted = "sync already running elsewhere" if engine == "postgres" else "already running in this app"
    assert wanted in second.message.lower()
    assert requests_meanwhile == 0  # the refused run fetched nothing
    assert results["first"].ok, results["first"].message
    assert row_counts(db, TABLES) == {"customers": 1, "payment_intents": 4, "charges": 4, "refunds": 1, "disputes": 1,
                          "balance_transactions": 5}
    assert run(fake, db).ok  # the lock is free again


def test_two_accounts_share_one_warehouse_with_a_cursor_each(db):
    eu, us = FakeStripe(), FakeStripe()
    seed_small(eu)               # both fakes number their ids the same way: pi_0001 exists in both
    us.pay(7000, currency="usd")
    us.tick(60)
    assert sync(eu.client(), db, account="eu", now=lambda: eu.clock, sleep=lambda s: None).ok
    assert sync(us.client(), db, account="us", now=lambda: us.clock, sleep=lambda s: None).ok
    per_account = dict(query(db, "SELECT account, count(*) FROM payment_intents GROUP BY account"))
    assert per_account == {"eu": 4, "us": 1}
    assert query(db, "SELECT account, sum(amount) FROM rollup_charges GROUP BY account ORDER BY account") == [
        ("eu", 1099 + 2000 + 5000 + 3000), ("us", 7000)]
    states = query(db, "SELECT account, count(*) FROM sync_state GROUP BY account ORDER BY account")
    assert states == [("eu", 6), ("us", 6)]
    us.tick(30)
    us.pay(1500)
    us.tick(30)
    eu.requests.clear()
    again = sync(us.client(), db, account="us", now=lambda: us.clock, sleep=lambda s: None)
    assert again.ok and again.mode == "incremental"
    assert query(db, "SELECT account, sum(amount) FROM rollup_charges GROUP BY account ORDER BY account") == [
        ("eu", 1099 + 2000 + 5000 + 3000), ("us", 8500)]
    assert eu.requests == []


def test_cli_syncs_several_keys_into_one_warehouse(sandbox, stripe_client, db, monkeypatch, capsys):
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    monkeypatch.setenv("PFL_TEST_KEY_A", "sk_test_account_a")
    monkeypatch.setenv("PFL_TEST_KEY_B", "sk_test_account_b")
    stripe_client.v1.payment_intents.create(params={"amount": 1234, "currency": "usd",
                                                    "payment_method": "pm_card_visa", "confirm": True, "return_url": "https://shop.example/return"})
    target = str(db)
    code = main(["--db", target, "--quiet", "--account", "a=PFL_TEST_KEY_A", "--account", "b=PFL_TEST_KEY_B"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "[a] Backfill sync finished" in out and "[b] Backfill sync finished" in out
    assert "sk_test_account" not in out
    listed = len(list(stripe_client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()))
    assert dict(query(db, "SELECT account, count(*) FROM payment_intents GROUP BY account")) == {
        "a": listed, "b": listed}
    with pytest.raises(SystemExit):
        main(["--db", target, "--quiet", "--account", "a=PFL_TEST_KEY_UNSET"])


# --- freshness: the API's newest PaymentIntent, kept at each run --------------------------------


def freshness(db) -> dict:
    wh = open_warehouse(db)
    try:
        return m.data_freshness(wh, m.account_newest(wh))
    finally:
        wh.close()


def test_each_run_keeps_the_apis_newest_payment_so_a_missed_one_shows(fake, db):
    seed_small(fake)
    run(fake, db)  # a backfill: its PaymentIntent watermark is the newest, no extra request
    newest = max(pi["created"] for pi in fake.store["payment_intents"].values())
    assert query(db, "SELECT account_newest FROM sync_state WHERE resource = 'payment_intents'") == [(newest,)]
    assert freshness(db)["stale"] is False

    fake.tick(600)
    silent = fake.pay(777)  # a payment whose events the sync cannot see (as back-dated history had)
    fake.store["events"] = {k: e for k, e in fake.store["events"].items() if e["created"] < silent["created"]}
    fake.requests.clear()
    result = run(fake, db)
    assert result.ok and result.mode == "incremental" and result.objects == 0
    assert [r.path for r in fake.requests] == ["/v1/events", "/v1/payment_intents"]
    fresh = freshness(db)
    assert fresh["stale"] is True
    assert int(fresh["account_newest"].replace(tzinfo=UTC).timestamp()) == silent["created"]
    assert int(fresh["synced_up_to"].replace(tzinfo=UTC).timestamp()) == newest

    assert run(fake, db, full=True).ok  # a full re-sync lists it: fresh again
    assert freshness(db)["stale"] is False
