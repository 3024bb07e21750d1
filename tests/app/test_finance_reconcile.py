"""'Check against Stripe' on the Finance page, through AppTest, against a private sandbox.

Three payments (one refunded in part) are made and synced into a DuckDB warehouse. The check then
says everything matches; after one PaymentIntent is deleted from the warehouse, the one mismatch
row names PaymentIntents with Stripe's count (3) and the warehouse's (2). The counts come from the
payments this test made, not from the warehouse.
"""

from __future__ import annotations

import duckdb
import pytest
import stripe

from lib.finance import ENV_FINANCE_DB, ui_sync
from lib.sandbox import start_sandbox
from lib.sync import sync
from tests.app.conftest import open_page
from tests.contract.money_helpers import run_jobs

PAGE = "app_pages/finance_dashboard.py"


@pytest.fixture
def synced(tmp_path, monkeypatch):
    handle = start_sandbox(memory=True, async_delay=0)
    client = stripe.StripeClient("sk_test_reconcileui", base_addresses={"api": handle.url}, max_network_retries=0)
    paid = [client.v1.payment_intents.create(params={
        "amount": amount, "currency": "usd", "confirm": True, "payment_method": "pm_card_visa",
        "payment_method_types": ["card"]}) for amount in (2000, 3500, 1000)]
    client.v1.refunds.create(params={"payment_intent": paid[1].id, "amount": 500})
    run_jobs(handle)
    db = tmp_path / "finance.duckdb"
    assert sync(client, db, full=True).ok
    monkeypatch.setenv(ENV_FINANCE_DB, str(db))
    monkeypatch.setattr(ui_sync, "sync_client", lambda: client)
    yield db, paid
    handle.stop()


def check(at):
    at.button(key="fin_reconcile_run").click().run()
    assert not at.exception, [e.value for e in at.exception]
    (table,) = [df.value for df in at.dataframe if "what_differs" in df.value.columns]
    table = table.copy()
    table["result"] = [" ".join(badge) for badge in table["result"]]  # a badge cell is a list of one label
    return table


def test_a_synced_warehouse_matches_everything(synced):
    at = open_page(PAGE)
    rows = check(at)
    assert any(s.value.startswith("Everything matches.") for s in at.success)
    assert not [e for e in at.error]
    assert list(rows["result"]) == ["Match"] * 7  # USD balance (EUR settles in USD) + 6 object types
    pis = rows[rows["check"].str.startswith("PaymentIntents")].iloc[0]
    assert (pis["stripe"], pis["warehouse"]) == ("3", "3")


def test_a_payment_missing_from_the_warehouse_is_named_with_both_counts(synced):
    db, paid = synced
    con = duckdb.connect(str(db))
    con.execute("DELETE FROM payment_intents WHERE id = ?", [paid[0].id])
    con.close()
    at = open_page(PAGE)
    rows = check(at)
    assert not any(s.value.startswith("Everything matches") for s in at.success)
    (summary,) = [e.value for e in at.error if "checks differ" in e.value]
    assert "payment_intents: the warehouse has 1 fewer than Stripe (2 vs 3)" in summary
    bad = rows[rows["result"] == "Mismatch"]
    assert len(bad) == 1
    row = bad.iloc[0]
    assert row["check"].startswith("PaymentIntents")
    assert (row["stripe"], row["warehouse"], row["difference"]) == ("3", "2", "-1")
    assert "(2 vs 3)" in row["what_differs"]
