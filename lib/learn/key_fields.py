"""The few fields of an API answer that a learner should look at first (the rest stays on demand)."""

from __future__ import annotations

from typing import Any

# (dotted path, why it matters), in reading order. Paths missing from the object are left out.
PAYMENT_INTENT_FIELDS: tuple[tuple[str, str], ...] = (
    ("id", "the PaymentIntent: one per order, reused for every retry"),
    ("status", "where it is in its lifecycle"),
    ("amount", "in the currency's smallest unit"),
    ("currency", ""),
    ("payment_method", "the id the browser handed over (no card data)"),
    ("latest_charge", "the charge this attempt made"),
    ("next_action.type", "what the customer must do next (3-D Secure)"),
    ("last_payment_error.code", "why the last attempt failed"),
    ("last_payment_error.decline_code", "the bank's reason"),
    ("metadata.order_id", "your order, so the webhook can find it"),
    ("automatic_payment_methods.enabled", "on by default since API 2023-08-16"),
    ("capture_method", ""),
)
ERROR_FIELDS: tuple[tuple[str, str], ...] = (
    ("error.type", ""), ("error.code", ""), ("error.decline_code", "the bank's reason"),
    ("error.message", "safe to show the customer"), ("error.payment_intent.id", "retry on this one"),
    ("error.payment_intent.status", ""),
)


def pluck(obj: Any, path: str) -> Any:
    """``obj["a"]["b"]`` for ``"a.b"``; None when any step is missing."""
    for part in path.split("."):
        if not isinstance(obj, dict) or part not in obj:
            return None
        obj = obj[part]
    return obj


def key_fields(obj: dict[str, Any] | None,
               fields: tuple[tuple[str, str], ...] = PAYMENT_INTENT_FIELDS) -> list[dict[str, str]]:
    """Rows ``{field, value, why}`` for the fields present (None/absent ones are left out)."""
    rows = []
    for path, why in fields:
        value = pluck(obj or {}, path)
        if value is None:
            continue
        rows.append({"field": path, "value": str(value).lower() if isinstance(value, bool) else str(value),
                     "why it matters": why})
    return rows
