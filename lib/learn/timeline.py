"""The PaymentIntent's timeline: its status changes with timestamps and the events announcing them,
read back from ``GET /v1/events`` (Stripe has no per-object filter, so recent events are listed
from the order's creation time and filtered to this payment's PaymentIntent, charges, refunds
and disputes)."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import stripe

from lib.redaction import safe_error_message
from lib.stripe_facts.lifecycle import PIStatus

MAX_PAGES = 5
EVENT_NOTES = {
    "payment_intent.created": "PaymentIntent created",
    "payment_intent.requires_action": "waiting for 3-D Secure",
    "payment_intent.succeeded": "paid",
    "payment_intent.payment_failed": "attempt failed; ready for another card",
    "payment_intent.canceled": "canceled",
    "charge.succeeded": "charge approved",
    "charge.failed": "charge declined",
    "charge.refunded": "charge refunded",
    "refund.created": "refund created",
    "refund.updated": "refund updated",
    "refund.failed": "refund failed",
    "charge.refund.updated": "refund updated",
    "charge.dispute.created": "dispute opened",
    "charge.dispute.funds_withdrawn": "disputed amount + fee withdrawn",
    "charge.dispute.updated": "dispute updated",
    "charge.dispute.funds_reinstated": "disputed amount returned",
    "charge.dispute.closed": "dispute closed",
}


@dataclass(frozen=True)
class TimelineRow:
    created: int
    event_id: str
    type: str
    object_id: str
    status: str | None      # the object's status after the event
    note: str

    def as_row(self) -> dict[str, Any]:
        return {"time": time.strftime("%H:%M:%S", time.localtime(self.created)), "event": self.type,
                "status after": self.status or "", "meaning": self.note, "object": self.object_id}


def related(obj: dict[str, Any], pi_id: str) -> bool:
    if obj.get("id") == pi_id:
        return True
    pi = obj.get("payment_intent")
    return (pi.get("id") if isinstance(pi, dict) else pi) == pi_id


def fetch(client: stripe.StripeClient, pi_id: str, since: float) -> tuple[list[TimelineRow], str | None]:
    """This payment's events, oldest first, or ([], error message)."""
    rows: list[TimelineRow] = []
    params: dict[str, Any] = {"limit": 100, "created": {"gte": int(since) - 2}}
    try:
        for _ in range(MAX_PAGES):
            page = client.v1.events.list(params=params)
            for event in page.data:
                obj = event.data.object
                obj = obj.to_dict() if hasattr(obj, "to_dict") else dict(obj)
                if related(obj, pi_id):
                    rows.append(TimelineRow(int(event.created), event.id, event.type, str(obj.get("id")),
                                            obj.get("status"), EVENT_NOTES.get(event.type, "")))
            if not page.has_more or not page.data:
                break
            params = {**params, "starting_after": page.data[-1].id}
    except Exception as exc:
        return [], safe_error_message(exc)
    rows.reverse()  # the API lists newest first; same-second events keep their emission order
    return rows, None


def status_path(rows: list[TimelineRow], pi_id: str, current: str | None) -> list[str]:
    """The PaymentIntent statuses in the order they happened (consecutive repeats dropped)."""
    path: list[str] = []
    for row in rows:
        if row.object_id == pi_id and row.status in PIStatus._value2member_map_ and (not path or path[-1] != row.status):
            path.append(row.status)
    if current and (not path or path[-1] != current):
        path.append(current)
    return path
