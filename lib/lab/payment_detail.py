"""One PaymentIntent in depth: related objects, balance transactions, its events as a timeline of
lifecycle transitions, and the actions its current state allows.

Events: Stripe has no "events of this object" filter, so :func:`payment_events` reads bounded
``created`` windows around each object's creation (and capture / cancellation) with the relevant
``types[]`` and keeps the events whose ``data.object`` belongs to the payment. On the offline
sandbox one request to its sandbox-only ``GET /_sandbox/events?object_id[]=…`` does the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import stripe

from lib.stripe_facts import currencies
from lib.stripe_facts.lifecycle import CANCELABLE, CAPTURABLE, TRANSITIONS, PIStatus

from . import eventlog
from .eventlog import as_dict

DAY = 86400
PAYMENT_WINDOW = 3600
PI_TYPES = [f"payment_intent.{t}" for t in ("created", "requires_action", "processing", "succeeded",
                                            "payment_failed", "canceled", "amount_capturable_updated")]
CHARGE_TYPES = [f"charge.{t}" for t in ("succeeded", "failed", "captured", "pending", "expired", "updated",
                                        "refunded")]
REFUND_TYPES = ["refund.created", "refund.updated", "refund.failed", "charge.refund.updated", "charge.refunded"]
DISPUTE_TYPES = [f"charge.dispute.{t}" for t in ("created", "updated", "closed", "funds_withdrawn",
                                                 "funds_reinstated")] + ["charge.updated"]
CANCEL_REASONS = ("requested_by_customer", "duplicate", "fraudulent", "abandoned")
REFUND_REASONS = ("requested_by_customer", "duplicate", "fraudulent")
EVIDENCE = {"win": "winning_evidence", "lose": "losing_evidence", "escalate": "escalate_inquiry_evidence"}
OPEN_DISPUTE = ("needs_response", "warning_needs_response")


class ActionError(ValueError):
    """An action the current state or the input does not allow (checked before any request)."""


@dataclass
class TimelineEntry:
    at: int
    kind: str                     # "transition" | "activity"
    title: str
    events: list[dict] = field(default_factory=list)
    from_status: str | None = None
    to_status: str | None = None
    explanation: str = ""

    @property
    def request(self) -> str:
        req = (self.events[0].get("request") or {}).get("id") if self.events else None
        return req or "automatic (no API request)"


@dataclass
class Detail:
    pi: dict
    charges: list[dict]
    refunds: list[dict]
    disputes: list[dict]
    balance_transactions: list[dict]
    events: list[dict]
    timeline: list[TimelineEntry]
    path: list[str]
    events_note: str = ""

    @property
    def charge(self) -> dict | None:
        latest = self.pi.get("latest_charge")
        if isinstance(latest, dict):
            return next((c for c in self.charges if c["id"] == latest["id"]), latest)
        return next((c for c in self.charges if c["id"] == latest), None)

    @property
    def refundable(self) -> int:
        """Minor units that can still be refunded (0 when a refund is not possible)."""
        charge = self.charge
        if self.pi.get("status") != "succeeded" or not charge or not charge.get("captured"):
            return 0
        if any(not d.get("is_charge_refundable", True) for d in self.disputes):
            return 0
        return max(0, int(charge.get("amount_captured") or 0) - int(charge.get("amount_refunded") or 0))

    def actions(self) -> list[str]:
        """The actions valid now: capture, cancel, refund (dispute actions: :meth:`dispute_actions`)."""
        status = PIStatus(self.pi["status"])
        out = []
        if status in CAPTURABLE:
            out.append("capture")
        if status in CANCELABLE:
            out.append("cancel")
        if self.refundable > 0:
            out.append("refund")
        return out

    @staticmethod
    def dispute_actions(dispute: dict) -> list[str]:
        if dispute.get("status") not in OPEN_DISPUTE:
            return []
        inquiry = dispute.get("status") == "warning_needs_response"
        return ["win", "lose", *(["escalate"] if inquiry else []), "accept"]


# --- loading ------------------------------------------------------------------------------------
def _list(fn, **params: Any) -> list[dict]:
    return [as_dict(o) for o in fn(params={"limit": 100, **params}).data]


def load(client: stripe.StripeClient, pi_id: str, *, sandbox: bool = False) -> Detail:
    """Everything about ``pi_id`` (raises stripe errors, e.g. 404 resource_missing)."""
    pi = as_dict(client.v1.payment_intents.retrieve(pi_id, params={"expand": ["latest_charge"]}))
    charges = _list(client.v1.charges.list, payment_intent=pi_id, expand=["data.balance_transaction"])
    refunds = _list(client.v1.refunds.list, payment_intent=pi_id, expand=["data.balance_transaction"])
    disputes = _list(client.v1.disputes.list, payment_intent=pi_id)
    bts: list[dict] = []
    for obj in (*charges, *refunds):
        if isinstance(obj.get("balance_transaction"), dict):
            bts.append(obj["balance_transaction"])
    for refund in refunds:
        failure = refund.get("failure_balance_transaction")
        if isinstance(failure, str):
            bts.append(as_dict(client.v1.balance_transactions.retrieve(failure)))
    for dispute in disputes:
        bts.extend(as_dict(b) for b in dispute.get("balance_transactions") or [] if isinstance(b, dict))
    events, note = payment_events(client, pi, charges, refunds, disputes, sandbox=sandbox)
    timeline, path = build_timeline(events)
    if not path:
        path = [pi["status"]]
        note = note or "No events were found for this payment (Stripe keeps events for 30 days)."
    return Detail(pi, charges, refunds, disputes, sorted(bts, key=lambda b: b.get("created", 0)), events,
                  timeline, path, note)


def payment_events(client: stripe.StripeClient, pi: dict, charges: list[dict], refunds: list[dict],
                   disputes: list[dict], *, sandbox: bool) -> tuple[list[dict], str]:
    ids = [pi["id"], *(c["id"] for c in charges), *(r["id"] for r in refunds), *(d["id"] for d in disputes)]
    if sandbox and len(ids) <= 20:
        events: list[dict] = []
        params: dict[str, Any] = {"object_id": ids, "limit": 100}
        for _ in range(10):
            page = client.raw_request("get", "/_sandbox/events", **params).data
            events.extend(page["data"])
            if not page.get("has_more") or not page["data"]:
                break
            params["starting_after"] = page["data"][-1]["id"]
        return eventlog.oldest_first(events), ""
    windows: list[tuple[int, int, list[str]]] = [(pi["created"], pi["created"] + PAYMENT_WINDOW,
                                                  PI_TYPES + CHARGE_TYPES)]
    for charge in charges:
        bt = charge.get("balance_transaction")
        if isinstance(bt, dict) and bt.get("created", 0) > pi["created"] + PAYMENT_WINDOW:  # captured later
            windows.append((bt["created"], bt["created"] + PAYMENT_WINDOW, PI_TYPES + CHARGE_TYPES))
    if pi.get("canceled_at"):
        windows.append((pi["canceled_at"], pi["canceled_at"] + PAYMENT_WINDOW, PI_TYPES + CHARGE_TYPES))
    for refund in refunds:
        windows.append((refund["created"], refund["created"] + DAY, REFUND_TYPES))
    for dispute in disputes:
        windows.append((dispute["created"], dispute["created"] + 30 * DAY, DISPUTE_TYPES))
    found: list[dict] = []
    truncated = False
    for start, end, types in windows:
        page = eventlog.list_events(client, since=start - 1, until=end, types=types, ids=ids, max_pages=10)
        found.extend(eventlog.oldest_first(page.events))
        truncated = truncated or page.has_more
    note = ("Some events may be missing: too many events in this period to scan them all."
            if truncated else "")
    return eventlog.dedupe_sorted(found), note


# --- timeline -----------------------------------------------------------------------------------
def _explain(source: str | None, target: str) -> str:
    for row in TRANSITIONS:
        if (row.source.value if row.source else None) == source and row.target.value == target:
            return row.explanation
    return ""


def activity_object(events: list[dict]) -> dict:
    """The object an activity is about: a refund or dispute before the charge it touches."""
    objs = [(e.get("data") or {}).get("object") or {} for e in events]
    rank = {"refund": 0, "dispute": 1, "radar.early_fraud_warning": 2}
    return min(objs, key=lambda o: rank.get(o.get("object", ""), 9)) if objs else {}


def activity_details(obj: dict) -> str:
    """A refund's or dispute's amount (and a dispute's reason): ``"$7.50"``, ``"$20.00, fraudulent"``."""
    parts = []
    if obj.get("object") in ("refund", "dispute") and isinstance(obj.get("amount"), int):
        parts.append(currencies.format_amount(obj["amount"], obj.get("currency") or "usd"))
    if obj.get("object") == "dispute" and obj.get("reason"):
        parts.append(str(obj["reason"]))
    return ", ".join(parts)


def _activity_title(events: list[dict]) -> str:
    obj = activity_object(events)
    kind = str(obj.get("object", "object")).replace("_", " ").replace("radar.", "")
    status = obj.get("status")
    extra = activity_details(obj)
    return f"{kind.capitalize()} {obj.get('id', '')}" + (f" → {status}" if status else "") + (
        f" ({extra})" if extra else "")


def build_timeline(events: list[dict]) -> tuple[list[TimelineEntry], list[str]]:
    """Group events (oldest first) into PaymentIntent transitions and other activity.

    Each ``payment_intent.*`` event is one transition of the lifecycle table; the Charge events of
    the same API request that precede it belong to it (``charge.succeeded`` then
    ``payment_intent.succeeded``). Events about refunds and disputes are "activity" entries.
    """
    entries: list[TimelineEntry] = []
    path: list[str] = []
    current: str | None = None
    pending: list[dict] = []
    last_key: Any = object()

    def flush() -> None:
        if pending:
            entries.append(TimelineEntry(pending[0]["created"], "activity", _activity_title(pending), list(pending)))
            pending.clear()

    for event in events:
        key = (event.get("request") or {}).get("id") or ("auto", event.get("created"))
        if key != last_key:
            flush()
            last_key = key
        if not event["type"].startswith("payment_intent."):
            pending.append(event)
            continue
        status = ((event.get("data") or {}).get("object") or {}).get("status")
        pending.append(event)
        # Every PaymentIntent event announces a transition, a decline too (requires_payment_method → itself).
        entries.append(TimelineEntry(event["created"], "transition", f"{current or 'created'} → {status}",
                                     list(pending), current, status, _explain(current, status)))
        current = status
        path.append(status)
        pending.clear()
    flush()
    return entries, path


# --- actions ------------------------------------------------------------------------------------
def _minor(amount_major: Decimal | str | float | None, currency: str) -> int | None:
    if amount_major in (None, ""):
        return None
    try:
        value = Decimal(str(amount_major))
    except Exception:
        raise ActionError(f"The amount must be a number (got {amount_major!r}).") from None
    if value <= 0:
        raise ActionError("The amount must be greater than zero.")
    return currencies.major_to_minor(value, currency)


def capture(client: stripe.StripeClient, detail: Detail, amount_major: Any = None) -> dict:
    if "capture" not in detail.actions():
        raise ActionError(f"A {detail.pi['status']} PaymentIntent cannot be captured; only requires_capture can.")
    amount = _minor(amount_major, detail.pi["currency"])
    capturable = int(detail.pi.get("amount_capturable") or 0)
    if amount is not None and amount > capturable:
        raise ActionError(f"You can capture at most {currencies.format_amount(capturable, detail.pi['currency'])}.")
    params = {} if amount is None or amount == capturable else {"amount_to_capture": amount}
    return as_dict(client.v1.payment_intents.capture(detail.pi["id"], params=params))


def cancel(client: stripe.StripeClient, detail: Detail, reason: str | None = None) -> dict:
    if "cancel" not in detail.actions():
        raise ActionError(f"A {detail.pi['status']} PaymentIntent cannot be canceled.")
    if reason and reason not in CANCEL_REASONS:
        raise ActionError(f"Unknown cancellation reason {reason!r}.")
    params = {"cancellation_reason": reason} if reason else {}
    return as_dict(client.v1.payment_intents.cancel(detail.pi["id"], params=params))


def refund(client: stripe.StripeClient, detail: Detail, amount_major: Any = None, reason: str | None = None) -> dict:
    left = detail.refundable
    if left <= 0:
        raise ActionError("This payment cannot be refunded now (not succeeded, already fully refunded, or "
                          "charged back).")
    amount = _minor(amount_major, detail.pi["currency"])
    if amount is not None and amount > left:
        raise ActionError(f"You can refund at most {currencies.format_amount(left, detail.pi['currency'])}.")
    if reason and reason not in REFUND_REASONS:
        raise ActionError(f"Unknown refund reason {reason!r}.")
    params: dict[str, Any] = {"payment_intent": detail.pi["id"]}
    if amount is not None:
        params["amount"] = amount
    if reason:
        params["reason"] = reason
    return as_dict(client.v1.refunds.create(params=params))


def _dispute(detail: Detail, dispute_id: str) -> dict:
    found = next((d for d in detail.disputes if d["id"] == dispute_id), None)
    if found is None:
        raise ActionError(f"{dispute_id} is not a dispute of this payment.")
    return found


def submit_evidence(client: stripe.StripeClient, detail: Detail, dispute_id: str, outcome: str) -> dict:
    dispute = _dispute(detail, dispute_id)
    if outcome not in Detail.dispute_actions(dispute) or outcome == "accept":
        raise ActionError(f"'{outcome}' evidence is not possible for a dispute in status {dispute['status']}.")
    return as_dict(client.v1.disputes.update(dispute_id, params={"evidence": {"uncategorized_text": EVIDENCE[outcome]}}))


def accept_dispute(client: stripe.StripeClient, detail: Detail, dispute_id: str) -> dict:
    dispute = _dispute(detail, dispute_id)
    if "accept" not in Detail.dispute_actions(dispute):
        raise ActionError(f"A dispute in status {dispute['status']} cannot be accepted.")
    return as_dict(client.v1.disputes.close(dispute_id))


def bt_row(bt: dict) -> dict[str, Any]:
    """A balance transaction for the table: what it is, its money, its status (the raw value: the page
    shows it as a badge) and when it becomes available."""
    cur = bt.get("currency") or "usd"
    available = bt.get("available_on")
    return {"type": bt.get("type"), "category": bt.get("reporting_category"),
            "amount": currencies.format_amount(int(bt.get("amount") or 0), cur),
            "fee": currencies.format_amount(int(bt.get("fee") or 0), cur),
            "net": currencies.format_amount(int(bt.get("net") or 0), cur), "status": bt.get("status"),
            "available on": datetime.fromtimestamp(int(available), UTC).strftime("%Y-%m-%d") if available else None,
            "description": bt.get("description") or ""}
