"""Stripe test cards: numbers, ``pm_card_*`` / ``tok_*`` ids and what each one does.

The types, the documented decline shapes and the number helpers (Luhn, brand detection,
fingerprints). The table is :mod:`.table`, look-ups are :mod:`.lookup`, behaviour on a charge
(outcomes, 3-D Secure needs, dispute plans) is :mod:`.behaviour`. Facts come from ``stripe-reference/TEST_MODE.md`` §1.

Choices made where the reference is silent, inferred [INF] or conflicting (§9):

* ``decline_code`` on the expired / incorrect-CVC / processing-error cards is the same value as
  ``code`` (``expired_card`` ...), as live probes show (§9), although the docs table says n/a.
* Velocity limit (4000000000006975): ``card_declined`` / ``card_velocity_exceeded``; the
  reference gives no advice code or message, so we use ``try_again_later`` (the limit resets)
  and Stripe's usual wording "Your card was declined for making repeated attempts too
  frequently or exceeding its amount limit.".
* Radar blocks (``radarBlock`` 4100000000000019 and ``riskLevelHighest`` 4000000000004954,
  which Radar's *default* rules block): 402 ``card_declined`` with ``decline_code:
  "fraudulent"``, no advice code, outcome ``type: blocked``, ``reason: highest_risk_level``.
  Only the always-blocked card gets ``fraud_details.stripe_report = "fraudulent"`` (the
  reference records it for that card only).
* ``riskLevelElevated`` and the other "might be blocked depending on your settings" cards
  succeed (the sandbox models default Radar rules, not Radar for Fraud Teams); elevated cards
  carry ``risk_level: "elevated"`` in their outcome.
* Check-failure cards (``cvcCheckFail``, ``avsZipFail``, ``avsFail``, …) succeed;
  :attr:`TestCard.checks` holds the values to report, applied only to data actually sent (§1.1:
  cvc_check "fail" only if a CVC was sent, the postal check only if a ZIP was sent).
* ``chargeCustomerFail`` (4000000000000341) can be attached, and every charge on it declines
  (generic decline); ``fail_on_charge_after_attach`` marks that attaching succeeds.
* ``threeDSecureRequiredProcessingError`` (4000008400001280): the 3DS lookup fails, so there is
  no challenge; the confirm declines at once with ``card_declined`` / ``generic_decline``
  (``decline`` is set and ``three_ds_lookup_error`` is True).
* ``three_ds`` adds the value ``"frictionless"`` (4000000032200000: 3DS is performed but
  without a challenge, so no ``requires_action``). See :func:`needs_authentication`.
* Card countries not stated by the reference are inferred from Stripe's BIN pattern
  ``4000 00CC C…`` (ISO numeric CCC, e.g. 4000002500003155 → FR, 4000008260003178 → GB);
  other special cards default to US. 4000000000003220 is IE (stated in the 2026 docs).
* ``network_decline_code`` values in outcomes are illustrative ISO-8583 response codes [INF].
"""

from __future__ import annotations

import functools
import hashlib
from dataclasses import dataclass, field

BRANDS = ("amex", "cartes_bancaires", "diners", "discover", "eftpos_au", "jcb", "link", "mastercard",
          "unionpay", "visa", "unknown")
CATEGORIES = ("brand", "cobranded", "country", "decline", "radar", "threeds", "dispute", "refund", "balance")
# Legacy Card/Token ``brand`` spelling [SDK].
LEGACY_BRAND = {"visa": "Visa", "mastercard": "MasterCard", "amex": "American Express",
                "discover": "Discover", "jcb": "JCB", "diners": "Diners Club", "unionpay": "UnionPay",
                "cartes_bancaires": "Cartes Bancaires", "eftpos_au": "eftpos Australia",
                "unknown": "Unknown"}
DISPLAY_BRAND = {"visa": "Visa", "mastercard": "Mastercard", "amex": "American Express",
                 "discover": "Discover", "jcb": "JCB", "diners": "Diners Club", "unionpay": "UnionPay",
                 "cartes_bancaires": "Cartes Bancaires", "eftpos_au": "eftpos Australia",
                 "link": "Link", "unknown": "Card"}


@dataclass(frozen=True)
class Decline:
    code: str                 # error.code, e.g. "card_declined", "expired_card"
    decline_code: str | None  # e.g. "insufficient_funds"
    advice_code: str | None   # confirm_card_data | do_not_try_again | try_again_later
    message: str
    param: str | None = None


@dataclass(frozen=True)
class TestCard:
    __test__ = False  # not a pytest test class

    number: str
    brand: str
    country: str
    funding: str
    label: str
    category: str
    pm_ids: tuple[str, ...] = ()
    tok_ids: tuple[str, ...] = ()
    decline: Decline | None = None
    outcome: dict | None = None
    fraud_details: dict | None = None
    three_ds: str | None = None
    three_ds_lookup_error: bool = False
    decline_after_auth: Decline | None = None
    dispute: str | None = None
    early_fraud_warning: bool = False
    refund_behaviour: str | None = None
    bypass_pending: bool = False
    checks: dict | None = None
    attachable: bool = True
    fail_on_charge_after_attach: bool = False
    description: str = ""
    # --- additions (not in the original interface) ---
    section: str = ""                    # TEST_MODE.md section, e.g. "1.5"
    display_brand: str | None = None     # co-branded cards: "cartes_bancaires" / "eftpos_au"
    networks: tuple[str, ...] = field(default=())  # available networks (empty → (brand,))
    number_primary: bool = True          # False: a token-only variant sharing another card's number

    def __hash__(self) -> int:  # dict fields make the generated hash unusable
        return hash((self.number, self.label, self.pm_ids, self.tok_ids))

    @property
    def last4(self) -> str:
        return self.number[-4:]

    @property
    def primary_pm_id(self) -> str | None:
        return self.pm_ids[0] if self.pm_ids else None

    @property
    def available_networks(self) -> tuple[str, ...]:
        return self.networks or (self.brand,)

    @property
    def cvc_length(self) -> int:
        return cvc_length(self.brand)


