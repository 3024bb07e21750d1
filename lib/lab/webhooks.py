"""Events & webhooks page logic: the app's endpoint and its deliveries, resend, and signature demos.

The app's webhook endpoint is the Learn page's shop receiver (``lib.shop.webhook_receiver``,
``POST /webhooks/stripe`` on a loopback port). Two views of its traffic:

* what the **sender** saw — the sandbox's delivery log (``GET /_sandbox/webhook_deliveries``,
  sandbox-only): every attempt with HTTP status, latency, retries and the receiver's answer;
* what the **endpoint** saw — the receiver's own log (``lib.shop.db``): verified or rejected,
  and why. This works in every mode, including ``stripe listen`` forwarding in test mode.

Signing follows Stripe's scheme (TEST_MODE.md §6.1): ``signed_payload = f"{t}.{body}"``,
``v1 = hex(HMAC_SHA256(key=whsec_…, msg=signed_payload))``, header ``t=<t>,v1=<hex>``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

import stripe

from lib import shop
from lib.config import Mode, mask_key

from .eventlog import as_dict

TOLERANCE_S = 300          # stripe.Webhook.DEFAULT_TOLERANCE
STALE_BY_S = 600           # the stale-timestamp demo signs 10 minutes in the past


# --- the endpoint -------------------------------------------------------------------------------
def endpoint(conn: Any) -> Any:
    """Start (once) and register the app's receiver; returns the shop's WebhookStatus."""
    return shop.ensure_webhooks(conn)


def signing_secret(conn: Any) -> str | None:
    """The whsec_ secret deliveries to our endpoint are signed with (never shown unmasked)."""
    secret = shop.get_webhook_server().secrets.get(f"registered:{conn.api_base}")
    if secret:
        return secret
    return conn.settings.webhook_secret.reveal() if conn.settings.webhook_secret else None


def _outcome(response_body: str | None) -> tuple[str | None, str]:
    try:
        body = json.loads(response_body or "")
    except ValueError:
        return None, ""
    if not isinstance(body, dict):
        return None, ""
    return body.get("outcome"), str(body.get("detail") or "")


def delivery_rows(client: stripe.StripeClient, endpoint_id: str | None, *, limit: int = 50,
                  event_id: str | None = None) -> list[dict[str, Any]]:
    """The sandbox's delivery attempts to ``endpoint_id``, newest first (sandbox-only endpoint)."""
    params: dict[str, Any] = {"limit": limit}
    if endpoint_id:
        params["endpoint"] = endpoint_id
    if event_id:
        params["event"] = event_id
    data = client.raw_request("get", "/_sandbox/webhook_deliveries", **params).data
    rows = []
    for d in data.get("data", []):
        outcome, detail = _outcome(d.get("response_body"))
        verified = d.get("status") == "succeeded"
        rows.append({
            "at": d.get("attempted_at") or d.get("created"), "event": d.get("event_id"), "type": d.get("event_type"),
            "attempt": "resend" if d.get("manual") else (f"retry {d['attempt'] - 1}" if d.get("attempt", 1) > 1
                                                         else "first"),
            "status": d.get("status"), "http": d.get("http_status"), "latency ms": d.get("latency_ms"),
            "verdict": ("verified ✓" if verified else "rejected ✗" if d.get("http_status") == 400 else
                        "pending…" if d.get("status") in ("pending", "sending") else "failed ✗"),
            "receiver said": outcome or "", "detail": detail or d.get("error") or "",
            "next retry": d.get("next_at"), "delivery": d.get("id"),
        })
    return rows


def receiver_rows(limit: int = 50) -> list[dict[str, Any]]:
    """What our endpoint recorded, newest first: verified (2xx) or rejected (400) and why."""
    return [{"at": r["received_at"], "event": r.get("event_id") or "", "type": r.get("type") or "",
             "http": r["http_status"], "verdict": "verified ✓" if r["http_status"] < 400 else "rejected ✗",
             "outcome": r["outcome"], "detail": r.get("detail") or ""}
            for r in shop.get_db().webhook_log(limit=limit)]


def resend(client: stripe.StripeClient, event_id: str, endpoint_id: str | None) -> list[dict]:
    """Queue one more delivery of ``event_id`` (sandbox-only: POST /_sandbox/events/{id}/resend)."""
    params = {"endpoint": endpoint_id} if endpoint_id else {}
    return client.raw_request("post", f"/_sandbox/events/{event_id}/resend", **params).data.get("data", [])


def resend_command(event_id: str, endpoint_id: str | None) -> str:
    """The Stripe CLI equivalent, for test mode."""
    tail = f" --webhook-endpoint={endpoint_id}" if endpoint_id else ""
    return f"stripe events resend {event_id}{tail}"


# --- signing, step by step ----------------------------------------------------------------------
def event_body(client: stripe.StripeClient, event_id: str) -> str:
    """The event as a webhook body: its JSON, indented as Stripe (and the sandbox) send it."""
    return json.dumps(as_dict(client.v1.events.retrieve(event_id)), indent=2)


