"""The stripe-python HTTP client used by every StripeClient the app builds (see lib.gateway).

:class:`GatewayHTTPClient` extends ``stripe.RequestsClient`` with two things:

* a **read-only guard**: with ``read_only=True`` any non-GET request raises
  :class:`~lib.config.ReadOnlyError` before a byte is sent;
* a **request log hook**: every attempt (the SDK retries by calling ``request`` again) is recorded
  in a :class:`~lib.request_log.RequestLog` with method, path, status, latency, idempotency key,
  request id and masked bodies. The ``Authorization`` header is never recorded.

Only the synchronous API is supported; the async methods raise ``NotImplementedError`` (stripe's
base behaviour without an async fallback client), so nothing can bypass the guard.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from typing import Any

import stripe

from lib.config import ReadOnlyError
from lib.redaction import redact_keys, safe_error_message
from lib.request_log import RequestLog, mask_form_body, now_utc, path_of, truncate

logger = logging.getLogger(__name__)

READ_METHODS = frozenset({"get", "head", "options"})


class GatewayHTTPClient(stripe.RequestsClient):
    """``stripe.RequestsClient`` plus the read-only guard and the request log hook."""

    def __init__(self, *, timeout: float | tuple[float, float], read_only: bool = False,
                 request_log: RequestLog | None = None, **kwargs: Any) -> None:
        super().__init__(timeout=timeout, **kwargs)
        self.read_only = read_only
        self.request_log = request_log

    # Entry points used by the SDK: one call per logical request; retries loop inside.
    def request_with_retries(self, method: str, url: str, headers: Mapping[str, str],  # type: ignore[override]
                             post_data: Any = None, max_network_retries: int | None = None,
                             *, _usage: list[str] | None = None) -> tuple[Any, int, Mapping[str, str]]:
        self._thread_local.attempt = 0
        return super().request_with_retries(method, url, headers, post_data, max_network_retries,
                                            _usage=_usage)

    def request_stream_with_retries(self, method: str, url: str,  # type: ignore[override]
                                    headers: Mapping[str, str], post_data: Any = None,
                                    max_network_retries: int | None = None,
                                    *, _usage: list[str] | None = None) -> tuple[Any, int, Mapping[str, str]]:
        self._thread_local.attempt = 0
        return super().request_stream_with_retries(method, url, headers, post_data, max_network_retries,
                                                   _usage=_usage)

    # One network attempt each.
    def request(self, method: str, url: str, headers: Mapping[str, str] | None,  # type: ignore[override]
                post_data: Any = None) -> tuple[bytes, int, Mapping[str, str]]:
        return self._attempt(method, url, headers, post_data, streaming=False)

    def request_stream(self, method: str, url: str, headers: Mapping[str, str] | None,  # type: ignore[override]
                       post_data: Any = None) -> tuple[Any, int, Mapping[str, str]]:
        return self._attempt(method, url, headers, post_data, streaming=True)

    def _attempt(self, method: str, url: str, headers: Mapping[str, str] | None, post_data: Any,
                 *, streaming: bool) -> tuple[Any, int, Mapping[str, str]]:
        attempt = getattr(self._thread_local, "attempt", 0) + 1
        self._thread_local.attempt = attempt
        headers = headers or {}
        started_at, start = now_utc(), time.perf_counter()

        if self.read_only and method.lower() not in READ_METHODS:
            error = ReadOnlyError(
                f"Blocked {method.upper()} {path_of(url).split('?')[0]}: live mode is read-only in "
                "Payment Flow Lab (STRIPE_LIVE_READONLY=1). Nothing was sent to Stripe.")
            self._record(method, url, headers, post_data, started_at, start, attempt,
                         error=str(error))
            raise error

        send = super().request_stream if streaming else super().request
        try:
            content, status, response_headers = send(method, url, headers, post_data)
        except stripe.APIConnectionError as exc:
            self._record(method, url, headers, post_data, started_at, start, attempt,
                         error=safe_error_message(exc))
            raise
        self._record(method, url, headers, post_data, started_at, start, attempt,
                     status=status, response_headers=response_headers,
                     response_body="<streamed response>" if streaming else content)
        return content, status, response_headers

    def _record(self, method: str, url: str, headers: Mapping[str, str], post_data: Any,
                started_at: Any, start: float, attempt: int, *, status: int | None = None,
                response_headers: Mapping[str, str] | None = None, response_body: Any = None,
                error: str | None = None) -> None:
        if self.request_log is None:
            return
        try:
            response_headers = response_headers or {}
            self.request_log.record(
                started_at=started_at,
                method=method.upper(),
                path=path_of(url),
                status=status,
                latency_ms=(time.perf_counter() - start) * 1000,
                api_base=_base_of(url),
                request_body=_request_text(headers, post_data),
                response_body=_response_text(response_body),
                idempotency_key=_header(headers, "Idempotency-Key"),
                request_id=_header(response_headers, "Request-Id"),
                stripe_version=_header(headers, "Stripe-Version"),
                idempotent_replayed=_header(response_headers, "Idempotent-Replayed") == "true",
                attempt=attempt,
                error=error,
            )
        except Exception:  # logging must never break a payment call
            logger.exception("Could not record a request log entry")


def _header(headers: Mapping[str, str], name: str) -> str | None:
    value = headers.get(name)
    if value is None:  # plain dicts are case-sensitive; requests' CaseInsensitiveDict is not
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value


def _request_text(headers: Mapping[str, str], body: Any) -> str:
    if not isinstance(body, str | bytes) or not body:
        return ""
    if (_header(headers, "Content-Type") or "").startswith("multipart/"):
        return f"<multipart upload, {len(body)} bytes>"
    return mask_form_body(body)


def _base_of(url: str) -> str:
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


def _response_text(body: Any) -> str:
    if body is None:
        return ""
    if isinstance(body, bytes | bytearray | memoryview):
        body = bytes(body).decode("utf-8", errors="replace")
    return truncate(redact_keys(str(body)))
