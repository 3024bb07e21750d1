"""Disputes (TEST_MODE.md §1.8, §4): the real stripe SDK against the sandbox over HTTP."""

from __future__ import annotations

import pytest
import stripe

from lib.stripe_facts import fees
from tests.contract.money_helpers import error_of, event_types, events_for, pay, run_jobs

DISPUTE_FIELDS = {"amount", "balance_transactions", "charge", "created", "currency", "enhanced_eligibility_types",
                  "evidence", "evidence_details", "id", "is_charge_refundable", "livemode", "metadata", "object",
                  "payment_intent", "payment_method_details", "reason", "status"}
EVIDENCE_FIELDS = 28  # 18 text + 9 file + enhanced_evidence


def disputed(client, handle, pm: str, amount: int = 2000, **extra):
    """Pay with a dispute card and return (payment intent, its disputes oldest first)."""
    pi = pay(client, pm=pm, amount=amount, **extra)
    run_jobs(handle)
    return pi, list(reversed(client.v1.disputes.list(params={"payment_intent": pi.id}).data))


@pytest.mark.parametrize("pm,reason,code", [("pm_card_createDispute", "fraudulent", "10.4"),
                                            ("pm_card_createDisputeProductNotReceived", "product_not_received",
                                             "13.1")])
def test_chargeback_cards_open_a_dispute_and_withdraw_funds(stripe_client, sandbox, pm, reason, code):
    pi, disputes = disputed(stripe_client, sandbox, pm, amount=2000)
    assert len(disputes) == 1
    d = disputes[0]
    body = d.to_dict()
    assert DISPUTE_FIELDS <= set(body) and len(body["evidence"]) == EVIDENCE_FIELDS
    assert d.id.startswith("du_") and d.object == "dispute" and d.livemode is False
    assert (d.status, d.reason, d.amount, d.currency) == ("needs_response", reason, 2000, "usd")
    assert (d.charge, d.payment_intent, d.is_charge_refundable) == (pi.latest_charge, pi.id, False)
    assert body["payment_method_details"] == {"card": {"brand": "visa", "case_type": "chargeback",
                                                       "network": "visa", "network_reason_code": code},
                                              "type": "card"}
    assert all(v is None for k, v in body["evidence"].items() if k != "enhanced_evidence")
    details = body["evidence_details"]
    assert details["due_by"] == (d.created // 86400 + 9) * 86400 - 1  # end of the UTC day, created + 8 days
    assert (details["has_evidence"], details["past_due"], details["submission_count"]) == (False, False, 0)
    [txn] = d.balance_transactions
    assert (txn.object, txn.type, txn.reporting_category) == ("balance_transaction", "adjustment", "dispute")
    assert (txn.amount, txn.fee, txn.net, txn.source) == (-2000, 1500, -3500, d.id)
    assert txn.description == f"Chargeback withdrawal for {pi.latest_charge}"
    assert [(f.amount, f.description, f.type) for f in txn.fee_details] == [(1500, "Dispute fee", "stripe_fee")]
    assert txn.status == "available"
    assert stripe_client.v1.charges.retrieve(pi.latest_charge).disputed is True
    assert event_types(sandbox, pi.id, pi.latest_charge, d.id)[-4:] == [
        "charge.succeeded", "payment_intent.succeeded", "charge.dispute.created", "charge.dispute.funds_withdrawn"]


def test_inquiry_moves_no_money_and_stays_refundable(stripe_client, sandbox):
    pi, [d] = disputed(stripe_client, sandbox, "pm_card_createDisputeInquiry")
    assert (d.status, d.reason, d.is_charge_refundable) == ("warning_needs_response", "general", True)
    assert d.payment_method_details.card.case_type == "inquiry" and d.balance_transactions == []
    assert event_types(sandbox, d.id) == ["charge.dispute.created"]
    refund = stripe_client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 500})
    assert refund.status == "succeeded"


def test_multiple_disputes_card_opens_two(stripe_client, sandbox):
    pi, disputes = disputed(stripe_client, sandbox, "pm_card_createMultipleDisputes")
    assert len(disputes) == 2 and disputes[0].id != disputes[1].id
    assert all(d.status == "needs_response" for d in disputes)


def test_visa_ce3_card_is_flagged_eligible(stripe_client, sandbox):
    _, [d] = disputed(stripe_client, sandbox, "pm_card_createCe3EligibleDispute")
    assert d.enhanced_eligibility_types == ["visa_compelling_evidence_3"]


def test_manual_capture_opens_the_dispute_only_at_capture(stripe_client, sandbox):
    pi, disputes = disputed(stripe_client, sandbox, "pm_card_createDispute", capture_method="manual")
    assert disputes == []
    stripe_client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 1500})
    run_jobs(sandbox)
    [d] = stripe_client.v1.disputes.list(params={"charge": pi.latest_charge}).data
    assert d.amount == 1500 and d.balance_transactions[0].amount == -1500


