"""The merchant code the walkthrough runs, against the real sandbox over HTTP: idempotent Pay,
retries on the same PaymentIntent, outcomes in words, refunds, disputes, Charges vs PaymentIntents."""

from __future__ import annotations

import time
import urllib.parse
import urllib.request

import pytest

from lib.learn import timeline
from lib.learn.outcome import classify
from lib.learn.testcards import picker_cards
from lib.shop import MerchantDB, payments
from lib.stripe_facts.labels import GENERIC_CUSTOMER_MESSAGE
from tests.contract.money_helpers import run_jobs

RETURN_URL = "http://127.0.0.1:9/return"


@pytest.fixture
def oid() -> str:
    """A fresh order id: the sandbox (and its idempotency keys) is shared by the whole session."""
    return payments.new_order_id()


@pytest.fixture
def db(shop_db_location) -> MerchantDB:
    """The shop's database on each engine (SQLite, and a fresh Postgres database)."""
    database = MerchantDB(shop_db_location)
    yield database
    database.close()


def pay(client, db, pm: str, order_id: str, token: str = "t1", amount: int = 2500, currency: str = "usd"):
    return payments.pay(client, db, order_id=order_id, amount=amount, currency=currency, payment_method=pm,
                        token=token, return_url=RETURN_URL)


def answer_challenge(url: str, action: str) -> None:
    data = urllib.parse.urlencode({"action": action}).encode()
    req = urllib.request.Request(url, data=data, method="POST")
    try:
        urllib.request.urlopen(req, timeout=5).close()
    except urllib.error.URLError:
        pass  # the 303 to our (closed) return_url


def test_success_creates_the_order_first_and_marks_it_paid(stripe_client, db, oid):
    result = pay(stripe_client, db, "pm_card_visa", oid)
    assert result.kind == "create" and result.order_created and result.first_click
    assert result.call.ok and result.pi["status"] == "succeeded"
    assert result.call.params["metadata"] == {"order_id": oid} and result.call.params["confirm"] is True
    assert result.call.idempotency_key == payments.pay_key(oid, "t1")
    order = db.order(oid)
    assert order["status"] == "paid" and order["paid_via"] == "api_response" and order["payment_intent"] == result.pi["id"]
    assert db.fulfilment(oid) is None  # only the webhook fulfils
    assert classify(result.call, result.pi).kind == "succeeded"


def test_double_click_is_one_payment(stripe_client, db, oid):
    first = pay(stripe_client, db, "pm_card_visa", oid)
    second = pay(stripe_client, db, "pm_card_visa", oid)  # same order, same token: the same attempt
    assert second.pi["id"] == first.pi["id"] and second.call.replayed and not second.first_click
    assert db.attempt_count(oid) == 1
    charges = stripe_client.v1.charges.list(params={"payment_intent": first.pi["id"]}).data
    assert len(charges) == 1


def test_decline_then_retry_on_the_same_payment_intent(stripe_client, db, oid):
    declined = pay(stripe_client, db, "pm_card_visa_chargeDeclinedInsufficientFunds", oid)
    assert declined.call.status == 402 and declined.pi["status"] == "requires_payment_method"
    outcome = classify(declined.call, declined.pi)
    assert outcome.kind == "declined" and outcome.decline_code == "insufficient_funds"
    assert outcome.advice_code == "try_again_later" and "insufficient funds" in outcome.customer_message
    assert outcome.retry_same_intent
    assert db.order(oid)["status"] == "payment_failed"
    retry = pay(stripe_client, db, "pm_card_visa", oid, token="t2")
    assert retry.kind == "confirm" and retry.pi["id"] == declined.pi["id"] and retry.pi["status"] == "succeeded"
    assert [a["n"] for a in db.attempts(oid)] == [1, 2]
    assert db.order(oid)["status"] == "paid"


@pytest.mark.parametrize("card", [p for p in picker_cards() if p.group in ("decline", "radar") and p.pm_id],
                         ids=lambda p: p.key)
def test_every_decline_is_explained(stripe_client, db, oid, card):
    result = pay(stripe_client, db, card.pm_id, oid)
    charge = payments.retrieve_charge(stripe_client, result.pi["latest_charge"]).response
    outcome = classify(result.call, result.pi, charge)
    assert outcome.failed and outcome.customer_message and outcome.merchant_explanation and outcome.advice
    if card.group == "radar":
        assert outcome.kind == "blocked" and outcome.customer_message == GENERIC_CUSTOMER_MESSAGE
    if outcome.decline_code in ("lost_card", "stolen_card", "fraudulent"):
        assert outcome.customer_message == GENERIC_CUSTOMER_MESSAGE  # never tell a thief why


