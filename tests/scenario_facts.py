"""What Stripe documents for a spread of catalog scenarios, written by hand from TEST_MODE.md (the
section is in each comment), independently of ``lib.lab.scenarios`` and ``lib.stripe_facts.cards``.

The contract test compares what a Run all actually observed with these facts; the unit test checks
that the catalog's own expectations do not contradict them, and that every event type they name is
in TEST_MODE.md's own event list (:func:`documented_event_types` reads it). Amounts follow the scenarios' steps
(a $20.00 payment unless the step says otherwise).
"""

from __future__ import annotations

import re
from typing import Any

CARD_DECLINE = {"status": "requires_payment_method", "code": "card_declined", "error_type": "card_error",
                "http_status": 402, "charge.status": "failed"}   # §1.5: a 402 card_error, failed Charge kept

# scenario id -> fact -> value (facts are named as in lib.lab.scenarios.FACTS)
FACTS: dict[str, dict[str, Any]] = {
    # §1.2 cards by brand, billing country US
    "brand-visa": {"status": "succeeded", "card.brand": "visa", "card.country": "US", "card.funding": "credit"},
    "brand-visa-debit": {"card.brand": "visa", "card.funding": "debit"},
    "brand-mastercard-prepaid": {"card.brand": "mastercard", "card.funding": "prepaid"},
    "brand-amex": {"card.brand": "amex"},
    "brand-2223003122003222": {"status": "succeeded", "card.brand": "mastercard"},   # 2-series, number only
    "brand-36227206271667": {"card.brand": "diners"},                                 # 14-digit Diners
    "brand-6205500000000000004": {"card.brand": "unionpay"},                          # 19-digit UnionPay
    # §1.4 cards by country
    "country-fr": {"status": "succeeded", "card.country": "FR", "card.brand": "visa"},
    "country-ae-mastercard": {"card.country": "AE", "card.brand": "mastercard"},
    "country-gb-debit": {"card.country": "GB", "card.funding": "debit"},
    "country-3530111333300000": {"card.country": "JP", "card.brand": "jcb"},
    # §1.5 declines (decline_code as probed, the [OBS] column)
    "decline-generic-decline": {**CARD_DECLINE, "decline_code": "generic_decline"},
    "decline-insufficient-funds": {**CARD_DECLINE, "decline_code": "insufficient_funds"},
    "decline-lost-card": {**CARD_DECLINE, "decline_code": "lost_card"},
    "decline-stolen-card": {**CARD_DECLINE, "decline_code": "stolen_card"},
    "decline-expired-card": {**CARD_DECLINE, "code": "expired_card", "decline_code": "expired_card"},
    "decline-incorrect-cvc": {**CARD_DECLINE, "code": "incorrect_cvc", "decline_code": "incorrect_cvc"},
    "decline-processing-error": {**CARD_DECLINE, "code": "processing_error", "decline_code": "processing_error"},
    "decline-card-velocity-exceeded": {**CARD_DECLINE, "decline_code": "card_velocity_exceeded"},
    "decline-fraudulent": {"code": "card_declined", "decline_code": "fraudulent"},
    "decline-after-attach": {"status": "requires_payment_method", "code": "card_declined"},
    "decline-then-good-card": {"status": "succeeded"},          # "A good card can then pay the same PI"
    # §1.7 invalid data
    "invalid-expiry-month": {"code": "invalid_expiry_month"},
    "invalid-expiry-year": {"code": "invalid_expiry_year"},
    "invalid-cvc": {"code": "invalid_cvc"},
    "invalid-number": {"code": "incorrect_number"},
    # §1.6 + §1.5 "Charge outcome": the Radar block is never sent to the network
    "radar-always-blocked": {"status": "requires_payment_method", "code": "card_declined",
                             "decline_code": "fraudulent", "charge.outcome.type": "blocked",
                             "charge.outcome.network_status": "not_sent_to_network",
                             "charge.outcome.risk_level": "highest"},
    "radar-risklevelelevated": {"status": "succeeded", "charge.outcome.risk_level": "elevated"},
    # §1.11, §1.12 3-D Secure
    "3ds2-required-complete": {"status": "succeeded", "next_action": "redirect_to_url"},
    "3ds2-required-fail": {"status": "requires_payment_method", "code": "payment_intent_authentication_failure"},
    "3ds2-sdk-flow": {"status": "succeeded", "next_action": "use_stripe_sdk"},
    "3ds-off-session-required": {"status": "requires_payment_method", "code": "authentication_required",
                                 "decline_code": "authentication_required", "http_status": 402},
    "3ds-error-on-requires-action": {"status": "requires_payment_method", "code": "authentication_required",
                                     "decline_code": "authentication_not_handled"},
    "3ds-then-insufficient-funds": {"status": "requires_payment_method", "decline_code": "insufficient_funds"},
    "3ds-required-then-declined": {"status": "requires_payment_method", "code": "card_declined"},
    "3ds-setup-for-off-session-off-session": {"status": "succeeded"},
    "3ds-optional-not-requested": {"status": "succeeded", "next_action": None},
    # §2.2 capture and cancel; §2.6 state violations
    "capture-authorize-only": {"status": "requires_capture", "amount_capturable": 2000, "charge.captured": False},
    "capture-full": {"status": "succeeded", "amount_received": 2000, "charge.captured": True},
    "capture-partial": {"status": "succeeded", "amount_received": 1500, "charge.amount_refunded": 0},  # basil
    "capture-too-much": {"status": "requires_capture", "code": "amount_too_large"},
    "capture-twice": {"code": "payment_intent_unexpected_state", "http_status": 400},
    "cancel-requires-confirmation": {"status": "canceled", "cancellation_reason": "duplicate"},
    "cancel-requires-capture": {"status": "canceled", "cancellation_reason": "abandoned"},
    "cancel-without-reason": {"status": "canceled", "cancellation_reason": None},
    "cancel-succeeded": {"status": "succeeded", "code": "payment_intent_unexpected_state", "http_status": 400},
    # §3.3 refunds, §1.9 refund cards
    "refund-full": {"refund.status": "succeeded", "charge.refunded": True, "charge.amount_refunded": 2000},
    "refund-partial-twice": {"refund.count": 2, "charge.amount_refunded": 1200, "charge.refunded": False},
    "refund-too-much": {"code": None, "error_type": "invalid_request_error", "http_status": 400},
    "refund-already-refunded": {"code": "charge_already_refunded"},
    "refund-pending": {"refund.initial_status": "pending", "refund.status": "succeeded"},
    "refund-fails": {"refund.initial_status": "succeeded", "refund.status": "failed",
                     "refund.failure_reason": "expired_or_canceled_card"},
    # §1.8, §4 disputes
    "dispute-fraudulent": {"dispute.status": "needs_response", "dispute.reason": "fraudulent",
                           "dispute.case_type": "chargeback", "charge.disputed": True},
    "dispute-product-not-received": {"dispute.reason": "product_not_received"},
    "dispute-inquiry": {"dispute.status": "warning_needs_response", "dispute.case_type": "inquiry"},
    "dispute-won": {"dispute.status": "won"},
    "dispute-lost": {"dispute.status": "lost"},
    "dispute-accepted": {"dispute.status": "lost"},
    "dispute-inquiry-won": {"dispute.status": "warning_closed"},
    "dispute-inquiry-escalated": {"dispute.status": "needs_response", "dispute.case_type": "chargeback"},
    "dispute-multiple": {"dispute.count": 2},
    "dispute-refund-blocked": {"code": "charge_disputed"},
    "dispute-refund-during-inquiry": {"refund.status": "succeeded"},
    "dispute-early-fraud-warning": {"early_fraud_warning": True, "dispute.count": 0},
    # §7.1 idempotency
    "idempotent-replay": {"replayed": True, "same_object": True},
    "idempotent-different-params": {"error_type": "idempotency_error", "http_status": 400, "code": None},
    "idempotent-replay-decline": {"code": "card_declined", "replayed": True},
    # legacy Charges with tok_* (§1.1, §1.5)
    "legacy-charge-visa": {"status": "succeeded", "charge.captured": True},
    "legacy-charge-declined": {"status": "failed", "code": "card_declined", "decline_code": "generic_decline"},
    # §1.10 balance cards
    "balance-bypasspending": {"status": "succeeded", "balance_transaction.status": "available"},
    # §2.6, §5.5 API errors
    "error-amount-too-small": {"code": "amount_too_small", "http_status": 400},
    "error-amount-zero": {"code": "parameter_invalid_integer"},
    "error-jpy-too-small": {"code": "amount_too_small"},            # the JPY minimum is ¥50
    "error-unknown-payment-intent": {"code": "resource_missing", "http_status": 404},
    # §1.11 saving cards (SetupIntent; 3155 needs authentication on setup, 3184 always), §2.1 setup_future_usage
    "save-card": {"setup.status": "succeeded", "setup.usage": "off_session", "pm.attached": True},
    "save-card-3ds": {"setup.status": "succeeded", "next_action": "redirect_to_url", "pm.attached": True},
    "save-card-declined": {"setup.status": "requires_payment_method", "code": "card_declined", "http_status": 402},
    "off-session-saved-card": {"status": "succeeded"},
    "off-session-after-3ds-setup": {"status": "succeeded"},
    "off-session-authentication-required": {"status": "requires_payment_method", "code": "authentication_required",
                                            "decline_code": "authentication_required", "http_status": 402},
    "save-during-payment": {"status": "succeeded", "pm.attached": True},
    # §2.1 automatic_payment_methods since 2023-08-16: a confirm without a return_url is a 400 with Stripe's text
    "apm-return-url-required": {"status": None, "http_status": 400, "error_type": "invalid_request_error",
                                "message": "A `return_url` must be specified because this Payment Intent is "
                                "configured to automatically accept the payment methods enabled in the Dashboard, "
                                "some of which may require a full page redirect to succeed. If you do not want to "
                                "accept redirect-based payment methods, set `automatic_payment_methods[enabled]` "
                                "to `true` and `automatic_payment_methods[allow_redirects]` to `never` when "
                                "creating Setup Intents and Payment Intents."},
    "apm-with-return-url": {"status": "succeeded", "automatic_payment_methods": True},
    "apm-allow-redirects-never": {"status": "succeeded"},
    "apm-card-only": {"status": "succeeded", "automatic_payment_methods": None},
    # §8.3 search: refunded "true" = refunded in full, "false" = in part; a bad field is a 400 with no
    # code; a missing query is parameter_missing
    "search-refunded-by-last4": {"search.count": 1, "search.own": True, "charge.refunded": True},
    "search-partly-refunded": {"search.count": 1, "search.own": True},
    "search-unsupported-field": {"http_status": 400, "code": None, "error_type": "invalid_request_error"},
    "search-missing-query": {"http_status": 400, "code": "parameter_missing"},
}

