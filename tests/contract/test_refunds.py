"""Refunds (TEST_MODE.md §3): the real stripe SDK against the sandbox over HTTP."""

from __future__ import annotations

import pytest
import stripe

from tests.contract.money_helpers import error_of, event_types, events_for, pay, raw, run_jobs
from tests.reference import fixtures


def fixture_fields(kind: str) -> set[str]:
    return set(fixtures()[kind])


# --- shape and bookkeeping -----------------------------------------------------------------------
def test_refund_has_every_fixture_field_and_no_livemode(stripe_client, sandbox):
    pi = pay(stripe_client, amount=5000, description="Order 42")
    refund = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1500,
                                                     "reason": "duplicate", "metadata": {"order": "42"}})
    body = refund.to_dict()
    assert fixture_fields("refund") <= set(body)
    assert "livemode" not in body
    assert refund.id.startswith("re_")
    assert (refund.object, refund.amount, refund.currency, refund.status) == ("refund", 1500, "usd", "succeeded")
    assert refund.charge == pi.latest_charge and refund.payment_intent == pi.id
    assert refund.payment_method == pi.payment_method
    assert refund.reason == "duplicate" and refund.metadata.to_dict() == {"order": "42"}
    assert body["destination_details"] == {"card": {"reference_status": "pending",
                                                    "reference_type": "acquirer_reference_number",
                                                    "type": "refund"}, "type": "card"}
    assert "failure_reason" not in body and "pending_reason" not in body


def test_partial_refunds_accumulate_until_fully_refunded(stripe_client):
    pi = pay(stripe_client, amount=5000)
    first = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1500})
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (1500, False)
    second = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1000})
    rest = stripe_client.v1.refunds.create(params={"payment_intent": pi.id})  # amount defaults to what is left
    assert (first.amount, second.amount, rest.amount) == (1500, 1000, 2500)
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["refunds"]})
    assert (charge.amount_refunded, charge.refunded) == (5000, True)
    assert [r.id for r in charge.refunds.data] == [rest.id, second.id, first.id]
    assert charge.refunds.url == f"/v1/charges/{pi.latest_charge}/refunds"


def test_refund_by_payment_intent_fills_in_the_charge(stripe_client):
    pi = pay(stripe_client, amount=3200)
    refund = stripe_client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 700})
    assert (refund.charge, refund.payment_intent, refund.amount) == (pi.latest_charge, pi.id, 700)


def test_refund_events_in_order_with_previous_attributes(stripe_client, sandbox):
    pi = pay(stripe_client, amount=1000)
    partial = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 400})
    rest = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge})
    types = event_types(sandbox, pi.latest_charge, partial.id, rest.id)
    assert types == ["charge.succeeded", "refund.created", "charge.refunded", "refund.created", "charge.refunded"]
    refunded = [e for e in events_for(sandbox, pi.latest_charge) if e["type"] == "charge.refunded"]
    assert refunded[0]["data"]["previous_attributes"] == {"amount_refunded": 0}
    assert refunded[0]["data"]["object"]["amount_refunded"] == 400
    assert refunded[1]["data"]["previous_attributes"] == {"amount_refunded": 400, "refunded": False}
    assert refunded[1]["data"]["object"]["refunded"] is True


def test_refund_balance_transaction(stripe_client, sandbox):
    pi = pay(stripe_client, amount=2500, description="Blue mug")
    refund = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1000})
    txn = stripe_client.v1.balance_transactions.retrieve(refund.balance_transaction)
    assert (txn.type, txn.reporting_category, txn.amount, txn.fee, txn.net) == ("refund", "refund", -1000, 0, -1000)
    assert txn.fee_details == [] and txn.source == refund.id and txn.currency == "usd"
    assert txn.description == "REFUND FOR CHARGE (Blue mug)"
    assert txn.exchange_rate is None
    run_jobs(sandbox)
    assert stripe_client.v1.balance_transactions.retrieve(txn.id).status == "available"


