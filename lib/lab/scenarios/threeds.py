"""3-D Secure scenarios (TEST_MODE.md §1.11–1.12): challenges completed and failed, off-session
payments, setup for later, lookup errors, and the mobile-SDK numbers that behave like 3220 through
the API.

``documented`` restates TEST_MODE.md; where the reference is silent or inferred the expectation
checks only what is documented and the row's ``note`` says so.
"""

from __future__ import annotations

from lib.stripe_facts.cards import all_cards

from .model import (
    AUTH_FAILED,
    AUTH_OK,
    CAPTURED,
    DECLINED,
    MANUAL,
    NEEDS_ACTION,
    RETURN_URL,
    SUCCEEDED,
    Scenario,
    authenticate,
    pay,
    raw_pm,
    step,
)


def three_d_secure() -> list[Scenario]:
    g = "3-D Secure"
    ret = {"return_url": RETURN_URL}
    attach_setup = step("customer", attach="pm_card_authenticationRequiredOnSetup")
    attach_off = step("customer", attach="pm_card_authenticationRequiredSetupForOffSession")
    return [
        Scenario("3ds2-required-complete", g, "3DS2 required: customer completes", "pm_card_threeDSecure2Required",
                 "Confirm stops at requires_action (redirect_to_url with a return_url). Completing the test "
                 "challenge makes the payment succeed; the Charge records three_d_secure.result authenticated.",
                 (pay("pm_card_threeDSecure2Required", **ret), authenticate("complete")),
                 {"status": "succeeded", "next_action": "redirect_to_url", "card.three_d_secure": "authenticated",
                  "events": AUTH_OK}, source="1.11, 1.12"),
        Scenario("3ds2-required-fail", g, "3DS2 required: customer fails", "pm_card_threeDSecure2Required",
                 "Failing the challenge returns the PaymentIntent to requires_payment_method with "
                 "last_payment_error.code payment_intent_authentication_failure; no Charge succeeds.",
                 (pay("pm_card_threeDSecure2Required", **ret), authenticate("fail")),
                 {"status": "requires_payment_method", "code": "payment_intent_authentication_failure",
                  "events": AUTH_FAILED}, source="1.12"),
        Scenario("3ds2-sdk-flow", g, "3DS2 without return_url (Stripe.js flow)", "pm_card_threeDSecure2Required",
                 "Without a return_url, next_action.type is use_stripe_sdk (Stripe.js shows the challenge). A "
                 "card-only PaymentIntent (payment_method_types=[card]) may be confirmed without a return_url.",
                 (pay("pm_card_threeDSecure2Required", payment_method_types=["card"]), authenticate("complete")),
                 {"status": "succeeded", "next_action": "use_stripe_sdk", "events": AUTH_OK}, source="1.12",
                 note="Only Stripe.js can show this challenge on real Stripe; the sandbox puts its challenge URL "
                 "in next_action.use_stripe_sdk.stripe_js (sandbox-only field)."),
        Scenario("3ds-always-authenticate", g, "Always authenticate", "pm_card_authenticationRequired",
                 "Every payment needs authentication, however the card was set up.",
                 (pay("pm_card_authenticationRequired", **ret), authenticate("complete")),
                 {"status": "succeeded", "next_action": "redirect_to_url", "events": AUTH_OK}, source="1.11"),
        Scenario("3ds-off-session-required", g, "Off-session payment on a card that needs 3DS",
                 "pm_card_authenticationRequired",
                 "off_session=true cannot ask the customer: 402 authentication_required (decline_code "
                 "authentication_required); the PaymentIntent is left in requires_payment_method.",
                 (pay("pm_card_authenticationRequired", off_session=True),),
                 {"status": "requires_payment_method", "code": "authentication_required",
                  "decline_code": "authentication_required", "http_status": 402, "events": DECLINED},
                 source="1.12"),
        Scenario("3ds-error-on-requires-action", g, "error_on_requires_action=true",
                 "pm_card_authenticationRequired",
                 "Instead of requires_action: 402 authentication_required, decline_code authentication_not_handled. "
                 "It needs a card-only PaymentIntent (payment_method_types=[card]): automatic payment methods "
                 "refuse error_on_requires_action.",
                 (pay("pm_card_authenticationRequired", error_on_requires_action=True,
                      payment_method_types=["card"]),),
                 {"status": "requires_payment_method", "code": "authentication_required",
                  "decline_code": "authentication_not_handled", "events": DECLINED}, source="1.12"),
        Scenario("3ds-on-setup-on-session", g, "Authenticate unless set up: on-session",
                 "pm_card_authenticationRequiredOnSetup", "On-session payments always ask for authentication.",
                 (pay("pm_card_authenticationRequiredOnSetup", **ret), authenticate("complete")),
                 {"status": "succeeded", "next_action": "redirect_to_url", "events": AUTH_OK}, source="1.11"),
        Scenario("3ds-on-setup-off-session", g, "Authenticate unless set up: off-session, not set up",
                 "pm_card_authenticationRequiredOnSetup",
                 "Off-session before the card was set up: declined with authentication_required.",
                 (attach_setup, pay("@pm", customer=True, off_session=True)),
                 {"status": "requires_payment_method", "code": "authentication_required", "events": DECLINED},
                 source="1.11, 1.12"),
        Scenario("3ds-on-setup-then-off-session", g, "Authenticate unless set up: set up, then off-session",
                 "pm_card_authenticationRequiredOnSetup",
                 "An on-session payment with setup_future_usage=off_session authenticates once and sets the "
                 "card up; a later off-session payment then succeeds without authentication.",
                 (attach_setup, pay("@pm", customer=True, setup_future_usage="off_session", **ret),
                  authenticate("complete"), pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "events": (*AUTH_OK, *SUCCEEDED)}, source="1.11"),
        Scenario("3ds-setup-for-off-session-on-session", g, "Already set up: on-session",
                 "pm_card_authenticationRequiredSetupForOffSession",
                 "On-session and one-time payments need authentication.",
                 (pay("pm_card_authenticationRequiredSetupForOffSession", **ret), authenticate("complete")),
                 {"status": "succeeded", "next_action": "redirect_to_url", "events": AUTH_OK}, source="1.11"),
        Scenario("3ds-setup-for-off-session-off-session", g, "Already set up: off-session",
                 "pm_card_authenticationRequiredSetupForOffSession",
                 "All off-session payments succeed without authentication.",
                 (attach_off, pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "events": SUCCEEDED}, source="1.11"),
        Scenario("3ds-then-insufficient-funds", g, "Authenticate, then insufficient funds",
                 "pm_card_authenticationRequiredChargeDeclinedInsufficientFunds",
                 "Authentication is required; after the customer completes it the payment is still declined "
                 "with insufficient_funds.",
                 (pay("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", **ret),
                  authenticate("complete")),
                 {"status": "requires_payment_method", "code": "card_declined", "decline_code": "insufficient_funds",
                  "events": (*NEEDS_ACTION, "charge.failed", "payment_intent.payment_failed")}, source="1.11"),
        Scenario("3ds-required-then-declined", g, "3DS required, declined after authentication",
                 "pm_card_threeDSecureRequiredChargeDeclined",
                 "Declined with card_declined after successful authentication.",
                 (pay("pm_card_threeDSecureRequiredChargeDeclined", **ret), authenticate("complete")),
                 {"status": "requires_payment_method", "code": "card_declined",
                  "events": (*NEEDS_ACTION, "charge.failed", "payment_intent.payment_failed")}, source="1.11"),
        Scenario("3ds-required-lookup-error", g, "3DS required, lookup error",
                 "pm_card_threeDSecureRequiredProcessingError",
                 "The 3DS lookup fails with a processing error, so there is no challenge: declined with "
                 "card_declined.",
                 (pay("pm_card_threeDSecureRequiredProcessingError", **ret),),
                 {"status": "requires_payment_method", "code": "card_declined", "events": DECLINED},
                 source="1.11"),
        Scenario("3ds-optional-not-requested", g, "3DS supported, not requested", "pm_card_threeDSecureOptional",
                 "3DS is possible but not required and not requested by default: the payment succeeds at once.",
                 (pay("pm_card_threeDSecureOptional"),),
                 {"status": "succeeded", "card.three_d_secure": None, "events": SUCCEEDED}, source="1.11"),
        Scenario("3ds-optional-requested", g, "3DS supported, requested (request_three_d_secure=any)",
                 "pm_card_threeDSecureOptional",
                 "Asking for 3DS on a card that supports it shows the challenge; completing it succeeds.",
                 (pay("pm_card_threeDSecureOptional", three_ds="any", **ret), authenticate("complete")),
                 {"status": "succeeded", "next_action": "redirect_to_url", "events": AUTH_OK}, source="1.11"),
        Scenario("3ds-optional-lookup-error", g, "3DS supported, processing error when attempted",
                 "pm_card_threeDSecureOptionalProcessingError",
                 "Attempting 3DS (request_three_d_secure=any) gives a processing error and the payment is declined.",
                 (pay("pm_card_threeDSecureOptionalProcessingError", three_ds="any", **ret),),
                 {"status": "requires_payment_method", "events": DECLINED}, source="1.11",
                 note="The docs do not give the error code; only the decline is checked."),
        Scenario("3ds-unenrolled-visa", g, "Supported but not enrolled (Visa 4242)", "pm_card_visa",
                 "Never prompts, even when 3DS is requested: the payment succeeds without a challenge.",
                 (pay("pm_card_visa", three_ds="any", **ret),),
                 {"status": "succeeded", "events": SUCCEEDED}, source="1.11"),
        Scenario("3ds-not-supported-amex", g, "3DS not supported (Amex)", "pm_card_amex_threeDSecureNotSupported",
                 "3DS cannot be invoked; the payment proceeds without authentication.",
                 (pay("pm_card_amex_threeDSecureNotSupported", three_ds="any", **ret),),
                 {"status": "succeeded", "events": SUCCEEDED}, source="1.11"),
        Scenario("3ds-legacy-3ds1", g, "Legacy 3DS1 required card", "pm_card_threeDSecureRequired",
                 "Requires authentication (older docs); completing it makes the payment succeed.",
                 (pay("pm_card_threeDSecureRequired", **ret), authenticate("complete")),
                 {"status": "succeeded", "events": AUTH_OK}, source="1.11"),
        Scenario("3ds-frictionless", g, "3DS frictionless", "4000000032200000",
                 "3DS runs without a challenge: the payment succeeds with no requires_action step.",
                 (raw_pm("4000000032200000"), pay("@pm", **ret)),
                 {"status": "succeeded", "events": SUCCEEDED, "no_events": ("payment_intent.requires_action",)},
                 source="1.11", note="2026 docs only; no pm_card_ id (uses the publishable key)."),
        Scenario("3ds-manual-capture", g, "3DS with manual capture", "pm_card_threeDSecure2Required",
                 "After authentication the PaymentIntent is requires_capture; capturing it succeeds.",
                 (pay("pm_card_threeDSecure2Required", **MANUAL, **ret), authenticate("complete"), step("capture")),
                 {"status": "succeeded", "amount_received": 2000,
                  "events": (*NEEDS_ACTION, "charge.succeeded", "payment_intent.amount_capturable_updated",
                             *CAPTURED)}, source="1.12, 2.2"),
    ]




def mobile_sdk_numbers() -> list[Scenario]:
    rows = []
    for card in all_cards():
        if card.category != "threeds" or card.primary_pm_id or card.three_ds != "required":
            continue
        rows.append(Scenario(
            f"3ds-number-{card.number}", "3-D Secure", card.label, card.number,
            "Needs 3-D Secure; through the API it behaves like 4000000000003220: requires_action, then "
            "succeeded once the customer completes the challenge.",
            (raw_pm(card.number), pay("@pm", return_url=RETURN_URL), authenticate("complete")),
            {"status": "succeeded", "next_action": "redirect_to_url", "events": AUTH_OK}, source="1.11",
            note="No pm_card_ id: the number goes through POST /v1/payment_methods with the publishable key."))
    return rows
