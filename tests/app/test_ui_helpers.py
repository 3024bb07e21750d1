"""lib.ui helpers rendered in isolation with AppTest.from_function."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest

from tests.app.conftest import RUN_TIMEOUT_S, rendered_text


def run(script) -> AppTest:
    return AppTest.from_function(script, default_timeout=RUN_TIMEOUT_S).run()


def test_show_error_renders_stripe_card_error_with_codes_and_no_traceback():
    def script():
        import stripe

        from lib import ui

        body = {"error": {"type": "card_error", "message": "Your card has insufficient funds.",
                          "code": "card_declined", "decline_code": "insufficient_funds",
                          "doc_url": "https://stripe.com/docs/error-codes/card-declined"}}
        ui.show_error(stripe.CardError("Your card has insufficient funds.", None, "card_declined",
                                       http_status=402, json_body=body, headers={"request-id": "req_42"}))

    at = run(script)
    assert not at.exception
    [error] = at.error
    text = error.value
    assert text.startswith("**Card declined.** Your card has insufficient funds.")
    assert "code `card_declined`" in text and "decline code `insufficient_funds`" in text
    assert "HTTP `402`" in text and "request `req_42`" in text
    assert "https://stripe.com/docs/error-codes/card-declined" in text
    assert "Traceback" not in rendered_text(at)


def test_show_error_masks_keys_in_unexpected_errors():
    def script():
        from lib import ui

        ui.show_error(RuntimeError("boom with sk_test_UiHelperSecretValue_0000abcd inside"))

    at = run(script)
    assert "Unexpected error (RuntimeError)" in at.error[0].value
    assert "UiHelperSecretValue" not in rendered_text(at)
    assert "sk_test_…abcd" in at.error[0].value


def test_show_error_uses_a_warning_for_read_only_blocks():
    def script():
        from lib import ui
        from lib.config import ReadOnlyError

        ui.show_error(ReadOnlyError("Blocked POST /v1/refunds: live mode is read-only."))

    at = run(script)
    assert not at.error
    assert at.warning[0].value.startswith("**Blocked in read-only mode.**")


def test_require_connection_stops_the_page_on_bad_config(monkeypatch):
    monkeypatch.setenv("STRIPE_API_BASE", "ftp://nope")

    def script():
        import streamlit as st

        from lib import ui

        ui.require_connection()
        st.write("this line must not render")

    at = run(script)
    assert not at.exception
    assert "STRIPE_API_BASE must be an http(s) URL" in at.error[0].value
    assert "this line must not render" not in rendered_text(at)


def test_require_connection_returns_the_shared_connection():
    def script():
        import streamlit as st

        from lib import ui

        first = ui.require_connection()
        second = ui.get_connection()
        st.write(f"same={first is second} mode={first.mode}")

    at = run(script)
    assert not at.exception
    assert at.markdown[0].value == "same=True mode=sandbox"


def test_show_error_escapes_dollar_signs_so_amounts_are_not_latex():
    def script():
        from lib import ui

        ui.show_error(ValueError("Amount must be at least $0.50 and at most $999,999.99"))

    at = run(script)
    assert "at least \\$0.50 and at most \\$999,999.99" in at.error[0].value


def test_markdown_table_wraps_sentences_shows_badges_and_keeps_cells_apart():
    """A hand-written table: a pipe inside a value must not start a new cell, an empty value is
    blank (never "None"), a status is a badge in Stripe's words, ids are code."""
    def script():
        from lib import ui
        from lib.stripe_facts.statuses import refund_badge

        ui.markdown_table([{"refund": "re_1", "status": "succeeded", "meaning": "Sent back | to the card",
                            "failure_reason": None}], code=("refund",), badges={"status": refund_badge})

    at = run(script)
    assert not at.exception
    [table] = at.markdown
    lines = table.value.split("\n")
    assert lines[0] == "| Refund | Status | Meaning | Failure reason |"
    assert lines[2] == "| `re_1` | :green-badge[Succeeded] | Sent back \\| to the card |  |"
