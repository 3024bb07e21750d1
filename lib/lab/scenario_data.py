"""Hand-written scenario rows, part 1: declines, 3-D Secure, capture, cancel (see
:mod:`lib.lab.scenarios` for the format; part 2 is :mod:`lib.lab.scenario_data2`).

``documented`` restates TEST_MODE.md; where the reference is silent or inferred the expectation
checks only what is documented and the row's ``note`` says so.
"""

from __future__ import annotations

from lib.stripe_facts.cards import all_cards

from .scenarios import (
    AUTH_FAILED,
    AUTH_OK,
    AUTHORIZED,
    CAPTURED,
    CREATED,
    DECLINED,
    NEEDS_ACTION,
    RETURN_URL,
    SUCCEEDED,
    Scenario,
    authenticate,
    pay,
    raw_pm,
    step,
)

INVALID = "invalid_request_error"
CLOSED_WON = ("charge.dispute.updated", "charge.dispute.funds_reinstated", "charge.dispute.closed")
MANUAL = {"capture_method": "manual"}


def declines() -> list[Scenario]:
    g = "Declines"
    rows = []
    for card in all_cards():
        if card.category != "decline" or not card.primary_pm_id or card.fail_on_charge_after_attach:
            continue
        d = card.decline
        rows.append(Scenario(
            f"decline-{d.decline_code or d.code}".replace("_", "-"), g, card.label, card.primary_pm_id,
            f"402 card_error: code {d.code}, decline_code {d.decline_code}. The PaymentIntent goes back to "
            "requires_payment_method with last_payment_error set; a failed Charge is kept.",
            (pay(card.primary_pm_id),),
            {"status": "requires_payment_method", "code": d.code, "decline_code": d.decline_code,
             "error_type": "card_error", "http_status": 402, "charge.status": "failed", "events": DECLINED},
            source="1.5", note="Docs list decline_code n/a for this card; live probes return the code's value."
            if d.code != "card_declined" else ""))
    rows += [
        Scenario("decline-fraudulent", g, "Declined: fraudulent", "pm_card_chargeDeclinedFraudulent",
                 "The same card as pm_card_radarBlock (4100000000000019): 402 card_declined; live probes return "
                 "decline_code fraudulent. Show the customer a generic decline message.",
                 (pay("pm_card_chargeDeclinedFraudulent"),),
                 {"status": "requires_payment_method", "code": "card_declined", "decline_code": "fraudulent",
                  "events": DECLINED}, source="1.5"),
        Scenario("decline-then-good-card", g, "Decline, then pay the same PaymentIntent with a good card",
                 "pm_card_visa_chargeDeclined → pm_card_visa",
                 "The first attempt is declined (failed Charge kept, PI back to requires_payment_method); "
                 "confirming the same PaymentIntent with a good card then succeeds.",
                 (pay("pm_card_visa_chargeDeclined", may_fail=True), step("confirm", pm="pm_card_visa")),
                 {"status": "succeeded", "code": "card_declined",
                  "events": (*DECLINED, "charge.succeeded", "payment_intent.succeeded")}, source="1.5"),
        Scenario("decline-after-attach", g, "Decline after attaching", "pm_card_chargeCustomerFail",
                 "Attaching the card to a Customer works; every charge on it is then declined (card_declined).",
                 (step("customer", attach="pm_card_chargeCustomerFail"), pay("@pm", customer=True)),
                 {"status": "requires_payment_method", "code": "card_declined", "events": DECLINED},
                 source="1.5"),
        Scenario("decline-cannot-attach", g, "Decline cards cannot be attached", "pm_card_chargeDeclined",
                 "Attaching a decline card to a Customer fails with a card_error (card_declined).",
                 (step("customer", attach="pm_card_chargeDeclined"),),
                 {"code": "card_declined", "error_type": "card_error"}, source="1.1"),
        Scenario("invalid-expiry-month", g, "Invalid data: expiry month 13", "4242424242424242, 13/2030",
                 "Creating the PaymentMethod fails with invalid_expiry_month.",
                 (raw_pm("4242424242424242", exp_month=13),), {"code": "invalid_expiry_month"}, source="1.7"),
        Scenario("invalid-expiry-year", g, "Invalid data: expiry year in the past", "4242424242424242, 12/2019",
                 "Creating the PaymentMethod fails with invalid_expiry_year.",
                 (raw_pm("4242424242424242", exp_year=2019),), {"code": "invalid_expiry_year"}, source="1.7"),
        Scenario("invalid-cvc", g, "Invalid data: 2-digit CVC", "4242424242424242, CVC 99",
                 "Creating the PaymentMethod fails with invalid_cvc.",
                 (raw_pm("4242424242424242", cvc="99"),), {"code": "invalid_cvc"}, source="1.7"),
        Scenario("invalid-number", g, "Invalid data: number fails the Luhn check", "4242424242424241",
                 "Creating the PaymentMethod fails with incorrect_number.",
                 (raw_pm("4242424242424241"),), {"code": "incorrect_number"}, source="1.5, 1.7"),
    ]
    return rows


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
                 "Without a return_url, next_action.type is use_stripe_sdk (Stripe.js shows the challenge).",
                 (pay("pm_card_threeDSecure2Required"), authenticate("complete")),
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
                 "Instead of requires_action: 402 authentication_required, decline_code authentication_not_handled.",
                 (pay("pm_card_authenticationRequired", error_on_requires_action=True),),
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