# ---------------------------------------------------------------- declines (§1.5, §1.7, §1.12)
GENERIC = Decline("card_declined", "generic_decline", "try_again_later", "Your card was declined.")
INSUFFICIENT_FUNDS = Decline("card_declined", "insufficient_funds", "try_again_later",
                             "Your card has insufficient funds.")
LOST_CARD = Decline("card_declined", "lost_card", "do_not_try_again", "Your card was declined.")
STOLEN_CARD = Decline("card_declined", "stolen_card", "do_not_try_again", "Your card was declined.")
EXPIRED_CARD = Decline("expired_card", "expired_card", "confirm_card_data", "Your card has expired.",
                       param="exp_month")
INCORRECT_CVC = Decline("incorrect_cvc", "incorrect_cvc", "confirm_card_data",
                        "Your card's security code is incorrect.", param="cvc")
PROCESSING_ERROR = Decline("processing_error", "processing_error", "try_again_later",
                           "An error occurred while processing your card. Try again in a little bit.")
INCORRECT_NUMBER = Decline("incorrect_number", None, None, "Your card number is incorrect.", param="number")
VELOCITY_EXCEEDED = Decline("card_declined", "card_velocity_exceeded", "try_again_later",
                            "Your card was declined for making repeated attempts too frequently or "
                            "exceeding its amount limit.")
FRAUDULENT = Decline("card_declined", "fraudulent", None, "Your card was declined.")
# Off-session confirm of a card that needs 3DS, and error_on_requires_action=true (§1.12).
AUTHENTICATION_REQUIRED = Decline("authentication_required", "authentication_required", None,
                                  "Your card was declined. This transaction requires authentication.")
AUTHENTICATION_NOT_HANDLED = Decline(
    "authentication_required", "authentication_not_handled", None,
    "This payment required an authentication action to complete, but `error_on_requires_action` was "
    "set. When you're ready, you can upgrade your integration to handle actions at "
    "https://stripe.com/docs/payments/payment-intents/upgrade-to-handle-actions.")
# §1.7: invalid data on a raw card (messages are Stripe's usual wording [INF]).
INVALID_EXPIRY_MONTH = Decline("invalid_expiry_month", None, None,
                               "Your card's expiration month is invalid.", param="exp_month")
INVALID_EXPIRY_YEAR = Decline("invalid_expiry_year", None, None,
                              "Your card's expiration year is invalid.", param="exp_year")
INVALID_CVC = Decline("invalid_cvc", None, None, "Your card's security code is invalid.", param="cvc")
# 3DS challenge failed (an invalid_request_error on last_payment_error, not a 402).
AUTHENTICATION_FAILURE_CODE = "payment_intent_authentication_failure"
AUTHENTICATION_FAILURE_MESSAGE = (
    "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a "
    "new PaymentMethod to attempt to fulfill this PaymentIntent again.")


# ---------------------------------------------------------------- number helpers
def digits_only(number: str) -> str:
    """The number without spaces and dashes (anything else is kept, so it fails later checks)."""
    text = str(number)
    if text.isdigit():  # fast path (the usual case): nothing to strip
        return text
    return "".join(ch for ch in text if ch not in " -")


def luhn_ok(number: str) -> bool:
    """Luhn (mod 10) check. Spaces and dashes are ignored; anything else non-digit fails."""
    digits = digits_only(number)
    if not digits.isdigit() or len(digits) < 2:
        return False
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return total % 10 == 0


def detect_brand(number: str) -> str:
    """PaymentMethod brand from the BIN (IIN) prefix."""
    n = digits_only(number)
    if not n.isdigit():
        return "unknown"

    def p(k: int) -> int:
        return int(n[:k]) if len(n) >= k else -1

    if n.startswith("4"):
        return "visa"
    if 51 <= p(2) <= 55 or 2221 <= p(4) <= 2720:
        return "mastercard"
    if p(2) in (34, 37):
        return "amex"
    if p(4) == 6011 or p(2) == 65 or 644 <= p(3) <= 649:
        return "discover"
    if p(2) in (36, 38, 39) or 300 <= p(3) <= 305 or p(4) == 3095:
        return "diners"
    if 3528 <= p(4) <= 3589:
        return "jcb"
    if p(2) == 62:
        return "unionpay"
    return "unknown"


def cvc_length(brand: str) -> int:
    return 4 if brand == "amex" else 3


_LENGTHS: dict[str, tuple[int, ...]] = {
    "visa": (13, 16, 19), "mastercard": (16,), "amex": (15,), "discover": (16, 17, 18, 19),
    "diners": (14, 16), "jcb": (16, 17, 18, 19), "unionpay": (16, 17, 18, 19),
    "cartes_bancaires": (16,), "eftpos_au": (16,),
}


def expected_lengths(brand: str) -> tuple[int, ...]:
    """Valid PAN lengths for a brand; unknown brands accept the ISO range 12–19."""
    return _LENGTHS.get(brand, tuple(range(12, 20)))



_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=4096)
def fingerprint(number: str) -> str:
    """Stable 16-character alphanumeric fingerprint (same number → same fingerprint)."""
    value = int.from_bytes(hashlib.sha256(b"pfl-card-fp:" + digits_only(number).encode()).digest(), "big")
    out = []
    for _ in range(16):
        value, rem = divmod(value, 62)
        out.append(_B62[rem])
    return "".join(out)


# ---------------------------------------------------------------- behaviour helpers
