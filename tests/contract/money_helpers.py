"""Shared helpers for the refund / dispute / balance contract tests.

The sandbox under test runs with ``async_delay=0``: its jobs (settlement, async refunds, disputes)
are due as soon as the request that scheduled them commits. ``run_jobs`` runs them in the test's
own thread (``engine.run_due_jobs()``, which claims each job once even while the engine's worker
looks too), so a test sees the state after every async transition without waiting for a thread.
Events are read from the store directly (newest first there; returned oldest first here).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import stripe


def run_jobs(handle, rounds: int = 50) -> None:
    """Run every due job now, and the jobs those schedule, until none is due; fails the test if
    jobs keep coming. Jobs left are deadlines (a dispute's due date, days away): these sandboxes
    have no async delay, so anything else is due at once."""
    engine = handle.engine
    for _ in range(rounds):
        nxt = engine.next_job_at()
        if engine.run_due_jobs() == 0 and (nxt is None or nxt > engine.clock() + 3600):
            return
    pytest.fail(f"sandbox jobs still pending after {rounds} rounds")


# Where a shop sends its customer back (after 3-D Secure or a redirect-based method).
RETURN_URL = "https://shop.example/return"
# Create-and-confirm params as a shop sends them on today's Stripe (TEST_MODE §2.1).
CONFIRM = {"confirm": True, "return_url": RETURN_URL}


def pay(client: stripe.StripeClient, pm: str = "pm_card_visa", amount: int = 2000, currency: str = "usd",
        **extra: Any):
    """A confirmed PaymentIntent (automatic capture unless ``capture_method`` says otherwise), sent as
    a shop sends it on today's Stripe: with a ``return_url`` (automatic_payment_methods are on by
    default, TEST_MODE §2.1), unless ``extra`` makes it card-only or off-session."""
    params = {"amount": amount, "currency": currency, "payment_method": pm, "confirm": True, **extra}
    if not ({"payment_method_types", "off_session", "return_url"} & extra.keys()):
        params["return_url"] = RETURN_URL
    return client.v1.payment_intents.create(params=params)


def events_for(handle, *object_ids: str) -> list[dict]:
    """Events describing any of ``object_ids``, oldest first."""
    rows, _ = handle.engine.store.list("event", filters={"source": list(object_ids)}, limit=100)
    return list(reversed(rows))


def event_types(handle, *object_ids: str) -> list[str]:
    return [e["type"] for e in events_for(handle, *object_ids)]


def raw(client: stripe.StripeClient, method: str, path: str, **params: Any):
    """An SDK request to an endpoint the typed services do not cover (legacy paths)."""
    resp = client.raw_request(method, path, **params)
    return client.deserialize(resp, api_mode="V1")


def all_balance_transactions(handle) -> list[dict]:
    rows = handle.engine.store.execute("SELECT data FROM objects WHERE kind='balance_transaction'").fetchall()
    return [json.loads(r[0]) for r in rows]


def balance_matches_ledger(client: stripe.StripeClient, handle) -> tuple[dict, dict]:
    """(balance from GET /v1/balance, the same totals summed from every balance transaction)."""
    bal = client.v1.balance.retrieve()
    api = {"available": sum(f.amount for f in bal.available), "pending": sum(f.amount for f in bal.pending)}
    summed = {"available": 0, "pending": 0}
    for txn in all_balance_transactions(handle):
        summed[txn["status"]] += txn["net"]
    return api, summed


def error_of(exc_info) -> dict:
    """The raw ``error`` body of a stripe exception (to check absent fields)."""
    return exc_info.value.json_body["error"]
