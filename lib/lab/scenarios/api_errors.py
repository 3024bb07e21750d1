"""API errors that are not card declines: amounts, unknown objects and parameters (TEST_MODE.md §2.6,
5.4, 5.5, 7.2)."""

from __future__ import annotations

from .model import SUCCEEDED, VISA, Scenario, pay, step


def api_errors() -> list[Scenario]:
    g = "API errors"
    return [
        Scenario("error-amount-too-small", g, "Amount below the minimum ($0.49)", VISA,
                 "400 amount_too_small: \"Amount must be at least $0.50 usd\".",
                 (pay(VISA, amount=49),), {"code": "amount_too_small", "http_status": 400}, source="5.5"),
        Scenario("error-amount-zero", g, "Amount 0", VISA, "400 parameter_invalid_integer on amount.",
                 (pay(VISA, amount=0),), {"code": "parameter_invalid_integer", "http_status": 400}, source="2.6"),
        Scenario("error-jpy-zero-decimal", g, "Zero-decimal currency (¥500)", VISA,
                 "JPY amounts are not multiplied by 100: amount=500 charges ¥500.",
                 (pay(VISA, amount=500, currency="jpy"),), {"status": "succeeded", "events": SUCCEEDED},
                 source="5.4"),
        Scenario("error-jpy-too-small", g, "Below the JPY minimum (¥49)", VISA,
                 "The JPY minimum is ¥50: amount_too_small.",
                 (pay(VISA, amount=49, currency="jpy"),), {"code": "amount_too_small"}, source="5.5"),
        Scenario("error-unknown-payment-intent", g, "Retrieve an unknown PaymentIntent", "pi_doesnotexist",
                 "404 resource_missing: \"No such payment_intent: 'pi_…'\".",
                 (step("retrieve_pi", id="pi_doesnotexist000000000"),),
                 {"code": "resource_missing", "http_status": 404}, source="2.6"),
        Scenario("error-unknown-parameter", g, "Unknown parameter", VISA, "400 parameter_unknown.",
                 (pay(VISA, extra={"colour": "blue"}),), {"code": "parameter_unknown", "http_status": 400},
                 source="7.2"),
        Scenario("error-missing-currency", g, "Missing required parameter", VISA,
                 "400 parameter_missing on currency.",
                 (pay(VISA, omit=("currency",)),), {"code": "parameter_missing", "http_status": 400}, source="7.2"),
    ]
