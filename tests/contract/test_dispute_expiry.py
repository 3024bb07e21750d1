"""A dispute nobody answers closes when its evidence is due, as Stripe's do: a chargeback as lost
(the money stays withdrawn), an inquiry as warning_closed, each with ``charge.dispute.closed``.

Facts (TEST_MODE.md §4): ``due_by`` ≈ the end of the UTC day, created + 8 days [OBS];
``charge.dispute.closed`` fires when the status becomes won, lost or warning_closed [D];
``pm_card_createDispute`` opens a fraudulent chargeback in needs_response, ``pm_card_createDisputeInquiry``
an inquiry in warning_needs_response (§1.8). The sandbox runs on a manual clock: nothing waits.
"""

from __future__ import annotations

import stripe

from lib.sandbox import ManualClock, start_sandbox

DAY = 86400


def make():
    clock = ManualClock()
    handle = start_sandbox(memory=True, async_delay=0, clock=clock, background=False)
    client = stripe.StripeClient("sk_test_expiry", base_addresses={"api": handle.url}, max_network_retries=0)
    return clock, handle, client


def dispute_for(client, handle, pm: str):
    pi = client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method": pm,
                                                  "confirm": True, "payment_method_types": ["card"]})
    handle.engine.run_due_jobs()  # the dispute opens in a job right after the charge
    return pi, client.v1.disputes.list(params={"payment_intent": pi.id}).data[0]


def closed_events(client, dispute_id: str) -> list[str]:
    events = client.v1.events.list(params={"type": "charge.dispute.closed", "limit": 100}).data
    return [e.data.object["status"] for e in events if e.data.object["id"] == dispute_id]


def test_an_unanswered_chargeback_is_lost_when_its_evidence_is_due():
    clock, handle, client = make()
    try:
        _, dispute = dispute_for(client, handle, "pm_card_createDispute")
        assert dispute.status == "needs_response"
        due = dispute.evidence_details.due_by
        assert 8 * DAY <= due - dispute.created < 9 * DAY        # end of the UTC day, created + 8 days
        clock.set(due - 60)
        handle.engine.run_due_jobs()
        assert client.v1.disputes.retrieve(dispute.id).status == "needs_response"   # not due yet
        clock.set(due + 1)
        handle.engine.run_due_jobs()
        lost = client.v1.disputes.retrieve(dispute.id)
        assert lost.status == "lost" and closed_events(client, dispute.id) == ["lost"]
        # The money stays withdrawn: one balance transaction (the withdrawal), no reversal.
        assert [t.reporting_category for t in lost.balance_transactions] == ["dispute"]
    finally:
        handle.stop()


def test_an_answered_dispute_is_not_closed_by_its_due_date():
    clock, handle, client = make()
    try:
        _, dispute = dispute_for(client, handle, "pm_card_createDispute")
        client.v1.disputes.update(dispute.id, params={"evidence": {"uncategorized_text": "winning_evidence"}})
        handle.engine.run_due_jobs()
        assert client.v1.disputes.retrieve(dispute.id).status == "won"
        clock.set(dispute.evidence_details.due_by + DAY)
        handle.engine.run_due_jobs()
        assert client.v1.disputes.retrieve(dispute.id).status == "won" and closed_events(client, dispute.id) == ["won"]
    finally:
        handle.stop()


def test_an_unanswered_inquiry_closes_as_warning_closed():
    clock, handle, client = make()
    try:
        _, dispute = dispute_for(client, handle, "pm_card_createDisputeInquiry")
        assert dispute.status == "warning_needs_response"
        clock.set(dispute.evidence_details.due_by + 1)
        handle.engine.run_due_jobs()
        assert client.v1.disputes.retrieve(dispute.id).status == "warning_closed"
        assert closed_events(client, dispute.id) == ["warning_closed"]
    finally:
        handle.stop()
