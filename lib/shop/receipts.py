"""Customer-facing texts the shop writes into its outbox: receipts and refund notes."""

from __future__ import annotations

import time
from typing import Any

from lib.stripe_facts.currencies import format_amount

SHOP_NAME = "Payment Flow Lab shop"
ITEM = "1 × Payment Flow Lab sticker pack"


def render_receipt(order: dict[str, Any]) -> tuple[str, str]:
    """(subject, body) of the receipt for a paid order."""
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(order.get("paid_at") or time.time()))
    total = format_amount(order["amount"], order["currency"])
    lines = [
        f"Thank you for your order {order['id']}!",
        "",
        f"  {ITEM:<40} {total}",
        f"  {'Total paid':<40} {total}",
        "",
        f"Paid with: {order.get('card') or 'card'}",
        f"Date: {when}",
        f"Payment reference: {order.get('payment_intent') or '—'}",
        "",
        f"{SHOP_NAME} — this is a test-mode receipt; no real money moved.",
    ]
    return f"Your receipt from {SHOP_NAME} ({total})", "\n".join(lines)


def render_refund_note(order: dict[str, Any], refund_id: str, amount: int) -> tuple[str, str]:
    value = format_amount(amount, order["currency"])
    body = (f"We refunded {value} for order {order['id']} (refund {refund_id}).\n"
            "Card refunds take 5–10 business days to appear on your statement.")
    return f"Refund of {value} for order {order['id']}", body


def render_refund_failed_note(order: dict[str, Any], refund_id: str, amount: int, reason: str | None) -> tuple[str, str]:
    value = format_amount(amount, order["currency"])
    body = (f"INTERNAL: refund {refund_id} of {value} for order {order['id']} failed "
            f"({reason or 'unknown reason'}). The money came back to our balance; contact the customer "
            "to return it another way (bank transfer, store credit).")
    return f"Refund failed for order {order['id']}", body
