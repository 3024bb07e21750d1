"""Events & webhooks logic: signature steps, the tamper/stale demo, deliveries and resend on the sandbox."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from lib.lab import eventlog, webhooks

SECRET = "whsec_unitTestSecret0123456789abcdef"
BODY = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                   "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 2000}}}, indent=2)


def test_compute_v1_matches_stripes_own_signer():
    header = stripe.WebhookSignature._compute_signature(f"1700000000.{BODY}", SECRET)
    assert webhooks.compute_v1(SECRET, 1700000000, BODY) == header


def test_signature_steps_show_the_computation_without_the_secret():
    steps = dict(webhooks.signature_steps(SECRET, BODY, 1700000000))
    values = list(steps.values())
    assert values[0] == "1700000000"
    assert values[1].startswith("1700000000.{")
    assert SECRET not in "".join(values) and values[2].startswith("whsec_…")
    v1 = webhooks.compute_v1(SECRET, 1700000000, BODY)
    assert values[3] == v1 and values[4] == f"Stripe-Signature: t=1700000000,v1={v1}"


def test_demo_rejects_tampered_and_stale_payloads():
    cases = webhooks.verification_demo(SECRET, BODY)
    assert [c.name for c in cases] == ["Genuine", "Tampered payload", "Stale timestamp"]
    assert [c.verified for c in cases] == [True, False, False]
    assert "No signatures found matching" in cases[1].message
    assert "tolerance" in cases[2].message.lower()
    assert json.loads(cases[1].body)["data"]["object"]["amount"] == 102000
    assert cases[0].header.startswith("t=") and ",v1=" in cases[0].header


def test_verify_reports_bad_json_and_missing_header_readably():
    assert webhooks.verify(BODY, "", SECRET)[0] is False
    t = int(time.time())
    ok, message = webhooks.verify("not json", f"t={t},v1={webhooks.compute_v1(SECRET, t, 'not json')}", SECRET)
    assert not ok and message.startswith("ValueError")


def test_resend_command():
    assert webhooks.resend_command("evt_1", "we_2") == "stripe events resend evt_1 --webhook-endpoint=we_2"
    assert webhooks.resend_command("evt_1", None) == "stripe events resend evt_1"


class _Receiver(BaseHTTPRequestHandler):
    """Verifies like the app's endpoint: 200 verified, 400 rejected."""

    secret = ""
    seen: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = self.rfile.read(int(self.headers["Content-Length"]))
        try:
            stripe.Webhook.construct_event(body, self.headers.get("Stripe-Signature", ""), self.secret)
            status, out = 200, {"received": True, "outcome": "applied", "detail": "ok"}
        except stripe.SignatureVerificationError as exc:
            status, out = 400, {"received": False, "outcome": "rejected", "detail": str(exc)}
        self.seen.append(status)
        data = json.dumps(out).encode()
        self.send_response(status)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


@pytest.fixture
def endpoint(stripe_client):
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    we = stripe_client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": ["payment_intent.succeeded"]})
    _Receiver.secret, _Receiver.seen = we.secret, []
    yield we, url
    stripe_client.v1.webhook_endpoints.delete(we.id)
    server.shutdown()


def _wait(fn, timeout=10):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = fn()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError("timed out")


def test_deliveries_resend_and_demo_against_the_sandbox(stripe_client, endpoint):
    we, url = endpoint
    pi = stripe_client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd",
                                                         "payment_method": "pm_card_visa", "confirm": True})
    rows = _wait(lambda: [r for r in webhooks.delivery_rows(stripe_client, we.id) if r["status"] == "succeeded"])
    row = rows[0]
    assert row["type"] == "payment_intent.succeeded" and row["verdict"] == "verified ✓" and row["attempt"] == "first"
    assert row["receiver said"] == "applied" and row["http"] == 200 and row["latency ms"] is not None
    queued = webhooks.resend(stripe_client, row["event"], we.id)
    assert len(queued) == 1
    again = _wait(lambda: [r for r in webhooks.delivery_rows(stripe_client, we.id, event_id=row["event"])
                           if r["attempt"] == "resend" and r["status"] == "succeeded"])
    assert again[0]["event"] == row["event"]
    body = webhooks.event_body(stripe_client, row["event"])
    assert json.loads(body)["data"]["object"]["id"] == pi.id
    cases = webhooks.verification_demo(we.secret, body, endpoint_url=url)
    assert [c.endpoint_status for c in cases] == [200, 400, 400]
    assert cases[1].endpoint_said.startswith("rejected")


def test_event_helpers():
    e = {"id": "evt_1", "type": "charge.refunded", "created": 5, "request": {"id": None},
         "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "status": "succeeded"}}}
    assert eventlog.related_ids(e) == {"ch_1", "pi_1"}
    assert eventlog.is_related(e, ["pi_1"]) and not eventlog.is_related(e, ["pi_2"])
    row = eventlog.event_row(e)
    assert row["request"] == "automatic" and row["object id"] == "ch_1"
    newest_first = [{"id": "b", "created": 2}, {"id": "a2", "created": 1}, {"id": "a1", "created": 1}]
    assert [x["id"] for x in eventlog.oldest_first(newest_first + newest_first[:1])] == ["a1", "a2", "b"]
    assert [x["id"] for x in eventlog.dedupe_sorted([{"id": "x", "created": 3}, {"id": "y", "created": 1},
                                                     {"id": "x", "created": 3}])] == ["y", "x"]
