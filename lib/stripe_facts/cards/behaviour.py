"""What a test card does to a payment: whether it needs 3-D Secure, the ``charge.outcome`` it
produces, and the disputes it opens (TEST_MODE.md §1.5, §1.8, §1.11)."""

from __future__ import annotations

import hashlib

from .model import Decline, TestCard


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


def needs_authentication_on_setup(card: TestCard, request_three_d_secure: str = "automatic") -> bool:
    """Whether confirming a SetupIntent (saving the card) must stop for 3DS (§1.11).

    * ``required`` (3184 "always authenticate", 3220 and the other "required" cards): yes.
    * ``required_on_setup`` (3155 "authenticate unless set up"): yes — this is the setup its
      off-session payments wait for.
    * ``setup_off_session`` (0446 "already set up"): no [INF]: the card behaves as already set up.
    * ``optional``: only when ``request_three_d_secure`` is ``any`` or ``challenge``.
    * A 3DS lookup error means no challenge can be shown: never (see :func:`setup_decline`).
    """
    if card.three_ds_lookup_error:
        return False
    if card.three_ds in ("required", "required_on_setup"):
        return True
    if card.three_ds == "optional":
        return request_three_d_secure in ("any", "challenge")
    return False


def setup_decline(card: TestCard, request_three_d_secure: str = "automatic") -> Decline | None:
    """The decline a SetupIntent confirm gets for ``card``, or None when the card can be saved.

    Cards that cannot be attached to a Customer (the §1.5 decline cards and the Radar block, §1.1)
    are refused with their own decline. Cards that decline only when *charged* (4000000000000341
    "decline after attach", the "3DS then declined" cards) are saved: a setup moves no money. A 3DS
    lookup error (§1.11) fails the setup when 3DS would run (always for "required", on request for
    "optional") [INF], with the lookup's processing-error decline given by the caller's card.
    """
    if not card.attachable and card.decline is not None:
        return card.decline
    if card.three_ds_lookup_error and (card.three_ds == "required"
                                       or request_three_d_secure in ("any", "challenge")):
        return card.decline or LOOKUP_PROCESSING_ERROR
    return None


# The decline of a failed 3DS lookup (§1.11 "3DS lookup fails with a processing error").
LOOKUP_PROCESSING_ERROR = Decline("card_declined", "processing_error", "try_again_later",
                                  "An error occurred while processing your card. Try again in a little bit.")


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
    """``rule`` is present only when a Radar rule decided (Stripe's schema: a string or a rule
    object, never null), so it is left out otherwise."""
    base = {"advice_code": None, "network_advice_code": None, "network_decline_code": None,
            "network_status": None, "reason": None, "risk_level": "normal", "risk_score": None,
            "seller_message": None, "type": "authorized"}
    base.update(kw)
    if base.get("rule") is None:
        base.pop("rule", None)
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
