"""The shop's own HTTP endpoints, on a small threaded server: above all ``POST /webhooks/stripe``.

Streamlit cannot take arbitrary POSTs, so the app starts this server once per process on a
loopback port (``MERCHANT_WEBHOOK_PORT``, default: a free port) — :func:`lib.shop.runtime.get_webhook_server`.
It also serves ``GET /return``, the page 3-D Secure sends the customer back to (``return_url``),
and ``GET /config``, where the card form fetches the *publishable* key (like Stripe's sample
apps do), so no key travels through the Streamlit websocket.

* Sandbox (and custom API) mode: :func:`lib.shop.runtime.ensure_webhooks` registers the endpoint with the processor
  through ``webhook_endpoints.create`` and keeps the returned ``whsec_`` secret in memory; stale
  endpoints left by earlier runs of the app are deleted first.
* Stripe test mode: Stripe cannot reach a loopback port, so run
  ``stripe listen --forward-to 127.0.0.1:<port>/webhooks/stripe`` and put the printed secret in
  ``STRIPE_WEBHOOK_SECRET``.
"""

from __future__ import annotations

import html
import json
import logging
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from lib.shop.db import MerchantDB
from lib.shop.webhook_handler import WebhookHandler

logger = logging.getLogger(__name__)

ENV_PORT: Final = "MERCHANT_WEBHOOK_PORT"
WEBHOOK_PATH: Final = "/webhooks/stripe"
RETURN_PATH: Final = "/return"
CONFIG_PATH: Final = "/config"
MAX_BODY: Final = 1_000_000
ENDPOINT_METADATA: Final = {"app": "payment-flow-lab", "purpose": "learn-walkthrough"}
ENABLED_EVENTS: Final = (
    "payment_intent.created", "payment_intent.requires_action", "payment_intent.processing",
    "payment_intent.succeeded", "payment_intent.payment_failed", "payment_intent.canceled",
    "payment_intent.amount_capturable_updated", "charge.succeeded", "charge.failed", "charge.captured",
    "charge.refunded", "charge.refund.updated", "refund.created", "refund.updated", "refund.failed",
    "charge.dispute.created", "charge.dispute.updated", "charge.dispute.closed",
    "charge.dispute.funds_withdrawn", "charge.dispute.funds_reinstated",
)

RETURN_PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Back at the shop</title>
<style>body{{font-family:system-ui,sans-serif;background:#f6f9fc;margin:0;display:flex;justify-content:center}}
.box{{background:#fff;margin:24px;padding:20px 26px;border-radius:10px;box-shadow:0 2px 12px #0002;max-width:440px}}
h1{{font-size:17px;margin:0 0 8px}} code{{background:#eef;padding:1px 4px;border-radius:4px}}</style></head>
<body><div class="box"><h1>{title}</h1><p>The bank sent the customer back to the shop's
<code>return_url</code> with <code>redirect_status={status}</code>.</p>
<p>Do not trust this redirect alone: the page now asks the server for the PaymentIntent's real status,
and fulfilment waits for the signed webhook.</p></div></body></html>"""


class SecretRing:
    """The ``whsec_`` secrets the endpoint accepts (one per registration, plus the configured one)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._secrets: dict[str, str] = {}

    def set(self, name: str, secret: str | None) -> None:
        with self._lock:
            if secret:
                self._secrets[name] = secret
            else:
                self._secrets.pop(name, None)

    def get(self, name: str) -> str | None:
        with self._lock:
            return self._secrets.get(name)

    def all(self) -> list[str]:
        with self._lock:
            return list(dict.fromkeys(self._secrets.values()))


class _Handler(BaseHTTPRequestHandler):
    server: WebhookHTTPServer
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt: str, *args: Any) -> None:  # never log headers (signatures)
        logger.debug("webhook server: %s %s", self.command, self.path.split("?", 1)[0])

    def _send(self, status: int, body: bytes, ctype: str = "application/json", cors: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if cors:
            self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Cache-Control", "no-store")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self) -> None:
        if urlsplit(self.path).path.rstrip("/") != WEBHOOK_PATH:
            self._send(404, b'{"error": "not found"}')
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self._send(413, b'{"error": "body too large"}')
            return
        payload = self.rfile.read(length) if length else b""
        result = self.server.handler.handle(payload, self.headers.get("Stripe-Signature"))
        self._send(result.http_status, result.body())

    def do_GET(self) -> None:
        parts = urlsplit(self.path)
        if parts.path == "/health":
            self._send(200, b'{"ok": true}')
        elif parts.path == CONFIG_PATH:
            self._send(200, json.dumps(self.server.public_config).encode(), cors=True)
        elif parts.path == RETURN_PATH:
            status = (parse_qs(parts.query).get("redirect_status") or ["unknown"])[0]
            title = "Authentication finished" if status == "succeeded" else "Authentication did not succeed"
            page = RETURN_PAGE.format(title=title, status=html.escape(status[:20]))
            self._send(200, page.encode(), "text/html; charset=utf-8")
        else:
            self._send(404, b'{"error": "not found"}')


class WebhookHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], handler: WebhookHandler) -> None:
        self.handler = handler
        self.public_config: dict[str, str] = {}  # publishable key only: served to browsers
        super().__init__(addr, _Handler)


@dataclass
class WebhookServer:
    """A running endpoint: its URLs, the secrets it accepts and the database it writes."""

    host: str
    port: int
    db: MerchantDB
    secrets: SecretRing
    httpd: WebhookHTTPServer
    thread: threading.Thread

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return self.base_url + WEBHOOK_PATH

    @property
    def return_url(self) -> str:
        return self.base_url + RETURN_PATH

    @property
    def config_url(self) -> str:
        return self.base_url + CONFIG_PATH

    def publish(self, publishable_key: str | None) -> None:
        """What ``GET /config`` tells browsers. Only ever a publishable key (pk_…)."""
        if publishable_key and not publishable_key.startswith("pk_"):
            raise ValueError("only a publishable key may be served to browsers")
        self.httpd.public_config = {"publishable_key": publishable_key or ""}

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def start_webhook_server(db: MerchantDB, host: str = "127.0.0.1", port: int = 0,
                         extra_secrets: tuple[str, ...] = (), tolerance: int = 300) -> WebhookServer:
    """Start an endpoint on a background thread (``port=0`` picks a free port)."""
    ring = SecretRing()
    for i, secret in enumerate(extra_secrets):
        ring.set(f"extra{i}", secret)
    httpd = WebhookHTTPServer((host, port), WebhookHandler(db, ring.all, tolerance=tolerance))
    thread = threading.Thread(target=httpd.serve_forever, name="merchant-webhooks", daemon=True)
    thread.start()
    return WebhookServer(host, httpd.server_address[1], db, ring, httpd, thread)