def compute_v1(secret: str, t: int, body: str) -> str:
    return hmac.new(secret.encode("utf-8"), f"{t}.{body}".encode(), hashlib.sha256).hexdigest()


def signature_steps(secret: str, body: str, t: int) -> list[tuple[str, str]]:
    """(label, value) pairs: how Stripe-Signature is computed for ``body`` at time ``t``."""
    signed = f"{t}.{body}"
    v1 = compute_v1(secret, t, body)
    preview = signed if len(signed) <= 160 else signed[:120] + f"… ({len(signed)} characters)"
    return [
        ("1. Timestamp t (Unix seconds of this delivery attempt)", str(t)),
        ("2. signed_payload = f\"{t}.{body}\" — the exact raw body, UTF-8", preview),
        ("3. Key: the endpoint's signing secret, whsec_ prefix included", mask_key(secret)),
        ("4. HMAC-SHA256(key, signed_payload), hex-encoded → v1", v1),
        ("5. Header sent with the POST", f"Stripe-Signature: t={t},v1={v1}"),
        ("6. Receiver: recompute v1, compare in constant time, reject if t is older than "
         f"{TOLERANCE_S} s", "stripe.Webhook.construct_event(payload, sig_header, secret)"),
    ]


@dataclass(frozen=True)
class DemoCase:
    name: str
    what: str
    header: str
    body: str
    verified: bool
    message: str
    endpoint_status: int | None = None
    endpoint_said: str = ""


def verify(body: str, header: str, secret: str) -> tuple[bool, str]:
    try:
        event = stripe.Webhook.construct_event(body, header, secret, tolerance=TOLERANCE_S)
    except stripe.SignatureVerificationError as exc:
        return False, f"SignatureVerificationError: {exc.user_message or exc}"
    except ValueError as exc:
        return False, f"ValueError: {exc}"
    return True, f"verified: construct_event returned {event.type} {event.id}"


def _post(url: str, body: str, header: str) -> tuple[int | None, str]:
    req = urllib.request.Request(url, data=body.encode(), method="POST", headers={
        "Content-Type": "application/json; charset=utf-8", "Stripe-Signature": header,
        "User-Agent": "Payment Flow Lab signature demo"})
    try:
        with urllib.request.urlopen(req, timeout=5) as resp:
            status, text = resp.status, resp.read(2000).decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        status, text = exc.code, exc.read(2000).decode("utf-8", "replace")
    except OSError as exc:
        return None, f"could not reach the endpoint: {exc}"
    outcome, detail = _outcome(text)
    return status, f"{outcome}: {detail}" if outcome else text[:200]


def tamper(body: str) -> str:
    """Change the amount in the payload (what an attacker would do); falls back to a comment."""
    try:
        event = json.loads(body)
        obj = event["data"]["object"]
        obj["amount"] = int(obj.get("amount") or 0) + 100_000
        return json.dumps(event, indent=2)
    except (ValueError, KeyError, TypeError):
        return body.replace("{", '{"tampered": true, ', 1)


def verification_demo(secret: str, body: str, *, endpoint_url: str | None = None,
                      now: int | None = None) -> list[DemoCase]:
    """Three deliveries of the same event: genuine, tampered body, stale timestamp.

    Each is verified locally with ``stripe.Webhook.construct_event`` and, when ``endpoint_url`` is
    given, POSTed to the app's endpoint too (the rejected ones show up in its log).
    """
    t = int(time.time()) if now is None else now
    genuine = f"t={t},v1={compute_v1(secret, t, body)}"
    changed = tamper(body)
    old = t - STALE_BY_S
    stale = f"t={old},v1={compute_v1(secret, old, body)}"
    cases = [("Genuine", "The body and header exactly as signed.", genuine, body),
             ("Tampered payload", "Same header, but the amount in the body was changed after signing.", genuine,
              changed),
             ("Stale timestamp", f"Correctly signed, but {STALE_BY_S // 60} minutes ago (a replayed delivery).",
              stale, body)]
    out = []
    for name, what, header, payload in cases:
        ok, message = verify(payload, header, secret)
        status, said = _post(endpoint_url, payload, header) if endpoint_url else (None, "")
        out.append(DemoCase(name, what, header, payload, ok, message, status, said))
    return out


def webhook_mode_note(conn: Any) -> str:
    if conn.mode == Mode.SANDBOX:
        return ("The offline sandbox signs and POSTs every event to the app's endpoint itself (registered through "
                "POST /v1/webhook_endpoints). The delivery log and resend are sandbox-only tools.")
    return ("Stripe cannot reach a loopback address: forward events with `stripe listen --forward-to <endpoint>` "
            "and set STRIPE_WEBHOOK_SECRET to the whsec_… it prints. The endpoint's own log below shows what "
            "arrived; Stripe's delivery attempts are in the Dashboard (Developers → Webhooks).")
