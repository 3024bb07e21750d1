"""The shop's webhook endpoint: signature checks, exactly-once application, its HTTP server.
The real thing (the sandbox delivering to it) is in tests/contract/test_shop_webhooks_delivered.py."""

from __future__ import annotations

import json
import time
import urllib.request
from types import SimpleNamespace

import pytest
from stripe import WebhookSignature

from lib.config import Secret
from lib.learn import webhook_demo
from lib.shop import MerchantDB, ensure_webhooks
from lib.shop.webhook_handler import WebhookHandler, payment_intent_of
from lib.shop.webhook_receiver import start_webhook_server

SECRET = "whsec_test_secret_for_unit_tests"


@pytest.fixture
def db(shop_db_location) -> MerchantDB:
    """The shop's database on each engine (SQLite, and a fresh Postgres database)."""
    database = MerchantDB(shop_db_location)
    yield database
    database.close()


@pytest.fixture
def handler(db: MerchantDB) -> WebhookHandler:
    return WebhookHandler(db, lambda: [SECRET])


def event(event_type: str, obj: dict, event_id: str = "evt_1") -> str:
    return json.dumps({"id": event_id, "object": "event", "type": event_type, "created": int(time.time()),
                       "data": {"object": obj}})


def pi_obj(status: str = "succeeded", amount: int = 2500, order_id: str = "ord_1", **extra) -> dict:
    return {"id": "pi_1", "object": "payment_intent", "status": status, "amount": amount, "amount_received": amount,
            "currency": "usd", "metadata": {"order_id": order_id}, **extra}


def signed(payload: str, secret: str = SECRET, timestamp: int | None = None) -> str:
    return WebhookSignature.generate_signature_header(payload, secret, timestamp=timestamp)


def paid_order(db: MerchantDB) -> None:
    db.create_order("ord_1", 2500, "usd")
    db.attach_payment_intent("ord_1", "pi_1")


def test_success_event_pays_fulfils_and_queues_the_receipt(db, handler):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj())
    result = handler.handle(payload.encode(), signed(payload))
    assert (result.http_status, result.outcome) == (200, "applied")
    order = db.order("ord_1")
    assert order["status"] == "paid" and order["paid_via"] == "webhook" and order["fulfilled_at"]
    assert db.fulfilment("ord_1")["event_id"] == "evt_1"
    assert [m["kind"] for m in db.outbox("ord_1")] == ["receipt"]
    assert db.webhook_log()[0]["outcome"] == "applied"


def test_replayed_event_changes_nothing(db, handler):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj())
    handler.handle(payload.encode(), signed(payload))
    before = (db.order("ord_1"), db.fulfilment("ord_1"), db.outbox("ord_1"))
    again = handler.handle(payload.encode(), signed(payload))  # fresh, valid signature: a real re-delivery
    assert (again.http_status, again.outcome) == (200, "duplicate")
    assert "nothing changed" in again.detail
    assert (db.order("ord_1"), db.fulfilment("ord_1"), db.outbox("ord_1")) == before
    assert len(db.processed_events("pi_1")) == 1


def test_webhook_finds_the_order_by_metadata_before_the_api_response_is_stored(db, handler):
    db.create_order("ord_1", 2500, "usd")  # payment_intent not attached yet (the webhook won the race)
    payload = event("payment_intent.succeeded", pi_obj())
    assert handler.handle(payload.encode(), signed(payload)).outcome == "applied"
    assert db.order("ord_1")["payment_intent"] == "pi_1" and db.order("ord_1")["fulfilled_at"]


@pytest.mark.parametrize(("header", "secret", "expected"), [
    (None, SECRET, "missing Stripe-Signature"),
    ("t=1,v1=deadbeef", SECRET, "signature does not match"),
    ("garbage", SECRET, "signature does not match"),
])
def test_bad_signatures_are_rejected_and_logged(db, header, secret, expected):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj())
    result = WebhookHandler(db, lambda: [secret]).handle(payload.encode(), header)
    assert result.http_status == 400 and expected in result.detail
    assert db.order("ord_1")["status"] == "pending" and db.fulfilment("ord_1") is None
    log = db.webhook_log()[0]
    assert (log["http_status"], log["outcome"]) == (400, "rejected")


def test_signature_with_another_secret_is_rejected(db, handler):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj())
    result = handler.handle(payload.encode(), signed(payload, "whsec_somebody_else"))
    assert result.http_status == 400 and db.fulfilment("ord_1") is None


def test_tampered_body_is_rejected(db, handler):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj(amount=1))
    header = signed(payload)
    tampered = payload.replace('"amount": 1,', '"amount": 2500,')
    assert handler.handle(tampered.encode(), header).http_status == 400


def test_stale_signature_is_rejected(db, handler):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj())
    result = handler.handle(payload.encode(), signed(payload, timestamp=int(time.time()) - 600))
    assert result.http_status == 400 and "too old" in result.detail
    assert db.fulfilment("ord_1") is None


def test_no_secret_configured_rejects_everything(db):
    payload = event("payment_intent.succeeded", pi_obj())
    result = WebhookHandler(db, lambda: []).handle(payload.encode(), signed(payload))
    assert result.http_status == 400 and "no webhook signing secret" in result.detail


def test_signed_garbage_is_rejected(db, handler):
    payload = "this is not json"
    assert handler.handle(payload.encode(), signed(payload)).http_status == 400
    payload = json.dumps({"hello": "world"})
    result = handler.handle(payload.encode(), signed(payload))
    assert result.http_status == 400 and "not a Stripe event" in result.detail


