"""Manual and partial capture, and cancel (TEST_MODE.md §2.1, 2.2, 2.6)."""

from __future__ import annotations

from .model import AUTHORIZED, CAPTURED, CREATED, MANUAL, NEEDS_ACTION, RETURN_URL, VISA, Scenario, pay, step


def capture() -> list[Scenario]:
    g = "Manual & partial capture"
    return [
        Scenario("capture-authorize-only", g, "Authorize only (capture_method=manual)", VISA,
                 "The card is authorized and the money held: requires_capture, amount_capturable = amount, "
                 "Charge succeeded but not captured.", (pay(VISA, **MANUAL),),
                 {"status": "requires_capture", "amount_capturable": 2000, "charge.captured": False,
                  "events": AUTHORIZED}, source="2.2"),
        Scenario("capture-full", g, "Authorize, then capture in full", VISA,
                 "Capturing moves requires_capture → succeeded (charge.captured, payment_intent.succeeded).",
                 (pay(VISA, **MANUAL), step("capture")),
                 {"status": "succeeded", "amount_received": 2000, "charge.captured": True,
                  "events": (*AUTHORIZED, *CAPTURED)}, source="2.2"),
        Scenario("capture-partial", g, "Partial capture ($15.00 of $20.00)", VISA,
                 "amount_to_capture below the authorized amount: amount_received is what was captured, the rest "
                 "is released (no Refund object since API 2025-03-31.basil).",
                 (pay(VISA, **MANUAL), step("capture", amount=1500)),
                 {"status": "succeeded", "amount_received": 1500, "charge.amount_captured": 1500,
                  "charge.amount_refunded": 0, "events": (*AUTHORIZED, *CAPTURED)}, source="2.2"),
        Scenario("capture-too-much", g, "Capture more than authorized", VISA,
                 "amount_to_capture above amount_capturable: 400 amount_too_large; still requires_capture.",
                 (pay(VISA, **MANUAL), step("capture", amount=3000)),
                 {"status": "requires_capture", "code": "amount_too_large", "http_status": 400}, source="2.2"),
        Scenario("capture-twice", g, "Capture twice", VISA,
                 "The second capture fails with payment_intent_unexpected_state (it is already succeeded).",
                 (pay(VISA, **MANUAL), step("capture"), step("capture")),
                 {"status": "succeeded", "code": "payment_intent_unexpected_state", "http_status": 400},
                 source="2.6"),
        Scenario("capture-automatic", g, "Capture an automatically captured payment", VISA,
                 "Only requires_capture PaymentIntents can be captured: payment_intent_unexpected_state.",
                 (pay(VISA), step("capture")),
                 {"status": "succeeded", "code": "payment_intent_unexpected_state"}, source="2.6"),
    ]


def cancel() -> list[Scenario]:
    g = "Cancel"
    canceled = ("payment_intent.canceled",)
    return [
        Scenario("cancel-requires-payment-method", g, "Cancel before a card is given", "—",
                 "A PaymentIntent without a payment method can be canceled; cancellation_reason is kept.",
                 (step("create"), step("cancel", reason="requested_by_customer")),
                 {"status": "canceled", "cancellation_reason": "requested_by_customer",
                  "events": (*CREATED, *canceled)}, source="2.1, 2.2"),
        Scenario("cancel-requires-confirmation", g, "Cancel before confirming", VISA,
                 "Created with a payment method but not confirmed (requires_confirmation), then canceled.",
                 (step("create", pm=VISA), step("cancel", reason="duplicate")),
                 {"status": "canceled", "cancellation_reason": "duplicate", "events": (*CREATED, *canceled)},
                 source="2.2"),
        Scenario("cancel-requires-capture", g, "Cancel an authorization (release the hold)", VISA,
                 "Canceling requires_capture releases the held amount: canceled, nothing captured.",
                 (pay(VISA, **MANUAL), step("cancel", reason="abandoned")),
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
        Scenario("cancel-succeeded", g, "Cancel a succeeded payment", VISA,
                 "Succeeded is terminal: 400 payment_intent_unexpected_state (refund it instead).",
                 (pay(VISA), step("cancel")),
                 {"status": "succeeded", "code": "payment_intent_unexpected_state", "http_status": 400},
                 source="2.6"),
    ]
