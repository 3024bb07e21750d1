"""The shop's webhook endpoint receiving the real thing: the sandbox's signed deliveries."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
import stripe

from lib.shop import MerchantDB, ensure_webhooks, forget_registrations, payments
from lib.shop.webhook_receiver import start_webhook_server
from tests.waiting import wait_until


@pytest.fixture
def db(shop_db_location) -> MerchantDB:
    """The shop's database on each engine (SQLite, and a fresh Postgres database)."""
    database = MerchantDB(shop_db_location)
    yield database
    database.close()


def test_sandbox_delivers_signed_events_to_the_registered_endpoint(db, sandbox):
    """End to end: register with the sandbox, pay, and the webhook fulfils the order (once)."""
    forget_registrations()
    server = start_webhook_server(db)
    client = stripe.StripeClient("sk_test_learn", base_addresses={"api": sandbox.url}, max_network_retries=0)
    conn = SimpleNamespace(mode="sandbox", api_base=sandbox.url, client=client,
                           settings=SimpleNamespace(webhook_secret=None))
    try:
        status = ensure_webhooks(conn, server)
        assert status.registered and status.ready and status.masked_secret.startswith("whsec_")
        assert ensure_webhooks(conn, server).endpoint_id == status.endpoint_id  # once per process
        order_id = payments.new_order_id()  # the session sandbox remembers idempotency keys across tests
        result = payments.pay(client, db, order_id=order_id, amount=2500, currency="usd", payment_method="pm_card_visa",
                              token="t1", return_url=server.return_url)
        assert result.pi["status"] == "succeeded"
        assert wait_until(lambda: db.fulfilment(order_id) is not None), "the webhook never fulfilled the order"
        types = [e["type"] for e in db.processed_events(result.pi["id"])]
        assert "payment_intent.succeeded" in types and len(types) == len(set(types))
    finally:
        client.v1.webhook_endpoints.delete(status.endpoint_id)
        server.stop()
        forget_registrations()
