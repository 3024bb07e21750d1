"""``automatic_payment_methods`` as Stripe applies it for the pinned API version, through stripe-python.

TEST_MODE.md §2.1 ([D changelog 2023-08-16], [OBS]): since 2023-08-16 PaymentIntents and
SetupIntents have it on by default when ``payment_method_types`` is not given, shown as
``{enabled: true, allow_redirects: "always"}``; giving ``payment_method_types`` turns it off.
Confirming then needs a ``return_url`` — unless ``off_session=true`` (PaymentIntents) or
``allow_redirects=never`` — or Stripe answers 400 with the message below; ``error_on_requires_action``
can't be used with it. ``payment_method_data`` (§2.1 create/confirm params; §1.1: raw numbers only
with the publishable key, ``tok_*`` from server code) works on create and confirm.
"""

from __future__ import annotations

import pytest
import stripe

from .money_helpers import RETURN_URL
from .sandbox_http import PUBLISHABLE, answer_challenge, client, event_marker, sql

MESSAGE = ("A `return_url` must be specified because this Payment Intent is configured to automatically accept the "
           "payment methods enabled in the Dashboard, some of which may require a full page redirect to succeed. If "
           "you do not want to accept redirect-based payment methods, set `automatic_payment_methods[enabled]` to "
           "`true` and `automatic_payment_methods[allow_redirects]` to `never` when creating Setup Intents and "
           "Payment Intents.")
CLASSIC = {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
NEVER = {"enabled": True, "allow_redirects": "never"}


def _count(sandbox, kind: str) -> int:
    return sql(sandbox, "SELECT count(*) FROM objects WHERE kind=?", (kind,))[0][0]


def test_on_by_default_and_off_with_payment_method_types(stripe_client):
    default = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    assert default.automatic_payment_methods.to_dict() == {"enabled": True, "allow_redirects": "always"}
    card_only = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd",
                                                                "payment_method_types": ["card"]})
    assert card_only.automatic_payment_methods is None and card_only.payment_method_types == ["card"]
    never = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd",
                                                            "automatic_payment_methods": NEVER})
    assert never.automatic_payment_methods.to_dict() == NEVER


def test_before_2023_08_16_the_default_was_cards_only(stripe_client):
    old = stripe_client.v1.payment_intents.create(params=CLASSIC, options={"stripe_version": "2022-11-15"})
    assert old.automatic_payment_methods is None and old.status == "succeeded"


def test_the_classic_example_gets_stripes_400_and_creates_nothing(sandbox, stripe_client):
    before = (_count(sandbox, "payment_intent"), _count(sandbox, "charge"), event_marker(sandbox))
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.create(params=CLASSIC)
    assert (info.value.http_status, info.value.error.type, info.value.user_message) == (
        400, "invalid_request_error", MESSAGE)
    assert (_count(sandbox, "payment_intent"), _count(sandbox, "charge"), event_marker(sandbox)) == before


@pytest.mark.parametrize("way_out", [{"return_url": RETURN_URL}, {"automatic_payment_methods": NEVER},
                                     {"payment_method_types": ["card"]}], ids=["return_url", "never", "card_only"])
def test_the_three_ways_out(stripe_client, way_out):
    pi = stripe_client.v1.payment_intents.create(params={**CLASSIC, **way_out})
    assert pi.status == "succeeded"


def test_off_session_needs_no_return_url(stripe_client):
    customer = stripe_client.v1.customers.create().id
    pm = stripe_client.v1.payment_methods.attach("pm_card_visa", params={"customer": customer}).id
    pi = stripe_client.v1.payment_intents.create(params={**CLASSIC, "payment_method": pm, "customer": customer,
                                                         "off_session": True})
    assert pi.status == "succeeded" and pi.automatic_payment_methods.enabled is True


def test_confirm_endpoint_follows_the_same_rule(stripe_client):
    pi = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert info.value.user_message == MESSAGE
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"
    done = stripe_client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa",
                                                                   "return_url": RETURN_URL})
    assert done.status == "succeeded"