def test_three_d_secure_complete_and_fail(stripe_client, db, oid):
    waiting = pay(stripe_client, db, "pm_card_threeDSecure2Required", oid)
    outcome = classify(waiting.call, waiting.pi)
    assert outcome.kind == "requires_action" and outcome.challenge_url.startswith(stripe_client._requestor.base_addresses["api"])
    assert db.order(oid)["status"] == "requires_action"
    answer_challenge(outcome.challenge_url, "complete")
    payments.refresh(stripe_client, db, oid)
    assert db.order(oid)["status"] == "paid" and db.order(oid)["paid_via"] == "return_url"

    failing = pay(stripe_client, db, "pm_card_threeDSecure2Required", order_id=oid + "_2")
    answer_challenge(classify(failing.call, failing.pi).challenge_url, "fail")
    call = payments.refresh(stripe_client, db, oid + "_2")
    after = classify(call, call.response)
    assert after.kind == "auth_failed" and after.retry_same_intent
    assert db.order(oid + "_2")["status"] == "payment_failed"


def test_invalid_request_is_an_outcome_not_an_exception(stripe_client, db, oid):
    result = pay(stripe_client, db, "pm_card_visa", oid, amount=10)  # below the minimum
    assert result.call.status == 400 and result.pi is None and result.call.error.code == "amount_too_small"
    assert classify(result.call, None).kind == "invalid"
    assert db.order(oid)["last_error"] == "amount_too_small"


def test_partial_then_full_refund(stripe_client, db, oid):
    pay(stripe_client, db, "pm_card_visa", oid)
    part = payments.refund(stripe_client, db, oid, 1000, "r1")
    assert part.ok and part.response["amount"] == 1000
    assert db.order(oid)["status"] == "partially_refunded"
    assert payments.refund(stripe_client, db, oid, 1000, "r1").replayed  # double click
    rest = payments.refund(stripe_client, db, oid, 1500, "r2")
    assert rest.ok and db.order(oid)["status"] == "refunded"
    too_much = payments.refund(stripe_client, db, oid, 1, "r3")
    assert not too_much.ok and too_much.error is not None


def test_dispute_demo_with_winning_evidence(stripe_client, sandbox, db, oid):
    result = pay(stripe_client, db, "pm_card_createDispute", oid)
    run_jobs(sandbox)  # the dispute opens as an async job right after the charge
    _, dispute = payments.dispute_for(stripe_client, result.pi["id"])
    assert dispute is not None and dispute["status"] == "needs_response" and dispute["reason"] == "fraudulent"
    call = payments.submit_evidence(stripe_client, dispute["id"], winning=True)
    assert call.ok and call.response["status"] == "under_review"
    run_jobs(sandbox)  # TEST_MODE.md §4.3: "winning_evidence" closes the dispute as won, asynchronously
    assert payments.dispute_for(stripe_client, result.pi["id"])[1]["status"] == "won"


def test_legacy_charges_cannot_do_3ds_but_payment_intents_can(stripe_client):
    legacy = payments.legacy_charge(stripe_client, "tok_threeDSecure2Required", 2500, "usd")
    assert legacy.status == 402 and legacy.error.code == "authentication_required"
    intent = payments.intent_payment(stripe_client, "pm_card_threeDSecure2Required", 2500, "usd", RETURN_URL)
    assert intent.ok and intent.response["status"] == "requires_action"
    assert payments.legacy_charge(stripe_client, "tok_visa", 2500, "usd").response["status"] == "succeeded"


def test_timeline_from_events(stripe_client, db, oid):
    started = time.time()
    declined = pay(stripe_client, db, "pm_card_visa_chargeDeclined", oid)
    pay(stripe_client, db, "pm_card_visa", oid, token="t2")
    pi_id = declined.pi["id"]
    rows, error = timeline.fetch(stripe_client, pi_id, started)
    assert error is None
    types = [r.type for r in rows]
    assert types.index("payment_intent.created") < types.index("payment_intent.payment_failed") < \
        types.index("payment_intent.succeeded")
    assert all(timeline.related({"id": r.object_id, "payment_intent": pi_id}, pi_id) for r in rows)
    path = timeline.status_path(rows, pi_id, "succeeded")
    assert path[0] == "requires_confirmation" and path[-1] == "succeeded" and "requires_payment_method" in path
