"""Step 5 in plain words: what the processor decided, and what to tell the customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lib.shop.api_calls import ApiCall
from lib.stripe_facts.labels import GENERIC_CUSTOMER_MESSAGE, decline_explanation

ADVICE = {
    "try_again_later": "Retrying later may work (e.g. the customer moves money in); don't hammer the card.",
    "do_not_try_again": "Do not retry this card: the bank will keep refusing it. Ask for another payment method.",
    "confirm_card_data": "Ask the customer to check and re-enter the card details, then retry.",
}
# Stripe.js's client-side validation errors (the card form shows them before anything is sent).
CLIENT_ERRORS = {
    "incomplete_number": "Your card number is incomplete.",
    "incorrect_number": "Your card number is incorrect (it fails the Luhn checksum or has the wrong length).",
    "invalid_number": "Your card number is invalid.",
    "incomplete_expiry": "Your card's expiration date is incomplete.",
    "invalid_expiry_month": "Your card's expiration month is invalid (or already past this year).",
    "invalid_expiry_year": "Your card's expiration year is invalid (in the past, or too far ahead).",
    "invalid_expiry_year_past": "Your card's expiration year is in the past.",
    "incomplete_cvc": "Your card's security code is incomplete (3 digits; 4 for American Express).",
    "invalid_cvc": "Your card's security code is invalid.",
}


def client_error_message(code: str) -> str:
    return CLIENT_ERRORS.get(code) or decline_explanation(code)[1]


DOCS = {
    "declines": "https://docs.stripe.com/declines",
    "decline_codes": "https://docs.stripe.com/declines/codes",
    "radar": "https://docs.stripe.com/radar",
    "3ds": "https://docs.stripe.com/payments/3d-secure",
    "errors": "https://docs.stripe.com/error-codes",
    "advice": "https://docs.stripe.com/declines/codes#advice-codes",
}


@dataclass(frozen=True)
class Outcome:
    kind: str                   # succeeded | requires_action | declined | blocked | auth_failed | invalid | error | other
    title: str
    summary: str
    code: str | None = None
    decline_code: str | None = None
    advice_code: str | None = None
    advice: str = ""
    merchant_explanation: str = ""
    customer_message: str = ""
    challenge_url: str | None = None
    doc_url: str | None = None

    @property
    def failed(self) -> bool:
        return self.kind in ("declined", "blocked", "auth_failed", "invalid", "error")

    @property
    def retry_same_intent(self) -> bool:
        """Whether the customer can try again on the same PaymentIntent with another card."""
        return self.kind in ("declined", "blocked", "auth_failed")


def challenge_url(pi: dict[str, Any] | None) -> str | None:
    action = (pi or {}).get("next_action") or {}
    if action.get("type") == "redirect_to_url":
        return (action.get("redirect_to_url") or {}).get("url")
    if action.get("type") == "use_stripe_sdk":
        return (action.get("use_stripe_sdk") or {}).get("stripe_js")
    return None


def _decline(err: dict[str, Any], charge: dict[str, Any] | None) -> Outcome:
    code = err.get("code")
    decline_code = err.get("decline_code")
    advice_code = err.get("advice_code") or ((charge or {}).get("outcome") or {}).get("advice_code")
    merchant, customer = decline_explanation(decline_code or code)
    outcome = (charge or {}).get("outcome") or {}
    advice = ADVICE.get(advice_code or "", "No advice code: treat it as a generic decline.")
    if code == "payment_intent_authentication_failure":
        return Outcome("auth_failed", "3-D Secure failed", "The customer did not complete authentication with "
                       "their bank (they pressed Fail, closed the window or got it wrong), so no charge was attempted.",
                       code, None, None, "Let the customer try again, with the same card or another one.",
                       merchant, customer, doc_url=DOCS["3ds"])
    if decline_code == "fraudulent" and outcome.get("type") == "blocked":
        return Outcome("blocked", "Blocked by Radar", "Stripe's fraud screening (Radar) scored this payment "
                       f"{outcome.get('risk_level', 'highest')} risk and blocked it before the bank saw it "
                       f"(rule {outcome.get('rule') or 'block_if_high_risk'}).", code, decline_code, advice_code,
                       "Do not retry. If it is a real customer, ask them to contact you; never say 'fraud'.",
                       merchant, GENERIC_CUSTOMER_MESSAGE, doc_url=DOCS["radar"])
    if err.get("type") == "card_error" or decline_code:
        what = decline_code or code or "card_declined"
        summary = err.get("message") or "The card was declined."
        return Outcome("declined", f"Declined: {what.replace('_', ' ')}", summary, code, decline_code, advice_code,
                       advice, merchant, customer, doc_url=err.get("doc_url") or DOCS["decline_codes"])
    return Outcome("invalid", "Request refused", err.get("message") or "The processor refused the request.", code,
                   doc_url=err.get("doc_url") or DOCS["errors"])


def classify(call: ApiCall | None, pi: dict[str, Any] | None, charge: dict[str, Any] | None = None) -> Outcome:
    """The outcome of a payment attempt from its API call and/or the PaymentIntent as it is now."""
    status = (pi or {}).get("status")
    if status == "succeeded":
        return Outcome("succeeded", "Approved", "The bank approved the payment and the money was captured. "
                       "It will reach your Stripe balance (minus fees) after the payout delay.")
    if status == "requires_capture":
        return Outcome("succeeded", "Authorized", "The bank approved the payment and is holding the money until "
                       "you capture it.")
    if status == "processing":
        return Outcome("other", "Processing", "The payment was submitted; the result arrives later.")
    if status == "requires_action":
        return Outcome("requires_action", "3-D Secure required", "The customer's bank wants them to prove it is "
                       "really them (Strong Customer Authentication). The payment waits in requires_action until "
                       "they answer the bank's challenge below.", challenge_url=challenge_url(pi), doc_url=DOCS["3ds"])
    if status == "canceled":
        return Outcome("error", "Canceled", "The PaymentIntent was canceled; it can no longer be paid.")
    err = (pi or {}).get("last_payment_error") or (call.error_body if call else {}) or {}
    if err:
        return _decline(err, charge)
    if call is not None and call.error is not None:
        return Outcome("error", call.error.title, call.error.detail, call.error.code, doc_url=call.error.doc_url)
    return Outcome("other", str(status or "unknown"), "Waiting for the payment to start.")
