"""Statuses as the Stripe Dashboard shows them: a short word and a colour, never snake_case.

A payment's *displayed* status is not always its PaymentIntent status. The Dashboard's payments
list says "Refunded" or "Partially refunded" for a succeeded payment whose charge was refunded,
"Disputed" once its charge has a dispute, "Uncaptured" while it waits in ``requires_capture``,
"Failed" after a decline and "Incomplete" while it still needs the customer (a payment method, a
confirmation, 3-D Secure). This module derives that word from the objects, so every page —
explorer list, order tables, timelines, finance tables — says the same thing.

Colours are Streamlit's badge colours: green = money arrived, red = failed or lost, orange =
needs someone's attention, blue = in progress, gray = closed or neutral.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Badge:
    label: str
    color: str  # a Streamlit badge colour: green, red, orange, blue, violet, gray


SUCCEEDED = Badge("Succeeded", "green")
REFUNDED = Badge("Refunded", "gray")
PARTIALLY_REFUNDED = Badge("Partially refunded", "gray")
DISPUTED = Badge("Disputed", "orange")
FAILED = Badge("Failed", "red")
CANCELED = Badge("Canceled", "gray")
INCOMPLETE = Badge("Incomplete", "orange")
UNCAPTURED = Badge("Uncaptured", "blue")
PROCESSING = Badge("Processing", "blue")
BLOCKED = Badge("Blocked", "red")

# Stripe's PaymentIntent statuses on their own (the explorer detail, timelines).
_PI_STATUS = {
    "requires_payment_method": Badge("Requires payment method", "orange"),
    "requires_confirmation": Badge("Requires confirmation", "orange"),
    "requires_action": Badge("Requires action", "orange"),
    "processing": PROCESSING,
    "requires_capture": UNCAPTURED,
    "succeeded": SUCCEEDED,
    "canceled": CANCELED,
}
_DISPUTE = {
    "warning_needs_response": Badge("Inquiry: needs response", "orange"),
    "warning_under_review": Badge("Inquiry: under review", "blue"),
    "warning_closed": Badge("Inquiry closed", "gray"),
    "needs_response": Badge("Needs response", "orange"),
    "under_review": Badge("Under review", "blue"),
    "won": Badge("Won", "green"),
    "lost": Badge("Lost", "red"),
    "prevented": Badge("Prevented", "green"),
}
_REFUND = {"pending": Badge("Pending", "blue"), "requires_action": Badge("Requires action", "orange"),
           "succeeded": SUCCEEDED, "failed": FAILED, "canceled": CANCELED}
# The shop's own order statuses (lib/shop/db: ORDER_STATUSES), in the same words and colours.
_ORDER = {"pending": Badge("Pending", "blue"), "requires_action": Badge("Requires action", "orange"),
          "payment_failed": Badge("Payment failed", "red"), "paid": Badge("Paid", "green"),
          "partially_refunded": PARTIALLY_REFUNDED, "refunded": REFUNDED, "canceled": CANCELED}


def humanize(value: str | None) -> str:
    """``"requires_payment_method"`` → ``"Requires payment method"`` (for a status we do not know)."""
    return str(value or "").replace("_", " ").strip().capitalize()


def _or_plain(table: dict[str, Badge], status: str | None) -> Badge:
    return table.get(str(status or ""), Badge(humanize(status) or "—", "gray"))


def pi_status_badge(status: str | None) -> Badge:
    return _or_plain(_PI_STATUS, status)


def dispute_badge(status: str | None) -> Badge:
    return _or_plain(_DISPUTE, status)


def refund_badge(status: str | None) -> Badge:
    return _or_plain(_REFUND, status)


def order_badge(status: str | None) -> Badge:
    return _or_plain(_ORDER, status)


def payment_badge(status: str | None, *, amount: int | None = None, amount_refunded: int | None = 0,
                  disputed: bool = False, failed: bool = False, blocked: bool = False) -> Badge:
    """The Dashboard's word for a payment, from its PaymentIntent status and its charge.

    ``failed``: the last attempt was declined (``last_payment_error`` is set). ``blocked``: Radar
    blocked it. A dispute outranks refunds (a disputed payment is shown as Disputed even if partly
    refunded); a full refund outranks "Succeeded".
    """
    s = str(status or "")
    if s == "succeeded":
        if disputed:
            return DISPUTED
        refunded = int(amount_refunded or 0)
        if refunded and amount is not None and refunded >= int(amount):
            return REFUNDED
        if refunded:
            return PARTIALLY_REFUNDED
        return SUCCEEDED
    if s == "requires_capture":
        return UNCAPTURED
    if s == "canceled":
        return CANCELED
    if s == "processing":
        return PROCESSING
    if s in ("requires_payment_method", "requires_confirmation", "requires_action"):
        if blocked:
            return BLOCKED
        return FAILED if failed else INCOMPLETE
    return Badge(humanize(s) or "—", "gray")


def payment_badge_of(pi: dict[str, Any], charge: dict[str, Any] | None = None) -> Badge:
    """:func:`payment_badge` for API objects: a PaymentIntent (dict) and, when known, its latest charge."""
    charge = charge or (pi.get("latest_charge") if isinstance(pi.get("latest_charge"), dict) else None) or {}
    error = pi.get("last_payment_error") or {}
    outcome = charge.get("outcome") or {}
    return payment_badge(pi.get("status"), amount=pi.get("amount_received") or pi.get("amount"),
                         amount_refunded=charge.get("amount_refunded") or 0, disputed=bool(charge.get("disputed")),
                         failed=bool(error), blocked=outcome.get("type") == "blocked")


# --- Charges, balance transactions, HTTP responses, any event's object -------------------------------
PENDING = Badge("Pending", "blue")
_CHARGE_STATUS = {"succeeded": SUCCEEDED, "pending": PENDING, "failed": FAILED}
_BALANCE_TRANSACTION = {"pending": PENDING, "available": Badge("Available", "green")}


def charge_badge_of(charge: dict[str, Any], *, payment_intent_status: str | None = None) -> Badge:
    """A Charge in the Dashboard's words. An authorized charge that is not captured is Uncaptured — or
    Canceled once its PaymentIntent is canceled (Stripe leaves ``refunded`` false and
    ``amount_captured`` 0 on a released authorization, so only the PaymentIntent tells). Refunds
    count against the captured amount (a partial capture does not move ``amount_refunded``)."""
    status = str(charge.get("status") or "")
    if status != "succeeded":
        return _or_plain(_CHARGE_STATUS, status)
    if charge.get("disputed"):
        return DISPUTED
    if not charge.get("captured"):
        return CANCELED if payment_intent_status == "canceled" else UNCAPTURED
    refunded = int(charge.get("amount_refunded") or 0)
    captured = int(charge.get("amount_captured") or charge.get("amount") or 0)
    if refunded and refunded >= captured:
        return REFUNDED
    return PARTIALLY_REFUNDED if refunded else SUCCEEDED


def balance_transaction_badge(status: str | None) -> Badge:
    return _or_plain(_BALANCE_TRANSACTION, status)


def http_status_badge(status: int | str | None) -> Badge:
    """An HTTP status code coloured by class: 2xx green, 3xx blue, 4xx orange, 5xx red; no response red."""
    if status in (None, "", "—"):
        return Badge("No response", "red")
    code = int(status)
    color = {2: "green", 3: "blue", 4: "orange", 5: "red"}.get(code // 100, "gray")
    return Badge(str(code), color)


def object_status_badge(object_type: str | None, status: str | None) -> Badge:
    """The status of any object an event describes (``data.object.object`` and its ``status``)."""
    table = {"payment_intent": _PI_STATUS, "charge": _CHARGE_STATUS, "refund": _REFUND,
             "dispute": _DISPUTE}.get(str(object_type or ""), {})
    return _or_plain(table, status)
