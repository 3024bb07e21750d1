"""Saving a card and paying with it later (TEST_MODE.md §1.11, §1.12, §2.1, §2.5), and the
``automatic_payment_methods`` rule of today's API (§2.1, [D changelog 2023-08-16]).

``documented`` restates TEST_MODE.md; the expected values come from it, not from the sandbox. Where
the reference is silent the row's ``note`` says what is inferred and the expectation leaves it out.
"""

from __future__ import annotations

from lib.stripe_facts.automatic_payment_methods import RETURN_URL_REQUIRED

from .model import (
    AUTH_OK,
    DECLINED,
    INVALID,
    SAVED,
    SETUP_CREATED,
    SETUP_NEEDS_ACTION,
    SUCCEEDED,
    VISA,
    Scenario,
    authenticate,
    pay,
    setup,
    step,
)

SETUP_3DS_OK = (*SETUP_NEEDS_ACTION, "payment_method.attached", "setup_intent.succeeded")
OFF_SESSION_NO_3DS = ("payment_intent.requires_action",)


def saved_cards() -> list[Scenario]:
    g = "Saved cards"
    customer = step("customer")
    on_setup = "pm_card_authenticationRequiredOnSetup"
    always = "pm_card_authenticationRequired"
    return [
        Scenario("save-card", g, "Save a card with a SetupIntent", "pm_card_visa",
                 "A SetupIntent for a customer, confirmed with a card that needs no authentication, succeeds at "
                 "once; the PaymentMethod is attached to the customer (payment_method.attached) and usage "
                 "defaults to off_session. No money moves.",
                 (customer, setup("pm_card_visa", customer=True)),
                 {"setup.status": "succeeded", "setup.usage": "off_session", "pm.attached": True, "events": SAVED,
                  "no_events": ("charge.succeeded",)}, source="2.1, 2.5"),
        Scenario("save-card-3ds", g, "Save a card that needs 3-D Secure on setup", on_setup,
                 "4000002500003155 asks for authentication when it is set up: the SetupIntent stops at "
                 "requires_action (redirect_to_url with a return_url); completing the challenge saves the card "
                 "and attaches it to the customer.",
                 (customer, setup(on_setup, customer=True), authenticate("complete")),
                 {"setup.status": "succeeded", "next_action": "redirect_to_url", "pm.attached": True,
                  "events": SETUP_3DS_OK}, source="1.11, 1.12"),
        Scenario("save-card-3ds-fail", g, "Save a card: the customer fails 3-D Secure", on_setup,
                 "Failing the challenge leaves nothing saved: the SetupIntent goes back to requires_payment_method "
                 "(setup_intent.setup_failed) and the card is not attached.",
                 (customer, setup(on_setup, customer=True), authenticate("fail")),
                 {"setup.status": "requires_payment_method", "code": "setup_intent_authentication_failure",
                  "events": (*SETUP_NEEDS_ACTION, "setup_intent.setup_failed"),
                  "no_events": ("payment_method.attached",)}, source="1.12, 2.5",
                 note="The failure code is the one a public test-mode event dump shows (stripe-node issue 1904); "
                 "TEST_MODE.md names only the event."),
        Scenario("save-card-declined", g, "A decline card cannot be saved", "pm_card_chargeDeclined",
                 "Decline cards cannot be attached to a Customer (§1.1), so setting one up fails with a 402 "
                 "card_error (card_declined) and nothing is attached.",
                 (customer, setup("pm_card_chargeDeclined", customer=True)),
                 {"setup.status": "requires_payment_method", "code": "card_declined", "error_type": "card_error",
                  "http_status": 402, "events": (*SETUP_CREATED, "setup_intent.setup_failed"),
                  "no_events": ("payment_method.attached",)}, source="1.1, 1.5",
                 note="The event is Stripe's for a failed setup attempt; the reference gives no probe of it."),
        Scenario("off-session-saved-card", g, "Pay off-session with a saved card", "pm_card_visa",
                 "A card saved with a SetupIntent can be charged later without the customer "
                 "(off_session=true, confirm=true, customer, payment_method): the payment succeeds.",
                 (customer, setup("pm_card_visa", customer=True), pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "amount_received": 2000, "events": (*SAVED, *SUCCEEDED)},
                 source="1.11, 2.1"),
        Scenario("off-session-after-3ds-setup", g, "Set up with 3-D Secure, then pay off-session", on_setup,
                 "4000002500003155 needs authentication only until it is set up: after the SetupIntent's "
                 "challenge, an off-session payment succeeds without asking again.",
                 (customer, setup(on_setup, customer=True), authenticate("complete"),
                  pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "events": (*SETUP_3DS_OK, *SUCCEEDED), "no_events": OFF_SESSION_NO_3DS},
                 source="1.11"),
        Scenario("off-session-authentication-required", g, "Off-session on a card that always authenticates",
                 always,
                 "4000002760003184 needs authentication on every payment, however it was set up: even after a "
                 "successful setup, an off-session payment is declined with 402 authentication_required "
                 "(decline_code authentication_required) and the PaymentIntent is left in "
                 "requires_payment_method. Bring the customer back on-session to pay.",
                 (customer, setup(always, customer=True), authenticate("complete"),
                  pay("@pm", customer=True, off_session=True)),
                 {"status": "requires_payment_method", "code": "authentication_required",
                  "decline_code": "authentication_required", "http_status": 402,
                  "events": (*SETUP_3DS_OK, *DECLINED)}, source="1.11, 1.12"),
        Scenario("save-during-payment", g, "Save the card while paying (setup_future_usage)", "pm_card_visa",
                 "A PaymentIntent confirmed with setup_future_usage=off_session and a customer attaches the card to "
                 "the customer on success (payment_method.attached); a later off-session payment with it succeeds.",
                 (customer, pay("pm_card_visa", customer=True, setup_future_usage="off_session"),
                  pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "pm.attached": True,
                  "events": (*SUCCEEDED, "payment_method.attached", *SUCCEEDED)}, source="2.1"),
        Scenario("save-during-payment-3ds", g, "Save while paying with 3-D Secure, then pay off-session", on_setup,
                 "An on-session payment with setup_future_usage=off_session authenticates once and sets "
                 "4000002500003155 up; the next off-session payment needs no authentication.",
                 (customer, pay(on_setup, customer=True, setup_future_usage="off_session"), authenticate("complete"),
                  pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "pm.attached": True,
                  "events": (*AUTH_OK, "payment_method.attached", *SUCCEEDED)}, source="1.11, 2.1"),
    ]