def test_any_of_several_secrets_verifies(db):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj())
    handler = WebhookHandler(db, lambda: ["whsec_old_rolled", SECRET])
    assert handler.handle(payload.encode(), signed(payload)).http_status == 200


def test_amount_mismatch_is_not_fulfilled(db, handler):
    paid_order(db)
    payload = event("payment_intent.succeeded", pi_obj(amount=100))
    result = handler.handle(payload.encode(), signed(payload))
    assert result.http_status == 200 and "NOT fulfilled" in result.detail
    assert db.fulfilment("ord_1") is None and db.order("ord_1")["status"] == "pending"


def test_failure_refund_and_dispute_events(db, handler):
    paid_order(db)
    failed = event("payment_intent.payment_failed", pi_obj("requires_payment_method", last_payment_error={
        "code": "card_declined", "decline_code": "insufficient_funds"}), "evt_f")
    handler.handle(failed.encode(), signed(failed))
    assert (db.order("ord_1")["status"], db.order("ord_1")["last_error"]) == ("payment_failed", "insufficient_funds")
    ok = event("payment_intent.succeeded", pi_obj(), "evt_s")
    handler.handle(ok.encode(), signed(ok))
    refund = {"id": "re_1", "object": "refund", "amount": 1000, "status": "succeeded", "payment_intent": "pi_1"}
    created = event("refund.created", refund, "evt_r1")
    handler.handle(created.encode(), signed(created))
    assert db.order("ord_1")["status"] == "partially_refunded"
    failed_refund = event("refund.failed", {**refund, "status": "failed", "failure_reason": "expired_or_canceled_card"},
                          "evt_r2")
    assert "FAILED" in handler.handle(failed_refund.encode(), signed(failed_refund)).detail
    assert db.order("ord_1")["status"] == "paid" and db.order("ord_1")["amount_refunded"] == 0
    assert "refund_failed" in [m["kind"] for m in db.outbox("ord_1")]
    dispute = event("charge.dispute.created", {"id": "du_1", "object": "dispute", "status": "needs_response",
                                               "reason": "fraudulent", "payment_intent": "pi_1"}, "evt_d")
    handler.handle(dispute.encode(), signed(dispute))
    assert db.order("ord_1")["dispute_status"] == "needs_response"


def test_events_for_other_payments_are_acknowledged_but_ignored(db, handler):
    payload = event("payment_intent.succeeded", {**pi_obj(order_id="ord_elsewhere"), "id": "pi_other"})
    result = handler.handle(payload.encode(), signed(payload))
    assert (result.http_status, result.outcome) == (200, "ignored")


def test_payment_intent_of():
    assert payment_intent_of({"object": "payment_intent", "id": "pi_1"}) == "pi_1"
    assert payment_intent_of({"object": "charge", "payment_intent": "pi_2"}) == "pi_2"
    assert payment_intent_of({"object": "dispute", "payment_intent": {"id": "pi_3"}}) == "pi_3"
    assert payment_intent_of({"object": "customer"}) is None


def test_http_endpoint_answers_fast_and_rejects_bad_requests(db):
    server = start_webhook_server(db, extra_secrets=(SECRET,))
    try:
        paid_order(db)
        payload = event("payment_intent.succeeded", pi_obj())
        status, body = webhook_demo.post(server.url, payload, signed(payload))
        assert status == 200 and json.loads(body)["outcome"] == "applied"
        assert webhook_demo.forged(server.url, payload).http_status == 400
        assert webhook_demo.stale(server.url, payload, SECRET).http_status == 400
        replay = webhook_demo.replay(server.url, payload, SECRET)
        assert replay.http_status == 200 and "duplicate" in replay.body
        with urllib.request.urlopen(server.return_url + "?redirect_status=succeeded", timeout=5) as resp:
            assert resp.status == 200 and b"Authentication finished" in resp.read()
        req = urllib.request.Request(server.base_url + "/elsewhere", data=b"{}", method="POST")
        with pytest.raises(urllib.error.HTTPError) as err:
            urllib.request.urlopen(req, timeout=5)
        assert err.value.code == 404
    finally:
        server.stop()


def test_test_mode_explains_stripe_listen(db):
    server = start_webhook_server(db)
    try:
        conn = SimpleNamespace(mode="test", api_base="https://api.stripe.com", client=None,
                               settings=SimpleNamespace(webhook_secret=Secret("whsec_from_stripe_listen_cli")))
        status = ensure_webhooks(conn, server)
        assert not status.registered and status.ready and "stripe listen --forward-to" in status.note
        assert "whsec_from_stripe_listen_cli" in server.secrets.all()
        conn.settings.webhook_secret = None
        assert ensure_webhooks(conn, server).error
    finally:
        server.stop()


def test_config_endpoint_serves_only_the_publishable_key(db):
    server = start_webhook_server(db)
    try:
        server.publish("pk_test_123")
        with urllib.request.urlopen(server.config_url, timeout=5) as resp:
            assert json.loads(resp.read()) == {"publishable_key": "pk_test_123"}
            assert resp.headers["Access-Control-Allow-Origin"] == "*"
        with pytest.raises(ValueError):
            server.publish("sk_test_secret")
        server.publish(None)
        with urllib.request.urlopen(server.config_url, timeout=5) as resp:
            assert json.loads(resp.read()) == {"publishable_key": ""}
    finally:
        server.stop()
