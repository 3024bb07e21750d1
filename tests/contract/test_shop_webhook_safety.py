"""The shop's webhook endpoint with hostile but correctly signed input (issue 15, item 6): a signed
body that is not a JSON event is a 400, never a 500, and a signature dated further in the future
than the tolerance is refused — stripe-python checks only the past (TEST_MODE.md §6.1)."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request

import pytest
from stripe import WebhookSignature

from lib.shop import MerchantDB
from lib.shop.webhook_handler import WebhookHandler
from lib.shop.webhook_receiver import start_webhook_server

SECRET = "whsec_safety_tests"
TOLERANCE = 300  # stripe-python's default, and the shop's


@pytest.fixture
def db(tmp_path) -> MerchantDB:
    database = MerchantDB(tmp_path / "merchant.sqlite3")
    database.create_order("ord_1", 2500, "usd")
    database.attach_payment_intent("ord_1", "pi_1")
    yield database
    database.close()


@pytest.fixture
def endpoint(db):
    server = start_webhook_server(db, extra_secrets=(SECRET,))
    yield server
    server.stop()


def deliver(url: str, payload: bytes, signature: str) -> tuple[int, dict]:
    req = urllib.request.Request(url, data=payload, method="POST",
                                 headers={"Content-Type": "application/json", "Stripe-Signature": signature})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


def succeeded(amount: object = 2500, event_id: str = "evt_safe_1") -> dict:
    return {"id": event_id, "object": "event", "type": "payment_intent.succeeded",
            "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": amount, "amount_received": amount,
                                "currency": "usd", "metadata": {"order_id": "ord_1"}}}}


MALFORMED = {
    "not json": "this is not json",
    "a list": json.dumps([succeeded()]),
    "a string": json.dumps("payment_intent.succeeded"),
    "data is a list": json.dumps({**succeeded(), "data": []}),
    "object is a string": json.dumps({**succeeded(), "data": {"object": "pi_1"}}),
    "no id": json.dumps({k: v for k, v in succeeded().items() if k != "id"}),
    "id is a number": json.dumps({**succeeded(), "id": 12}),
    "no type": json.dumps({k: v for k, v in succeeded().items() if k != "type"}),
    "amount is text": json.dumps(succeeded(amount="lots")),
    "amount is a hash": json.dumps(succeeded(amount={"value": 2500})),
}


@pytest.mark.parametrize("payload", list(MALFORMED.values()), ids=list(MALFORMED))
def test_a_signed_malformed_event_is_400_and_changes_nothing(db, endpoint, payload) -> None:
    status, body = deliver(endpoint.url, payload.encode(), WebhookSignature.generate_signature_header(payload, SECRET))
    assert status == 400, body
    assert body["received"] is False and body["outcome"] == "rejected"
    order = db.order("ord_1")
    assert order["paid_at"] is None and db.fulfilment("ord_1") is None
    assert db.webhook_log()[0]["http_status"] == 400


def test_a_signed_body_that_is_not_utf8_is_400(db) -> None:
    payload = b'{"id": "evt_\xff"}'
    signature = WebhookSignature.generate_signature_header(payload.decode("latin-1"), SECRET)
    result = WebhookHandler(db, lambda: [SECRET]).handle(payload, signature)
    assert (result.http_status, result.outcome) == (400, "rejected")


@pytest.mark.parametrize("ahead", [TOLERANCE + 60, 3600, 86400 * 365])
def test_a_signature_dated_beyond_the_tolerance_in_the_future_is_refused(db, endpoint, ahead) -> None:
    payload = json.dumps(succeeded())
    signature = WebhookSignature.generate_signature_header(payload, SECRET, timestamp=int(time.time()) + ahead)
    status, body = deliver(endpoint.url, payload.encode(), signature)
    assert status == 400 and "future" in body["detail"], body
    assert db.fulfilment("ord_1") is None


def test_a_signature_a_little_ahead_is_clock_skew_and_accepted(db, endpoint) -> None:
    payload = json.dumps(succeeded())
    signature = WebhookSignature.generate_signature_header(payload, SECRET, timestamp=int(time.time()) + 60)
    status, body = deliver(endpoint.url, payload.encode(), signature)
    assert (status, body["outcome"]) == (200, "applied"), body
    assert db.fulfilment("ord_1") is not None


def test_the_future_check_uses_the_handlers_clock(db) -> None:
    payload = json.dumps(succeeded())
    signature = WebhookSignature.generate_signature_header(payload, SECRET, timestamp=2_000_000_000)
    later = WebhookHandler(db, lambda: [SECRET], clock=lambda: 2_000_000_000 - 10)
    assert later.handle(payload.encode(), signature).http_status == 200
    earlier = WebhookHandler(db, lambda: [SECRET], clock=lambda: 2_000_000_000 - TOLERANCE - 1, tolerance=TOLERANCE)
    assert earlier.handle(payload.encode(), signature).http_status == 400
