"""Refunds (TEST_MODE.md §1.9, 3.3) and disputes (§1.8, 4): refund rules and the asynchronous refund
cards, chargebacks and inquiries with the magic evidence strings, early fraud warnings."""

from __future__ import annotations

from .model import (
    CAPTURED,
    CLOSED_WON,
    DISPUTE_OPENED,
    INVALID,
    MANUAL,
    REFUNDED,
    SUCCEEDED,
    Scenario,
    pay,
    step,
)


def refunds() -> list[Scenario]:
    g = "Refunds"
    visa = "pm_card_visa"
    return [
        Scenario("refund-full", g, "Full refund", visa,
                 "The refund succeeds at once; charge.refunded becomes true. Events refund.created, charge.refunded.",
                 (pay(visa), step("refund", reason="requested_by_customer")),
                 {"status": "succeeded", "refund.status": "succeeded", "refund.reason": "requested_by_customer",
                  "charge.refunded": True, "charge.amount_refunded": 2000, "events": (*SUCCEEDED, *REFUNDED)},
                 source="3.3"),
        Scenario("refund-partial-twice", g, "Two partial refunds", visa,
                 "Several partial refunds are allowed; amount_refunded accumulates and refunded stays false "
                 "until the whole amount is refunded.",
                 (pay(visa), step("refund", amount=500), step("refund", amount=700)),
                 {"refund.count": 2, "charge.amount_refunded": 1200, "charge.refunded": False,
                  "events": (*SUCCEEDED, *REFUNDED, *REFUNDED)}, source="3.3"),
        Scenario("refund-too-much", g, "Refund more than the charge", visa,
                 "400 on param amount, with no error code: the refund amount is greater than the unrefunded amount.",
                 (pay(visa), step("refund", amount=5000)),
                 {"code": None, "error_type": INVALID, "http_status": 400, "charge.amount_refunded": 0},
                 source="3.3"),
        Scenario("refund-already-refunded", g, "Refund an already refunded charge", visa,
                 "400 charge_already_refunded.", (pay(visa), step("refund"), step("refund")),
                 {"code": "charge_already_refunded", "refund.count": 1}, source="3.3"),
        Scenario("refund-uncaptured", g, "Refund an uncaptured authorization", visa,
                 "400: cancel the PaymentIntent instead of refunding an uncaptured charge.",
                 (pay(visa, **MANUAL), step("refund")),
                 {"status": "requires_capture", "error_type": INVALID, "http_status": 400}, source="3.3"),
        Scenario("refund-declined-payment", g, "Refund a declined payment", "pm_card_visa_chargeDeclined",
                 "400: the PaymentIntent does not have a successful charge to refund.",
                 (pay("pm_card_visa_chargeDeclined", may_fail=True), step("refund")),
                 {"status": "requires_payment_method", "error_type": INVALID, "http_status": 400}, source="3.3"),
        Scenario("refund-pending", g, "Refund stays pending, then succeeds", "pm_card_pendingRefund",
                 "The refund starts pending and later becomes succeeded (refund.updated, charge.refund.updated).",
                 (pay("pm_card_pendingRefund"), step("refund"), step("wait_refund", status="succeeded")),
                 {"refund.initial_status": "pending", "refund.status": "succeeded",
                  "events": (*REFUNDED, "refund.updated", "charge.refund.updated")}, source="1.9"),
        Scenario("refund-fails", g, "Refund succeeds, then fails", "pm_card_refundFail",
                 "The refund starts succeeded and later fails with failure_reason expired_or_canceled_card "
                 "(refund.failed, refund.updated, charge.refund.updated); the money comes back to the balance.",
                 (pay("pm_card_refundFail"), step("refund"), step("wait_refund", status="failed")),
                 {"refund.initial_status": "succeeded", "refund.status": "failed",
                  "refund.failure_reason": "expired_or_canceled_card",
                  "events": (*REFUNDED, "refund.failed", "refund.updated", "charge.refund.updated")}, source="1.9"),
        Scenario("refund-cancel-unsupported", g, "Cancel a card refund through the API", visa,
                 "Card refunds cannot be canceled through the API: 400 \"Canceling this refund is unsupported.\"",
                 (pay(visa), step("refund"), step("cancel_refund")),
                 {"refund.status": "succeeded", "error_type": INVALID, "http_status": 400}, source="3.3"),
    ]