def test_a_3ds_card_with_a_return_url_is_redirected(stripe_client):
    pi = stripe_client.v1.payment_intents.create(params={**CLASSIC, "payment_method": "pm_card_threeDSecure2Required",
                                                         "return_url": RETURN_URL})
    assert pi.status == "requires_action" and pi.next_action.type == "redirect_to_url"
    answer_challenge(pi, "complete")
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_error_on_requires_action_needs_payment_method_types(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.create(params={**CLASSIC, "payment_method": "pm_card_authenticationRequired",
                                                        "return_url": RETURN_URL, "error_on_requires_action": True})
    assert info.value.http_status == 400
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.payment_intents.create(params={**CLASSIC, "payment_method": "pm_card_authenticationRequired",
                                                        "payment_method_types": ["card"],
                                                        "error_on_requires_action": True})
    assert (info.value.code, info.value.error.decline_code) == ("authentication_required", "authentication_not_handled")


def test_setup_intents_need_a_return_url_too(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.setup_intents.create(params={"payment_method": "pm_card_visa", "confirm": True})
    assert info.value.http_status == 400
    si = stripe_client.v1.setup_intents.create(params={"payment_method": "pm_card_visa"})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.setup_intents.confirm(si.id)
    assert stripe_client.v1.setup_intents.confirm(si.id, params={"return_url": RETURN_URL}).status == "succeeded"
    never = stripe_client.v1.setup_intents.create(params={"payment_method": "pm_card_visa", "confirm": True,
                                                          "automatic_payment_methods": NEVER})
    assert never.status == "succeeded"
    card_only = stripe_client.v1.setup_intents.create(params={"payment_method": "pm_card_visa", "confirm": True,
                                                              "payment_method_types": ["card"]})
    assert card_only.status == "succeeded" and card_only.automatic_payment_methods is None


def test_payment_method_data_on_create(stripe_client):
    pi = stripe_client.v1.payment_intents.create(params={
        "amount": 2000, "currency": "usd", "confirm": True, "return_url": RETURN_URL,
        "payment_method_data": {"type": "card", "card": {"token": "tok_mastercard"},
                                "billing_details": {"name": "Ada Lovelace", "email": "ada@example.com"},
                                "metadata": {"source": "checkout"}}})
    assert pi.status == "succeeded"
    pm = stripe_client.v1.payment_methods.retrieve(pi.payment_method)
    assert (pm.card.brand, pm.card.last4) == ("mastercard", "4444")
    assert (pm.billing_details.name, pm.billing_details.email) == ("Ada Lovelace", "ada@example.com")
    assert pm.metadata.to_dict() == {"source": "checkout"}


def test_payment_method_data_on_confirm_and_the_decline_it_gets(stripe_client):
    pi = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.payment_intents.confirm(pi.id, params={
            "return_url": RETURN_URL, "payment_method_data": {"type": "card", "card": {"token": "tok_chargeDeclined"}}})
    assert info.value.code == "card_declined"
    done = stripe_client.v1.payment_intents.confirm(pi.id, params={
        "return_url": RETURN_URL, "payment_method_data": {"type": "card", "card": {"token": "tok_visa"}}})
    assert done.status == "succeeded"


def test_raw_card_numbers_in_payment_method_data_only_with_the_publishable_key(sandbox, stripe_client):
    card = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
    with pytest.raises(stripe.CardError):  # §1.1: refused from server code
        stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "confirm": True,
                                                        "return_url": RETURN_URL,
                                                        "payment_method_data": {"type": "card", "card": card}})
    pi = stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd"})
    pk = client(sandbox, PUBLISHABLE)
    done = pk.v1.payment_intents.confirm(pi.id, params={"client_secret": pi.client_secret, "return_url": RETURN_URL,
                                                        "payment_method_data": {"type": "card", "card": card}})
    assert done.status == "succeeded"


def test_payment_method_and_payment_method_data_are_exclusive(stripe_client):
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.create(params={**CLASSIC, "return_url": RETURN_URL,
                                                        "payment_method_data": {"type": "card",
                                                                                "card": {"token": "tok_visa"}}})


def test_payment_method_data_on_a_setup_intent(stripe_client):
    customer = stripe_client.v1.customers.create().id
    si = stripe_client.v1.setup_intents.create(params={
        "customer": customer, "confirm": True, "return_url": RETURN_URL,
        "payment_method_data": {"type": "card", "card": {"token": "tok_visa"}, "billing_details": {"name": "Ada"}}})
    assert si.status == "succeeded"
    pm = stripe_client.v1.payment_methods.retrieve(si.payment_method)
    assert (pm.customer, pm.billing_details.name) == (customer, "Ada")
