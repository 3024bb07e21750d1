"""The HTTP front of the sandbox: auth, wire format, idempotency, CORS, one transaction per request.

Built on the standard library's ThreadingHTTPServer (HTTP/1.1 keep-alive, so the SDK reuses its
connection). Everything Stripe-specific about requests lives here; resources/* see only a ``Ctx``
and parsed params.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import logging
import re
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import orjson

from ..engine import Engine
from ..errors import ApiError, AuthError, IdempotencyError, InvalidRequest, StripeError
from ..ids import random_body
from ..storage.bulkstore import BufferedStore
from ..storage.store import dumps
from .formparse import parse_form
from .headers import HeaderError, read_headers
from .router import RouteTable

log = logging.getLogger("sandbox.http")

IDEMPOTENCY_TTL = 24 * 3600
_remembered = itertools.count()
MAX_BODY = 1_000_000
_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, DELETE, OPTIONS",
    "Access-Control-Allow-Headers": "Authorization, Content-Type, Stripe-Version, Idempotency-Key",
    "Access-Control-Expose-Headers": "Request-Id, Stripe-Version, Idempotent-Replayed, Original-Request",
    "Access-Control-Max-Age": "600",
}


def mask(key: str) -> str:
    """Stripe's own masking in 401 messages: the prefix, stars, the last four."""
    head = key[:8] if key[:3] in ("sk_", "pk_", "rk_") else ""
    return f"{head}{'*' * 20}{key[-4:] if len(key) > 12 else ''}"


def classify_key(key: str) -> str:
    """'secret' | 'publishable' | 'live' | 'invalid'."""
    if re.fullmatch(r"(sk|rk)_test_[A-Za-z0-9_]{1,250}", key):
        return "secret"
    if re.fullmatch(r"pk_test_[A-Za-z0-9_]{1,250}", key):
        return "publishable"
    if re.fullmatch(r"(sk|rk|pk)_live_[A-Za-z0-9_]{1,250}", key):
        return "live"
    return "invalid"


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, addr: tuple[str, int], engine: Engine, routes: RouteTable):
        self.engine = engine
        self.routes = routes
        super().__init__(addr, RequestHandler)


class RequestHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms a request.
    disable_nagle_algorithm = True
    server: SandboxHTTPServer

    def log_message(self, fmt: str, *args: object) -> None:  # paths only; never headers (keys)
        # getattr: the stdlib logs errors about request lines it could not parse, before path exists
        log.debug("%s %s", getattr(self, "command", None), getattr(self, "path", "").split("?", 1)[0])

    def parse_request(self) -> bool:
        """The stdlib's parse_request for ordinary HTTP/1.x request lines, with a fast header reader
        (headers.py); anything unusual (HTTP/0.9, HTTP/2, bad syntax) goes to the stdlib's, before
        its headers are read, whose errors come back through send_error below."""
        words = self.raw_requestline.split()
        if len(words) != 3 or words[2] not in (b"HTTP/1.1", b"HTTP/1.0"):
            return super().parse_request()
        self.command, path, self.request_version = (w.decode("iso-8859-1") for w in words)
        self.requestline = self.raw_requestline.decode("iso-8859-1").rstrip("\r\n")
        # gh-87389, as the stdlib: '//host/x' would read as a scheme-relative URL in a redirect.
        self.path = "/" + path.lstrip("/") if path.startswith("//") else path
        self.close_connection = self.request_version == "HTTP/1.0"
        try:
            self.headers = read_headers(self.rfile)  # type: ignore[assignment]
        except HeaderError as err:
            self.send_error(431, str(err))
            return False
        connection = (self.headers.get("Connection") or "").lower()
        if connection == "close":
            self.close_connection = True
        elif connection == "keep-alive":
            self.close_connection = False
        if (self.headers.get("Expect") or "").lower() == "100-continue" and self.request_version == "HTTP/1.1":
            return self.handle_expect_100()
        return True

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Errors the stdlib raises itself (bad request line, 431, 505...) as Stripe-shaped JSON with a
        status line (the stdlib would answer an unparsable request line in HTTP/0.9 style: HTML, no
        status), then close the connection."""
        self.request_version = "HTTP/1.1" if self.request_version == "HTTP/0.9" else self.request_version
        self.close_connection = True
        text = message or HTTPStatus(code).phrase
        body = {"error": {"type": "invalid_request_error", "message": f"{text} (HTTP {code})."}}
        self._send(code, dumps(body).encode(), {"Content-Type": "application/json", "Connection": "close"})

    def do_GET(self) -> None:
        self._handle()

    def do_POST(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def do_OPTIONS(self) -> None:
        self._send(204, b"", {"Content-Type": "text/plain"})

    # ------------------------------------------------------------------------------------------
    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for k, v in {**CORS, **headers}.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        # end_headers() plus the body in the same write: one send() per response instead of two.
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD":
            self._headers_buffer.append(body)
        self.flush_headers()

    def _read_body(self) -> str:
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY:
            self.close_connection = True  # the body was not read: the connection cannot be reused
            raise InvalidRequest("Invalid Content-Length." if length < 0 else "Request body too large.")
        raw = self.rfile.read(length) if length > 0 else b""
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidRequest("Invalid request body: not UTF-8 form data.") from None

    def _auth(self) -> str:
        header = self.headers.get("Authorization", "")
        key = ""
        if header.startswith("Bearer "):
            key = header[7:].strip()
        elif header.startswith("Basic "):
            try:
                key = base64.b64decode(header[6:]).decode().split(":", 1)[0]
            except Exception:
                key = ""
        if not key:
            raise AuthError("You did not provide an API key. You need to provide your API key in the Authorization "
                            "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
        kind = classify_key(key)
        if kind == "live":
            raise AuthError(f"Invalid API Key provided: {mask(key)}. This offline sandbox only accepts test-mode "
                            "keys (sk_test_…, rk_test_…, pk_test_…).")
        if kind == "invalid":
            raise AuthError(f"Invalid API Key provided: {mask(key)}")
        return kind

    def _handle(self) -> None:
        engine = self.server.engine
        request_id = "req_" + random_body(14)
        headers = {"Content-Type": "application/json", "Request-Id": request_id}
        split = urlsplit(self.path)
        path = split.path.rstrip("/") or "/"
        try:
            body_text = self._read_body() if self.command == "POST" else ""
            found = self.server.routes.match(self.command, path)
            if found is None:
                raise InvalidRequest(f"Unrecognized request URL ({self.command}: {path}). Please see "
                                     "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                                     status=404)
            rt, path_args = found
            params = parse_form(split.query) if split.query else {}
            if body_text:
                ctype = self.headers.get("Content-Type", "")
                if "json" in ctype:
                    raise InvalidRequest("Invalid request: the Stripe API takes form-encoded bodies "
                                         "(Content-Type: application/x-www-form-urlencoded), not JSON.")
                params.update(parse_form(body_text))
            ctx = engine.ctx(request_id=request_id, base_url=f"http://{self.headers.get('Host', 'localhost')}")
            if rt.raw:
                status, extra, body = rt.handler(ctx, params, **path_args)
                self._send(status, body, {**extra, "Request-Id": request_id})
                return
            kind = self._auth()
            if kind == "publishable" and not rt.publishable:
                raise AuthError("This API call cannot be made with a publishable API key. Please use a secret API "
                                "key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.",
                                code="secret_key_required")
            ctx.publishable = kind == "publishable"
            version = self.headers.get("Stripe-Version")
            if version:
                if not _VERSION_RE.match(version):
                    raise InvalidRequest(f"Invalid Stripe API version: {version[:40]}", param="stripe-version")
                ctx.api_version = version
            headers["Stripe-Version"] = ctx.api_version
            idem_key = self.headers.get("Idempotency-Key") if self.command == "POST" else None
            if idem_key is not None and len(idem_key) > 255:
                raise InvalidRequest("Idempotency-Key must be at most 255 characters.", param="Idempotency-Key")
            ctx.idempotency_key = idem_key
            status, body = self._execute(ctx, rt, params, path_args, path, idem_key, headers)
        except StripeError as exc:
            status, body = exc.status, exc.body()
        except Exception:  # a bug: answer like Stripe's api_error, keep serving, never leak a key
            log.exception("sandbox error on %s %s", self.command, path)
            err = ApiError("An unexpected error occurred in the sandbox. The request was rolled back.")
            status, body = err.status, err.body()
        payload = body if isinstance(body, bytes) else dumps(body).encode()
        self._send(status, payload, headers)

    def _execute(self, ctx, rt, params, path_args, path, idem_key, headers) -> tuple[int, dict | bytes]:
        store = ctx.store
        fingerprint = hashlib.sha256(f"{self.command} {path} {json.dumps(params, sort_keys=True)}".encode()).hexdigest()
        try:
            return self._execute_tx(ctx, rt, params, path_args, idem_key, headers, fingerprint)
        except _Rollback as rb:
            if idem_key is not None and rb.original.replayable:
                with store.tx():
                    self._remember(ctx, idem_key, fingerprint, rb.status, dumps(rb.body()))
            raise

    def _execute_tx(self, ctx, rt, params, path_args, idem_key, headers, fingerprint) -> tuple[int, dict | bytes]:
        store = ctx.store
        with store.tx():
            if idem_key is not None:
                row = store.execute("SELECT fingerprint, status, body, request_id, created FROM idempotency WHERE key=?",
                                    (idem_key,)).fetchone()
                if row and row[4] > ctx.engine.clock() - IDEMPOTENCY_TTL:
                    if row[0] != fingerprint:
                        raise IdempotencyError(
                            "Keys for idempotent requests can only be used with the same parameters they were first "
                            f"used with. Try using a key other than '{idem_key}' if you meant to execute a different "
                            "request.")
                    headers["Idempotent-Replayed"] = "true"
                    headers["Original-Request"] = row[3]
                    return row[1], row[2].encode()
                headers["Original-Request"] = ctx.request_id
            # Each object is written once per request, in its final state, with one executemany
            # (a create+confirm touches the PaymentIntent and its charge several times).
            ctx.write_behind = BufferedStore(store)
            try:
                status, body = 200, rt.handler(ctx, params, **path_args)
                failed = None
            except StripeError as exc:
                if not getattr(exc, "commit", False):
                    failed = exc
                    status, body = exc.status, exc.body()
                else:  # a decline: its failed charge and PI state are kept, the 402 is the answer
                    status, body, failed = exc.status, exc.body(), None
            if failed is not None:
                raise _Rollback(failed, status, body)
            ctx.write_behind.flush()
            ctx.write_behind = None
            text = response_json(body)  # once, for the idempotency record and the response
            if idem_key is not None:
                self._remember(ctx, idem_key, fingerprint, status, text)
        return status, text.encode()

    @staticmethod
    def _remember(ctx, key, fingerprint, status, text: str) -> None:
        store, now = ctx.engine.store, ctx.engine.clock()
        store.execute("INSERT OR REPLACE INTO idempotency(key, fingerprint, status, body, request_id, created) "
                      "VALUES (?,?,?,?,?,?)", (key, fingerprint, status, text, ctx.request_id, now))
        # Prune expired keys, bounded work: up to 64 on every 16th stored key (not a query per request).
        if next(_remembered) % 16 == 0:
            store.execute("DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created < ? "
                          "LIMIT 64)", (now - IDEMPOTENCY_TTL,))


def response_json(body: object) -> str:
    """A response body as compact JSON: orjson (several times faster than json.dumps on a list page
    of 100 charges with expanded balance transactions; same JSON, non-ASCII as UTF-8 like Stripe),
    falling back to json for what orjson refuses (e.g. integers beyond 64 bits)."""
    try:
        return orjson.dumps(body, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return dumps(body)


class _Rollback(StripeError):
    """Internal: roll the transaction back, then store the error for idempotent replay if allowed."""

    def __init__(self, original: StripeError, status: int, body: dict):
        super().__init__(original.message)
        self.original, self.status, self._body = original, status, body

    def body(self) -> dict:
        return self._body