# scenario id -> event types that must be among the scenario's events (§2.5, §1.9, §4.3, §1.8)
EVENTS: dict[str, tuple[str, ...]] = {
    "brand-visa": ("payment_intent.created", "charge.succeeded", "payment_intent.succeeded"),
    "decline-insufficient-funds": ("payment_intent.created", "charge.failed", "payment_intent.payment_failed"),
    "capture-authorize-only": ("charge.succeeded", "payment_intent.amount_capturable_updated"),
    "capture-full": ("charge.captured", "payment_intent.succeeded"),
    "cancel-requires-capture": ("payment_intent.canceled",),
    "3ds2-required-complete": ("payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded"),
    "3ds2-required-fail": ("payment_intent.requires_action", "payment_intent.payment_failed"),
    "refund-full": ("refund.created", "charge.refunded"),
    "refund-pending": ("refund.created", "charge.refund.updated"),
    "refund-fails": ("refund.failed", "charge.refund.updated"),
    "dispute-fraudulent": ("charge.succeeded", "charge.dispute.created", "charge.dispute.funds_withdrawn"),
    "dispute-won": ("charge.dispute.updated", "charge.dispute.funds_reinstated", "charge.dispute.closed"),
    "dispute-early-fraud-warning": ("radar.early_fraud_warning.created",),
    "save-card": ("setup_intent.created", "payment_method.attached", "setup_intent.succeeded"),
    "save-card-3ds": ("setup_intent.requires_action", "setup_intent.succeeded", "payment_method.attached"),
    "save-during-payment": ("payment_method.attached", "payment_intent.succeeded", "payment_intent.succeeded"),
}


def documented_event_types(test_mode_md: str) -> frozenset[str]:
    """Every event type in TEST_MODE.md §2.5's "Full event list" table (``a.{b,c}`` spelled out)."""
    table = test_mode_md[test_mode_md.index("**Full event list"):test_mode_md.index("### 2.6")]
    types: set[str] = set()
    for group, names in re.findall(r"^\| (`[a-z_.]+\.\*`|other) \| (.+) \|$", table, flags=re.M):
        prefix = group.strip("`").removesuffix("*") if group != "other" else ""
        for name in re.split(r", (?![^{]*})", names):
            head, _, alternatives = name.partition("{")
            for tail in alternatives.rstrip("}").split(",") if alternatives else [""]:
                types.add(prefix + head + tail)
    return frozenset(types)
