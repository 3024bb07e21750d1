"""Sync errors: readable :class:`SyncError` s (never key text), mapping SDK exceptions to them,
and which errors are retried (with ``Retry-After``)."""

from __future__ import annotations

import re

import stripe


class SyncError(Exception):
    """A readable sync failure (no traceback, no key text). ``kind`` groups the cause."""

    def __init__(self, message: str, kind: str = "error") -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind


class ResourceFailed(SyncError):
    """Only the current resource fails; the run continues with the others."""


_KEY_RE = re.compile(r"\b(sk|rk|pk)_(test|live)_[A-Za-z0-9*_]+|\bwhsec_[A-Za-z0-9+/=_-]+")


def scrub(text: str) -> str:
    """Remove anything that looks like a key from a message."""
    return _KEY_RE.sub("[key hidden]", text or "")


def describe_stripe_error(exc: Exception, label: str) -> SyncError:
    """Map an SDK exception to a readable :class:`SyncError` (never includes key text)."""
    status = getattr(exc, "http_status", None)
    if isinstance(exc, stripe.AuthenticationError):
        return SyncError(
            "The API key was rejected (HTTP 401): it is invalid or has been revoked. Check the key on "
            "the Connection page. Nothing was changed; the last synced data is still shown.", "auth")
    if isinstance(exc, stripe.PermissionError):
        return ResourceFailed(
            f"The API key has no permission to read {label} (HTTP 403). Give the key read access to "
            f"{label}; the other data was synced and the last synced {label} are kept.", "permission")
    if isinstance(exc, stripe.RateLimitError):
        return SyncError("The API kept answering 'too many requests' (HTTP 429) after several "
                         "retries. Try again in a minute; the data synced so far is kept.", "rate_limit")
    if isinstance(exc, stripe.APIConnectionError):
        return SyncError("Could not reach the Stripe API (network error). Check the connection "
                         "settings and that the server is running; the last synced data is kept.",
                         "network")
    if isinstance(exc, stripe.InvalidRequestError):
        detail = scrub(getattr(exc, "user_message", None) or str(exc) or "")
        return ResourceFailed(
            f"The API refused the request for {label} (HTTP {status or 400}): {detail}".rstrip(": "),
            "request")
    if isinstance(exc, stripe.StripeError):
        if status is not None and int(status) >= 500:
            return SyncError(f"The API failed with HTTP {status} after several retries. Try again "
                             "later; the data synced so far is kept.", "server")
        detail = scrub(getattr(exc, "user_message", None) or str(exc) or "")
        return ResourceFailed(f"The API returned an error for {label}"
                               f"{f' (HTTP {status})' if status else ''}: {detail}", "api")
    return SyncError(f"Unexpected error while syncing {label}: {scrub(str(exc))}", "error")


def is_retryable(exc: Exception) -> bool:
    """429, network errors, 5xx, 409 and lock timeouts: worth another attempt after a pause."""
    if isinstance(exc, (stripe.RateLimitError, stripe.APIConnectionError)):
        return True
    if isinstance(exc, stripe.StripeError):
        status = getattr(exc, "http_status", None)
        if status is not None and (int(status) >= 500 or int(status) == 409):
            return True
        if getattr(exc, "code", None) in ("lock_timeout", "rate_limit"):
            return True
    return False


def retry_after_seconds(exc: Exception) -> float | None:
    """The ``Retry-After`` header of an SDK error, in seconds (``None`` without one)."""
    headers = getattr(exc, "headers", None) or {}
    try:
        for key, value in headers.items():
            if key.lower() == "retry-after":
                return float(value)
    except (AttributeError, TypeError, ValueError):
        return None
    return None