def test_refund_of_a_converted_charge_uses_the_charge_rate_and_nets_to_zero(stripe_client, sandbox):
    pi = pay(stripe_client, amount=2345, currency="eur")
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    charge_txn = stripe_client.v1.balance_transactions.retrieve(charge.balance_transaction)
    refunds = [stripe_client.v1.refunds.create(params={"charge": charge.id, "amount": a}) for a in (333, 777)]
    refunds.append(stripe_client.v1.refunds.create(params={"charge": charge.id}))
    txns = [stripe_client.v1.balance_transactions.retrieve(r.balance_transaction) for r in refunds]
    assert all(t.exchange_rate == charge_txn.exchange_rate for t in txns)
    assert all(t.currency == "usd" and t.fee == 0 for t in txns)
    # Partial refunds are the same share of the settled amount; all of them give back exactly that amount.
    assert txns[0].amount == -round(charge_txn.amount * 333 / 2345)
    assert sum(t.amount for t in txns) == -charge_txn.amount
    assert charge_txn.net + sum(t.net for t in txns) == -charge_txn.fee  # the fee is kept


# --- refusals (§3.3) -----------------------------------------------------------------------------
def test_amount_above_remaining_is_refused_naming_both_amounts(stripe_client):
    pi = pay(stripe_client, amount=8000)
    stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 5000})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 4000})
    err = error_of(exc)
    assert exc.value.http_status == 400 and err["param"] == "amount" and "code" not in err
    assert err["message"] == "Refund amount ($40.00) is greater than unrefunded amount on charge ($30.00)"


def test_amount_above_remaining_uses_the_charge_currency(stripe_client):
    pi = pay(stripe_client, amount=1000, currency="eur")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1001})
    assert error_of(exc)["message"] == "Refund amount (€10.01) is greater than unrefunded amount on charge (€10.00)"


def test_fully_refunded_charge_is_refused(stripe_client):
    pi = pay(stripe_client, amount=1200)
    stripe_client.v1.refunds.create(params={"charge": pi.latest_charge})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1})
    assert exc.value.code == "charge_already_refunded"
    assert error_of(exc)["message"] == f"Charge {pi.latest_charge} has already been refunded."


@pytest.mark.parametrize("amount", [0, -5])
def test_non_positive_amount_is_refused(stripe_client, amount):
    pi = pay(stripe_client, amount=2000)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": amount})
    assert (exc.value.code, exc.value.param) == ("parameter_invalid_integer", "amount")
    assert error_of(exc)["message"] == "This value must be greater than or equal to 1."


def test_neither_charge_nor_payment_intent(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"amount": 100})
    err = error_of(exc)
    assert err["message"] == "One of the following params should be provided for this request: payment_intent or charge."
    assert "code" not in err and "param" not in err


def test_invalid_reason(stripe_client):
    pi = pay(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "reason": "expired_uncaptured_charge"})
    assert exc.value.param == "reason"
    assert error_of(exc)["message"] == "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer"


def test_unknown_objects_are_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"charge": "ch_missing000000000000000"})
    assert (exc.value.http_status, exc.value.code, exc.value.param) == (404, "resource_missing", "id")
    assert error_of(exc)["message"] == "No such charge: 'ch_missing000000000000000'"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"payment_intent": "pi_missing000000000000000"})
    assert (exc.value.http_status, exc.value.code) == (404, "resource_missing")
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.retrieve("re_missing000000000000000")
    assert (exc.value.http_status, exc.value.param) == (404, "refund")
    assert error_of(exc)["message"] == "No such refund: 're_missing000000000000000'"


def test_uncaptured_charge_must_be_canceled_instead(stripe_client):
    pi = pay(stripe_client, amount=3300, capture_method="manual")
    assert pi.status == "requires_capture"
    expected = (f"This uncaptured Charge was created by a PaymentIntent ({pi.id}). You must cancel the PaymentIntent "
                "to reverse the authorization instead of refunding the Charge directly. For more information, see "
                "https://stripe.com/docs/payments/place-a-hold-on-a-payment-method")
    for params in ({"charge": pi.latest_charge}, {"payment_intent": pi.id, "amount": 100}):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            stripe_client.v1.refunds.create(params=params)
        assert exc.value.http_status == 400 and error_of(exc)["message"] == expected