def automatic_payment_methods() -> list[Scenario]:
    g = "Automatic payment methods"
    return [
        Scenario("apm-return-url-required", g, "The classic create-and-confirm, without a return_url", VISA,
                 "Since API 2023-08-16 automatic_payment_methods are on when payment_method_types is not given, so "
                 "create(amount, currency, payment_method, confirm=true) with no return_url is refused: 400 "
                 "invalid_request_error with Stripe's \"A `return_url` must be specified…\" message. No payment "
                 "is attempted.",
                 (pay(VISA, omit=("return_url",)),),
                 {"status": None, "http_status": 400, "error_type": INVALID, "message": RETURN_URL_REQUIRED,
                  "no_events": ("charge.succeeded", "charge.failed")}, source="2.1"),
        Scenario("apm-with-return-url", g, "Way out 1: send a return_url", VISA,
                 "The same payment with a return_url succeeds; the PaymentIntent shows automatic_payment_methods "
                 "enabled.",
                 (pay(VISA),), {"status": "succeeded", "automatic_payment_methods": True, "events": SUCCEEDED},
                 source="2.1"),
        Scenario("apm-allow-redirects-never", g, "Way out 2: allow_redirects=never", VISA,
                 "automatic_payment_methods[allow_redirects]=never filters out redirect-based methods, and the "
                 "return_url is no longer needed: the payment succeeds without one.",
                 (pay(VISA, extra={"automatic_payment_methods": {"enabled": True, "allow_redirects": "never"}}),),
                 {"status": "succeeded", "automatic_payment_methods": True, "events": SUCCEEDED}, source="2.1"),
        Scenario("apm-card-only", g, "Way out 3: payment_method_types=[card]", VISA,
                 "Giving payment_method_types turns automatic payment methods off "
                 "(automatic_payment_methods: null): a card-only PaymentIntent confirms without a return_url.",
                 (pay(VISA, payment_method_types=["card"]),),
                 {"status": "succeeded", "automatic_payment_methods": None, "events": SUCCEEDED}, source="2.1"),
        Scenario("apm-off-session", g, "Off-session payments need no return_url", VISA,
                 "off_session=true lifts the return_url requirement: the customer is not there to be redirected.",
                 (step("customer", attach=VISA), pay("@pm", customer=True, off_session=True)),
                 {"status": "succeeded", "automatic_payment_methods": True, "events": SUCCEEDED}, source="2.1"),
        Scenario("apm-setup-return-url-required", g, "Saving a card needs a return_url too", VISA,
                 "Confirming a SetupIntent with automatic payment methods on and no return_url is refused with a "
                 "400 invalid_request_error; nothing is saved.",
                 (step("customer"), setup(VISA, customer=True, omit=("return_url",))),
                 {"http_status": 400, "error_type": INVALID, "no_events": ("payment_method.attached",)},
                 source="2.1", note="The SetupIntent message is not quoted in the reference; only the status is "
                 "checked."),
    ]
