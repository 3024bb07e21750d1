"""Paying later with a saved card, through stripe-python: off-session PaymentIntents
(``off_session=true, confirm=true, customer, payment_method``) and ``setup_future_usage``.

Expected values: TEST_MODE.md §1.11 (4000002500003155 needs authentication until it is set up —
by a SetupIntent or ``setup_future_usage`` — and not after; 4000002760003184 needs it on every
payment, however it was set up; 4000003800000446 always succeeds off-session), §1.12 (an
off-session payment that needs authentication is a 402 ``authentication_required`` with
``decline_code: authentication_required``, message "Your card was declined. This transaction
requires authentication.", and leaves the PaymentIntent in requires_payment_method), §2.1
(``setup_future_usage`` with a customer attaches the PaymentMethod on success, with
``payment_method.attached``), §2.5 (decline events: charge.failed, payment_intent.payment_failed).
"""

from __future__ import annotations

import pytest
import stripe

from .money_helpers import RETURN_URL
from .sandbox_http import answer_challenge, event_marker, events_since

AUTH_REQUIRED_MESSAGE = "Your card was declined. This transaction requires authentication."


def _customer(c: stripe.StripeClient) -> str:
    return c.v1.customers.create(params={"email": "regular@example.com"}).id


def _saved_by_setup_intent(c: stripe.StripeClient, customer: str, pm: str) -> str:
    si = c.v1.setup_intents.create(params={"customer": customer, "payment_method": pm, "confirm": True,
                                           "return_url": RETURN_URL})
    if si.status == "requires_action":
        answer_challenge(si, "complete")
        si = c.v1.setup_intents.retrieve(si.id)
    assert si.status == "succeeded"
    return si.payment_method


def _off_session(c: stripe.StripeClient, customer: str, pm: str, amount: int = 1500):
    return c.v1.payment_intents.create(params={"amount": amount, "currency": "usd", "customer": customer,
                                               "payment_method": pm, "off_session": True, "confirm": True})


@pytest.mark.parametrize("pm", ["pm_card_visa", "pm_card_authenticationRequiredOnSetup",
                                "pm_card_authenticationRequiredSetupForOffSession"])
def test_a_card_set_up_with_a_setup_intent_pays_off_session(stripe_client, pm):
    customer = _customer(stripe_client)
    saved = _saved_by_setup_intent(stripe_client, customer, pm)
    pi = _off_session(stripe_client, customer, saved)
    assert (pi.status, pi.next_action, pi.amount_received, pi.customer) == ("succeeded", None, 1500, customer)
    assert stripe_client.v1.charges.retrieve(pi.latest_charge).customer == customer


def test_a_card_that_always_authenticates_is_declined_off_session(sandbox, stripe_client):
    customer = _customer(stripe_client)
    saved = _saved_by_setup_intent(stripe_client, customer, "pm_card_authenticationRequired")
    marker = event_marker(sandbox)
    with pytest.raises(stripe.CardError) as info:
        _off_session(stripe_client, customer, saved)
    err = info.value
    assert (err.http_status, err.code, err.error.decline_code, err.user_message) == (
        402, "authentication_required", "authentication_required", AUTH_REQUIRED_MESSAGE)
    pi = stripe_client.v1.payment_intents.retrieve(err.error.payment_intent.id)
    assert pi.status == "requires_payment_method" and pi.last_payment_error.code == "authentication_required"
    assert events_since(sandbox, marker, (pi.id,)) == ["payment_intent.created", "payment_intent.payment_failed"]
    # The customer comes back on-session, authenticates, and pays the same PaymentIntent.
    back = stripe_client.v1.payment_intents.confirm(pi.id, params={"payment_method": saved, "return_url": RETURN_URL})
    assert back.status == "requires_action"
    answer_challenge(back, "complete")
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_authenticate_unless_set_up_needs_the_setup(stripe_client):
    """Attached without a setup, 3155 is refused off-session; the same card set up by a SetupIntent is not."""
    customer = _customer(stripe_client)
    attached = stripe_client.v1.payment_methods.attach("pm_card_authenticationRequiredOnSetup",
                                                       params={"customer": customer}).id
    with pytest.raises(stripe.CardError) as info:
        _off_session(stripe_client, customer, attached)
    assert info.value.code == "authentication_required"
    saved = _saved_by_setup_intent(stripe_client, customer, "pm_card_authenticationRequiredOnSetup")
    assert _off_session(stripe_client, customer, saved).status == "succeeded"


@pytest.mark.parametrize("usage", ["on_session", "off_session"])
def test_setup_future_usage_attaches_the_card(sandbox, stripe_client, usage):
    customer = _customer(stripe_client)
    marker = event_marker(sandbox)
    pi = stripe_client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "customer": customer, "payment_method": "pm_card_visa", "confirm": True,
        "return_url": RETURN_URL, "setup_future_usage": usage})
    assert (pi.status, pi.setup_future_usage) == ("succeeded", usage)
    pm = stripe_client.v1.payment_methods.retrieve(pi.payment_method)
    assert pm.customer == customer
    assert events_since(sandbox, marker, (pm.id,)) == ["payment_method.attached"]
    assert [m.id for m in stripe_client.v1.customers.payment_methods.list(customer).data] == [pm.id]
    # Saved: it can pay again.
    assert _off_session(stripe_client, customer, pm.id).status == "succeeded"


def test_setup_future_usage_off_session_sets_up_authenticate_unless_set_up(stripe_client):
    customer = _customer(stripe_client)
    pi = stripe_client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "customer": customer, "confirm": True, "return_url": RETURN_URL,
        "payment_method": "pm_card_authenticationRequiredOnSetup", "setup_future_usage": "off_session"})
    assert pi.status == "requires_action"
    answer_challenge(pi, "complete")
    done = stripe_client.v1.payment_intents.retrieve(pi.id)
    assert done.status == "succeeded"
    assert stripe_client.v1.payment_methods.retrieve(done.payment_method).customer == customer
    assert _off_session(stripe_client, customer, done.payment_method).status == "succeeded"


def test_without_setup_future_usage_the_card_is_not_attached(stripe_client):
    customer = _customer(stripe_client)
    pi = stripe_client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "customer": customer, "payment_method": "pm_card_visa", "confirm": True,
        "return_url": RETURN_URL})
    assert stripe_client.v1.payment_methods.retrieve(pi.payment_method).customer is None
    assert stripe_client.v1.customers.payment_methods.list(customer).data == []


def test_off_session_with_someone_elses_card_is_refused(stripe_client):
    owner, stranger = _customer(stripe_client), _customer(stripe_client)
    saved = _saved_by_setup_intent(stripe_client, owner, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        _off_session(stripe_client, stranger, saved)
    assert info.value.error.param == "payment_method"
