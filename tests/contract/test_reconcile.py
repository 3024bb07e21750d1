"""'Check against Stripe': the warehouse compared with the API says exactly what differs.

The account is built by hand in a private sandbox: three payments (one refunded in part), synced;
then a payment the warehouse has not seen, and a balance transaction removed from the warehouse.
Expected differences are computed here from the objects the test made, not from the warehouse.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import stripe

from lib.finance.reconcile import reconcile
from lib.finance.store import open_warehouse
from lib.sandbox import start_sandbox
from lib.sync import sync
from tests.contract.money_helpers import run_jobs


@pytest.fixture
def account(warehouse_location):
    """A private sandbox and a warehouse on each engine (a DuckDB file, a fresh Postgres)."""
    handle = start_sandbox(memory=True, async_delay=0)
    client = stripe.StripeClient("sk_test_reconcile", base_addresses={"api": handle.url}, max_network_retries=0)
    yield handle, client, warehouse_location
    handle.stop()


def pay(client, amount: int, currency: str = "usd"):
    return client.v1.payment_intents.create(params={"amount": amount, "currency": currency, "confirm": True,
                                                    "payment_method": "pm_card_visa",
                                                    "payment_method_types": ["card"]})


def window():
    now = datetime.now(UTC)
    return now - timedelta(days=1), now + timedelta(days=1)


def test_a_synced_account_matches_and_every_difference_is_named(account):
    handle, client, db = account
    paid = [pay(client, 2000), pay(client, 3500), pay(client, 1000, "eur")]
    client.v1.refunds.create(params={"payment_intent": paid[1].id, "amount": 500})
    run_jobs(handle)
    assert sync(client, db, full=True).ok
    start, end = window()
    warehouse = open_warehouse(db, read_only=True)
    try:
        clean = reconcile(client, warehouse, start, end)
    finally:
        warehouse.close()
    assert clean.ok, clean.summary()
    counts = {c.scope: c.stripe for c in clean.checks if c.kind == "count"}
    assert counts["payment_intents"] == 3 and counts["refunds"] == 1 and counts["charges"] == 3
    assert {c.scope for c in clean.checks if c.kind == "balance"} == {"usd"}   # EUR settles in USD (§5.1)

    late = pay(client, 4200)            # the warehouse has not synced this one
    run_jobs(handle)
    late_bt = client.v1.balance_transactions.retrieve(
        client.v1.charges.retrieve(late.latest_charge).balance_transaction)
    warehouse = open_warehouse(db, read_only=True)
    try:
        report = reconcile(client, warehouse, start, end)
    finally:
        warehouse.close()
    assert not report.ok
    diff = {(c.kind, c.scope): c.difference for c in report.differences}
    assert diff == {("balance", "usd"): -late_bt.net, ("count", "payment_intents"): -1, ("count", "charges"): -1,
                    ("count", "balance_transactions"): -1}
    assert "payment_intents: the warehouse has 1 fewer than Stripe (3 vs 4)" in report.summary()
    assert "USD balance" in report.summary()


def test_an_empty_window_is_refused_before_any_request(account):
    _, client, db = account
    start, end = window()
    calls = []
    warehouse = open_warehouse(db)
    try:
        with pytest.raises(ValueError, match="must end after it starts"):
            reconcile(client, warehouse, end, start, get=lambda path, params: calls.append(path) or {})
    finally:
        warehouse.close()
    assert calls == []