def test_winning_evidence_wins_and_reinstates_funds(stripe_client, sandbox):
    pi, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute", amount=4200)
    updated = stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "winning_evidence",
                                                                          "customer_name": "Jenny Rosen"}})
    assert updated.status == "under_review"
    assert (updated.evidence_details.submission_count, updated.evidence_details.has_evidence) == (1, True)
    assert updated.evidence.customer_name == "Jenny Rosen"
    run_jobs(sandbox)
    won = stripe_client.v1.disputes.retrieve(d.id)
    assert (won.status, won.is_charge_refundable) == ("won", True)
    withdrawal, reversal = won.balance_transactions
    assert (reversal.type, reversal.reporting_category, reversal.amount) == ("adjustment", "dispute_reversal", 4200)
    assert reversal.fee == 0 and reversal.net == 4200  # the dispute fee is kept by default
    assert reversal.description == f"Chargeback reversal for {pi.latest_charge}"
    assert event_types(sandbox, d.id) == ["charge.dispute.created", "charge.dispute.funds_withdrawn",
                                          "charge.dispute.updated", "charge.dispute.funds_reinstated",
                                          "charge.dispute.closed"]
    closed = events_for(sandbox, d.id)[-1]["data"]
    assert closed["previous_attributes"]["status"] == "under_review"
    assert len(closed["object"]["balance_transactions"]) == 2
    assert stripe_client.v1.charges.retrieve(pi.latest_charge).disputed is True  # stays true
    assert stripe_client.v1.refunds.create(params={"payment_intent": pi.id}).amount == 4200  # refundable again


def test_fee_comes_back_on_a_win_when_configured(stripe_client, sandbox, monkeypatch):
    monkeypatch.setattr(fees, "REFUND_DISPUTE_FEE_ON_WIN", True)
    _, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute", amount=1000)
    stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
    run_jobs(sandbox)
    reversal = stripe_client.v1.disputes.retrieve(d.id).balance_transactions[1]
    assert (reversal.amount, reversal.fee, reversal.net) == (1000, -1500, 2500)


def test_losing_evidence_loses(stripe_client, sandbox):
    pi, [d] = disputed(stripe_client, sandbox, "pm_card_createDisputeProductNotReceived")
    stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "losing_evidence"}})
    run_jobs(sandbox)
    lost = stripe_client.v1.disputes.retrieve(d.id)
    assert (lost.status, lost.is_charge_refundable, len(lost.balance_transactions)) == ("lost", False, 1)
    assert event_types(sandbox, d.id)[-2:] == ["charge.dispute.updated", "charge.dispute.closed"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"payment_intent": pi.id})
    assert exc.value.code == "charge_disputed"


def test_plain_evidence_stays_under_review(stripe_client, sandbox):
    _, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute")
    stripe_client.v1.disputes.update(d.id, params={"evidence": {"product_description": "A blue mug"}})
    run_jobs(sandbox)
    assert stripe_client.v1.disputes.retrieve(d.id).status == "under_review"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
    tagged = stripe_client.v1.disputes.update(d.id, params={"metadata": {"case": "7"}})
    assert tagged.metadata.to_dict() == {"case": "7"} and tagged.status == "under_review"


def test_staged_evidence_is_not_submitted(stripe_client, sandbox):
    _, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute")
    staged = stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "winning_evidence"},
                                                            "submit": False})
    assert staged.status == "needs_response"
    assert (staged.evidence_details.has_evidence, staged.evidence_details.submission_count) == (True, 0)
    run_jobs(sandbox)
    assert stripe_client.v1.disputes.retrieve(d.id).status == "needs_response"
    updated = [e for e in events_for(sandbox, d.id) if e["type"] == "charge.dispute.updated"]
    assert updated[0]["data"]["previous_attributes"]["evidence"] == {"uncategorized_text": None}
    submitted = stripe_client.v1.disputes.update(d.id, params={"submit": True})
    assert submitted.status == "under_review" and submitted.evidence_details.submission_count == 1
    run_jobs(sandbox)
    assert stripe_client.v1.disputes.retrieve(d.id).status == "won"


def test_close_accepts_the_dispute(stripe_client, sandbox):
    _, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute")
    closed = stripe_client.v1.disputes.close(d.id)
    assert closed.status == "lost" and len(closed.balance_transactions) == 1
    assert event_types(sandbox, d.id)[-1] == "charge.dispute.closed"
    for call in (lambda: stripe_client.v1.disputes.close(d.id),
                 lambda: stripe_client.v1.disputes.update(d.id, params={"metadata": {"a": "b"}})):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            call()
        assert exc.value.http_status == 400 and error_of(exc)["message"] == "This dispute is already closed"


