"""The sandbox's HTTP app (ASGI), and :func:`serve`, which runs it on uvicorn (lib/http_server.py).

A request meets these steps, in this order (``SandboxApp.handle``; each is a plain function of
its own module, so this list is the whole story):

1. framing — uvicorn + httptools and lib/http_server.py: chunked bodies decoded; conflicting
   lengths, malformed request lines, slow reads, oversized heads and bodies refused (those answers
   come from :meth:`SandboxApp.protocol_error`, in Stripe's error shape, and close the connection);
2. CORS — ``OPTIONS`` is a preflight answered 204; every answer carries ``CORS_HEADERS``;
3. routing — the ``RouteTable`` (app.py lists the routes; this app adds ``GET /_sandbox/logs/
   {request_id}``, request_log.py), else 404 "Unrecognized request URL";
4. parameters — query string and form body (request.py, formparse.py); JSON bodies refused;
5. raw routes (pages a browser opens: the 3DS challenge, health, webhooks, request logs) answer
   here, without a key;
6. auth and origin — keys.py: the key from ``Authorization`` or Stripe.js's ``key`` field,
   test-mode only, publishable keys on publishable endpoints only, no secret key from a web page;
7. version — versions.py: ``Stripe-Version`` must be a known version, echoed back;
8. idempotency and the transaction — idempotency.py: blank keys refused, replays, one
   transaction per request;
9. errors — a ``StripeError`` anywhere above becomes its status and Stripe's envelope with a
   ``request_log_url`` (request_log.py); any other exception is a bug: logged, answered as
   Stripe's ``api_error`` 500, and the server keeps serving (keys never reach the log).

The handler runs on the event loop thread itself, synchronously: the store serialises requests
anyway, and a thread hop per request would cost more than it could overlap.
"""

from __future__ import annotations

import logging

import lib.http_server as http_server

from ..engine import Engine
from ..errors import ApiError, InvalidRequest, StripeError
from ..ids import random_body
from ..storage.store import dumps
from . import idempotency, keys, versions
from .request import Request
from .request_log import LOG_PATH, ErrorLog
from .router import Route, RouteTable

log = logging.getLogger("sandbox.http")

MAX_BODY = 1_000_000
READ_TIMEOUT = 10.0
KEEP_ALIVE = 75  # idle seconds before a kept-alive connection is closed (longer than the SDKs' pools keep one)
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Version, Idempotency-Key",
    "Access-Control-Expose-Headers": "Request-Id, Stripe-Version, Idempotent-Replayed, Original-Request",
    "Access-Control-Max-Age": "600",
}
_CORS = [(k.lower().encode(), v.encode()) for k, v in CORS_HEADERS.items()]


class SandboxApp:
    """ASGI 3 app: the steps listed in this module's docstring, over one engine and route table."""

    def __init__(self, engine: Engine, routes: RouteTable, own_host: str = "127.0.0.1"):
        self.engine = engine
        self.errors = ErrorLog()
        self.routes = RouteTable((*routes.routes, Route("GET", LOG_PATH, self.errors.show, raw=True)))
        self.own_hosts = frozenset({own_host})

    async def __call__(self, scope: dict, receive, send) -> None:
        if scope["type"] != "http":
            return
        message = await receive()
        body = message.get("body", b"")
        while message.get("more_body"):
            message = await receive()
            body += message.get("body", b"")
        if message["type"] == "http.disconnect":
            return  # the client went away (or lib/http_server closed a slow or oversized request)
        status, headers, payload = self.handle(Request.from_scope(scope, body, "req_" + random_body(14)))
        out = [*_CORS, (b"content-length", b"%d" % len(payload))]
        out += [(k.lower().encode(), v.encode("latin-1")) for k, v in headers.items()]
        await send({"type": "http.response.start", "status": status, "headers": out})
        await send({"type": "http.response.body", "body": payload})

    def handle(self, request: Request) -> tuple[int, dict[str, str], bytes]:
        """(status, headers, body) for one request."""
        headers = {"Content-Type": "application/json", "Request-Id": request.request_id}
        if request.method == "OPTIONS":
            return 204, {"Content-Type": "text/plain", "Request-Id": request.request_id}, b""
        try:
            found = self.routes.match(request.method, request.path)
            if found is None:
                raise InvalidRequest(f"Unrecognized request URL ({request.method}: {request.path}). Please see "
                                     "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                                     status=404)
            route, path_args = found
            params = request.params()
            ctx = self.engine.ctx(request_id=request.request_id, base_url=request.base_url)
            if route.raw:
                status, extra, body = route.handler(ctx, params, **path_args)
                return status, {**extra, "Request-Id": request.request_id}, body
            kind = keys.authenticate(request, params, route.publishable, self.own_hosts)
            ctx.publishable = kind == "publishable"
            ctx.api_version = versions.requested_version(request.headers.get("stripe-version")) or ctx.api_version
            headers["Stripe-Version"] = ctx.api_version
            ctx.idempotency_key = idempotency.idempotency_key(request.method, request.headers.get("idempotency-key"))
            status, payload = idempotency.execute(ctx, route, params, path_args, request.method, request.path,
                                                  headers, lambda exc: self.error_body(request, exc.status, exc))
            return status, headers, payload
        except StripeError as exc:
            status, error = exc.status, exc
        except Exception:  # a bug: answer like Stripe's api_error, keep serving, never leak a key
            log.exception("sandbox error on %s %s", request.method, request.path)
            error = ApiError("An unexpected error occurred in the sandbox. The request was rolled back.")
            status = error.status
        return status, headers, dumps(self.error_body(request, status, error)).encode()

    def error_body(self, request: Request, status: int, error: StripeError) -> dict:
        """Stripe's error envelope for ``error``, with its ``request_log_url`` (and logged there)."""
        return self.errors.record(request.request_id, request.base_url, request.method, request.path, status,
                                  error.body(), int(self.engine.clock()))

    def protocol_error(self, status: int, message: str) -> tuple[list[tuple[bytes, bytes]], bytes]:
        """lib/http_server's refusals (framing, limits) in Stripe's shape, with a request id and log URL."""
        request_id = "req_" + random_body(14)
        body = self.errors.record(request_id, self.engine.base_url, "", "", status,
                                  InvalidRequest(message).body(), int(self.engine.clock()))
        return [*_CORS, (b"request-id", request_id.encode())], dumps(body).encode()


def serve(engine: Engine, routes: RouteTable, host: str, port: int,
          read_timeout: float = READ_TIMEOUT) -> http_server.RunningServer:
    """Start the sandbox's HTTP server on a background thread (``port=0``: a free port)."""
    app = SandboxApp(engine, routes, own_host=host)
    rules = http_server.Rules(max_body=MAX_BODY, read_timeout=read_timeout, keep_alive=KEEP_ALIVE,
                              error_response=app.protocol_error, logger="sandbox.http")
    return http_server.start(app, host=host, port=port, name="sandbox", rules=rules)
