"""Idempotent replays (TEST_MODE.md §7.1) and the legacy Charges API with ``tok_*`` tokens."""

from __future__ import annotations

from .model import DECLINED, REFUNDED, SUCCEEDED, VISA, Scenario, pay, step


def idempotency() -> list[Scenario]:
    g = "Idempotency"
    return [
        Scenario("idempotent-replay", g, "Same key, same parameters", VISA,
                 "The stored response is replayed (Idempotent-Replayed: true, same PaymentIntent); no new "
                 "PaymentIntent and no new events.",
                 (pay(VISA, idempotent=True), step("replay")),
                 {"status": "succeeded", "replayed": True, "same_object": True, "events": SUCCEEDED},
                 source="7.1", events_exact=True),
        Scenario("idempotent-different-params", g, "Same key, different parameters", VISA,
                 "400 idempotency_error (no code): keys can only be reused with the same parameters.",
                 (pay(VISA, idempotent=True), step("replay", amount=3000)),
                 {"error_type": "idempotency_error", "http_status": 400, "code": None}, source="7.1"),
        Scenario("idempotent-replay-decline", g, "Replay a declined request", "pm_card_visa_chargeDeclined",
                 "Errors are stored too: the same 402 card_declined is replayed, with no second attempt.",
                 (pay("pm_card_visa_chargeDeclined", idempotent=True, may_fail=True), step("replay")),
                 {"code": "card_declined", "replayed": True, "events": DECLINED}, source="7.1",
                 events_exact=True),
    ]


def legacy() -> list[Scenario]:
    g = "Legacy Charges"
    no_pi = ("payment_intent.created",)
    return [
        Scenario("legacy-charge-visa", g, "POST /v1/charges with tok_visa", "tok_visa",
                 "The pre-2019 Charges API charges the token in one call: a succeeded Charge, no PaymentIntent.",
                 (step("legacy_charge", source="tok_visa"),),
                 {"status": "succeeded", "charge.captured": True, "events": ("charge.succeeded",),
                  "no_events": no_pi}, source="1.1, 3.3"),
        Scenario("legacy-charge-declined", g, "Legacy charge declined", "tok_chargeDeclined",
                 "402 card_declined / generic_decline; a failed Charge (charge.failed).",
                 (step("legacy_charge", source="tok_chargeDeclined"),),
                 {"status": "failed", "code": "card_declined", "decline_code": "generic_decline",
                  "events": ("charge.failed",)}, source="1.5"),
        Scenario("legacy-charge-insufficient-funds", g, "Legacy charge: insufficient funds",
                 "tok_chargeDeclinedInsufficientFunds", "402 card_declined / insufficient_funds.",
                 (step("legacy_charge", source="tok_chargeDeclinedInsufficientFunds"),),
                 {"status": "failed", "code": "card_declined", "decline_code": "insufficient_funds"}, source="1.5"),
        Scenario("legacy-charge-auth-capture", g, "Legacy auth (capture=false), then capture", "tok_visa",
                 "capture=false authorizes only; POST /v1/charges/{id}/capture captures (charge.captured).",
                 (step("legacy_charge", source="tok_visa", capture=False), step("legacy_capture")),
                 {"status": "succeeded", "charge.captured": True, "events": ("charge.succeeded", "charge.captured")},
                 source="2.6"),
        Scenario("legacy-charge-3ds-card", g, "Legacy charge on a card that needs 3DS", "tok_authenticationRequired",
                 "The Charges API cannot run 3-D Secure, so a card that always needs authentication is declined.",
                 (step("legacy_charge", source="tok_authenticationRequired"),),
                 {"status": "failed", "error_type": "card_error", "events": ("charge.failed",)}, source="1.11",
                 note="The error code is not documented for this case; only the decline is checked."),
        Scenario("legacy-charge-refund", g, "Refund a legacy charge", "tok_visa",
                 "POST /v1/refunds with charge=ch_… refunds it (refund.created, charge.refunded).",
                 (step("legacy_charge", source="tok_visa"), step("refund")),
                 {"refund.status": "succeeded", "charge.refunded": True, "events": ("charge.succeeded", *REFUNDED)},
                 source="3.3"),
    ]