def disputes() -> list[Scenario]:
    g = "Disputes"
    fraud, inquiry = "pm_card_createDispute", "pm_card_createDisputeInquiry"
    open_fraud = (pay(fraud), step("wait_dispute", status="needs_response"))
    open_inquiry = (pay(inquiry), step("wait_dispute", status="warning_needs_response"))
    rows = [
        Scenario("dispute-fraudulent", g, "Dispute: fraudulent", fraud,
                 "The charge succeeds, then a chargeback opens within about a second: needs_response, reason "
                 "fraudulent, funds withdrawn (amount + $15 fee).", open_fraud,
                 {"dispute.status": "needs_response", "dispute.reason": "fraudulent", "dispute.case_type":
                  "chargeback", "charge.disputed": True, "events": (*SUCCEEDED, *DISPUTE_OPENED)}, source="1.8, 4.1"),
        Scenario("dispute-won", g, "Dispute: submit winning_evidence", fraud,
                 "evidence[uncategorized_text]=winning_evidence: under_review, then won a few seconds later "
                 "(funds_reinstated, closed).",
                 (*open_fraud, step("evidence", text="winning_evidence"), step("wait_dispute", status="won")),
                 {"dispute.status": "won", "events": (*DISPUTE_OPENED, *CLOSED_WON)}, source="4.3"),
        Scenario("dispute-lost", g, "Dispute: submit losing_evidence", fraud,
                 "evidence[uncategorized_text]=losing_evidence: closes as lost, no credit.",
                 (*open_fraud, step("evidence", text="losing_evidence"), step("wait_dispute", status="lost")),
                 {"dispute.status": "lost", "events": (*DISPUTE_OPENED, "charge.dispute.updated",
                                                       "charge.dispute.closed"),
                  "no_events": ("charge.dispute.funds_reinstated",)}, source="4.3"),
        Scenario("dispute-accepted", g, "Dispute: accept (close)", fraud,
                 "POST /v1/disputes/{id}/close accepts the dispute: lost at once, charge.dispute.closed.",
                 (*open_fraud, step("close_dispute")),
                 {"dispute.status": "lost", "events": (*DISPUTE_OPENED, "charge.dispute.closed")}, source="4.2"),
        Scenario("dispute-product-not-received", g, "Dispute: product not received",
                 "pm_card_createDisputeProductNotReceived",
                 "A chargeback with reason product_not_received (not protected by 3DS liability shift).",
                 (pay("pm_card_createDisputeProductNotReceived"), step("wait_dispute", status="needs_response")),
                 {"dispute.status": "needs_response", "dispute.reason": "product_not_received",
                  "events": DISPUTE_OPENED}, source="1.8"),
        Scenario("dispute-inquiry", g, "Inquiry", inquiry,
                 "An inquiry opens (warning_needs_response); no funds move and the charge stays refundable.",
                 open_inquiry,
                 {"dispute.status": "warning_needs_response", "dispute.case_type": "inquiry",
                  "events": ("charge.dispute.created",), "no_events": ("charge.dispute.funds_withdrawn",)},
                 source="1.8, 4.1"),
        Scenario("dispute-inquiry-won", g, "Inquiry: winning_evidence", inquiry,
                 "An inquiry never reaches won: winning evidence closes it as warning_closed.",
                 (*open_inquiry, step("evidence", text="winning_evidence"),
                  step("wait_dispute", status="warning_closed")),
                 {"dispute.status": "warning_closed", "events": ("charge.dispute.created", "charge.dispute.closed")},
                 source="4.2, 4.3"),
        Scenario("dispute-inquiry-lost", g, "Inquiry: losing_evidence", inquiry,
                 "For an inquiry, losing_evidence closes it without escalation (warning_closed).",
                 (*open_inquiry, step("evidence", text="losing_evidence"),
                  step("wait_dispute", status="warning_closed")),
                 {"dispute.status": "warning_closed", "no_events": ("charge.dispute.funds_withdrawn",)},
                 source="4.3"),
        Scenario("dispute-inquiry-escalated", g, "Inquiry: escalate_inquiry_evidence", inquiry,
                 "escalate_inquiry_evidence turns the inquiry into a chargeback (needs_response; funds withdrawn).",
                 (*open_inquiry, step("evidence", text="escalate_inquiry_evidence"),
                  step("wait_dispute", status="needs_response")),
                 {"dispute.status": "needs_response", "dispute.case_type": "chargeback",
                  "events": ("charge.dispute.created", "charge.dispute.funds_withdrawn")}, source="4.3"),
        Scenario("dispute-multiple", g, "Multiple disputes", "pm_card_createMultipleDisputes",
                 "Two disputes open on the charge within about a second.",
                 (pay("pm_card_createMultipleDisputes"), step("wait_dispute", status="needs_response", count=2)),
                 {"dispute.count": 2, "events": ("charge.dispute.created", "charge.dispute.created")}, source="1.8"),
        Scenario("dispute-refund-blocked", g, "Refund a charged-back payment", fraud,
                 "Once charged back, a refund fails with charge_disputed.",
                 (*open_fraud, step("refund")), {"code": "charge_disputed", "refund.count": 0}, source="3.3, 4.3"),
        Scenario("dispute-refund-during-inquiry", g, "Refund during an inquiry", inquiry,
                 "A refund works while an inquiry is open (is_charge_refundable true).",
                 (*open_inquiry, step("refund")), {"refund.status": "succeeded", "events": REFUNDED}, source="4.3"),
        Scenario("dispute-after-manual-capture", g, "Dispute card under manual capture", fraud,
                 "Under manual capture no dispute exists until the capture; then it opens as usual.",
                 (pay(fraud, **MANUAL), step("capture"), step("wait_dispute", status="needs_response")),
                 {"status": "succeeded", "dispute.status": "needs_response", "events": (*CAPTURED, *DISPUTE_OPENED)},
                 source="4.1"),
        Scenario("dispute-early-fraud-warning", g, "Early fraud warning", "pm_card_createIssuerFraudRecord",
                 "The charge succeeds; radar.early_fraud_warning.created fires and no dispute opens.",
                 (pay("pm_card_createIssuerFraudRecord"), step("wait_efw")),
                 {"early_fraud_warning": True, "dispute.count": 0, "events": ("radar.early_fraud_warning.created",)},
                 source="1.8"),
    ]
    for pm, title in (("pm_card_createCe3EligibleDispute", "Dispute: Visa CE3.0 eligible"),
                      ("pm_card_createComplianceDispute", "Dispute: Visa compliance"),
                      ("pm_card_createMastercardComplianceDispute", "Dispute: Mastercard compliance"),
                      ("pm_card_createAutoRepresentmentEligibleDispute", "Dispute: Smart Disputes eligible")):
        rows.append(Scenario(f"dispute-{pm.removeprefix('pm_card_create').lower()}", g, title, pm,
                             "The charge succeeds, then a chargeback opens (2026 docs; the reason is not documented).",
                             (pay(pm), step("wait_dispute", status="needs_response")),
                             {"dispute.status": "needs_response", "events": DISPUTE_OPENED}, source="1.8"))
    return rows
