"""Keep API keys out of everything the app shows or logs.

* :func:`redact_keys` replaces every key-looking token (``sk_``/``rk_``/``pk_`` test or live keys,
  ``whsec_`` secrets, ``Bearer`` credentials) with its masked form.
* :func:`safe_error_message` turns any exception into one readable line without keys.
* :func:`describe_error` splits an exception into title/detail/code fields for the UI.
* :class:`KeyRedactingFilter` is a logging filter doing the same to log records.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass

import stripe

from lib.config import ConfigError, ReadOnlyError, mask_key

_KEY_TOKEN_RE = re.compile(r"(?:sk|rk|pk)_(?:test|live)_[A-Za-z0-9_]+|whsec_[A-Za-z0-9+/=_-]+")
_BEARER_RE = re.compile(r"(Bearer|Basic)\s+[^\s\"',;]+", re.IGNORECASE)
_NETWORK_DETAIL_RE = re.compile(r"\(Network error: (?P<detail>.*)\)\s*$", re.DOTALL)
_MAX_MESSAGE_CHARS = 600


def redact_keys(text: str) -> str:
    """Replace every key-looking token in ``text`` with its masked form (``sk_test_…abcd``)."""
    if not text:
        return text
    text = _BEARER_RE.sub(lambda m: f"{m.group(1)} [redacted]", text)
    return _KEY_TOKEN_RE.sub(lambda m: mask_key(m.group(0)), text)


@dataclass(frozen=True)
class ErrorSummary:
    """Display-ready description of an exception. Every field is already key-redacted."""

    title: str
    detail: str
    code: str | None = None
    decline_code: str | None = None
    param: str | None = None
    http_status: int | None = None
    request_id: str | None = None
    doc_url: str | None = None
    severity: str = "error"  # "error" or "warning"

    def one_line(self) -> str:
        extras = [f"{label}: {value}" for label, value in (
            ("code", self.code), ("decline code", self.decline_code), ("param", self.param),
            ("HTTP", self.http_status), ("request", self.request_id)) if value]
        text = f"{self.title}: {self.detail}" if self.detail else self.title
        return f"{text} ({', '.join(extras)})" if extras else text


_STRIPE_TITLES: tuple[tuple[type[stripe.StripeError], str], ...] = (
    (stripe.CardError, "Card declined"),
    (stripe.IdempotencyError, "Idempotency key reused with different parameters"),
    (stripe.InvalidRequestError, "Invalid request"),
    (stripe.AuthenticationError, "Authentication failed (check the secret key)"),
    (stripe.PermissionError, "Permission denied for this key"),
    (stripe.RateLimitError, "Rate limited (too many requests)"),
    (stripe.APIConnectionError, "Cannot reach the API"),
    (stripe.APIError, "The API reported an internal error"),
    (stripe.SignatureVerificationError, "Webhook signature verification failed"),
)


def describe_error(exc: BaseException) -> ErrorSummary:
    """Describe ``exc`` for a person: what went wrong, plus Stripe's code and request id."""
    if isinstance(exc, ConfigError):
        return ErrorSummary("Configuration problem", _clip(redact_keys(str(exc))))
    if isinstance(exc, ReadOnlyError):
        return ErrorSummary("Blocked in read-only mode", _clip(redact_keys(str(exc))), severity="warning")
    if isinstance(exc, stripe.StripeError):
        return _describe_stripe_error(exc)
    if isinstance(exc, TimeoutError):
        return ErrorSummary("Timed out", _clip(redact_keys(str(exc))) or "The operation took too long.")
    detail = _clip(redact_keys(str(exc)))
    return ErrorSummary(f"Unexpected error ({type(exc).__name__})", detail)


def _describe_stripe_error(exc: stripe.StripeError) -> ErrorSummary:
    title = next((text for cls, text in _STRIPE_TITLES if isinstance(exc, cls)), "Stripe error")
    message = exc.user_message or ""
    if isinstance(exc, stripe.APIConnectionError):
        message = _network_detail(message)
    err = exc.error
    return ErrorSummary(
        title=title,
        detail=_clip(redact_keys(message)) or "No message was returned.",
        code=(getattr(err, "code", None) or exc.code) if err is not None else exc.code,
        decline_code=getattr(err, "decline_code", None) if err is not None else None,
        param=getattr(err, "param", None) if err is not None else None,
        http_status=exc.http_status,
        request_id=exc.request_id,
        doc_url=getattr(err, "doc_url", None) if err is not None else None,
    )


def _network_detail(message: str) -> str:
    """Shorten the SDK's connection-error text to the underlying cause."""
    match = _NETWORK_DETAIL_RE.search(message)
    if not match:
        return message
    detail = " ".join(match.group("detail").split())
    for marker, plain in (("Connection refused", "connection refused"),
                          ("Name or service not known", "host name not found"),
                          ("nodename nor servname", "host name not found"),
                          ("Temporary failure in name resolution", "host name not found"),
                          ("timed out", "timed out"), ("Read timed out", "timed out")):
        if marker in detail:
            return f"The server did not answer ({plain})."
    return detail


def safe_error_message(exc: BaseException) -> str:
    """One readable line describing ``exc``; never contains an API key or a traceback."""
    return describe_error(exc).one_line()


def _clip(text: str) -> str:
    text = text.strip()
    return text if len(text) <= _MAX_MESSAGE_CHARS else text[:_MAX_MESSAGE_CHARS] + "…"


class KeyRedactingFilter(logging.Filter):
    """Logging filter that masks keys in the formatted message (and drops exception text args)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not hide the record
            message = str(record.msg)
        redacted = redact_keys(message)
        if redacted != message or record.args:
            record.msg, record.args = redacted, None
        return True


def install_log_redaction(logger_names: tuple[str, ...] = ("stripe", "lib", "streamlit", "")) -> None:
    """Attach :class:`KeyRedactingFilter` to the named loggers and their handlers (idempotent)."""
    for name in logger_names:
        logger = logging.getLogger(name)
        targets: list[logging.Filterer] = [logger, *logger.handlers]
        for target in targets:
            if not any(isinstance(f, KeyRedactingFilter) for f in target.filters):
                target.addFilter(KeyRedactingFilter())
