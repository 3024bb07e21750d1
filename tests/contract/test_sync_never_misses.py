"""A plain incremental sync brings in whatever added payments, on both warehouse engines: the bulk
seeder (run twice), the Traffic simulator (its seeder and its API modes) and the sandbox's own
delayed jobs (a dispute opening, a refund settling). Expected counts come from the API's list
endpoints, never from the warehouse's own tables."""

from __future__ import annotations

import time
from collections import Counter
from datetime import UTC, datetime

import pytest
import stripe

from lib.finance.store import open_warehouse
from lib.lab import sim_api, simulator
from lib.lab.ratelimit import RateLimiter
from lib.sandbox import start_sandbox
from lib.sandbox.seed import seed
from lib.sync import sync
from tests.contract.money_helpers import run_jobs
from tests.finance_engines import row_counts

RESOURCES = ("customers", "payment_intents", "charges", "refunds", "disputes", "balance_transactions")


@pytest.fixture
def location(warehouse_location):
    return warehouse_location


@pytest.fixture
def handle():
    """A private sandbox whose jobs run only when the test runs them (``run_jobs``)."""
    sandbox = start_sandbox(memory=True, async_delay=0, background=False)
    yield sandbox
    sandbox.stop()


def client_for(handle) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_never_misses", base_addresses={"api": handle.url}, max_network_retries=0)


def api_objects(client: stripe.StripeClient, resource: str) -> list[dict]:
    service = getattr(client.v1, resource)
    return [o.to_dict() for o in service.list(params={"limit": 100}).auto_paging_iter()]


def api_counts(client: stripe.StripeClient) -> dict[str, int]:
    return {r: len(api_objects(client, r)) for r in RESOURCES}


def rollup_net_by_day(location) -> dict:
    wh = open_warehouse(location)
    try:
        rows = wh.records("SELECT day, sum(net) AS net, sum(n) AS n FROM rollup_balance GROUP BY day")
    finally:
        wh.close()
    return {r["day"]: (int(r["net"]), int(r["n"])) for r in rows}


def api_net_by_day(client: stripe.StripeClient) -> dict:
    out: dict = {}
    for b in api_objects(client, "balance_transactions"):
        day = datetime.fromtimestamp(b["created"], UTC).date()
        net, n = out.get(day, (0, 0))
        out[day] = (net + b["net"], n + 1)
    return out


def assert_in_step(client, location) -> None:
    assert row_counts(location) == api_counts(client)
    assert rollup_net_by_day(location) == api_net_by_day(client)  # the dashboard's rollups too


def test_seeding_twice_then_a_plain_sync_brings_in_everything(handle, location):
    client = client_for(handle)
    seed(handle.engine, payments=300, days=30, seed=3)
    first = sync(client, location)
    assert first.ok and first.mode == "backfill", first.message
    time.sleep(1.1)  # the second seed's batches are stamped in a later second than the first's
    started = int(time.time())
    seed(handle.engine, payments=700, days=30, seed=4)
    pis = api_objects(client, "payment_intents")
    assert len(pis) == 1000 and min(p["created"] for p in pis) < started - 20 * 86400  # back-dated history
    second = sync(client, location)
    assert second.ok and second.mode == "incremental", second.message
    assert second.objects >= 700 * 3  # PIs, charges, balance transactions at least
    assert_in_step(client, location)
    idle = sync(client, location)  # and nothing is applied twice
    assert idle.ok and idle.objects == 0


def test_seeded_events_are_stamped_when_recorded_and_objects_keep_their_history(handle):
    before = int(time.time())
    seed(handle.engine, payments=50, days=10, seed=5)
    events = api_objects(client_for(handle), "events")
    assert events and all(e["created"] >= before for e in events)
    assert min(e["data"]["object"]["created"] for e in events) < before - 86400


def test_traffic_simulator_seeder_then_sync_reports_every_payment(handle, location):
    client = client_for(handle)
    assert sync(client, location).ok  # an empty account, synced before the simulator runs
    stats = simulator.seed_sandbox(handle.engine, simulator.Mix(payments=2000, days=30, seed=8))
    assert stats["payments"] == 2000
    result = sync(client, location)
    assert result.ok and result.mode == "incremental", result.message
    assert result.objects >= 2000 * 3, result.message  # not "90 objects written"
    assert_in_step(client, location)


def test_traffic_simulator_through_the_api_then_sync(handle, location, tmp_path):
    client = client_for(handle)
    seed(handle.engine, payments=100, days=5, seed=9)
    assert sync(client, location).ok
    mix = simulator.Mix(payments=15, days=3, decline_rate=0.2, threeds_share=0.0, dispute_rate=0.0,
                        refund_rate=0.3, customers=4, seed=6)
    run = sim_api.ApiSimulation(client, sim_api.new_checkpoint(handle.url, mix), sandbox=True,
                                checkpoint=tmp_path / "cp.json", limiter=RateLimiter(1000)).run()
    assert run.status == "done"
    run_jobs(handle)
    result = sync(client, location)
    assert result.ok and result.mode == "incremental", result.message
    assert_in_step(client, location)


def test_delayed_jobs_after_a_sync_are_in_the_next_one(handle, location):
    client = client_for(handle)
    seed(handle.engine, payments=80, days=5, seed=10)
    disputed = client.v1.payment_intents.create(params={
        "amount": 4200, "currency": "usd", "payment_method": "pm_card_createDispute", "confirm": True, "return_url": "https://shop.example/return"})
    pending = client.v1.payment_intents.create(params={
        "amount": 3100, "currency": "usd", "payment_method": "pm_card_pendingRefund", "confirm": True, "return_url": "https://shop.example/return"})
    refund = client.v1.refunds.create(params={"payment_intent": pending.id})
    assert refund.status == "pending"
    assert sync(client, location).ok
    wh = open_warehouse(location)
    try:
        assert wh.records("SELECT count(*) AS n FROM disputes WHERE payment_intent = ?", [disputed.id]) == [{"n": 0}]
    finally:
        wh.close()
    run_jobs(handle)  # the dispute opens, the refund settles: the sandbox's own delayed jobs
    assert client.v1.refunds.retrieve(refund.id).status == "succeeded"
    result = sync(client, location)
    assert result.ok and result.mode == "incremental", result.message
    wh = open_warehouse(location)
    try:
        assert wh.records("SELECT status, reason FROM disputes WHERE payment_intent = ?", [disputed.id]) == [
            {"status": "needs_response", "reason": "fraudulent"}]
        assert wh.records("SELECT status FROM refunds WHERE id = ?", [refund.id]) == [{"status": "succeeded"}]
        assert wh.records("SELECT pay_status FROM charges WHERE payment_intent = ?", [disputed.id]) == [
            {"pay_status": "disputed"}]
    finally:
        wh.close()
    assert_in_step(client, location)
    categories = Counter(b["reporting_category"] for b in api_objects(client, "balance_transactions"))
    assert categories["dispute"] >= 1  # the chargeback withdrawal made by the job is counted above
