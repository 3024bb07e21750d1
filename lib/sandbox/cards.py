"""Stripe test cards: numbers, ``pm_card_*`` / ``tok_*`` ids and what each one does.

Pure data and logic (no I/O). The card table itself lives in :mod:`lib.sandbox.cards_data`;
this module holds the types, number helpers (Luhn, brand detection), look-ups and the
``charge.outcome`` builder. Facts come from ``stripe-reference/TEST_MODE.md`` §1.

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
from functools import lru_cache

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
def _digits(number: str) -> str:
    text = str(number)
    if text.isdigit():  # fast path (the usual case): nothing to strip
        return text
    return "".join(ch for ch in text if ch not in " -")


def luhn_ok(number: str) -> bool:
    """Luhn (mod 10) check. Spaces and dashes are ignored; anything else non-digit fails."""
    digits = _digits(number)
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
    n = _digits(number)
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


# ---------------------------------------------------------------- look-ups
@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, TestCard], dict[str, TestCard], dict[str, TestCard], tuple[TestCard, ...]]:
    from .cards_data import build_cards  # local import: cards_data imports this module

    cards = tuple(build_cards())
    by_number: dict[str, TestCard] = {}
    by_pm: dict[str, TestCard] = {}
    by_tok: dict[str, TestCard] = {}
    for card in cards:
        if card.number_primary:
            by_number.setdefault(card.number, card)
        for pm in card.pm_ids:
            by_pm.setdefault(pm, card)
        for tok in card.tok_ids:
            by_tok.setdefault(tok, card)
    return by_number, by_pm, by_tok, cards


def card_by_number(number: str) -> TestCard | None:
    """The documented test card with this number (spaces/dashes ignored), else None."""
    return _index()[0].get(_digits(number))


def card_for_number(number: str) -> TestCard:
    """Table card, else a synthesized card.

    Any other Luhn-valid number becomes a generic success card (detected brand, country US,
    funding credit). A number that fails Luhn (or is not digits) becomes a card whose
    ``decline`` is :data:`INCORRECT_NUMBER`, so this never raises.
    """
    digits = _digits(number)
    card = card_by_number(digits)
    if card is not None:
        return card
    brand = detect_brand(digits)
    if luhn_ok(digits) and 12 <= len(digits) <= 19:
        return TestCard(number=digits, brand=brand, country="US", funding="credit",
                        label=f"{DISPLAY_BRAND.get(brand, 'Card')} ending {digits[-4:]}",
                        category="brand", section="1.1",
                        description="Any other valid card number: the payment succeeds.")
    return TestCard(number=digits, brand=brand, country="US", funding="unknown",
                    label="Incorrect number", category="decline", decline=INCORRECT_NUMBER,
                    attachable=False, section="1.7",
                    description="The number fails the Luhn check, so it is refused as incorrect_number.")


def card_by_pm_id(pm_id: str) -> TestCard | None:
    """Card behind a magic ``pm_card_*`` id (case-sensitive, as Stripe's are)."""
    return _index()[1].get(pm_id)


def card_by_token(tok: str) -> TestCard | None:
    """Card behind a magic ``tok_*`` id."""
    return _index()[2].get(tok)


def all_cards() -> list[TestCard]:
    """Every table card, in catalog order (token-only variants included)."""
    return list(_index()[3])


def cards_in_category(category: str) -> list[TestCard]:
    return [c for c in all_cards() if c.category == category]


_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


@functools.lru_cache(maxsize=4096)
def fingerprint(number: str) -> str:
    """Stable 16-character alphanumeric fingerprint (same number → same fingerprint)."""
    value = int.from_bytes(hashlib.sha256(b"pfl-card-fp:" + _digits(number).encode()).digest(), "big")
    out = []
    for _ in range(16):
        value, rem = divmod(value, 62)
        out.append(_B62[rem])
    return "".join(out)


# ---------------------------------------------------------------- behaviour helpers
def needs_authentication(card: TestCard, *, off_session: bool = False, set_up: bool = False,
                         request_three_d_secure: str = "automatic") -> bool:
    """Whether a confirm must stop for 3DS (``requires_action``) — or, off-session, be refused
    with :data:`AUTHENTICATION_REQUIRED` — before the charge is attempted (§1.11).

    * ``required``: always, however the card was set up.
    * ``required_on_setup``: on-session always; off-session until the card is set up
      (``set_up``: saved through a SetupIntent or ``setup_future_usage``).
    * ``setup_off_session``: on-session yes, off-session never.
    * ``optional``: only when ``request_three_d_secure`` is ``any`` or ``challenge``.
    * ``unenrolled``, ``not_supported``, ``frictionless`` and ordinary cards: never.
    * A 3DS lookup error (``three_ds_lookup_error``) means no challenge can be shown: never.
    """
    if card.three_ds_lookup_error:
        return False
    mode = card.three_ds
    if mode == "required":
        return True
    if mode == "required_on_setup":
        return (not off_session) or (not set_up)
    if mode == "setup_off_session":
        return not off_session
    if mode == "optional":
        return request_three_d_secure in ("any", "challenge")
    return False


# Illustrative ISO-8583 response codes for issuer declines [INF].
NETWORK_DECLINE_CODES = {
    "generic_decline": "05", "insufficient_funds": "51", "lost_card": "41", "stolen_card": "43",
    "expired_card": "54", "incorrect_cvc": "N7", "processing_error": "96",
    "card_velocity_exceeded": "61", "authentication_required": "1A",
}
_ISSUER_CODES = frozenset({"card_declined", "expired_card", "incorrect_cvc", "processing_error",
                           "authentication_required"})


def _risk_score(card: TestCard) -> int:
    """A stable 'normal' risk score (5–60) for a card."""
    return 5 + int(hashlib.sha256(b"pfl-risk:" + card.number.encode()).hexdigest(), 16) % 56


def _outcome(**kw) -> dict:
    base = {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "network_status": None, "reason": None, "risk_level": "normal", "risk_score": None,
            "rule": None, "seller_message": None, "type": "authorized"}
    base.update(kw)
    return base


def default_outcome(card: TestCard, decline: Decline | None = None) -> dict:
    """The full ``charge.outcome`` for the card's own scenario (§1.5 "Charge outcome").

    With ``decline`` given (e.g. ``card.decline_after_auth`` or :data:`AUTHENTICATION_REQUIRED`),
    the outcome describes that decline instead; only the card's risk level/score carry over.

    * success: approved_by_network, reason null, "Payment complete.", type authorized
    * Radar block: not_sent_to_network, highest_risk_level, rule block_if_high_risk, type blocked
    * issuer decline: declined_by_network, reason = decline code, type issuer_declined; seller
      message "The bank did not return any further details with this decline." for
      generic_decline, else "The bank returned the decline code `<code>`."
    * invalid data (incorrect_number, invalid_*): not_sent_to_network, type invalid
    """
    overrides = dict(card.outcome or {})
    own = decline is None
    d = card.decline if own else decline
    blocked = own and overrides.get("type") == "blocked"
    risk = {"risk_level": overrides.get("risk_level", "normal"),
            "risk_score": overrides.get("risk_score", _risk_score(card))}
    if blocked:
        out = _outcome(network_status="not_sent_to_network", reason="highest_risk_level",
                       risk_level="highest", risk_score=91, rule="block_if_high_risk",
                       seller_message="Stripe blocked this payment as too risky.", type="blocked")
    elif d is None:
        out = _outcome(network_status="approved_by_network", seller_message="Payment complete.",
                       type="authorized", **risk)
    elif d.code in _ISSUER_CODES:
        reason = d.decline_code or d.code
        msg = ("The bank did not return any further details with this decline."
               if reason == "generic_decline" else f"The bank returned the decline code `{reason}`.")
        out = _outcome(advice_code=d.advice_code, network_decline_code=NETWORK_DECLINE_CODES.get(reason),
                       network_status="declined_by_network", reason=reason, seller_message=msg,
                       type="issuer_declined", **risk)
    else:
        out = _outcome(network_status="not_sent_to_network", reason=d.code, seller_message=d.message,
                       type="invalid", risk_level="not_assessed")
    if own:
        out.update(overrides)
    return out


def dispute_plan(card: TestCard) -> list[dict]:
    """Disputes the card opens after a successful capture (§1.8, §4.1), in creation order.

    Each entry: ``reason``, ``status`` (needs_response | warning_needs_response), ``case_type``
    (chargeback | inquiry), ``network_reason_code``. Reasons the reference does not give are
    [INF]: inquiry → ``general`` (as the SPEC fixture), multiple → two ``fraudulent``,
    Visa CE3 / Smart Disputes → ``fraudulent``, compliance cards → ``noncompliant``.
    """
    kinds = {
        "fraudulent": ("fraudulent", "chargeback", "10.4"),
        "product_not_received": ("product_not_received", "chargeback", "13.1"),
        "inquiry": ("general", "inquiry", "10"),
        "noncompliant": ("noncompliant", "chargeback", None),
    }
    if card.dispute is None:
        return []
    names = ["fraudulent", "fraudulent"] if card.dispute == "multiple" else [card.dispute]
    plan = []
    for name in names:
        reason, case, code = kinds[name]
        plan.append({"reason": reason, "case_type": case, "network_reason_code": code,
                     "status": "warning_needs_response" if case == "inquiry" else "needs_response"})
    return plan
