"""The shop's webhook handler: verify the signature, then apply each event exactly once.

:meth:`WebhookHandler.handle` is what ``POST /webhooks/stripe`` runs (lib.shop.webhook_receiver):

1. Verify ``Stripe-Signature`` with ``stripe.Webhook.construct_event`` against every known
   ``whsec_`` secret (the sandbox registration's, and ``STRIPE_WEBHOOK_SECRET`` for
   ``stripe listen``). No header, a wrong signature, a timestamp older than the tolerance — or
   further in the future than it (stripe-python checks only the past) — or a signed body that is
   not a JSON event (id, type, data.object) → 400, logged in ``webhook_log``; nothing else happens.
2. Apply the event in ONE database transaction that also inserts its id into
   ``processed_events``. A replayed (or re-delivered) event hits the primary key, the transaction
   rolls back, and the handler answers 200 "already processed": nothing changes twice.
3. Answer fast (no API calls in here); 2xx tells Stripe to stop retrying.

Fulfilment happens here, on ``payment_intent.succeeded`` — never because a browser said so.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import stripe

from lib.shop import receipts
from lib.shop.db import DuplicateEvent, MerchantDB
from lib.stripe_facts.currencies import format_amount

logger = logging.getLogger(__name__)

DEFAULT_TOLERANCE_S = 300
FULFILMENT_DETAIL = f"Packed and shipped: {receipts.ITEM}"
NOTED = "noted (no action needed)"


@dataclass(frozen=True)
class WebhookResult:
    http_status: int
    outcome: str          # applied | noted | duplicate | ignored | rejected | error
    detail: str
    event_id: str | None = None
    event_type: str | None = None
    payment_intent: str | None = None

    def body(self) -> bytes:
        return json.dumps({"received": self.http_status < 400, "outcome": self.outcome,
                           "detail": self.detail}).encode()


def payment_intent_of(obj: dict[str, Any]) -> str | None:
    """The PaymentIntent an event's object belongs to (PI, Charge, Refund or Dispute)."""
    if obj.get("object") == "payment_intent":
        return obj.get("id")
    pi = obj.get("payment_intent")
    if isinstance(pi, dict):
        pi = pi.get("id")
    return pi if isinstance(pi, str) else None


def signed_at(signature: str) -> int:
    """The ``t=`` of a verified ``Stripe-Signature`` (its first, as stripe-python reads it)."""
    for item in signature.split(","):
        name, _, value = item.partition("=")
        if name == "t":
            return int(value)
    raise ValueError("no t= in the signature")


def parse_event(text: str) -> tuple[str, str, dict[str, Any]] | None:
    """(id, type, data.object) of a Stripe event's JSON, or None when the JSON is not one."""
    try:
        event = json.loads(text)
    except ValueError:
        return None
    if not isinstance(event, dict) or not isinstance(event.get("data"), dict):
        return None
    obj, event_id, event_type = event["data"].get("object"), event.get("id"), event.get("type")
    if not (isinstance(obj, dict) and isinstance(event_id, str) and event_id and isinstance(event_type, str)
            and event_type):
        return None
    return event_id, event_type, obj


