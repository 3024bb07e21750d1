"""A local webhook receiver for the contract tests: records every POST, answers scripted statuses.

    with Receiver(statuses=[500]) as rx:    # first delivery gets 500, later ones 200
        ... rx.url ...
        rx.wait_for(3)                      # at least 3 deliveries received (bounded wait)

Each delivery keeps the raw body (bytes), the headers (case-insensitive) and the status it was
answered with, so the tests can verify every signature with ``stripe.Webhook.construct_event``
exactly as a real integration would. It runs on Starlette + uvicorn through lib.http_server, with
the same framing rules as the sandbox and the shop's receiver (backlog, limits, slow reads).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

import lib.http_server as http_server

REPLY = b'{"received": true}'


@dataclass
class Delivery:
    path: str
    headers: Mapping[str, str]
    body: bytes
    answered: int
    received_at: float


class Receiver:
    def __init__(self, statuses: list[int] | None = None, host: str = "127.0.0.1"):
        self.statuses = list(statuses or [])
        self.deliveries: list[Delivery] = []
        self.host = host
        self._lock = threading.Lock()
        self._app = Starlette(routes=[Route("/{path:path}", self._record, methods=["POST"])])
        self._server: http_server.RunningServer | None = None

    async def _record(self, request: Request) -> Response:
        body = await request.body()
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        with self._lock:
            status = self.statuses.pop(0) if self.statuses else 200
            self.deliveries.append(Delivery(path, request.headers, body, status, time.time()))
        return Response(REPLY, status, media_type="application/json")

    def __enter__(self) -> Receiver:
        self._server = http_server.start(self._app, host=self.host, name="test-receiver",
                                         rules=http_server.Rules(logger="tests.receiver"))
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._server is not None:
            self._server.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "use the receiver inside `with Receiver() as rx:`"
        return self._server.port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/webhooks/stripe"

    def received(self) -> list[Delivery]:
        with self._lock:
            return list(self.deliveries)

    def wait_for(self, count: int, timeout: float = 10.0) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            got = self.received()
            if len(got) >= count:
                return got
            time.sleep(0.01)
        raise AssertionError(f"expected {count} webhook deliveries within {timeout}s, got {len(self.received())}")
