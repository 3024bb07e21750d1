"""One recorded API call: what the merchant's server sent, and what came back.

:func:`record_call` runs an SDK call and never raises: the page shows the exact request and
response (or Stripe's error body) instead of a traceback.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import stripe

from lib.redaction import ErrorSummary, describe_error


@dataclass
class ApiCall:
    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None = None
    status: int | None = None
    request_id: str | None = None
    replayed: bool = False
    response: dict[str, Any] | None = None   # the JSON body (success or Stripe's {"error": …})
    error: ErrorSummary | None = None
    started: float = field(default_factory=time.time)
    ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300

    @property
    def error_body(self) -> dict[str, Any]:
        return (self.response or {}).get("error") or {}


def _json(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return {"raw": text[:2000]}
    return value if isinstance(value, dict) else {"value": value}


def _header(headers: Any, name: str) -> str | None:
    if not headers:
        return None
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in dict(headers).items() if k.lower() == lowered), None)
    return value


def record_call(method: str, path: str, params: dict[str, Any], run: Callable[[dict[str, Any], dict[str, Any]], Any],
                idempotency_key: str | None = None) -> tuple[ApiCall, Any]:
    """Run ``run(params, options)``; returns the record and the SDK object (None on error)."""
    call = ApiCall(method, path, params, idempotency_key)
    options: dict[str, Any] = {"idempotency_key": idempotency_key} if idempotency_key else {}
    start = time.perf_counter()
    obj = None
    try:
        obj = run(params, options)
        resp = getattr(obj, "last_response", None)
        call.status = getattr(resp, "code", 200)
        call.request_id = getattr(resp, "request_id", None)
        call.replayed = _header(getattr(resp, "headers", None), "Idempotent-Replayed") == "true"
        call.response = _json(getattr(resp, "body", None)) if resp is not None else obj.to_dict()
    except stripe.StripeError as exc:
        call.status = exc.http_status
        call.request_id = exc.request_id
        call.replayed = _header(exc.headers, "Idempotent-Replayed") == "true"
        body = exc.json_body
        call.response = json.loads(json.dumps(body)) if isinstance(body, dict) else _json(exc.http_body)
        call.error = describe_error(exc)
    except Exception as exc:  # ReadOnlyError, network trouble: shown, never raised
        call.error = describe_error(exc)
    call.ms = (time.perf_counter() - start) * 1000
    return call, obj
