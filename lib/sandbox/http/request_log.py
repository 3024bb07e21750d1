"""Every error body's ``request_log_url``, and the sandbox's log of recent errors it points at.

Stripe puts ``"request_log_url": "https://dashboard.stripe.com/test/logs/req_…?t=<unix time>"`` on
every error (TEST_MODE.md §7.2). The sandbox's requests are not in Stripe's Dashboard, so its URL has
the same shape on the sandbox itself: ``<the sandbox as the client addressed it>/_sandbox/logs/
<request id>?t=<unix time>``. ``GET`` on it (no key needed: a developer opens it in a browser; the
request id is unguessable) answers what was logged for the last ``MAX_ENTRIES`` errors: method,
path, status, time and the error's type, code, message, param and decline code — not the objects
an error may embed (a PaymentIntent with its client secret). Both SDKs keep the field as they do
Stripe's (stripe-python ``err.error.request_log_url``, stripe-node ``err.request_log_url``).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict

from ..engine import Ctx
from ..errors import NotFound

LOG_PATH = "/_sandbox/logs/{request_id}"
MAX_ENTRIES = 1000
_KEPT = ("type", "code", "message", "param", "decline_code")


def log_url(base_url: str, request_id: str, now: int) -> str:
    return f"{base_url}{LOG_PATH.format(request_id=request_id)}?t={now}"


class ErrorLog:
    """The last ``MAX_ENTRIES`` error answers, by request id (in memory; a restart forgets them)."""

    def __init__(self) -> None:
        self._entries: OrderedDict[str, dict] = OrderedDict()
        self._lock = threading.Lock()

    def record(self, request_id: str, base_url: str, method: str, path: str, status: int, body: dict,
               now: int) -> dict:
        """Log an error answer and give ``body`` its ``request_log_url``; returns ``body``."""
        error = body.get("error")
        if not isinstance(error, dict):
            return body
        error.setdefault("request_log_url", log_url(base_url, request_id, now))
        entry = {"id": request_id, "object": "sandbox.request_log", "created": now, "method": method,
                 "path": path, "status": status, "error": {k: error[k] for k in _KEPT if k in error}}
        with self._lock:
            self._entries[request_id] = entry
            while len(self._entries) > MAX_ENTRIES:
                self._entries.popitem(last=False)
        return body

    def show(self, ctx: Ctx, params: dict, request_id: str) -> tuple[int, dict, bytes]:
        """``GET /_sandbox/logs/{request_id}`` (a raw route: no key)."""
        with self._lock:
            entry = self._entries.get(request_id)
        if entry is None:
            raise NotFound(f"request log (the sandbox keeps its last {MAX_ENTRIES:,} errors)", request_id)
        return 200, {"Content-Type": "application/json"}, json.dumps(entry, indent=2).encode()
