"""Running for a team: two app processes (replicas) on one Postgres, behind one processor.

Both replicas register their webhook endpoint with the same sandbox, so every event is delivered
twice — once to each. The shop's tables live in the shared Postgres (``DATABASE_URL``), and each
event id is recorded once (primary key + ``ON CONFLICT DO NOTHING``), so the order is fulfilled
exactly once whichever replica applies it first; the other sees a duplicate.

The finance warehouse and the sync state live there too (schema ``finance``): a **Sync now** clicked
on one replica's Finance page is what the other replica's Finance page shows.
"""

from __future__ import annotations

import pytest
import stripe
from playwright.sync_api import Browser, expect

from lib.finance.store import open_postgres
from lib.finance.store.postgres_warehouse import close_pools
from lib.sandbox import start_sandbox
from lib.shop import MerchantDB, payments
from tests.e2e.conftest import free_port, streamlit_server, wait_for_page
from tests.waiting import wait_until


@pytest.fixture
def processor():
    handle = start_sandbox(memory=True, async_delay=0)
    yield handle
    handle.stop()


def open_once(browser: Browser, url: str) -> None:
    """A first page view runs app.py, which starts the replica's shop and registers its endpoint."""
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/connection")
    wait_for_page(page, "Connection")
    context.close()


PAGE_TIMEOUT_MS = 120_000  # a first Finance run (Ibis compiles) and a sync on two shared cores


def finance_page(browser: Browser, url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.goto(f"{url}/finance_dashboard")
    wait_for_page(page, "Finance dashboard")
    return context, page


def synced_payment_intents(url: str) -> int:
    """PaymentIntents in the shared warehouse, read by this (third) process."""
    warehouse = open_postgres(url)
    try:
        return warehouse.count_rows("payment_intents") if "payment_intents" in warehouse.table_names() else 0
    finally:
        warehouse.close()


def test_two_replicas_on_one_postgres_fulfil_an_order_exactly_once_and_share_the_sync(
        browser, processor, pg_database, tmp_path):
    env = {"STRIPE_API_BASE": processor.url, "DATABASE_URL": pg_database.url}
    client = stripe.StripeClient("sk_test_team", base_addresses={"api": processor.url}, max_network_retries=0)
    ports = [free_port(), free_port()]
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with streamlit_server(tmp_path / "a", {**env, "MERCHANT_WEBHOOK_PORT": str(ports[0])}) as url_a, \
            streamlit_server(tmp_path / "b", {**env, "MERCHANT_WEBHOOK_PORT": str(ports[1])}) as url_b:
        open_once(browser, url_a)
        open_once(browser, url_b)
        urls = {e.url for e in client.v1.webhook_endpoints.list(params={"limit": 100}).data}
        assert {f"http://127.0.0.1:{p}/webhooks/stripe" for p in ports} <= urls   # both replicas registered

        shop = MerchantDB(pg_database.url)           # a third process's view of the same shop tables
        try:
            order_id = payments.new_order_id()
            result = payments.pay(client, shop, order_id=order_id, amount=2500, currency="usd",
                                  payment_method="pm_card_visa", token="t1", return_url="http://127.0.0.1:9/return")
            assert result.pi["status"] == "succeeded"
            pi_id = result.pi["id"]
            succeeded = [e.id for e in client.v1.events.list(params={"type": "payment_intent.succeeded"}).data
                         if e.data.object["id"] == pi_id]
            assert len(succeeded) == 1

            def both_delivered() -> bool:
                rows = [r for r in shop.webhook_log(pi_id, limit=100) if r["event_id"] == succeeded[0]]
                return len(rows) == 2
            assert wait_until(both_delivered, timeout=30), shop.webhook_log(pi_id, limit=100)
            outcomes = sorted(r["outcome"] for r in shop.webhook_log(pi_id, limit=100) if r["event_id"] == succeeded[0])
            assert outcomes == ["applied", "duplicate"]                        # one replica each
            assert [e["event_id"] for e in shop.processed_events(pi_id)].count(succeeded[0]) == 1
            fulfilled = [f for f in shop.fulfilments(50) if f["order_id"] == order_id]
            assert len(fulfilled) == 1 and shop.order(order_id)["status"] == "paid"
        finally:
            shop.close()

        # replica A syncs; replica B's Finance page shows what A wrote (the one payment above)
        context, page = finance_page(browser, url_a)
        page.get_by_role("button", name="Sync now").click(timeout=PAGE_TIMEOUT_MS)
        try:
            assert wait_until(lambda: synced_payment_intents(pg_database.url) == 1, timeout=120, interval=0.5)
            expect(page.get_by_test_id("stCaptionContainer").filter(has_text="Last sync")).to_contain_text(
                "payment intents 1", timeout=PAGE_TIMEOUT_MS)
        finally:
            context.close()
            close_pools()
        context, page = finance_page(browser, url_b)
        try:
            expect(page.get_by_test_id("stCaptionContainer").filter(has_text="Last sync")).to_contain_text(
                "payment intents 1", timeout=PAGE_TIMEOUT_MS)
            tile = page.get_by_test_id("stMetric").filter(has=page.get_by_text("Successful payments", exact=True))
            expect(tile.first.get_by_test_id("stMetricValue")).to_have_text("1", timeout=PAGE_TIMEOUT_MS)
            expect(page.get_by_text("computed in Postgres")).to_be_visible()
        finally:
            context.close()
