"""The shop, started once per process: its orders database, its webhook receiver, and the
receiver's registration with the processor. Every caller (app.py at start, Learn, Build) gets
them from here, so there is one database and one endpoint per process.
"""

from __future__ import annotations

import logging
import os
import threading
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from lib.config import Mode, mask_key
from lib.redaction import safe_error_message
from lib.shop.db import MerchantDB, db_path_from_env
from lib.shop.webhook_receiver import (
    ENABLED_EVENTS,
    ENDPOINT_METADATA,
    ENV_PORT,
    WebhookServer,
    start_webhook_server,
)

logger = logging.getLogger(__name__)

_default: MerchantDB | None = None
_default_lock = threading.Lock()


def get_db() -> MerchantDB:
    """The process-wide database at ``MERCHANT_DB_URL`` (re-opened if the setting changes)."""
    global _default
    wanted = db_path_from_env()
    with _default_lock:
        if _default is None or str(_default.path) != str(wanted):
            _default = MerchantDB(wanted)
        return _default


_server_lock = threading.Lock()
_server: WebhookServer | None = None


def get_webhook_server() -> WebhookServer:
    """The process-wide endpoint, started on first use with the process-wide database."""
    global _server
    with _server_lock:
        db = get_db()
        if _server is not None and _server.db is not db:  # MERCHANT_DB_URL changed: follow it
            _server.stop()
            _server = None
        if _server is None:
            port = int(os.environ.get(ENV_PORT, "0") or 0)
            _server = start_webhook_server(db, port=port)
            logger.info("Merchant webhook endpoint listening on %s", _server.url)
        return _server


# --- registration with the processor ------------------------------------------------------------

@dataclass(frozen=True)
class WebhookStatus:
    """What the page says about webhooks: where they go and whether they can be verified."""

    url: str
    registered: bool
    endpoint_id: str | None = None
    masked_secret: str = "(not set)"
    note: str = ""
    error: str | None = None

    @property
    def ready(self) -> bool:
        return self.error is None and self.masked_secret != "(not set)"


_registrations: dict[tuple[str, str], tuple[str, str]] = {}   # (api_base, url) -> (endpoint id, secret)
_registration_lock = threading.Lock()


def ensure_webhooks(conn: Any, server: WebhookServer | None = None) -> WebhookStatus:
    """Make sure the processor of ``conn`` sends its events to our endpoint (once per process)."""
    server = server or get_webhook_server()
    configured = conn.settings.webhook_secret.reveal() if conn.settings.webhook_secret else None
    server.secrets.set("configured", configured)
    if conn.mode not in (Mode.SANDBOX, Mode.CUSTOM):
        note = (f"Stripe cannot reach {server.url} (a loopback address). Run `stripe listen --forward-to "
                f"{server.url}` and set STRIPE_WEBHOOK_SECRET to the whsec_… it prints.")
        return WebhookStatus(server.url, False, None, mask_key(configured), note,
                             None if configured else "STRIPE_WEBHOOK_SECRET is not set, so webhooks cannot be verified.")
    key = (conn.api_base, server.url)
    with _registration_lock:
        if key not in _registrations:
            try:
                _registrations[key] = _register(conn.client, server.url)
            except Exception as exc:
                return WebhookStatus(server.url, False, error="Could not register the webhook endpoint with the "
                                     f"processor: {safe_error_message(exc)}")
        endpoint_id, secret = _registrations[key]
    server.secrets.set(f"registered:{conn.api_base}", secret)
    return WebhookStatus(server.url, True, endpoint_id, mask_key(secret),
                         f"Registered with the processor as {endpoint_id}.")


def _alive(url: str) -> bool:
    """Whether a webhook server of this app still answers at ``url`` (another running process)."""
    parts = urlsplit(url)
    try:
        with urllib.request.urlopen(f"{parts.scheme}://{parts.netloc}/health", timeout=0.5) as resp:
            return resp.status == 200
    except (OSError, ValueError):
        return False


def _register(client: Any, url: str) -> tuple[str, str]:
    """Delete endpoints that earlier (now stopped) runs of this app left behind, then create ours."""
    for endpoint in client.v1.webhook_endpoints.list(params={"limit": 100}).data:
        meta = endpoint.metadata.to_dict() if endpoint.metadata else {}
        ours = meta.get("app") == ENDPOINT_METADATA["app"] and meta.get("purpose") == ENDPOINT_METADATA["purpose"]
        if ours and (endpoint.url == url or not _alive(endpoint.url)):
            client.v1.webhook_endpoints.delete(endpoint.id)
    params: dict[str, Any] = {"url": url, "enabled_events": list(ENABLED_EVENTS), "metadata": dict(ENDPOINT_METADATA),
                              "description": "Payment Flow Lab: the Learn page's shop"}
    try:
        endpoint = client.v1.webhook_endpoints.create(params=params)
    except Exception as exc:  # a processor that does not know one of our event types: take them all
        if "enabled_events" not in str(exc):
            raise
        endpoint = client.v1.webhook_endpoints.create(params={**params, "enabled_events": ["*"]})
    if not endpoint.secret:
        raise RuntimeError("the processor returned no signing secret for the new endpoint")
    return endpoint.id, endpoint.secret


def forget_registrations() -> None:
    """Tests: drop cached registrations (the next ensure_webhooks registers again)."""
    with _registration_lock:
        _registrations.clear()
