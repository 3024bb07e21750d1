"""The shop's own HTTP endpoints (Starlette on uvicorn, lib.http_server): above all ``POST /webhooks/stripe``.

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
import logging
import threading
from dataclasses import dataclass
from http import HTTPStatus
from typing import Final

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

import lib.http_server as http_server
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


class ShopEndpoints:
    """The endpoints (Starlette): what each path answers. Body limits, slow reads and framing are
    lib.http_server's; the database work of a delivery runs on a worker thread."""

    def __init__(self, handler: WebhookHandler) -> None:
        self.handler = handler
        self.public_config: dict[str, str] = {}  # publishable key only: served to browsers

    def app(self) -> Starlette:
        return Starlette(routes=[
            Route(WEBHOOK_PATH, self.webhook, methods=["POST"]),
            Route(RETURN_PATH, self.return_page, methods=["GET"]),
            Route(CONFIG_PATH, self.config, methods=["GET"]),
            Route("/health", self.health, methods=["GET"]),
        ], exception_handlers={HTTPException: self.http_error})

    async def webhook(self, request: Request) -> Response:
        payload = await request.body()
        result = await run_in_threadpool(self.handler.handle, payload, request.headers.get("stripe-signature"))
        return Response(result.body(), result.http_status, media_type="application/json")

    async def return_page(self, request: Request) -> Response:
        status = request.query_params.get("redirect_status") or "unknown"
        title = "Authentication finished" if status == "succeeded" else "Authentication did not succeed"
        return HTMLResponse(RETURN_PAGE.format(title=title, status=html.escape(status[:20])))

    async def config(self, request: Request) -> Response:
        return JSONResponse(self.public_config, headers={"Access-Control-Allow-Origin": "*",
                                                         "Cache-Control": "no-store"})

    async def health(self, request: Request) -> Response:
        return JSONResponse({"ok": True})

    async def http_error(self, request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        return JSONResponse({"error": "not found" if status == 404 else HTTPStatus(status).phrase.lower()}, status)


@dataclass
class WebhookServer:
    """A running endpoint: its URLs, the secrets it accepts and the database it writes."""

    host: str
    port: int
    db: MerchantDB
    secrets: SecretRing
    receiver: ShopEndpoints
    server: http_server.RunningServer

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
        self.receiver.public_config = {"publishable_key": publishable_key or ""}

    def stop(self) -> None:
        self.server.stop()


def start_webhook_server(db: MerchantDB, host: str = "127.0.0.1", port: int = 0,
                         extra_secrets: tuple[str, ...] = (), tolerance: int = 300,
                         read_timeout: float = 10.0) -> WebhookServer:
    """Start an endpoint on a background thread (``port=0`` picks a free port)."""
    ring = SecretRing()
    for i, secret in enumerate(extra_secrets):
        ring.set(f"extra{i}", secret)
    receiver = ShopEndpoints(WebhookHandler(db, ring.all, tolerance=tolerance))
    rules = http_server.Rules(max_body=MAX_BODY, read_timeout=read_timeout, logger="shop.webhooks")
    server = http_server.start(receiver.app(), host=host, port=port, name="shop-webhooks", rules=rules)
    return WebhookServer(host, server.port, db, ring, receiver, server)
