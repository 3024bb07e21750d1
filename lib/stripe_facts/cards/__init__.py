"""Stripe's test cards (TEST_MODE.md §1): what each number, ``pm_card_*`` and ``tok_*`` id does.

Inner layering, lowest first: :mod:`.model` (types, decline shapes, number helpers) ←
:mod:`.table` (the documented cards) ← :mod:`.lookup` (find a card) and :mod:`.behaviour`
(outcomes, 3-D Secure needs, dispute plans). This face names what the rest of the app may use.
"""

from .behaviour import (
    LOOKUP_PROCESSING_ERROR,
    NETWORK_DECLINE_CODES,
    default_outcome,
    dispute_plan,
    needs_authentication,
    needs_authentication_on_setup,
    setup_decline,
)
from .lookup import (
    all_cards,
    card_by_number,
    card_by_pm_id,
    card_by_token,
    card_for_number,
    cards_in_category,
)
from .model import (
    AUTHENTICATION_FAILURE_CODE,
    AUTHENTICATION_FAILURE_MESSAGE,
    AUTHENTICATION_NOT_HANDLED,
    AUTHENTICATION_REQUIRED,
    BRANDS,
    CATEGORIES,
    DISPLAY_BRAND,
    EXPIRED_CARD,
    FRAUDULENT,
    GENERIC,
    INCORRECT_CVC,
    INCORRECT_NUMBER,
    INSUFFICIENT_FUNDS,
    INVALID_CVC,
    INVALID_EXPIRY_MONTH,
    INVALID_EXPIRY_YEAR,
    LEGACY_BRAND,
    LOST_CARD,
    PROCESSING_ERROR,
    STOLEN_CARD,
    VELOCITY_EXCEEDED,
    Decline,
    TestCard,
    cvc_length,
    detect_brand,
    digits_only,
    expected_lengths,
    fingerprint,
    luhn_ok,
)

__all__ = [
    "AUTHENTICATION_FAILURE_CODE", "AUTHENTICATION_FAILURE_MESSAGE", "AUTHENTICATION_NOT_HANDLED",
    "AUTHENTICATION_REQUIRED", "BRANDS", "CATEGORIES", "DISPLAY_BRAND", "EXPIRED_CARD", "FRAUDULENT", "GENERIC",
    "INCORRECT_CVC", "INCORRECT_NUMBER", "INSUFFICIENT_FUNDS", "INVALID_CVC", "INVALID_EXPIRY_MONTH",
    "INVALID_EXPIRY_YEAR", "LEGACY_BRAND", "LOOKUP_PROCESSING_ERROR", "LOST_CARD", "NETWORK_DECLINE_CODES", "PROCESSING_ERROR", "STOLEN_CARD",
    "VELOCITY_EXCEEDED", "Decline", "TestCard", "all_cards", "card_by_number", "card_by_pm_id", "card_by_token",
    "card_for_number", "cards_in_category", "cvc_length", "default_outcome", "detect_brand", "digits_only",
    "dispute_plan", "expected_lengths", "fingerprint", "luhn_ok", "needs_authentication",
    "needs_authentication_on_setup", "setup_decline",
]
