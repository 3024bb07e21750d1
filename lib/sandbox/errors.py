"""Stripe-shaped errors.

Every failure the sandbox reports is one of these. ``body()`` renders Stripe's v1 error envelope
(fields that do not apply are omitted, as Stripe does) and ``status`` is the HTTP status the
stripe SDK maps to its own exception classes (402 → CardError, 404 → InvalidRequestError, ...).
"""

from __future__ import annotations

from typing import Any

DOC_BASE = "https://stripe.com/docs/error-codes/"


class StripeError(Exception):
    status = 400
    type = "invalid_request_error"

    def __init__(self, message: str, *, code: str | None = None, param: str | None = None,
                 status: int | None = None, **extra: Any):
        super().__init__(message)
        self.message = message
        self.code = code
        self.param = param
        if status is not None:
            self.status = status
        self.extra = {k: v for k, v in extra.items() if v is not None}
        # Stored for idempotent replay (endpoint execution began)? Validation errors are not.
        self.replayable = True
        # A card decline keeps its side effects (failed charge, PI state): commit, then answer 402.
        self.commit = False

    def body(self) -> dict:
        err: dict[str, Any] = {"type": self.type, "message": self.message}
        if self.code:
            err["code"] = self.code
            err["doc_url"] = DOC_BASE + self.code.replace("_", "-")
        if self.param:
            err["param"] = self.param
        err.update(self.extra)
        return {"error": err}


class InvalidRequest(StripeError):
    pass


class ParamError(InvalidRequest):
    """A request rejected before the endpoint ran: never stored for idempotent replay."""

    def __init__(self, *args, **kw):
        super().__init__(*args, **kw)
        self.replayable = False


class NotFound(StripeError):
    status = 404

    def __init__(self, obj_name: str, obj_id: str, param: str = "id"):
        super().__init__(f"No such {obj_name}: '{obj_id}'", code="resource_missing", param=param)


class CardError(StripeError):
    status = 402
    type = "card_error"


class AuthError(StripeError):
    status = 401


class PermissionDenied(StripeError):
    status = 403


class IdempotencyError(StripeError):
    type = "idempotency_error"


class ApiError(StripeError):
    status = 500
    type = "api_error"


def param_unknown(name: str) -> InvalidRequest:
    return ParamError(f"Received unknown parameter: {name}", code="parameter_unknown", param=name)


def param_missing(name: str) -> InvalidRequest:
    return ParamError(f"Missing required param: {name}.", code="parameter_missing", param=name)


def unexpected_state(message: str, **extra: Any) -> InvalidRequest:
    return InvalidRequest(message, code="payment_intent_unexpected_state", **extra)