def test_partial_capture_caps_refunds_at_the_captured_amount(stripe_client):
    pi = pay(stripe_client, amount=1000, capture_method="manual")
    stripe_client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 600})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 700})
    assert error_of(exc)["message"] == "Refund amount ($7.00) is greater than unrefunded amount on charge ($6.00)"
    refund = stripe_client.v1.refunds.create(params={"payment_intent": pi.id})
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert (refund.amount, charge.amount_refunded, charge.refunded) == (600, 600, True)


def test_failed_charge_has_nothing_to_refund(stripe_client):
    with pytest.raises(stripe.CardError) as declined:
        pay(stripe_client, pm="pm_card_chargeDeclined")
    pi_id = declined.value.json_body["error"]["payment_intent"]["id"]
    charge_id = declined.value.json_body["error"]["charge"]
    expected = f"This PaymentIntent ({pi_id}) does not have a successful charge to refund."
    for params in ({"charge": charge_id}, {"payment_intent": pi_id}):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            stripe_client.v1.refunds.create(params=params)
        assert error_of(exc)["message"] == expected


def test_payment_intent_without_a_charge(stripe_client):
    pi = stripe_client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"payment_intent": pi.id})
    assert error_of(exc)["message"] == f"This PaymentIntent ({pi.id}) does not have a successful charge to refund."


def test_charged_back_charge_is_refused(stripe_client, sandbox):
    pi = pay(stripe_client, pm="pm_card_createDispute")
    run_jobs(sandbox)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.create(params={"payment_intent": pi.id})
    assert exc.value.code == "charge_disputed"
    assert error_of(exc)["message"] == f"Charge {pi.latest_charge} has been charged back; cannot issue a refund."


# --- update, cancel, lists, legacy paths ---------------------------------------------------------
def test_metadata_update_emits_refund_updated(stripe_client, sandbox):
    pi = pay(stripe_client)
    refund = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "metadata": {"a": "1"}})
    updated = stripe_client.v1.refunds.update(refund.id, params={"metadata": {"b": "2"}})
    assert updated.metadata.to_dict() == {"a": "1", "b": "2"}
    last = events_for(sandbox, refund.id)[-1]
    assert last["type"] == "refund.updated" and last["data"]["previous_attributes"] == {"metadata": {"a": "1"}}
    assert stripe_client.v1.refunds.retrieve(refund.id).metadata.to_dict() == {"a": "1", "b": "2"}


def test_card_refunds_cannot_be_canceled(stripe_client):
    pi = pay(stripe_client)
    refund = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge})
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.refunds.cancel(refund.id)
    assert exc.value.http_status == 400 and "code" not in error_of(exc)
    assert error_of(exc)["message"] == "Canceling this refund is unsupported."
    assert stripe_client.v1.refunds.retrieve(refund.id).status == "succeeded"


def test_list_filters(stripe_client):
    one, two = pay(stripe_client, amount=5000), pay(stripe_client, amount=3200)
    r1 = stripe_client.v1.refunds.create(params={"charge": one.latest_charge, "amount": 1500})
    r2 = stripe_client.v1.refunds.create(params={"payment_intent": two.id, "amount": 700})
    r3 = stripe_client.v1.refunds.create(params={"payment_intent": two.id, "amount": 100})
    by_charge = stripe_client.v1.refunds.list(params={"charge": one.latest_charge})
    assert [r.id for r in by_charge.data] == [r1.id] and by_charge.url == "/v1/refunds"
    assert [r.id for r in stripe_client.v1.refunds.list(params={"payment_intent": two.id}).data] == [r3.id, r2.id]
    recent = stripe_client.v1.refunds.list(params={"created": {"gte": r1.created}, "limit": 100})
    assert {r1.id, r2.id, r3.id} <= {r.id for r in recent.data}
    assert stripe_client.v1.refunds.list(params={"created": {"gt": r3.created + 3600}}).data == []
    page = stripe_client.v1.refunds.list(params={"payment_intent": two.id, "limit": 1})
    assert page.has_more and [r.id for r in page.data] == [r3.id]


