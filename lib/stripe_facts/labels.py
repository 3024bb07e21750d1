"""Readable labels and explanations for Stripe enums (dj-stripe style), used by lib.stripe_facts.lifecycle.

Values are Stripe's (TEST_MODE.md §2.1, §3.1, §4.2 [SDK]); labels and explanations are ours,
written for someone new to payments.
"""

from __future__ import annotations

from enum import StrEnum


class LabelledEnum(StrEnum):
    """A StrEnum whose members have ``.label`` (short, human) and ``.explanation`` (a sentence)."""

    @property
    def label(self) -> str:
        return _LABELS.get((type(self).__name__, self.value)) or self.value.replace("_", " ").capitalize()

    @property
    def explanation(self) -> str:
        return _EXPLANATIONS.get((type(self).__name__, self.value), "")

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs, e.g. for a select box."""
        return [(m.value, m.label) for m in cls]


class DisputeStatus(LabelledEnum):
    WARNING_NEEDS_RESPONSE = "warning_needs_response"
    WARNING_UNDER_REVIEW = "warning_under_review"
    WARNING_CLOSED = "warning_closed"
    NEEDS_RESPONSE = "needs_response"
    UNDER_REVIEW = "under_review"
    WON = "won"
    LOST = "lost"
    PREVENTED = "prevented"
    APPEAL_NEEDS_RESPONSE = "appeal_needs_response"
    APPEAL_UNDER_REVIEW = "appeal_under_review"

    @property
    def is_inquiry(self) -> bool:
        return self.value.startswith("warning_")

    @property
    def terminal(self) -> bool:
        return self.value in ("won", "lost", "warning_closed", "prevented")


class DisputeReason(LabelledEnum):
    BANK_CANNOT_PROCESS = "bank_cannot_process"
    CHECK_RETURNED = "check_returned"
    CREDIT_NOT_PROCESSED = "credit_not_processed"
    CUSTOMER_INITIATED = "customer_initiated"
    DEBIT_NOT_AUTHORIZED = "debit_not_authorized"
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    GENERAL = "general"
    INCORRECT_ACCOUNT_DETAILS = "incorrect_account_details"
    INSUFFICIENT_FUNDS = "insufficient_funds"
    NONCOMPLIANT = "noncompliant"
    PRODUCT_NOT_RECEIVED = "product_not_received"
    PRODUCT_UNACCEPTABLE = "product_unacceptable"
    SUBSCRIPTION_CANCELED = "subscription_canceled"
    UNRECOGNIZED = "unrecognized"


class RefundStatus(LabelledEnum):
    PENDING = "pending"
    REQUIRES_ACTION = "requires_action"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELED = "canceled"


class RefundReason(LabelledEnum):
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    REQUESTED_BY_CUSTOMER = "requested_by_customer"
    EXPIRED_UNCAPTURED_CHARGE = "expired_uncaptured_charge"

    @property
    def user_settable(self) -> bool:
        """Whether you may pass it to POST /v1/refunds (the last one is set by Stripe)."""
        return self is not RefundReason.EXPIRED_UNCAPTURED_CHARGE


class CancellationReason(LabelledEnum):
    DUPLICATE = "duplicate"
    FRAUDULENT = "fraudulent"
    REQUESTED_BY_CUSTOMER = "requested_by_customer"
    ABANDONED = "abandoned"
    FAILED_INVOICE = "failed_invoice"
    VOID_INVOICE = "void_invoice"
    AUTOMATIC = "automatic"
    EXPIRED = "expired"

    @property
    def user_settable(self) -> bool:
        """Only these four are accepted by the cancel endpoint (§2.1)."""
        return self.value in ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


_LABELS: dict[tuple[str, str], str] = {
    ("PIAction", "create"): "Create", ("PIAction", "create_with_pm"): "Create with payment method",
    ("PIAction", "update_payment_method"): "Attach payment method",
    ("PIAction", "confirm_success"): "Confirm: approved",
    ("PIAction", "confirm_success_manual"): "Confirm: authorized (manual capture)",
    ("PIAction", "confirm_needs_action"): "Confirm: authentication needed",
    ("PIAction", "confirm_processing"): "Confirm: processing",
    ("PIAction", "auth_success"): "3D Secure passed", ("PIAction", "auth_success_manual"):
    "3D Secure passed (manual capture)", ("PIAction", "auth_processing"): "3D Secure passed (processing)",
    ("PIAction", "auth_fail"): "3D Secure failed", ("PIAction", "auth_decline"): "Declined after 3D Secure",
    ("PIAction", "decline"): "Declined", ("PIAction", "capture"): "Capture", ("PIAction", "cancel"): "Cancel",
    ("PIAction", "async_succeeded"): "Payment settled", ("PIAction", "async_failed"): "Payment failed",
    ("PIAction", "expire"): "Authorization expired",
    ("DisputeStatus", "warning_needs_response"): "Inquiry: needs response",
    ("DisputeStatus", "warning_under_review"): "Inquiry: under review",
    ("DisputeStatus", "warning_closed"): "Inquiry: closed",
    ("DisputeStatus", "appeal_needs_response"): "Appeal: needs response",
    ("DisputeStatus", "appeal_under_review"): "Appeal: under review",
    ("DisputeReason", "noncompliant"): "Non-compliant",
    ("RefundReason", "expired_uncaptured_charge"): "Expired uncaptured charge",
}

_EXPLANATIONS: dict[tuple[str, str], str] = {
    ("DisputeStatus", "warning_needs_response"): "The bank asked about the payment (an inquiry). No money "
    "has moved yet; answering may stop it becoming a chargeback.",
    ("DisputeStatus", "warning_under_review"): "You answered the inquiry and the bank is reviewing it.",
    ("DisputeStatus", "warning_closed"): "The inquiry closed without becoming a chargeback.",
    ("DisputeStatus", "needs_response"): "A chargeback: the amount plus a $15 fee was taken from your "
    "balance. Submit evidence before the due date to fight it.",
    ("DisputeStatus", "under_review"): "Your evidence was sent; the card network is deciding.",
    ("DisputeStatus", "won"): "You won: the disputed amount was returned to your balance.",
    ("DisputeStatus", "lost"): "You lost (or accepted) the dispute: the money stays with the customer.",
    ("DisputeStatus", "prevented"): "A dispute-prevention service resolved it before it became a chargeback.",
    ("DisputeStatus", "appeal_needs_response"): "The decision can be appealed; submit more evidence.",
    ("DisputeStatus", "appeal_under_review"): "Your appeal is being reviewed.",
    ("DisputeReason", "fraudulent"): "The cardholder says they did not make the payment.",
    ("DisputeReason", "product_not_received"): "The customer says the goods or service never arrived.",
    ("DisputeReason", "product_unacceptable"): "The customer says the goods were defective or not as "
    "described.",
    ("DisputeReason", "duplicate"): "The customer says they were charged twice for one purchase.",
    ("DisputeReason", "subscription_canceled"): "The customer says they were charged after cancelling.",
    ("DisputeReason", "credit_not_processed"): "The customer says a promised refund never arrived.",
    ("DisputeReason", "unrecognized"): "The customer does not recognize the charge on their statement.",
    ("DisputeReason", "general"): "An uncategorized dispute or inquiry.",
    ("DisputeReason", "noncompliant"): "The card network says the payment broke its rules.",
    ("RefundStatus", "pending"): "The refund was sent and is waiting to complete.",
    ("RefundStatus", "requires_action"): "The customer must do something (e.g. give bank details).",
    ("RefundStatus", "succeeded"): "The money is on its way back to the customer.",
    ("RefundStatus", "failed"): "The refund could not be delivered; the money came back to your balance.",
    ("RefundStatus", "canceled"): "The refund was canceled before it was sent.",
    ("CancellationReason", "abandoned"): "The customer left without paying.",
    ("CancellationReason", "automatic"): "Stripe canceled it automatically (older API versions).",
    ("CancellationReason", "expired"): "The authorization expired before it was captured.",
    ("CancellationReason", "failed_invoice"): "Its invoice could not be paid.",
    ("CancellationReason", "void_invoice"): "Its invoice was voided.",
}

GENERIC_CUSTOMER_MESSAGE = "Your card was declined."

# decline_code (or card error code) → (what it means for you, what to tell the customer).
# Lost/stolen/fraudulent: never tell the customer why; show the generic message.
DECLINE_EXPLANATIONS: dict[str, tuple[str, str]] = {
    "generic_decline": ("The bank declined without saying why. Ask the customer to contact their bank or "
                        "use another card.", GENERIC_CUSTOMER_MESSAGE),
    "do_not_honor": ("The bank declined without saying why.", GENERIC_CUSTOMER_MESSAGE),
    "insufficient_funds": ("The account does not have enough money. A retry later, or another card, may "
                           "work.", "Your card has insufficient funds. Please use another card."),
    "lost_card": ("The card was reported lost. Do not retry; treat the payment as suspicious.",
                  GENERIC_CUSTOMER_MESSAGE),
    "stolen_card": ("The card was reported stolen. Do not retry; treat the payment as suspicious.",
                    GENERIC_CUSTOMER_MESSAGE),
    "fraudulent": ("Stripe (Radar) or the bank thinks the payment is fraudulent. Do not retry.",
                   GENERIC_CUSTOMER_MESSAGE),
    "expired_card": ("The card's expiry date has passed.",
                     "Your card has expired. Please check the date or use another card."),
    "incorrect_cvc": ("The security code (CVC) did not match.",
                      "Your card's security code is incorrect. Please check it and try again."),
    "invalid_cvc": ("The security code is not in a valid format.", "Your card's security code is invalid."),
    "incorrect_number": ("The card number is wrong (it fails the checksum).",
                         "Your card number is incorrect. Please check it and try again."),
    "invalid_expiry_month": ("The expiry month is not a valid month.",
                             "Your card's expiration month is invalid."),
    "invalid_expiry_year": ("The expiry year is not valid.", "Your card's expiration year is invalid."),
    "processing_error": ("Something went wrong while processing the card. It is safe to retry.",
                         "An error occurred while processing your card. Please try again in a moment."),
    "card_velocity_exceeded": ("The customer hit the card's limit on amount or number of payments.",
                               "Your card was declined for too many attempts or exceeding its limit. "
                               "Please try later or use another card."),
    "authentication_required": ("The bank requires 3D Secure, which an off-session payment cannot do. "
                                "Bring the customer back to authenticate.",
                                "Your bank needs you to confirm this payment. Please authenticate it."),
    "authentication_not_handled": ("The payment needed 3D Secure but error_on_requires_action was set.",
                                   "Your bank needs you to confirm this payment. Please authenticate it."),
    "payment_intent_authentication_failure": ("The customer failed or abandoned 3D Secure.",
                                              "We could not authenticate your payment. Please try again "
                                              "or use another card."),
}


def decline_explanation(code: str | None) -> tuple[str, str]:
    """(merchant explanation, customer message) for a decline code; unknown codes get the generic pair."""
    return DECLINE_EXPLANATIONS.get(code or "generic_decline", DECLINE_EXPLANATIONS["generic_decline"])
