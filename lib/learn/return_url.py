"""Step 4's "why a return_url" lesson: the classic create-and-confirm example, the 400 it gets on
today's Stripe, and the three ways out (TEST_MODE.md §2.1). No Streamlit here: the page is
:mod:`lib.learn.ui_return_url`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import stripe

from lib.stripe_facts.automatic_payment_methods import RETURN_URL_REQUIRED, SINCE

from . import snippets

# The example most tutorials written before 2023 show.
CLASSIC: dict[str, Any] = {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
SHOP_RETURN_URL = "https://shop.example/checkout/complete"


@dataclass(frozen=True)
class WayOut:
    title: str
    extra: dict[str, Any]
    when: str


WAYS_OUT: tuple[WayOut, ...] = (
    WayOut("Send a return_url", {"return_url": SHOP_RETURN_URL},
           "What this walkthrough does: the customer comes back there after 3-D Secure or a bank redirect."),
    WayOut("Refuse redirects", {"automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}},
           "Keeps the Dashboard's payment methods but filters out the ones that redirect."),
    WayOut("Accept cards only", {"payment_method_types": ["card"]},
           "Turns automatic payment methods off (the old default). 3-D Secure then goes through Stripe.js."),
)


def code(extra: dict[str, Any] | None = None) -> str:
    """The Python call for the classic example, with ``extra`` params added."""
    return snippets.python("POST", "/v1/payment_intents", {**CLASSIC, **(extra or {})}, key="sk_test_…",
                           api_base=snippets.STRIPE_API, idempotency_key=None)


@dataclass(frozen=True)
class ClassicAnswer:
    status: int | None
    message: str
    request_id: str | None


def send_classic(client: stripe.StripeClient) -> ClassicAnswer:
    """Send exactly the classic request. On an API version since 2023-08-16 it is refused (400) before
    anything is created, so nothing is charged; an answer that is not an API error propagates."""
    try:
        pi = client.v1.payment_intents.create(params=CLASSIC)
    except stripe.InvalidRequestError as exc:
        return ClassicAnswer(exc.http_status, exc.user_message or "", exc.request_id)
    return ClassicAnswer(200, f"Accepted: {pi.id} is {pi.status} (an API version before {SINCE}?)",
                         pi.last_response.request_id if pi.last_response else None)


__all__ = ["CLASSIC", "RETURN_URL_REQUIRED", "SINCE", "WAYS_OUT", "ClassicAnswer", "WayOut", "code", "send_classic"]
