"""Events & webhooks against the sandbox: its delivery log, resend, and the demo POSTed to a real endpoint."""

from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import stripe

from lib.lab import webhooks
from tests.contract.money_helpers import CONFIRM


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
    """Poll the sandbox's delivery log until ``fn`` finds what it looks for (deliveries are asynchronous)."""
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
                                                         "payment_method": "pm_card_visa", **CONFIRM})
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
