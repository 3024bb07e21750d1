"""The Stripe client a sync uses: the app's configured connection (env vars /
``.streamlit/secrets.toml``), without the app's request log (a sync makes thousands of requests)
and without SDK retries (the sync retries with its own backoff). Another account's key may be
given: it replaces the configured one (checked by the same rules, e.g. live keys refused)."""

from __future__ import annotations

import os

import stripe

from lib.config import ENV_SECRET_KEY, load_settings
from lib.gateway import make_client


def client_from_settings(secret_key: str | None = None) -> stripe.StripeClient:
    """A client for the app's configured connection, with ``secret_key`` instead of the
    configured key when given (see module doc)."""
    environ = None if secret_key is None else {**os.environ, ENV_SECRET_KEY: secret_key}
    return make_client(load_settings(environ), max_network_retries=0, request_log=None)
