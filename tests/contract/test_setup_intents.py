"""SetupIntents through stripe-python: the object's shape, create / confirm / retrieve / update /
cancel / list, 3-D Secure on setup for the cards that need it, declines, and the events.

Expected values: TEST_MODE.md §1.1 (decline cards cannot be attached), §1.11 (which cards need
authentication on setup), §1.12 (the challenge and the redirect), §2.1 (attaching on success,
automatic_payment_methods), §2.5 (setup_intent.* events); Stripe's SetupIntent API reference for
the statuses, ``usage`` defaulting to off_session, the list filters and the cancelable statuses;
the shape from stripe/openapi's fixture (fixtures.json).
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
import stripe

from tests.reference import fixtures

from .money_helpers import RETURN_URL
from .sandbox_http import PUBLISHABLE, answer_challenge, client, event_marker, events_since

CONFIRM = {"confirm": True, "return_url": RETURN_URL}
# §1.11: authentication on setup ("authenticate unless set up" is set up by exactly this; "always"; 3DS2 required).
NEEDS_AUTH_ON_SETUP = ["pm_card_authenticationRequiredOnSetup", "pm_card_authenticationRequired",
                       "pm_card_threeDSecure2Required"]


def _customer(c: stripe.StripeClient) -> str:
    return c.v1.customers.create(params={"email": "saver@example.com"}).id


def _save(c: stripe.StripeClient, pm: str, **extra):
    return c.v1.setup_intents.create(params={"customer": _customer(c), "payment_method": pm, **CONFIRM, **extra})


def test_the_object_has_every_field_stripes_fixture_has(stripe_client):
    si = stripe_client.v1.setup_intents.create()
    fixture = fixtures()["setup_intent"]
    assert set(fixture) <= set(si.to_dict()), set(fixture) - set(si.to_dict())
    assert si.object == "setup_intent" and si.id.startswith("seti_")
    assert si.client_secret.startswith(f"{si.id}_secret_")
    assert (si.status, si.usage, si.livemode) == ("requires_payment_method", "off_session", False)
    assert si.payment_method_types == ["card"]
    assert si.automatic_payment_methods.to_dict() == {"enabled": True, "allow_redirects": "always"}
    assert (si.payment_method, si.latest_attempt, si.mandate, si.next_action, si.last_setup_error) == (None,) * 5
    assert si.payment_method_options.card.request_three_d_secure == "automatic"


def test_save_a_card_attaches_it_with_events_in_order(sandbox, stripe_client):
    customer = _customer(stripe_client)
    marker = event_marker(sandbox)
    created = stripe_client.v1.setup_intents.create(params={"customer": customer, "payment_method": "pm_card_visa",
                                                            "usage": "on_session", "metadata": {"order": "7"}})
    assert (created.status, created.usage, created.customer) == ("requires_confirmation", "on_session", customer)
    si = stripe_client.v1.setup_intents.confirm(created.id, params={"return_url": RETURN_URL})
    assert si.status == "succeeded" and si.next_action is None and si.metadata.to_dict() == {"order": "7"}
    pm = stripe_client.v1.payment_methods.retrieve(si.payment_method)
    assert pm.customer == customer
    assert events_since(sandbox, marker, (si.id,)) == ["setup_intent.created", "setup_intent.succeeded"]
    assert events_since(sandbox, marker, (pm.id,)) == ["payment_method.attached"]
    assert stripe_client.v1.customers.payment_methods.list(customer).data[0].id == pm.id
    assert stripe_client.v1.charges.list(params={"customer": customer}).data == []  # no money moved
    attempt = stripe_client.v1.setup_intents.retrieve(si.id, params={"expand": ["latest_attempt"]}).latest_attempt
    assert (attempt.object, attempt.status, attempt.setup_intent, attempt.payment_method) == (
        "setup_attempt", "succeeded", si.id, pm.id)


@pytest.mark.parametrize("pm", NEEDS_AUTH_ON_SETUP)
def test_cards_that_need_authentication_stop_at_requires_action(sandbox, stripe_client, pm):
    marker = event_marker(sandbox)
    si = _save(stripe_client, pm)
    assert si.status == "requires_action" and si.next_action.type == "redirect_to_url"
    assert si.next_action.redirect_to_url.return_url == RETURN_URL
    resp = answer_challenge(si, "complete")
    assert resp.status_code == 303
    query = parse_qs(urlsplit(resp.headers["Location"]).query)
    assert query == {"setup_intent": [si.id], "setup_intent_client_secret": [si.client_secret],
                     "redirect_status": ["succeeded"]}
    done = stripe_client.v1.setup_intents.retrieve(si.id, params={"expand": ["latest_attempt"]})
    assert done.status == "succeeded"
    assert done.latest_attempt.payment_method_details.card.three_d_secure.result == "authenticated"
    assert stripe_client.v1.payment_methods.retrieve(done.payment_method).customer == si.customer
    assert events_since(sandbox, marker, (si.id,)) == ["setup_intent.created", "setup_intent.requires_action",
                                                       "setup_intent.succeeded"]


def test_without_a_return_url_the_sdk_flow_is_offered(stripe_client):
    si = stripe_client.v1.setup_intents.create(params={"customer": _customer(stripe_client), "confirm": True,
                                                       "payment_method": "pm_card_threeDSecure2Required",
                                                       "payment_method_types": ["card"]})
    assert si.status == "requires_action" and si.next_action.type == "use_stripe_sdk"


@pytest.mark.parametrize("pm", ["pm_card_visa", "pm_card_threeDSecureOptional", "pm_card_amex_threeDSecureNotSupported"])
def test_cards_that_need_no_authentication_are_saved_at_once(stripe_client, pm):
    si = _save(stripe_client, pm)
    assert si.status == "succeeded" and si.next_action is None


def test_optional_3ds_when_requested(stripe_client):
    si = _save(stripe_client, "pm_card_threeDSecureOptional",
               payment_method_options={"card": {"request_three_d_secure": "any"}})
    assert si.status == "requires_action"
    assert si.payment_method_options.card.request_three_d_secure == "any"


def test_failed_authentication_saves_nothing(sandbox, stripe_client):
    marker = event_marker(sandbox)
    si = _save(stripe_client, "pm_card_authenticationRequiredOnSetup")
    resp = answer_challenge(si, "fail")
    assert parse_qs(urlsplit(resp.headers["Location"]).query)["redirect_status"] == ["failed"]
    failed = stripe_client.v1.setup_intents.retrieve(si.id)
    assert (failed.status, failed.payment_method) == ("requires_payment_method", None)
    assert failed.last_setup_error.code == "setup_intent_authentication_failure"
    assert failed.last_setup_error.payment_method.id == si.payment_method
    assert stripe_client.v1.payment_methods.retrieve(si.payment_method).customer is None
    assert events_since(sandbox, marker, (si.id,))[-1] == "setup_intent.setup_failed"
    assert events_since(sandbox, marker, (si.payment_method,)) == []


def test_a_decline_card_cannot_be_saved(sandbox, stripe_client):
    marker = event_marker(sandbox)
    with pytest.raises(stripe.CardError) as info:
        _save(stripe_client, "pm_card_visa_chargeDeclinedInsufficientFunds")
    err = info.value
    assert (err.http_status, err.code, err.error.decline_code) == (402, "card_declined", "insufficient_funds")
    si = err.error.setup_intent
    assert si.status == "requires_payment_method" and si.last_setup_error.decline_code == "insufficient_funds"
    assert events_since(sandbox, marker, (si.id,)) == ["setup_intent.created", "setup_intent.setup_failed"]
    # It can be retried with another card (§1.5 "a good card can then pay").
    retried = stripe_client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa",
                                                                    "return_url": RETURN_URL})
    assert retried.status == "succeeded" and retried.last_setup_error is None


def test_the_decline_after_attach_card_is_saved(stripe_client):
    """§1.5: 4000000000000341 can be attached; only its charges fail."""
    si = _save(stripe_client, "pm_card_chargeCustomerFail")
    assert si.status == "succeeded"


def test_retrieve_with_the_publishable_key_needs_the_client_secret(sandbox, stripe_client):
    si = stripe_client.v1.setup_intents.create(params={"payment_method": "pm_card_visa"})
    pk = client(sandbox, PUBLISHABLE)
    assert pk.v1.setup_intents.retrieve(si.id, params={"client_secret": si.client_secret}).id == si.id
    with pytest.raises(stripe.InvalidRequestError):
        pk.v1.setup_intents.retrieve(si.id, params={"client_secret": "seti_x_secret_wrong"})
    done = pk.v1.setup_intents.confirm(si.id, params={"client_secret": si.client_secret, "return_url": RETURN_URL})
    assert done.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.retrieve("seti_doesnotexist")
    assert (info.value.http_status, info.value.code, info.value.error.param) == (404, "resource_missing", "intent")


def test_update_then_confirm(stripe_client):
    si = stripe_client.v1.setup_intents.create(params={"metadata": {"a": "1"}})
    updated = stripe_client.v1.setup_intents.update(si.id, params={
        "payment_method": "pm_card_mastercard", "description": "saved for renewals", "metadata": {"b": "2"}})
    assert updated.status == "requires_confirmation" and updated.description == "saved for renewals"
    assert updated.metadata.to_dict() == {"a": "1", "b": "2"}
    done = stripe_client.v1.setup_intents.confirm(si.id, params={"return_url": RETURN_URL})
    assert done.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.update(si.id, params={"description": "too late"})
    assert info.value.code == "setup_intent_unexpected_state"


def test_cancel_and_the_cancelable_statuses(sandbox, stripe_client):
    marker = event_marker(sandbox)
    si = stripe_client.v1.setup_intents.create()
    canceled = stripe_client.v1.setup_intents.cancel(si.id, params={"cancellation_reason": "abandoned"})
    assert (canceled.status, canceled.cancellation_reason) == ("canceled", "abandoned")
    assert events_since(sandbox, marker, (si.id,)) == ["setup_intent.created", "setup_intent.canceled"]
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.confirm(si.id, params={"payment_method": "pm_card_visa",
                                                              "return_url": RETURN_URL})
    assert info.value.code == "setup_intent_unexpected_state"
    done = _save(stripe_client, "pm_card_visa")
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.cancel(done.id)
    assert info.value.code == "setup_intent_unexpected_state"
    # The API reference: cancelable in requires_payment_method, requires_confirmation or requires_action.
    assert "requires_payment_method, requires_confirmation, requires_action" in info.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.setup_intents.cancel(done.id, params={"cancellation_reason": "fraudulent"})


def test_list_filters_by_customer_and_payment_method(stripe_client):
    customer = _customer(stripe_client)
    mine = [stripe_client.v1.setup_intents.create(params={"customer": customer}).id for _ in range(3)]
    saved = stripe_client.v1.setup_intents.create(params={"customer": customer, "payment_method": "pm_card_visa",
                                                          **CONFIRM})
    stripe_client.v1.setup_intents.create()  # someone else's
    listed = stripe_client.v1.setup_intents.list(params={"customer": customer})
    assert [s.id for s in listed.data] == [saved.id, *reversed(mine)]
    page = stripe_client.v1.setup_intents.list(params={"customer": customer, "limit": 2})
    assert page.has_more and len(page.data) == 2
    rest = stripe_client.v1.setup_intents.list(params={"customer": customer, "starting_after": page.data[-1].id})
    assert [s.id for s in page.data + rest.data] == [s.id for s in listed.data]
    by_pm = stripe_client.v1.setup_intents.list(params={"payment_method": saved.payment_method})
    assert [s.id for s in by_pm.data] == [saved.id]


def test_refusals(stripe_client):
    other = _customer(stripe_client)
    taken = _save(stripe_client, "pm_card_visa").payment_method  # attached to another customer
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.create(params={"customer": other, "payment_method": taken, **CONFIRM})
    assert info.value.error.param == "payment_method"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.confirm(stripe_client.v1.setup_intents.create().id,
                                               params={"return_url": RETURN_URL})
    assert info.value.code == "setup_intent_unexpected_state"  # nothing to confirm with
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.create(params={"return_url": RETURN_URL})
    assert info.value.error.param == "return_url"  # only with confirm=true
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.create(params={"usage": "sometimes"})
    assert info.value.error.param == "usage"
