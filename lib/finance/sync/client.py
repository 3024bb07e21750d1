"""The Stripe client a sync uses: the app's configured connection (env vars /
``.streamlit/secrets.toml``), without the app's request log (a sync makes thousands of requests)
and without SDK retries (the sync retries with its own backoff)."""

from __future__ import annotations

import stripe

from lib.config import load_settings
from lib.gateway import make_client


def client_from_settings() -> stripe.StripeClient:
    """A client for the app's configured connection (see module doc)."""
    return make_client(load_settings(), max_network_retries=0, request_log=None)