def test_inquiry_closes_as_warning_closed(stripe_client, sandbox):
    _, [lose] = disputed(stripe_client, sandbox, "pm_card_createDisputeInquiry")
    submitted = stripe_client.v1.disputes.update(lose.id, params={"evidence": {"uncategorized_text":
                                                                               "losing_evidence"}})
    assert submitted.status == "warning_under_review"
    run_jobs(sandbox)
    done = stripe_client.v1.disputes.retrieve(lose.id)
    assert (done.status, done.is_charge_refundable, done.balance_transactions) == ("warning_closed", True, [])
    assert event_types(sandbox, lose.id)[-1] == "charge.dispute.closed"
    _, [accepted] = disputed(stripe_client, sandbox, "pm_card_createDisputeInquiry")
    assert stripe_client.v1.disputes.close(accepted.id).status == "warning_closed"


def test_escalated_inquiry_becomes_a_chargeback(stripe_client, sandbox):
    pi, [d] = disputed(stripe_client, sandbox, "pm_card_createDisputeInquiry", amount=3000)
    stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "escalate_inquiry_evidence"}})
    run_jobs(sandbox)
    esc = stripe_client.v1.disputes.retrieve(d.id)
    assert (esc.status, esc.is_charge_refundable) == ("needs_response", False)
    assert esc.payment_method_details.card.case_type == "chargeback"
    [txn] = esc.balance_transactions
    assert (txn.amount, txn.fee, txn.net) == (-3000, 1500, -4500)
    assert event_types(sandbox, d.id)[-2:] == ["charge.dispute.updated", "charge.dispute.funds_withdrawn"]
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"payment_intent": pi.id})
    assert exc.value.code == "charge_disputed"
    # Now a chargeback, it can be answered and won like any other.
    stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
    run_jobs(sandbox)
    assert stripe_client.v1.disputes.retrieve(d.id).status == "won"


def test_inquiry_after_a_partial_refund_escalates_for_the_rest(stripe_client, sandbox):
    pi, [d] = disputed(stripe_client, sandbox, "pm_card_createDisputeInquiry", amount=3000)
    stripe_client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1000})
    stripe_client.v1.disputes.update(d.id, params={"evidence": {"uncategorized_text": "escalate_inquiry_evidence"}})
    run_jobs(sandbox)
    esc = stripe_client.v1.disputes.retrieve(d.id)
    assert esc.amount == 2000 and esc.balance_transactions[0].amount == -2000


def test_dispute_on_a_converted_charge_takes_its_settled_amount(stripe_client, sandbox):
    pi, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute", amount=1999, currency="gbp")
    charge_txn = stripe_client.v1.balance_transactions.retrieve(
        stripe_client.v1.charges.retrieve(pi.latest_charge).balance_transaction)
    txn = d.balance_transactions[0]
    assert (d.amount, d.currency) == (1999, "gbp")
    assert txn.amount == -charge_txn.amount and txn.exchange_rate == charge_txn.exchange_rate


def test_evidence_validation_and_unknown_dispute(stripe_client, sandbox):
    _, [d] = disputed(stripe_client, sandbox, "pm_card_createDispute")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.disputes.update(d.id, params={"evidence": {"favourite_colour": "blue"}})
    assert (exc.value.code, exc.value.param) == ("parameter_unknown", "evidence[favourite_colour]")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.disputes.retrieve("du_missing000000000000000")
    assert (exc.value.http_status, exc.value.code, exc.value.param) == (404, "resource_missing", "dispute")
    assert error_of(exc)["message"] == "No such dispute: 'du_missing000000000000000'"


def test_dispute_list_filters(stripe_client, sandbox):
    pi1, [d1] = disputed(stripe_client, sandbox, "pm_card_createDispute")
    pi2, [d2] = disputed(stripe_client, sandbox, "pm_card_createDisputeInquiry")
    assert [d.id for d in stripe_client.v1.disputes.list(params={"charge": pi1.latest_charge}).data] == [d1.id]
    assert [d.id for d in stripe_client.v1.disputes.list(params={"payment_intent": pi2.id}).data] == [d2.id]
    recent = stripe_client.v1.disputes.list(params={"created": {"gte": d1.created}, "limit": 100}).data
    assert {d1.id, d2.id} <= {d.id for d in recent}
    assert stripe_client.v1.disputes.list(params={"created": {"lt": d1.created - 3600}, "charge": pi1.latest_charge}
                                          ).data == []


def test_early_fraud_warning_card(stripe_client, sandbox):
    pi = pay(stripe_client, pm="pm_card_createIssuerFraudRecord")
    run_jobs(sandbox)
    [efw] = stripe_client.v1.radar.early_fraud_warnings.list(params={"payment_intent": pi.id}).data
    assert efw.id.startswith("issfr_") and efw.object == "radar.early_fraud_warning"
    assert {"actionable", "charge", "created", "fraud_type", "id", "livemode", "object"} <= set(efw.to_dict())
    assert (efw.charge, efw.actionable) == (pi.latest_charge, True)
    assert stripe_client.v1.radar.early_fraud_warnings.retrieve(efw.id).id == efw.id
    assert event_types(sandbox, efw.id) == ["radar.early_fraud_warning.created"]
    assert stripe_client.v1.disputes.list(params={"payment_intent": pi.id}).data == []