class WebhookHandler:
    """Verifies and applies webhook deliveries for one :class:`MerchantDB`."""

    def __init__(self, db: MerchantDB, secrets: Callable[[], Iterable[str]],
                 tolerance: int = DEFAULT_TOLERANCE_S, clock: Callable[[], float] = time.time) -> None:
        self.db = db
        self.secrets = secrets
        self.tolerance = tolerance
        self.clock = clock

    # --- entry point -----------------------------------------------------------------------------
    def handle(self, payload: bytes, signature: str | None) -> WebhookResult:
        try:
            result = self._handle(payload, signature)
        except Exception as exc:  # a bug must not leak a traceback to the sender; 500 makes Stripe retry
            logger.exception("webhook handler failed")
            result = WebhookResult(500, "error", f"handler error: {type(exc).__name__}")
        try:
            self.db.log_webhook(result.http_status, result.outcome, result.event_id, result.event_type,
                                result.payment_intent, result.detail)
        except Exception:
            logger.exception("could not write the webhook log")
        return result

    def _handle(self, payload: bytes, signature: str | None) -> WebhookResult:
        secrets = [s for s in self.secrets() if s]
        if not secrets:
            return WebhookResult(400, "rejected", "no webhook signing secret is configured, so nothing can be "
                                 "verified (register the endpoint or set STRIPE_WEBHOOK_SECRET)")
        if not signature:
            return WebhookResult(400, "rejected", "missing Stripe-Signature header")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            return WebhookResult(400, "rejected", "the body is not UTF-8 text, so it is not a Stripe event")
        problems = []
        for secret in secrets:
            try:
                stripe.WebhookSignature.verify_header(text, signature, secret, tolerance=self.tolerance)
                break
            except stripe.SignatureVerificationError as exc:
                problems.append(str(exc.user_message or exc))
        else:
            stale = any("tolerance" in p for p in problems)
            why = ("timestamp too old (possible replay attack): " if stale else "signature does not match: ")
            return WebhookResult(400, "rejected", why + problems[-1][:200])
        ahead = signed_at(signature) - self.clock()
        if self.tolerance and ahead > self.tolerance:  # stripe-python checks only the past (TEST_MODE.md §6.1)
            return WebhookResult(400, "rejected", f"timestamp {int(ahead)} s in the future, beyond the "
                                 f"{self.tolerance} s tolerance (a signature made for later, or a wrong clock)")
        parsed = parse_event(text)
        if parsed is None:
            return WebhookResult(400, "rejected", "signed, but not a Stripe event")
        event_id, event_type, obj = parsed
        pi_id = payment_intent_of(obj)
        try:
            detail = self.apply(event_id, event_type, obj, pi_id)
        except DuplicateEvent:
            seen = self.db.event_processed(event_id) or {}
            return WebhookResult(200, "duplicate", f"already processed ({seen.get('result', '?')}); nothing changed",
                                 event_id, event_type, pi_id)
        except (ValueError, TypeError, AttributeError, KeyError) as exc:  # a field of the wrong type: rolled back
            return WebhookResult(400, "rejected", f"signed, but the event's object is malformed ({type(exc).__name__}); "
                                 "nothing changed", event_id, event_type, pi_id)
        outcome = "ignored" if detail.startswith("no order") else "noted" if detail == NOTED else "applied"
        return WebhookResult(200, outcome, detail, event_id, event_type, pi_id)

    # --- effects ---------------------------------------------------------------------------------
    def apply(self, event_id: str, event_type: str, obj: dict[str, Any], pi_id: str | None) -> str:
        """Apply one verified event; raises DuplicateEvent if it was applied before."""
        db = self.db
        with db.tx() as tx:
            order = db.order_for_payment_intent(pi_id) if pi_id else None
            meta_order = (obj.get("metadata") or {}).get("order_id") if isinstance(obj.get("metadata"), dict) else None
            if order is None and meta_order:
                order = db.order(str(meta_order))
                if order is not None and pi_id and not order.get("payment_intent"):
                    db.attach_payment_intent(order["id"], pi_id)  # the webhook beat the API response
            db.record_event(tx, event_id, event_type, pi_id, order["id"] if order else None, "…")
            if order is None:
                result = "no order in this shop for this payment (ignored)"
            else:
                result = self._effect(event_id, event_type, obj, order)
            db.set_event_result(tx, event_id, result)
        return result

    def _effect(self, event_id: str, event_type: str, obj: dict[str, Any], order: dict[str, Any]) -> str:
        db, oid = self.db, order["id"]
        paid = order.get("paid_at") is not None
        if event_type == "payment_intent.succeeded":
            if int(obj.get("amount_received") or obj.get("amount") or 0) != order["amount"] or \
                    str(obj.get("currency", "")).lower() != order["currency"]:
                db.update_order(oid, last_error="amount mismatch between order and PaymentIntent")
                return "amount/currency does not match the order: NOT fulfilled (investigate)"
            newly_paid = db.mark_paid(oid, "webhook")
            fresh = db.order(oid) or order
            db.queue_message(oid, "receipt", f"receipt:{oid}", *receipts.render_receipt(fresh))
            fulfilled = db.fulfil(oid, event_id, FULFILMENT_DETAIL)
            state = "order paid" if newly_paid else "order was already paid (API response)"
            return f"{state}; " + ("fulfilment started" if fulfilled else "already fulfilled")
        if event_type == "payment_intent.payment_failed":
            if paid:
                return NOTED
            err = obj.get("last_payment_error") or {}
            code = err.get("decline_code") or err.get("code") or "failed"
            db.update_order(oid, status="payment_failed", last_error=str(code))
            return f"order marked payment_failed ({code}); the customer can retry"
        if event_type == "payment_intent.requires_action":
            if not paid:
                db.update_order(oid, status="requires_action")
            return "order waits for the customer's authentication"
        if event_type == "payment_intent.canceled":
            if not paid:
                db.update_order(oid, status="canceled")
            return "order canceled"
        if event_type in ("refund.created", "refund.updated", "refund.failed", "charge.refund.updated"):
            return self._refund(obj, order)
        if event_type == "charge.refunded":
            refunds = ((obj.get("refunds") or {}).get("data") or []) if isinstance(obj.get("refunds"), dict) else []
            for refund in refunds:
                self._refund(refund, order)
            return f"charge refunded: {format_amount(int(obj.get('amount_refunded') or 0), order['currency'])} in total"
        if event_type.startswith("charge.dispute."):
            status = str(obj.get("status") or "")
            db.update_order(oid, dispute_status=status)
            return f"dispute {obj.get('id', '')} is {status} ({obj.get('reason', '')})"
        return NOTED

    def _refund(self, refund: dict[str, Any], order: dict[str, Any]) -> str:
        db, oid = self.db, order["id"]
        rid, status = str(refund.get("id")), str(refund.get("status") or "pending")
        amount = int(refund.get("amount") or 0)
        before = {r["id"]: r["status"] for r in db.refunds(oid)}
        db.upsert_refund(rid, oid, amount, status, refund.get("failure_reason"))
        if status == "failed" and before.get(rid) != "failed":
            db.queue_message(oid, "refund_failed", f"refund_failed:{rid}",
                             *receipts.render_refund_failed_note(order, rid, amount, refund.get("failure_reason")))
            return f"refund {rid} FAILED ({refund.get('failure_reason') or 'unknown'}); staff notified"
        if status in ("succeeded", "pending"):
            db.queue_message(oid, "refund", f"refund:{rid}", *receipts.render_refund_note(order, rid, amount))
        return f"refund {rid} is {status}"