def test_legacy_charge_scoped_endpoints(stripe_client):
    pi = pay(stripe_client, amount=4100)
    ch = pi.latest_charge
    refund = raw(stripe_client, "post", f"/v1/charges/{ch}/refunds", amount=300)
    assert (refund.object, refund.amount, refund.charge) == ("refund", 300, ch)
    charge = raw(stripe_client, "post", f"/v1/charges/{ch}/refund", amount=800)
    assert (charge.object, charge.id, charge.amount_refunded, charge.refunded) == ("charge", ch, 1100, False)
    listed = raw(stripe_client, "get", f"/v1/charges/{ch}/refunds")
    assert listed.url == f"/v1/charges/{ch}/refunds" and len(listed.data) == 2
    assert raw(stripe_client, "get", f"/v1/charges/{ch}/refunds/{refund.id}").id == refund.id
    other = pay(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as exc:
        raw(stripe_client, "get", f"/v1/charges/{other.latest_charge}/refunds/{refund.id}")
    assert (exc.value.http_status, exc.value.param) == (404, "refund")
    charge = raw(stripe_client, "post", f"/v1/charges/{ch}/refund")
    assert (charge.amount_refunded, charge.refunded) == (4100, True)


def test_legacy_charges_api_charge_can_be_refunded(stripe_client):
    charge = stripe_client.v1.charges.create(params={"amount": 1500, "currency": "usd", "source": "tok_visa"})
    refund = stripe_client.v1.refunds.create(params={"charge": charge.id})
    assert (refund.amount, refund.payment_intent) == (1500, None)
    assert stripe_client.v1.charges.retrieve(charge.id).refunded is True


def test_idempotent_refund_is_created_once(stripe_client):
    pi = pay(stripe_client, amount=3000)
    opts = {"idempotency_key": f"refund-{pi.id}"}
    first = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1000}, options=opts)
    again = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1000}, options=opts)
    assert first.id == again.id
    assert stripe_client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 1000


# --- async refund cards (§1.9) -------------------------------------------------------------------
def test_pending_refund_card_settles_later(stripe_client, sandbox):
    pi = pay(stripe_client, pm="pm_card_pendingRefund", amount=2400)
    refund = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert (refund.status, refund.pending_reason) == ("pending", "processing")
    assert stripe_client.v1.charges.retrieve(pi.latest_charge).amount_refunded == 2400  # committed while pending
    run_jobs(sandbox)
    settled = stripe_client.v1.refunds.retrieve(refund.id)
    assert settled.status == "succeeded" and "pending_reason" not in settled.to_dict()
    assert settled.destination_details.card.reference_status == "available"
    assert event_types(sandbox, refund.id) == ["refund.created", "refund.updated", "charge.refund.updated"]
    updated = events_for(sandbox, refund.id)[1]
    assert updated["data"]["previous_attributes"]["status"] == "pending"


def test_failing_refund_card_fails_later_and_gives_the_money_back(stripe_client, sandbox):
    pi = pay(stripe_client, pm="pm_card_refundFail", amount=3100)
    refund = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge, "amount": 1100})
    assert refund.status == "succeeded"
    run_jobs(sandbox)
    failed = stripe_client.v1.refunds.retrieve(refund.id)
    assert (failed.status, failed.failure_reason) == ("failed", "expired_or_canceled_card")
    back = stripe_client.v1.balance_transactions.retrieve(failed.failure_balance_transaction)
    assert (back.type, back.reporting_category, back.amount, back.fee, back.source) == (
        "refund_failure", "refund_failure", 1100, 0, refund.id)
    assert event_types(sandbox, refund.id) == ["refund.created", "refund.failed", "refund.updated",
                                               "charge.refund.updated"]
    previous = events_for(sandbox, refund.id)[1]["data"]["previous_attributes"]
    assert previous["status"] == "succeeded" and previous["failure_reason"] is None
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.amount_refunded, charge.refunded) == (0, False)  # reduced back on failure
    again = stripe_client.v1.refunds.create(params={"charge": pi.latest_charge})
    assert again.amount == 3100
