from __future__ import annotations

import logging

import pytest
import stripe

from lib.config import ConfigError, ReadOnlyError
from lib.redaction import (
    KeyRedactingFilter,
    describe_error,
    install_log_redaction,
    redact_keys,
    safe_error_message,
)

SECRET = "sk_test_51SecretSecretSecretSecret0000abcd"
LIVE = "rk_live_51RestrictedRestrictedRestricted9wxyz"
PUBLISHABLE = "pk_test_51PublishablePublishablePublish1234"
WHSEC = "whsec_abcdefABCDEF0123456789+/=xyz0"


@pytest.mark.parametrize(("text", "absent", "present"), [
    (f"key={SECRET}&x=1", SECRET, "sk_test_…abcd"),
    (f"Invalid key {LIVE}.", LIVE, "rk_live_…wxyz"),
    (f"'{PUBLISHABLE}'", PUBLISHABLE, "pk_test_…1234"),
    (f"secret: {WHSEC}", WHSEC, "whsec_…xyz0"),
    (f"Authorization: Bearer {SECRET}", SECRET, "Bearer [redacted]"),
    ("Authorization: Basic dXNlcjpwYXNz", "dXNlcjpwYXNz", "Basic [redacted]"),
    (f"two {SECRET} and {SECRET}", SECRET, "two sk_test_…abcd and sk_test_…abcd"),
])
def test_redact_keys(text, absent, present):
    redacted = redact_keys(text)
    assert absent not in redacted
    assert present in redacted


def test_redact_keys_leaves_ordinary_text_and_stripe_ids_alone():
    text = "PaymentIntent pi_3Abc123 with client secret pi_3Abc123_secret_XyZ and ch_1Def (HTTP 402)"
    assert redact_keys(text) == text
    assert redact_keys("") == ""


def test_redact_keys_is_idempotent():
    once = redact_keys(f"x {SECRET}")
    assert redact_keys(once) == once


def stripe_error(cls, message, *, code=None, status=400, error=None):
    body = {"error": {"message": message, "type": "card_error", **(error or {})}}
    if code:
        body["error"]["code"] = code
    kwargs = {"http_body": "{}", "http_status": status, "json_body": body,
              "headers": {"request-id": "req_123"}}
    if cls is stripe.CardError:
        return cls(message, param=(error or {}).get("param"), code=code, **kwargs)
    return cls(message, code=code, **kwargs)


def test_describe_card_error():
    exc = stripe_error(stripe.CardError, "Your card has insufficient funds.", code="card_declined",
                       status=402, error={"decline_code": "insufficient_funds",
                                          "doc_url": "https://stripe.com/docs/error-codes/card-declined"})
    summary = describe_error(exc)
    assert summary.title == "Card declined"
    assert summary.detail == "Your card has insufficient funds."
    assert summary.code == "card_declined"
    assert summary.decline_code == "insufficient_funds"
    assert summary.http_status == 402
    assert summary.request_id == "req_123"
    assert summary.doc_url.endswith("card-declined")
    line = safe_error_message(exc)
    assert "code: card_declined" in line and "decline code: insufficient_funds" in line and "req_123" in line


def test_describe_authentication_error_masks_the_key():
    exc = stripe_error(stripe.AuthenticationError, f"Invalid API Key provided: {SECRET}", status=401)
    summary = describe_error(exc)
    assert "Authentication failed" in summary.title
    assert SECRET not in safe_error_message(exc)
    assert "sk_test_…abcd" in summary.detail


def test_describe_connection_error_is_short_and_plain():
    message = ("Unexpected error communicating with Stripe.  If this problem persists,\nlet us know."
               "\n\n(Network error: ConnectionError: HTTPConnectionPool(host='127.0.0.1', port=9): Max "
               "retries exceeded (Caused by NewConnectionError('[Errno 111] Connection refused')))")
    summary = describe_error(stripe.APIConnectionError(message))
    assert summary.title == "Cannot reach the API"
    assert summary.detail == "The server did not answer (connection refused)."


@pytest.mark.parametrize(("exc", "title", "severity"), [
    (ConfigError("STRIPE_API_BASE must be an http(s) URL"), "Configuration problem", "error"),
    (ReadOnlyError("Blocked POST /v1/refunds"), "Blocked in read-only mode", "warning"),
    (TimeoutError(), "Timed out", "error"),
    (ValueError(f"weird {SECRET}"), "Unexpected error (ValueError)", "error"),
])
def test_describe_other_errors(exc, title, severity):
    summary = describe_error(exc)
    assert summary.title == title
    assert summary.severity == severity
    assert SECRET not in summary.one_line()


def test_long_messages_are_clipped():
    summary = describe_error(RuntimeError("x" * 5000))
    assert len(summary.detail) < 700


def test_log_filter_redacts_message_and_args(caplog):
    logger = logging.getLogger("tests.redaction")
    logger.addFilter(KeyRedactingFilter())
    with caplog.at_level(logging.INFO, logger="tests.redaction"):
        logger.info("using %s for %s", SECRET, "charges")
        logger.info(f"inline {WHSEC}")
        logger.info("plain %d", 3)
    text = caplog.text
    assert SECRET not in text and WHSEC not in text
    assert "using sk_test_…abcd for charges" in text
    assert "plain 3" in text


def test_install_log_redaction_is_idempotent():
    install_log_redaction(("tests.install",))
    install_log_redaction(("tests.install",))
    filters = logging.getLogger("tests.install").filters
    assert sum(isinstance(f, KeyRedactingFilter) for f in filters) == 1


def test_redact_keys_covers_underscores_in_keys():
    key = "sk_test_CANARY_with_underscores_1234"
    redacted = redact_keys(f"x {key} y")
    assert "CANARY" not in redacted and "underscores" not in redacted
    assert redacted == "x sk_test_…1234 y"