def capture() -> list[Scenario]:
    g = "Manual & partial capture"
    visa = "pm_card_visa"
    return [
        Scenario("capture-authorize-only", g, "Authorize only (capture_method=manual)", visa,
                 "The card is authorized and the money held: requires_capture, amount_capturable = amount, "
                 "Charge succeeded but not captured.", (pay(visa, **MANUAL),),
                 {"status": "requires_capture", "amount_capturable": 2000, "charge.captured": False,
                  "events": AUTHORIZED}, source="2.2"),
        Scenario("capture-full", g, "Authorize, then capture in full", visa,
                 "Capturing moves requires_capture → succeeded (charge.captured, payment_intent.succeeded).",
                 (pay(visa, **MANUAL), step("capture")),
                 {"status": "succeeded", "amount_received": 2000, "charge.captured": True,
                  "events": (*AUTHORIZED, *CAPTURED)}, source="2.2"),
        Scenario("capture-partial", g, "Partial capture ($15.00 of $20.00)", visa,
                 "amount_to_capture below the authorized amount: amount_received is what was captured, the rest "
                 "is released (no Refund object since API 2025-03-31.basil).",
                 (pay(visa, **MANUAL), step("capture", amount=1500)),
                 {"status": "succeeded", "amount_received": 1500, "charge.amount_captured": 1500,
                  "charge.amount_refunded": 0, "events": (*AUTHORIZED, *CAPTURED)}, source="2.2"),
        Scenario("capture-too-much", g, "Capture more than authorized", visa,
                 "amount_to_capture above amount_capturable: 400 amount_too_large; still requires_capture.",
                 (pay(visa, **MANUAL), step("capture", amount=3000)),
                 {"status": "requires_capture", "code": "amount_too_large", "http_status": 400}, source="2.2"),
        Scenario("capture-twice", g, "Capture twice", visa,
                 "The second capture fails with payment_intent_unexpected_state (it is already succeeded).",
                 (pay(visa, **MANUAL), step("capture"), step("capture")),
                 {"status": "succeeded", "code": "payment_intent_unexpected_state", "http_status": 400},
                 source="2.6"),
        Scenario("capture-automatic", g, "Capture an automatically captured payment", visa,
                 "Only requires_capture PaymentIntents can be captured: payment_intent_unexpected_state.",
                 (pay(visa), step("capture")),
                 {"status": "succeeded", "code": "payment_intent_unexpected_state"}, source="2.6"),
    ]


def cancel() -> list[Scenario]:
    g = "Cancel"
    visa = "pm_card_visa"
    canceled = ("payment_intent.canceled",)
    return [
        Scenario("cancel-requires-payment-method", g, "Cancel before a card is given", "—",
                 "A PaymentIntent without a payment method can be canceled; cancellation_reason is kept.",
                 (step("create"), step("cancel", reason="requested_by_customer")),
                 {"status": "canceled", "cancellation_reason": "requested_by_customer",
                  "events": (*CREATED, *canceled)}, source="2.1, 2.2"),
        Scenario("cancel-requires-confirmation", g, "Cancel before confirming", visa,
                 "Created with a payment method but not confirmed (requires_confirmation), then canceled.",
                 (step("create", pm=visa), step("cancel", reason="duplicate")),
                 {"status": "canceled", "cancellation_reason": "duplicate", "events": (*CREATED, *canceled)},
                 source="2.2"),
        Scenario("cancel-requires-capture", g, "Cancel an authorization (release the hold)", visa,
                 "Canceling requires_capture releases the held amount: canceled, nothing captured.",
                 (pay(visa, **MANUAL), step("cancel", reason="abandoned")),
                 {"status": "canceled", "cancellation_reason": "abandoned", "charge.captured": False,
                  "amount_received": 0, "events": (*AUTHORIZED, *canceled)}, source="2.2"),
        Scenario("cancel-requires-action", g, "Cancel while waiting for 3DS", "pm_card_threeDSecure2Required",
                 "A PaymentIntent waiting for authentication can be canceled.",
                 (pay("pm_card_threeDSecure2Required", return_url=RETURN_URL), step("cancel", reason="fraudulent")),
                 {"status": "canceled", "cancellation_reason": "fraudulent", "next_action": "redirect_to_url",
                  "events": (*NEEDS_ACTION, *canceled)}, source="2.2"),
        Scenario("cancel-without-reason", g, "Cancel without a reason", "—",
                 "cancellation_reason stays null when none is given.",
                 (step("create"), step("cancel")),
                 {"status": "canceled", "cancellation_reason": None, "events": (*CREATED, *canceled)}, source="2.1"),
        Scenario("cancel-succeeded", g, "Cancel a succeeded payment", visa,
                 "Succeeded is terminal: 400 payment_intent_unexpected_state (refund it instead).",
                 (pay(visa), step("cancel")),
                 {"status": "succeeded", "code": "payment_intent_unexpected_state", "http_status": 400},
                 source="2.6"),
    ]
