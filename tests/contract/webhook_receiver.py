"""A local webhook receiver for the contract tests: records every POST, answers scripted statuses.

    with Receiver(statuses=[500]) as rx:    # first delivery gets 500, later ones 200
        ... rx.url ...
        rx.wait_for(3)                      # at least 3 deliveries received (bounded wait)

Each delivery keeps the raw body (bytes), the headers and the status it was answered with, so the
tests can verify every signature with ``stripe.Webhook.construct_event`` exactly as a real
integration would.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int
    received_at: float


class Receiver:
    def __init__(self, statuses: list[int] | None = None, host: str = "127.0.0.1"):
        self.statuses = list(statuses or [])
        self.deliveries: list[Delivery] = []
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    status = receiver.statuses.pop(0) if receiver.statuses else 200
                    receiver.deliveries.append(Delivery(self.path, dict(self.headers.items()), body, status,
                                                        time.time()))
                reply = b'{"received": true}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/webhooks/stripe"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Receiver:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()

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
