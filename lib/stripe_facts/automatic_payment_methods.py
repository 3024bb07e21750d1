"""``automatic_payment_methods``: what changed on 2023-08-16, and Stripe's 400 (TEST_MODE.md §2.1,
[D changelog 2023-08-16], the message [OBS, public issue threads]).

Since API version 2023-08-16 PaymentIntents and SetupIntents created without
``payment_method_types`` accept the payment methods enabled in the Dashboard, some of which
redirect the customer. So confirming one needs a ``return_url`` — unless ``off_session=true``
(PaymentIntents) or ``automatic_payment_methods[allow_redirects]=never`` — and
``error_on_requires_action`` can't be used with it. Giving ``payment_method_types`` (e.g.
``["card"]``) turns it off.
"""

from __future__ import annotations

SINCE = "2023-08-16"
DEFAULT = {"enabled": True, "allow_redirects": "always"}

RETURN_URL_REQUIRED = (
    "A `return_url` must be specified because this Payment Intent is configured to automatically accept the payment "
    "methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If you do not "
    "want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to `true` and "
    "`automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and Payment Intents.")


def return_url_required(intent_name: str = "Payment Intent") -> str:
    """Stripe's message, for a PaymentIntent (as quoted) or a SetupIntent (``"Setup Intent"`` [INF])."""
    return RETURN_URL_REQUIRED.replace("this Payment Intent", f"this {intent_name}")


def on_by_default(api_version: str) -> bool:
    """Whether ``api_version`` (``2026-10-28.endive`` …) has automatic payment methods on by default."""
    return api_version[:10] >= SINCE
