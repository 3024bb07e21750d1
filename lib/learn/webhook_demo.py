"""Try-it-yourself attacks on the shop's webhook endpoint: a forged, a stale and a replayed delivery.

Each builds the request an attacker (or a retrying network) would send and POSTs it to the real
endpoint, so the page can show the handler's answer: 400 for the first two, 200 "already
processed, nothing changed" for the replay.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass

from stripe import WebhookSignature

FORGED_SECRET = "whsec_attacker_does_not_know_the_real_secret"
STALE_AGE_S = 600


@dataclass(frozen=True)
class DemoResult:
    name: str
    http_status: int
    body: str
    signature_header: str


def post(url: str, payload: str, signature: str) -> tuple[int, str]:
    req = urllib.request.Request(url, data=payload.encode(), method="POST",
                                 headers={"Content-Type": "application/json", "Stripe-Signature": signature,
                                          "User-Agent": "Payment Flow Lab webhook demo"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            return resp.status, resp.read().decode()[:500]
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()[:500]


def fake_success_event(pi_id: str, order_id: str, amount: int, currency: str) -> str:
    """What a forger would send to get an order shipped for free."""
    return json.dumps({"id": f"evt_forged_{int(time.time())}", "object": "event", "type": "payment_intent.succeeded",
                       "created": int(time.time()), "livemode": False,
                       "data": {"object": {"id": pi_id, "object": "payment_intent", "status": "succeeded",
                                           "amount": amount, "amount_received": amount, "currency": currency,
                                           "metadata": {"order_id": order_id}}}}, indent=2)


def forged(url: str, payload: str) -> DemoResult:
    header = WebhookSignature.generate_signature_header(payload, FORGED_SECRET)
    return DemoResult("forged signature", *post(url, payload, header), header)


def stale(url: str, payload: str, secret: str) -> DemoResult:
    """A correctly signed delivery captured 10 minutes ago and sent again."""
    header = WebhookSignature.generate_signature_header(payload, secret, timestamp=int(time.time()) - STALE_AGE_S)
    return DemoResult("stale timestamp (10 min old)", *post(url, payload, header), header)


def replay(url: str, payload: str, secret: str) -> DemoResult:
    """The same event delivered again with a fresh, valid signature (Stripe retries do exactly this)."""
    header = WebhookSignature.generate_signature_header(payload, secret)
    return DemoResult("replayed event (valid signature)", *post(url, payload, header), header)
