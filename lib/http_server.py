"""Run an ASGI app on uvicorn in a background thread of this process, with one set of framing rules.

Every HTTP server of the project — the sandbox (lib.sandbox.http), the shop's webhook receiver
(lib.shop.webhook_receiver) and the contract tests' receiver — starts through :func:`start`:

    server = start(app, host="127.0.0.1", port=0, name="shop-webhooks")   # port 0: a free port
    server.url, server.port
    server.stop()

uvicorn parses HTTP/1.1 with httptools (llhttp) on a uvloop event loop. llhttp decodes chunked
bodies and refuses, with a 400, what could let one request hide inside another: conflicting or
repeated ``Content-Length`` headers, ``Content-Length`` together with ``Transfer-Encoding``, an
unknown transfer coding, obsolete header folding, a malformed request line or chunk. This module's
protocol adds what uvicorn leaves out:

* **slow reads time out**: a request must arrive whole (head and body) within ``read_timeout``
  seconds of its first byte, else the connection is closed; a connection that sends nothing is
  closed after ``keep_alive`` seconds, before its first request as between requests (uvicorn
  arms that timer only after a response);
* **limits**: a request head over ``MAX_HEAD`` bytes or ``MAX_HEADERS`` header lines → 431; an
  HTTP version other than 1.0 and 1.1 → 505; a body over ``max_body`` bytes, declared by
  ``Content-Length`` or counted in chunks → 413, before the app sees it;
* every such refusal (and llhttp's 400s) has the body the server's ``error_response`` gives (the
  sandbox: Stripe's error envelope; default: ``{"error": {"message": ...}}``), says
  ``Connection: close`` and closes the connection: the rest of the bytes are never read as a request;
* a listen backlog of ``BACKLOG`` (the kernel caps it at ``net.core.somaxconn``), so a burst of
  simultaneous connections waits to be accepted instead of being reset;
* each response's head and body in one write, TCP_NODELAY on every connection (with Nagle +
  delayed ACK a response in two segments would wait ~40 ms), no ``Server`` header, no access log, no signal handlers (this is not
  the main thread), and uvicorn's start/stop INFO lines are dropped.

The app itself runs on the event loop; an app that blocks (the sandbox's handlers do, the store
serialises requests anyway) holds up the others while it runs — blocking work that should not,
like the shop's database writes, goes to a worker thread (Starlette does that for sync endpoints).
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

import httptools
import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

MAX_HEAD = 65_536
MAX_HEADERS = 100
BACKLOG = 1024

ErrorResponse = Callable[[int, str], tuple[list[tuple[bytes, bytes]], bytes]]


def json_error(status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
    """The default refusal body: ``{"error": {"message": ...}}``."""
    return [], json.dumps({"error": {"message": message}}).encode()


@dataclass(frozen=True)
class Rules:
    """What one server enforces. ``error_response(status, message)`` -> (extra headers, JSON body)."""

    max_body: int = 1_000_000
    read_timeout: float = 10.0
    keep_alive: int = 60
    error_response: ErrorResponse = json_error
    logger: str = "http_server"


class _OneWriteTransport:
    """The connection's transport, holding a response head back until its body is written, so
    both leave in one send() (uvicorn writes them separately: an extra syscall and packet per
    response, about a tenth of the sandbox's CPU per request). ``100 Continue`` goes at once."""

    def __init__(self, transport: asyncio.Transport) -> None:
        self._transport = transport
        self._head: bytes | None = None

    def write(self, data: bytes) -> None:
        if self._head is None and data[-4:] == b"\r\n\r\n" and data[:9] == b"HTTP/1.1 " and data[9:12] != b"100":
            self._head = data
            return
        if self._head is not None:
            data, self._head = self._head + data, None
        self._transport.write(data)

    def close(self) -> None:
        if self._head is not None:
            self._transport.write(self._head)
            self._head = None
        self._transport.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class _Refused(Exception):
    """Raised inside a parser callback after the refusal was sent: stops llhttp at once."""


class GuardedProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with the rules above (``rules`` is set per server by :func:`start`)."""

    rules: Rules = Rules()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.logger = logging.getLogger(self.rules.logger)
        self.access_log = False
        self._deadline: asyncio.TimerHandle | None = None
        self._head_done = False
        self._head_bytes = 0
        self._header_count = 0
        self._body_bytes = 0
        self._answered = False

    # --- connection ------------------------------------------------------------------------------
    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.timeout_keep_alive_task = self.loop.call_later(self.timeout_keep_alive, self.timeout_keep_alive_handler)
        self.transport = _OneWriteTransport(transport)  # type: ignore[assignment]

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel_deadline()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._answered:
            return
        if not self._head_done:
            self._head_bytes += len(data)
        self._arm_deadline()
        self._unset_keepalive_if_required()
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            pass  # no protocol upgrades here: the request is served as plain HTTP/1.1, as uvicorn does
        except httptools.HttpParserError as exc:
            if not self._answered:  # llhttp's own refusal (a _Refused callback has answered already)
                self.answer(400, f"Invalid HTTP request ({str(exc).rstrip('.')}).")
            return
        if not self._head_done and self._head_bytes > MAX_HEAD:
            self.answer(431, f"Request header fields too large (more than {MAX_HEAD} bytes).")

    def send_400_response(self, msg: str) -> None:
        if not self._answered:
            self.answer(400, f"Invalid HTTP request ({msg.rstrip('.')}).")

    # --- parser callbacks ------------------------------------------------------------------------
    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_count = self._body_bytes = 0
        self._arm_deadline()

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            self._refuse(431, f"Too many headers (more than {MAX_HEADERS}).")
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._head_done = True
        if len(self.url) + sum(len(k) + len(v) + 4 for k, v in self.headers) > MAX_HEAD:  # arrived in one read
            self._refuse(431, f"Request header fields too large (more than {MAX_HEAD} bytes).")
        version = self.parser.get_http_version()
        if version not in ("1.0", "1.1"):
            self._refuse(505, f"HTTP version {version[:10]} is not supported; use HTTP/1.1.")
        length = next((v for k, v in self.headers if k == b"content-length"), None)
        if length is not None and int(length) > self.rules.max_body:  # llhttp checked it is digits
            self._refuse(413, f"Request body too large (more than {self.rules.max_body} bytes).")
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._body_bytes += len(body)
        if self._body_bytes > self.rules.max_body:
            self._refuse(413, f"Request body too large (more than {self.rules.max_body} bytes).")
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._cancel_deadline()
        self._head_done, self._head_bytes = False, 0
        super().on_message_complete()

    # --- refusals and the read deadline ----------------------------------------------------------
    def answer(self, status: int, message: str) -> None:
        """Send a refusal with the server's error body, then close the connection."""
        self._answered = True
        self._cancel_deadline()
        if self.transport.is_closing():
            return
        extra, body = self.rules.error_response(status, message)
        head = [b"HTTP/1.1 %d %s\r\n" % (status, HTTPStatus(status).phrase.encode())]
        head += [b"%s: %s\r\n" % pair for pair in [*self.server_state.default_headers, *extra]]
        head.append(b"content-type: application/json\r\ncontent-length: %d\r\nconnection: close\r\n\r\n" % len(body))
        self.transport.write(b"".join(head) + body)
        self.transport.close()
        self.logger.debug("refused a request: %d %s", status, message)

    def _refuse(self, status: int, message: str) -> None:
        self.answer(status, message)
        raise _Refused(message)

    def _arm_deadline(self) -> None:
        if self._deadline is None:
            self._deadline = self.loop.call_later(self.rules.read_timeout, self._read_timed_out)

    def _cancel_deadline(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _read_timed_out(self) -> None:
        self._deadline = None
        if not self.transport.is_closing():
            self.logger.debug("closing a connection: request not received within %s s", self.rules.read_timeout)
            self.transport.close()


class _Server(uvicorn.Server):
    """uvicorn's server, woken at once by :meth:`request_stop` (its own loop polls every 0.1 s)."""

    async def main_loop(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._wake = asyncio.Event()
        counter = 0
        while not await self.on_tick(counter):
            counter += 10  # on_tick refreshes the cached Date header when counter % 10 == 0
            try:
                await asyncio.wait_for(self._wake.wait(), 1.0)
            except TimeoutError:
                pass

    def request_stop(self) -> None:
        self.should_exit = True
        loop = getattr(self, "_loop", None)
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)


@dataclass
class RunningServer:
    """A server started by :func:`start`."""

    host: str
    port: int
    thread: threading.Thread
    server: _Server = field(repr=False)

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, finish the requests in flight (at most 2 s), close, join the thread."""
        self.server.request_stop()
        self.thread.join(timeout)


class _StartStopLines(logging.Filter):
    """Drops uvicorn's INFO lines ("Started server process", "Shutting down") from our servers' threads."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.levelno >= logging.WARNING or not record.threadName.startswith(THREAD_PREFIX)


THREAD_PREFIX = "http:"
logging.getLogger("uvicorn.error").addFilter(_StartStopLines())


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket (IPPROTO_TCP given explicitly: asyncio sets TCP_NODELAY only on those)."""
    family, kind, proto, _, addr = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM,
                                                      flags=socket.AI_PASSIVE)[0]
    sock = socket.socket(family, kind, proto or socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(addr)
        sock.listen(BACKLOG)
    except OSError:
        sock.close()
        raise
    return sock


def start(app: Any, *, host: str = "127.0.0.1", port: int = 0, name: str = "server", rules: Rules = Rules(),
          start_timeout: float = 15.0) -> RunningServer:
    """Serve ``app`` (ASGI 3) on ``host:port`` from a daemon thread; returns once it accepts connections.

    Binding happens here, in the caller's thread, so a port in use raises OSError at once."""
    sock = listen(host, port)
    protocol = type("GuardedProtocol", (GuardedProtocol,), {"rules": rules})
    config = uvicorn.Config(app, http=protocol, loop="uvloop", ws="none", lifespan="off", interface="asgi3",
                            log_config=None, proxy_headers=False, server_header=False, backlog=BACKLOG,
                            timeout_keep_alive=rules.keep_alive, timeout_graceful_shutdown=2)
    server = _Server(config)
    bound = sock.getsockname()[1]
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=f"{THREAD_PREFIX}{name}",
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + start_timeout
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            server.request_stop()
            sock.close()
            raise RuntimeError(f"the {name} HTTP server did not start")
        time.sleep(0.005)
    return RunningServer(host, bound, thread, server)
