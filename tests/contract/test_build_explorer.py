"""Payments explorer against the sandbox: paging through the API, the detail view and its actions."""

from __future__ import annotations

import uuid

import pytest
import stripe

from lib.lab import explorer, payment_detail
from lib.lab.eventlog import as_dict
from tests.contract.money_helpers import CONFIRM, run_jobs
from tests.contract.sandbox_http import answer_challenge


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create(params={"email": f"{uuid.uuid4().hex[:8]}@example.com"}).id


def pay(client, pm="pm_card_visa", amount=2000, currency="usd", **extra):
    params = {"amount": amount, "currency": currency, "payment_method": pm, **CONFIRM, **extra}
    try:
        return as_dict(client.v1.payment_intents.create(params=params))
    except stripe.CardError as exc:
        return as_dict(exc.error.payment_intent)


def test_browse_pages_newest_first_with_cursor(stripe_client, customer):
    ids = [pay(stripe_client, customer=customer)["id"] for _ in range(7)]
    declined = pay(stripe_client, "pm_card_visa_chargeDeclinedInsufficientFunds", customer=customer)
    f = explorer.parse_filters(customer=customer)
    first = explorer.browse(stripe_client, f, want=3)
    assert [p["id"] for p in first.items] == [declined["id"], *ids[::-1][:2]]
    second = explorer.browse(stripe_client, f, cursor=first.next_cursor, want=3)
    assert [p["id"] for p in second.items] == ids[::-1][2:5]
    last = explorer.browse(stripe_client, f, cursor=second.next_cursor, want=3)
    assert [p["id"] for p in last.items] == ids[::-1][5:] and last.exhausted
    only = explorer.browse(stripe_client, explorer.parse_filters(customer=customer, decline_code="insufficient_funds"))
    assert [p["id"] for p in only.items] == [declined["id"]]
    assert only.items[0]["latest_charge"]["status"] == "failed"  # expanded


def test_browse_stops_scanning_at_the_limit(stripe_client, customer):
    for _ in range(3):
        pay(stripe_client, customer=customer)
    res = explorer.browse(stripe_client, explorer.parse_filters(customer=customer, statuses=["canceled"]),
                          max_scan=1)
    assert res.items == [] and res.scanned == 3 and res.exhausted  # one page holds all three


def test_detail_of_a_3ds_payment_has_every_transition(stripe_client):
    pi = pay(stripe_client, "pm_card_threeDSecure2Required", capture_method="manual", return_url="https://x.test/r")
    answer_challenge(pi, "complete")
    stripe_client.v1.payment_intents.capture(pi["id"])
    for sandbox_filter in (True, False):  # the sandbox-only object filter and Stripe's windows give the same
        d = payment_detail.load(stripe_client, pi["id"], sandbox=sandbox_filter)
        assert d.path == ["requires_confirmation", "requires_action", "requires_capture", "succeeded"]
        transitions = [e for e in d.timeline if e.kind == "transition"]
        assert [(t.from_status, t.to_status) for t in transitions][-2:] == [("requires_action", "requires_capture"),
                                                                            ("requires_capture", "succeeded")]
        assert [e["type"] for e in transitions[-1].events] == ["charge.captured", "payment_intent.succeeded"]
        assert all(t.explanation for t in transitions)
        assert d.actions() == ["refund"]
        assert [b["type"] for b in d.balance_transactions] == ["charge"]
        assert d.balance_transactions[0]["fee"] > 0


def test_actions_follow_the_state(stripe_client):
    manual = payment_detail.load(stripe_client, pay(stripe_client, capture_method="manual")["id"])
    assert manual.actions() == ["capture", "cancel"]
    with pytest.raises(payment_detail.ActionError, match="at most"):
        payment_detail.capture(stripe_client, manual, "25.00")
    with pytest.raises(payment_detail.ActionError):
        payment_detail.refund(stripe_client, manual, "1")
    assert payment_detail.capture(stripe_client, manual, "15")["amount_received"] == 1500
    done = payment_detail.load(stripe_client, manual.pi["id"])
    assert done.actions() == ["refund"] and done.refundable == 1500
    with pytest.raises(payment_detail.ActionError, match="cannot be canceled"):
        payment_detail.cancel(stripe_client, done, "duplicate")
    assert payment_detail.refund(stripe_client, done, "5.00", "requested_by_customer")["amount"] == 500
    after = payment_detail.load(stripe_client, done.pi["id"])
    assert after.refundable == 1000 and len(after.refunds) == 1
    assert {b["type"] for b in after.balance_transactions} == {"charge", "refund"}
    canceled = payment_detail.load(stripe_client, pay(stripe_client, capture_method="manual")["id"])
    assert payment_detail.cancel(stripe_client, canceled, "abandoned")["status"] == "canceled"


def test_stale_detail_action_reports_stripes_error(stripe_client):
    pi = pay(stripe_client, capture_method="manual")
    detail = payment_detail.load(stripe_client, pi["id"])
    stripe_client.v1.payment_intents.cancel(pi["id"])  # someone else canceled it meanwhile
    with pytest.raises(stripe.InvalidRequestError) as info:
        payment_detail.capture(stripe_client, detail)
    assert info.value.code == "payment_intent_unexpected_state"


def test_dispute_actions(sandbox, stripe_client):
    pi = pay(stripe_client, "pm_card_createDisputeInquiry")
    run_jobs(sandbox)  # the inquiry opens in a sandbox job
    d = payment_detail.load(stripe_client, pi["id"])
    dispute = d.disputes[0]
    assert payment_detail.Detail.dispute_actions(dispute) == ["win", "lose", "escalate", "accept"]
    with pytest.raises(payment_detail.ActionError):
        payment_detail.submit_evidence(stripe_client, d, "du_other", "win")
    assert payment_detail.submit_evidence(stripe_client, d, dispute["id"], "escalate")["status"] == \
        "warning_under_review"
    d2 = payment_detail.load(stripe_client, pi["id"])
    assert payment_detail.Detail.dispute_actions(d2.disputes[0]) in ([], ["win", "lose", "accept"])


def test_unknown_payment_intent_is_a_stripe_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        payment_detail.load(stripe_client, "pi_doesnotexist0000")
    assert info.value.http_status == 404 and info.value.code == "resource_missing"


