"""PaymentIntents through the real stripe SDK (and raw HTTP where headers matter).

Covers every lifecycle transition the sandbox supports for cards (driven from lib/lifecycle.py's
table, events included), manual capture, cancellation, wrong-state errors, updates, lists and
pagination, expand, the publishable-key browser path, auth, idempotency, versions, the legacy
Charges API, off-session rules and the fixture shapes (TEST_MODE.md §2, §7, §8, fixtures.json).
"""

from __future__ import annotations

import json

import pytest
import stripe

from lib.sandbox.http.keys import mask
from lib.stripe_facts import cards
from lib.stripe_facts.lifecycle import CANCELABLE, TRANSITIONS, PIAction, PIStatus, unexpected_state_message
from tests.reference import fixtures

from .sandbox_http import (
    CARD_ONLY,
    PUBLISHABLE,
    SECRET,
    answer_challenge,
    assert_error_shape,
    client,
    event_marker,
    events_since,
    raw,
    sql,
)

A, S = PIAction, PIStatus
# Card-only, as a card integration creates them (so confirming needs no return_url, TEST_MODE §2.1).
MONEY = {"amount": 2000, "currency": "usd"}
BASE = {**MONEY, **CARD_ONLY}
# A copy of stripe-reference/fixtures.json (stripe/openapi fixtures3.json, MIT: see data/LICENSE-stripe-openapi).
FIXTURES = fixtures()
# Card flows never pass through processing, and auth expiry takes 7 days: not driven here.
UNSUPPORTED = {A.CONFIRM_PROCESSING, A.AUTH_PROCESSING, A.ASYNC_SUCCEEDED, A.ASYNC_FAILED, A.EXPIRE}


def _create(c: stripe.StripeClient, **params):
    return c.v1.payment_intents.create(params={**BASE, **params})


def _at(c: stripe.StripeClient, status: S | None, *, manual: bool = False,
        three_ds_card: str = "pm_card_threeDSecure2Required"):
    """A fresh PI in ``status``."""
    extra = {"capture_method": "manual"} if manual else {}
    if status is None:
        return None
    if status is S.REQUIRES_PAYMENT_METHOD:
        return _create(c, **extra)
    if status is S.REQUIRES_CONFIRMATION:
        return _create(c, payment_method="pm_card_visa", **extra)
    if status is S.REQUIRES_ACTION:
        pi = _create(c, payment_method=three_ds_card, confirm=True, **extra)
        assert pi.status == "requires_action"
        return pi
    if status is S.REQUIRES_CAPTURE:
        return _create(c, payment_method="pm_card_visa", confirm=True, capture_method="manual")
    if status is S.SUCCEEDED:
        return _create(c, payment_method="pm_card_visa", confirm=True)
    if status is S.CANCELED:
        return c.v1.payment_intents.cancel(_create(c).id)
    raise AssertionError(status)


def _charge_ids(sandbox, pi_id: str) -> tuple[str, ...]:
    return tuple(r[0] for r in sql(sandbox, "SELECT id FROM objects WHERE kind='charge' AND payment_intent=?",
                                   (pi_id,)))


def _drive(c: stripe.StripeClient, tr) -> str:
    """Put a PI in ``tr.source`` and apply ``tr.action``; returns the PI id."""
    manual = tr.action in (A.AUTH_SUCCESS_MANUAL,)
    three_ds = "pm_card_threeDSecureRequiredChargeDeclined" if tr.action is A.AUTH_DECLINE else \
        "pm_card_threeDSecure2Required"
    pi = _at(c, tr.source, manual=manual, three_ds_card=three_ds)
    return pi, manual, three_ds


def _apply(c: stripe.StripeClient, tr, pi) -> str:
    act = tr.action
    if act is A.CREATE:
        return _create(c).id
    if act is A.CREATE_WITH_PM:
        return _create(c, payment_method="pm_card_visa").id
    if act is A.UPDATE_PAYMENT_METHOD:
        c.v1.payment_intents.update(pi.id, params={"payment_method": "pm_card_visa"})
    elif act is A.CONFIRM_SUCCESS:
        c.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    elif act is A.CONFIRM_SUCCESS_MANUAL:
        c.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa", "capture_method": "manual"})
    elif act is A.CONFIRM_NEEDS_ACTION:
        c.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_authenticationRequired"})
    elif act is A.DECLINE:
        with pytest.raises(stripe.CardError):
            c.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa_chargeDeclined"})
    elif act in (A.AUTH_SUCCESS, A.AUTH_SUCCESS_MANUAL, A.AUTH_DECLINE):
        answer_challenge(pi, "complete")
    elif act is A.AUTH_FAIL:
        answer_challenge(pi, "fail")
    elif act is A.CAPTURE:
        c.v1.payment_intents.capture(pi.id)
    elif act is A.CANCEL:
        c.v1.payment_intents.cancel(pi.id)
    else:
        raise AssertionError(act)
    return pi.id


SUPPORTED = [t for t in TRANSITIONS if t.action not in UNSUPPORTED]


@pytest.mark.parametrize("tr", SUPPORTED, ids=lambda t: f"{t.source or 'new'}--{t.action}")
def test_lifecycle_transition(sandbox, stripe_client, tr) -> None:
    pi, _, _ = _drive(stripe_client, tr)
    marker = event_marker(sandbox)
    pi_id = _apply(stripe_client, tr, pi)
    after = stripe_client.v1.payment_intents.retrieve(pi_id)
    assert after.status == tr.target.value
    seen = events_since(sandbox, marker, (pi_id, *_charge_ids(sandbox, pi_id)))
    # charge.updated may follow (automatic_async filling in balance_transaction); nothing else may.
    assert [e for e in seen if e != "charge.updated"] == list(tr.events), seen


def test_every_card_transition_is_driven() -> None:
    actions = {t.action for t in SUPPORTED}
    assert actions == set(A) - UNSUPPORTED
    assert len(SUPPORTED) == 24  # 3 + 4×3 confirms + 5 auth + capture + 4 cancels


# --- capture ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("amount_to_capture", [None, 2000, 1500, 1])
def test_manual_capture(stripe_client, amount_to_capture) -> None:
    pi = _at(stripe_client, S.REQUIRES_CAPTURE)
    assert (pi.amount_capturable, pi.amount_received) == (2000, 0)
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.captured, charge.amount_captured) == ("succeeded", True, False, 0)
    assert charge.balance_transaction is None
    params = {} if amount_to_capture is None else {"amount_to_capture": amount_to_capture}
    captured = stripe_client.v1.payment_intents.capture(pi.id, params=params)
    expected = amount_to_capture or 2000
    assert (captured.status, captured.amount_received, captured.amount_capturable) == ("succeeded", expected, 0)
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge, params={"expand": ["balance_transaction"]})
    assert (charge.captured, charge.amount_captured, charge.amount, charge.amount_refunded) == \
        (True, expected, 2000, 0)
    bt = charge.balance_transaction
    assert (bt.amount, bt.type, bt.source) == (expected, "charge", charge.id)
    assert bt.net == bt.amount - bt.fee


def test_capture_more_than_authorized_is_amount_too_large(stripe_client) -> None:
    pi = _at(stripe_client, S.REQUIRES_CAPTURE)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 2001})
    assert (info.value.http_status, info.value.code, info.value.param) == (400, "amount_too_large", "amount_to_capture")
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "requires_capture"


# --- cancel ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("reason", [None, "duplicate", "fraudulent", "requested_by_customer", "abandoned"])
@pytest.mark.parametrize("status", sorted(CANCELABLE, key=str), ids=str)
def test_cancel_from_each_cancelable_state(stripe_client, status: S, reason) -> None:
    pi = _at(stripe_client, status)
    params = {} if reason is None else {"cancellation_reason": reason}
    canceled = stripe_client.v1.payment_intents.cancel(pi.id, params=params)
    assert canceled.status == "canceled" and canceled.cancellation_reason == reason
    assert canceled.canceled_at and canceled.next_action is None and canceled.amount_capturable == 0
    assert canceled.amount_received == 0


def test_cancel_with_unknown_reason(stripe_client) -> None:
    pi = _at(stripe_client, S.REQUIRES_PAYMENT_METHOD)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.cancel(pi.id, params={"cancellation_reason": "expired"})
    assert info.value.param == "cancellation_reason"


WRONG_STATE = [("capture", s, ("requires_capture",))
               for s in (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION, S.SUCCEEDED,
                         S.CANCELED)] + \
              [("cancel", s, tuple(CANCELABLE)) for s in (S.SUCCEEDED, S.CANCELED)]


@pytest.mark.parametrize(("verb", "status", "allowed"), WRONG_STATE, ids=lambda v: str(v) if not
                         isinstance(v, tuple) else "")
def test_capture_or_cancel_from_wrong_state(stripe_client, verb: str, status: S, allowed) -> None:
    pi = _at(stripe_client, status)
    call = getattr(stripe_client.v1.payment_intents, verb)
    with pytest.raises(stripe.InvalidRequestError) as info:
        call(pi.id)
    err = info.value
    assert (err.http_status, err.code) == (400, "payment_intent_unexpected_state")
    assert err.user_message == unexpected_state_message(verb, status.value, frozenset(S(a) for a in allowed))
    assert err.error.payment_intent.id == pi.id and err.error.payment_intent.status == status.value


@pytest.mark.parametrize("status", [S.SUCCEEDED, S.CANCELED, S.REQUIRES_CAPTURE], ids=str)
def test_confirm_from_wrong_state(stripe_client, status: S) -> None:
    pi = _at(stripe_client, status)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert info.value.code == "payment_intent_unexpected_state"
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == status.value


def test_confirm_without_payment_method(stripe_client) -> None:
    pi = _at(stripe_client, S.REQUIRES_PAYMENT_METHOD)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.confirm(pi.id)
    assert info.value.code == "payment_intent_unexpected_state"


# --- retry, update ---------------------------------------------------------------------------------
def test_retry_on_the_same_pi_after_a_decline(sandbox, stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        _create(stripe_client, payment_method="pm_card_visa_chargeDeclinedInsufficientFunds", confirm=True)
    pi_id = info.value.error.payment_intent.id
    failed_charge = info.value.error.charge
    pi = stripe_client.v1.payment_intents.confirm(pi_id, params={"payment_method": "pm_card_visa"})
    assert pi.status == "succeeded" and pi.last_payment_error is None and pi.latest_charge != failed_charge
    charges = stripe_client.v1.charges.list(params={"payment_intent": pi_id})
    assert {(ch.id, ch.status) for ch in charges.data} == {(failed_charge, "failed"), (pi.latest_charge, "succeeded")}
    assert charges.data[0].id == pi.latest_charge  # newest first
    # The second attempt's charge does not reuse the PI's id body (only the first one does).
    assert failed_charge[3:] == pi_id[3:] and pi.latest_charge[3:] != pi_id[3:]


def test_update_amount_metadata_description(stripe_client) -> None:
    pi = _create(stripe_client, metadata={"order": "1", "keep": "yes"})
    pi = stripe_client.v1.payment_intents.update(pi.id, params={
        "amount": 3100, "metadata": {"order": "2", "keep": ""}, "description": "Mug"})
    assert (pi.amount, pi.metadata.to_dict(), pi.description) == (3100, {"order": "2"}, "Mug")
    pi = stripe_client.v1.payment_intents.update(pi.id, params={"currency": "eur"})
    assert pi.currency == "eur"
    done = stripe_client.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa"})
    assert done.amount_received == 3100
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.update(pi.id, params={"amount": 500})
    assert info.value.code == "payment_intent_unexpected_state"
    later = stripe_client.v1.payment_intents.update(pi.id, params={"metadata": {"shipped": "true"},
                                                                   "description": "Mug, shipped"})
    assert later.metadata.to_dict() == {"order": "2", "shipped": "true"} and later.description == "Mug, shipped"


def test_update_amount_below_minimum(stripe_client) -> None:
    pi = _create(stripe_client)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.update(pi.id, params={"amount": 10})
    assert info.value.code == "amount_too_small"


def test_update_clears_last_payment_error(stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        _create(stripe_client, payment_method="pm_card_visa_chargeDeclined", confirm=True)
    pi_id = info.value.error.payment_intent.id
    assert stripe_client.v1.payment_intents.retrieve(pi_id).last_payment_error.code == "card_declined"
    pi = stripe_client.v1.payment_intents.update(pi_id, params={"metadata": {"retry": "1"}})
    assert pi.last_payment_error is None


# --- lists -----------------------------------------------------------------------------------------
@pytest.fixture
def five_pis(sandbox, stripe_client):
    """Five PIs for one new customer, with created = T..T+4 (set in the store, newest last)."""
    customer = stripe_client.v1.customers.create(params={"email": "lists@example.com"})
    pis = [_create(stripe_client, customer=customer.id) for _ in range(5)]
    base = 1_700_000_000
    store = sandbox.engine.store
    with store.tx():
        for i, pi in enumerate(pis):
            store.execute("UPDATE objects SET created=?, data=json_set(data, '$.created', ?) WHERE id=?",
                          (base + i, base + i, pi.id))
    return customer.id, [p.id for p in pis], base


def _ids(page) -> list[str]:
    return [o.id for o in page.data]


@pytest.mark.parametrize(("created", "expected"), [
    ({"gt": 1}, [4, 3, 2]), ({"gte": 1}, [4, 3, 2, 1]), ({"lt": 3}, [2, 1, 0]), ({"lte": 3}, [3, 2, 1, 0]),
    ({"gt": 0, "lt": 4}, [3, 2, 1]), (2, [2]),
])
def test_list_created_filters(stripe_client, five_pis, created, expected) -> None:
    customer, ids, base = five_pis
    bound = base + created if isinstance(created, int) else {k: base + v for k, v in created.items()}
    page = stripe_client.v1.payment_intents.list(params={"customer": customer, "created": bound})
    assert _ids(page) == [ids[i] for i in expected]
    assert page.url == "/v1/payment_intents" and page.has_more is False


def test_list_customer_filter_and_cursors(stripe_client, five_pis) -> None:
    customer, ids, _ = five_pis
    lst = stripe_client.v1.payment_intents.list
    first = lst(params={"customer": customer, "limit": 2})
    assert (_ids(first), first.has_more) == ([ids[4], ids[3]], True)
    second = lst(params={"customer": customer, "limit": 2, "starting_after": ids[3]})
    assert (_ids(second), second.has_more) == ([ids[2], ids[1]], True)
    last = lst(params={"customer": customer, "limit": 2, "starting_after": ids[1]})
    assert (_ids(last), last.has_more) == ([ids[0]], False)
    before = lst(params={"customer": customer, "limit": 2, "ending_before": ids[1]})
    assert (_ids(before), before.has_more) == ([ids[3], ids[2]], True)
    top = lst(params={"customer": customer, "limit": 2, "ending_before": ids[3]})
    assert (_ids(top), top.has_more) == ([ids[4]], False)
    everything = lst(params={"customer": customer, "limit": 100})
    assert _ids(everything) == ids[::-1] and everything.has_more is False
    with pytest.raises(stripe.InvalidRequestError) as info:
        lst(params={"customer": customer, "starting_after": ids[1], "ending_before": ids[3]})
    assert info.value.code == "parameters_exclusive"
    for bad in (0, 101):
        with pytest.raises(stripe.InvalidRequestError) as info:
            lst(params={"limit": bad})
        assert (info.value.code, info.value.param) == ("parameter_invalid_integer", "limit")


def test_auto_paging_iter(stripe_client, five_pis) -> None:
    customer, ids, _ = five_pis
    pages = stripe_client.v1.payment_intents.list(params={"customer": customer, "limit": 2})
    assert [pi.id for pi in pages.auto_paging_iter()] == ids[::-1]
    backwards = stripe_client.v1.payment_intents.list(params={"customer": customer, "limit": 2,
                                                              "ending_before": ids[0]})
    assert sorted(pi.id for pi in backwards.auto_paging_iter()) == sorted(ids[1:])


def test_list_default_limit_is_ten(stripe_client) -> None:
    for _ in range(11):
        _create(stripe_client)
    page = stripe_client.v1.payment_intents.list()
    assert len(page.data) == 10 and page.has_more is True


# --- expand ----------------------------------------------------------------------------------------
def test_expand(stripe_client) -> None:
    pi = _create(stripe_client, payment_method="pm_card_visa", confirm=True)
    full = stripe_client.v1.payment_intents.retrieve(pi.id, params={
        "expand": ["latest_charge", "payment_method", "latest_charge.balance_transaction"]})
    assert full.latest_charge.object == "charge" and full.latest_charge.id == pi.latest_charge
    assert full.payment_method.object == "payment_method" and full.payment_method.id == pi.payment_method
    bt = full.latest_charge.balance_transaction
    assert bt.object == "balance_transaction" and bt.source == pi.latest_charge and bt.amount == 2000
    created = _create(stripe_client, payment_method="pm_card_visa", confirm=True, expand=["latest_charge"])
    assert created.latest_charge.object == "charge" and created.latest_charge.paid
    listed = stripe_client.v1.payment_intents.list(params={"limit": 1, "expand": ["data.latest_charge"]})
    assert listed.data[0].latest_charge.object == "charge"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.retrieve(pi.id, params={"expand": ["nonsense"]})
    assert info.value.param == "expand"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.payment_intents.list(params={"expand": ["latest_charge"]})  # lists need data.


# --- the browser path: publishable key -------------------------------------------------------------
def _pk_pm(sandbox, **card):
    fields = {"number": "4242424242424242", "exp_month": 12, "exp_year": 2034, "cvc": "123", **card}
    fields = {k: v for k, v in fields.items() if v is not None}
    return client(sandbox, PUBLISHABLE).v1.payment_methods.create(params={"type": "card", "card": fields})


@pytest.mark.parametrize(("card", "code", "param"), [
    ({"number": "4242424242424241"}, "incorrect_number", "number"),
    ({"number": "4242 4242 4242 4243"}, "incorrect_number", "number"),
    ({"number": "42424242"}, "incorrect_number", "number"),
    ({"exp_month": 13}, "invalid_expiry_month", "exp_month"),
    ({"exp_month": 0}, "invalid_expiry_month", "exp_month"),
    ({"exp_year": 2020}, "invalid_expiry_year", "exp_year"),
    ({"exp_year": 95}, "invalid_expiry_year", "exp_year"),
    ({"exp_year": "20x5"}, "invalid_expiry_year", "exp_year"),
    ({"cvc": "99"}, "invalid_cvc", "cvc"),
    ({"cvc": "1234"}, "invalid_cvc", "cvc"),
    ({"number": "378282246310005", "cvc": "123"}, "invalid_cvc", "cvc"),
    ({"cvc": "12a"}, "invalid_cvc", "cvc"),
])
def test_raw_card_validation(sandbox, card, code, param) -> None:
    with pytest.raises(stripe.CardError) as info:
        _pk_pm(sandbox, **card)
    assert (info.value.http_status, info.value.code, info.value.error.type, info.value.param) == \
        (402, code, "card_error", param)


def test_raw_card_amex_four_digit_cvc_and_spaces(sandbox) -> None:
    amex = _pk_pm(sandbox, number="3782 822463 10005", cvc="1234")
    assert (amex.card.brand, amex.card.last4, amex.card.checks.cvc_check) == ("amex", "0005", "unchecked")
    no_cvc = _pk_pm(sandbox, cvc=None)
    assert no_cvc.card.checks.cvc_check is None


def test_raw_numbers_refused_with_secret_key(stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.payment_methods.create(params={"type": "card", "card": {
            "number": "4242424242424242", "exp_month": 12, "exp_year": 2034}})
    assert info.value.http_status == 402 and "unsafe" in info.value.user_message


def test_client_secret_retrieve_and_confirm(sandbox, stripe_client) -> None:
    pi = _create(stripe_client)
    pk = client(sandbox, PUBLISHABLE)
    seen = pk.v1.payment_intents.retrieve(pi.id, params={"client_secret": pi.client_secret})
    assert seen.id == pi.id and seen.status == "requires_payment_method"
    for secret in (None, pi.client_secret[:-1] + ("y" if pi.client_secret.endswith("x") else "x")):
        with pytest.raises(stripe.InvalidRequestError) as info:
            pk.v1.payment_intents.retrieve(pi.id, params={} if secret is None else {"client_secret": secret})
        assert info.value.param == "client_secret"
        with pytest.raises(stripe.InvalidRequestError):
            pk.v1.payment_intents.confirm(pi.id, params={"payment_method": "pm_card_visa",
                                                         **({} if secret is None else {"client_secret": secret})})
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "requires_payment_method"
    pm = _pk_pm(sandbox)
    done = pk.v1.payment_intents.confirm(pi.id, params={"payment_method": pm.id, "client_secret": pi.client_secret})
    assert done.status == "succeeded" and done.payment_method == pm.id
    # The secret key needs no client secret.
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


@pytest.mark.parametrize(("method", "path"), [
    ("post", "/v1/payment_intents"), ("get", "/v1/payment_intents"), ("post", "/v1/customers"),
    ("get", "/v1/balance"), ("post", "/v1/charges"), ("post", "/v1/payment_intents/pi_x/capture"),
    ("post", "/v1/payment_intents/pi_x/cancel"), ("get", "/v1/charges/ch_x"),
])
def test_publishable_key_refused_elsewhere(sandbox, method, path) -> None:
    resp = raw(sandbox, method.upper(), path, data={"amount": "2000", "currency": "usd"} if method == "post" else None,
               key=PUBLISHABLE)
    assert resp.status_code in (401, 403)
    err = assert_error_shape(resp)
    assert "publishable" in err["message"]


def test_cors_preflight_and_headers(sandbox) -> None:
    resp = raw(sandbox, "OPTIONS", "/v1/payment_methods", key=None,
               headers={"Origin": "http://localhost:8501", "Access-Control-Request-Method": "POST",
                        "Access-Control-Request-Headers": "authorization,content-type"})
    assert resp.status_code == 204
    assert resp.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in resp.headers["Access-Control-Allow-Methods"]
    allowed = resp.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed and "stripe-version" in allowed
    normal = raw(sandbox, "GET", "/v1/payment_intents/pi_missing", key=PUBLISHABLE)
    assert normal.headers["Access-Control-Allow-Origin"] == "*"
    assert "Request-Id" in normal.headers["Access-Control-Expose-Headers"]


# --- auth ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("key", ["sk_live_51HxSecretLiveKey0123456789abcd", "rk_live_RestrictedLiveKeyXYZ9876",
                                 "pk_live_PublishableLive000111222", "sk_test_bad-chars!", "nonsense-key-1234567"])
def test_bad_keys_are_401_and_only_masked(sandbox, key: str) -> None:
    resp = raw(sandbox, "GET", "/v1/payment_intents", key=key)
    assert resp.status_code == 401
    err = assert_error_shape(resp)
    assert err["type"] == "invalid_request_error"
    assert mask(key) in err["message"]
    assert key not in resp.text and key[8:-4] not in resp.text
    sdk = client(sandbox, key)
    with pytest.raises(stripe.AuthenticationError) as info:
        sdk.v1.customers.list()
    assert key not in str(info.value)


def test_missing_key_is_401(sandbox) -> None:
    resp = raw(sandbox, "GET", "/v1/payment_intents", key=None)
    assert resp.status_code == 401 and "API key" in assert_error_shape(resp)["message"]
    empty = raw(sandbox, "GET", "/v1/payment_intents", key=None, headers={"Authorization": "Bearer "})
    assert empty.status_code == 401


def test_basic_auth_works(sandbox) -> None:
    import requests

    resp = requests.get(sandbox.url + "/v1/payment_intents", auth=(SECRET, ""), timeout=10)
    assert resp.status_code == 200 and resp.json()["object"] == "list"


# --- idempotency -----------------------------------------------------------------------------------
def _stats(sandbox) -> dict:
    return sandbox.stats()


def test_idempotent_replay(sandbox) -> None:
    body = {"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa", "confirm": "true",
            "return_url": "https://shop.example/return"}
    first = raw(sandbox, "POST", "/v1/payment_intents", body, headers={"Idempotency-Key": "pi-replay-1"})
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    assert first.headers["Original-Request"] == first.headers["Request-Id"]
    before = _stats(sandbox)
    again = raw(sandbox, "POST", "/v1/payment_intents", body, headers={"Idempotency-Key": "pi-replay-1"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["Original-Request"] == first.headers["Request-Id"]
    assert again.headers["Request-Id"] != first.headers["Request-Id"]
    assert again.json() == first.json()
    assert _stats(sandbox) == before  # no new PI, charge, PM, balance transaction or event


def test_idempotency_key_with_different_params_or_endpoint(sandbox) -> None:
    raw(sandbox, "POST", "/v1/payment_intents", {"amount": "2000", "currency": "usd"},
        headers={"Idempotency-Key": "pi-replay-2"})
    for path, body in (("/v1/payment_intents", {"amount": "2001", "currency": "usd"}),
                       ("/v1/customers", {"amount": "2000", "currency": "usd"})):
        resp = raw(sandbox, "POST", path, body, headers={"Idempotency-Key": "pi-replay-2"})
        assert resp.status_code == 400
        err = assert_error_shape(resp)
        assert err["type"] == "idempotency_error" and "code" not in err and "param" not in err
        assert "pi-replay-2" in err["message"]


def test_idempotency_error_through_the_sdk(stripe_client) -> None:
    options = {"idempotency_key": "pi-replay-sdk"}
    stripe_client.v1.payment_intents.create(params=BASE, options=options)
    with pytest.raises(stripe.IdempotencyError):
        stripe_client.v1.payment_intents.create(params={**BASE, "amount": 999}, options=options)


def test_decline_is_replayed(sandbox) -> None:
    body = {"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa_chargeDeclined", "confirm": "true",
            "payment_method_types[]": "card"}
    first = raw(sandbox, "POST", "/v1/payment_intents", body, headers={"Idempotency-Key": "decline-replay"})
    assert first.status_code == 402
    before = _stats(sandbox)
    again = raw(sandbox, "POST", "/v1/payment_intents", body, headers={"Idempotency-Key": "decline-replay"})
    assert again.status_code == 402 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    assert _stats(sandbox) == before


def test_validation_errors_are_not_stored(sandbox) -> None:
    bad = raw(sandbox, "POST", "/v1/payment_intents", {"amount": "2000", "currency": "usd", "colour": "red"},
              headers={"Idempotency-Key": "fix-and-retry"})
    assert bad.status_code == 400 and assert_error_shape(bad)["code"] == "parameter_unknown"
    good = raw(sandbox, "POST", "/v1/payment_intents", {"amount": "2000", "currency": "usd"},
               headers={"Idempotency-Key": "fix-and-retry"})
    assert good.status_code == 200 and "Idempotent-Replayed" not in good.headers


def test_idempotency_key_too_long(sandbox) -> None:
    resp = raw(sandbox, "POST", "/v1/customers", {}, headers={"Idempotency-Key": "k" * 256})
    assert resp.status_code == 400 and assert_error_shape(resp)["param"] == "Idempotency-Key"


def test_events_carry_the_idempotency_key(sandbox) -> None:
    resp = raw(sandbox, "POST", "/v1/payment_intents", {"amount": "2000", "currency": "usd"},
               headers={"Idempotency-Key": "evt-key-1"})
    pi_id = resp.json()["id"]
    rows = sql(sandbox, "SELECT data FROM objects WHERE kind='event' AND source=?", (pi_id,))
    request = json.loads(rows[0][0])["request"]
    assert request == {"id": resp.headers["Request-Id"], "idempotency_key": "evt-key-1"}


# --- versions --------------------------------------------------------------------------------------
def test_stripe_version_is_echoed(sandbox) -> None:
    default = raw(sandbox, "GET", "/v1/balance")
    assert default.headers["Stripe-Version"] == stripe.api_version
    pinned = raw(sandbox, "GET", "/v1/balance", headers={"Stripe-Version": "2024-09-30.acacia"})
    assert pinned.headers["Stripe-Version"] == "2024-09-30.acacia"


@pytest.mark.parametrize(("version", "capture_method"), [
    ("2023-10-16", "automatic"), ("2024-04-10", "automatic_async"), ("2026-10-28.endive", "automatic_async")])
def test_default_capture_method_follows_the_version(stripe_client, version, capture_method) -> None:
    pi = stripe_client.v1.payment_intents.create(params=BASE, options={"stripe_version": version})
    assert pi.capture_method == capture_method


@pytest.mark.parametrize("version", ["banana", "2024-4-10", "2024-04-10.ACACIA", "latest"])
def test_bad_version_format_is_400(sandbox, version) -> None:
    resp = raw(sandbox, "GET", "/v1/balance", headers={"Stripe-Version": version})
    assert resp.status_code == 400
    assert assert_error_shape(resp)["type"] == "invalid_request_error"


# --- legacy Charges API, off-session ---------------------------------------------------------------
def test_legacy_charge_with_tok_visa(stripe_client) -> None:
    charge = stripe_client.v1.charges.create(params={**MONEY, "source": "tok_visa", "description": "legacy"})
    assert (charge.status, charge.paid, charge.captured, charge.payment_intent) == ("succeeded", True, True, None)
    assert charge.source.object == "card" and charge.source.last4 == "4242"
    assert charge.balance_transaction.startswith("txn_")


def test_legacy_charge_cannot_authenticate(stripe_client) -> None:
    tok = cards.card_by_pm_id("pm_card_threeDSecure2Required").tok_ids[0]
    assert tok == "tok_threeDSecure2Required"
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.charges.create(params={**MONEY, "source": tok})
    assert (info.value.http_status, info.value.code) == (402, "authentication_required")
    charge = stripe_client.v1.charges.retrieve(info.value.error.charge)
    assert charge.status == "failed" and charge.failure_code == "authentication_required"


def test_legacy_uncaptured_charge_then_capture(stripe_client) -> None:
    charge = stripe_client.v1.charges.create(params={**MONEY, "source": "tok_visa", "capture": False})
    assert charge.captured is False and charge.balance_transaction is None
    captured = stripe_client.v1.charges.capture(charge.id, params={"amount": 1500})
    assert captured.captured and captured.amount_captured == 1500
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.charges.capture(charge.id)
    assert info.value.code == "charge_already_captured"


def test_legacy_failed_charge_cannot_be_captured(stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.charges.create(params={**MONEY, "source": "tok_chargeDeclined", "capture": False})
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.charges.capture(info.value.error.charge)
    charge = stripe_client.v1.charges.retrieve(info.value.error.charge)
    assert charge.status == "failed" and charge.captured is False and charge.balance_transaction is None


def test_capture_of_a_pi_charge_points_at_the_pi(stripe_client) -> None:
    pi = _at(stripe_client, S.REQUIRES_CAPTURE)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.charges.capture(pi.latest_charge)
    assert pi.id in info.value.user_message


def test_off_session_card_needing_authentication(stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        _create(stripe_client, payment_method="pm_card_authenticationRequired", confirm=True, off_session=True)
    err = info.value
    assert (err.http_status, err.code, err.error.decline_code) == (402, "authentication_required",
                                                                   "authentication_required")
    assert err.user_message == "Your card was declined. This transaction requires authentication."
    pi = stripe_client.v1.payment_intents.retrieve(err.error.payment_intent.id)
    assert pi.status == "requires_payment_method"
    assert pi.last_payment_error.code == "authentication_required"


@pytest.mark.parametrize(("pm_id", "status"), [
    ("pm_card_visa", "succeeded"), ("pm_card_authenticationRequiredSetupForOffSession", "succeeded"),
    ("pm_card_authenticationRequiredOnSetup", None), ("pm_card_threeDSecure2Required", None)])
def test_off_session_per_card(stripe_client, pm_id, status) -> None:
    params = {"payment_method": pm_id, "confirm": True, "off_session": True}
    if status is None:
        with pytest.raises(stripe.CardError) as info:
            _create(stripe_client, **params)
        assert info.value.code == "authentication_required"
    else:
        assert _create(stripe_client, **params).status == status


def test_error_on_requires_action(stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        _create(stripe_client, payment_method="pm_card_threeDSecure2Required", confirm=True,
                error_on_requires_action=True)
    assert (info.value.code, info.value.error.decline_code) == ("authentication_required", "authentication_not_handled")
    assert stripe_client.v1.payment_intents.retrieve(info.value.error.payment_intent.id).status == \
        "requires_payment_method"
    ok = _create(stripe_client, payment_method="pm_card_visa", confirm=True, error_on_requires_action=True)
    assert ok.status == "succeeded"


@pytest.mark.parametrize("flag", ["off_session", "error_on_requires_action", "return_url"])
def test_confirm_only_flags_need_confirm(stripe_client, flag) -> None:
    value = "https://example.com/done" if flag == "return_url" else True
    with pytest.raises(stripe.InvalidRequestError) as info:
        _create(stripe_client, **{flag: value})
    assert info.value.param == flag


def test_redirect_flow_with_return_url(stripe_client) -> None:
    pi = _create(stripe_client, payment_method="pm_card_threeDSecure2Required", confirm=True,
                 return_url="https://shop.example/return?x=1")
    assert pi.next_action.type == "redirect_to_url"
    assert pi.next_action.redirect_to_url.return_url == "https://shop.example/return?x=1"
    resp = answer_challenge(pi, "complete")
    assert resp.status_code == 303
    location = resp.headers["Location"]
    assert location.startswith("https://shop.example/return?x=1&") and "redirect_status=succeeded" in location
    assert f"payment_intent={pi.id}" in location
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


def test_challenge_page_needs_the_client_secret(sandbox, stripe_client) -> None:
    import requests

    pi = _create(stripe_client, payment_method="pm_card_threeDSecure2Required", confirm=True)
    page = requests.get(f"{sandbox.url}/_sandbox/3ds/{pi.id}", params={"client_secret": pi.client_secret},
                        timeout=10)
    assert page.status_code == 200 and "3D Secure 2 Test Page" in page.text
    refused = requests.post(f"{sandbox.url}/_sandbox/3ds/{pi.id}", data={"action": "complete",
                                                                         "client_secret": "wrong"}, timeout=10)
    assert refused.status_code == 400
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "requires_action"


# --- shapes ----------------------------------------------------------------------------------------
def _objects_for_fixture_check(sandbox, stripe_client) -> dict[str, dict]:
    pi = _create(stripe_client, payment_method="pm_card_visa", confirm=True)
    get = lambda path: raw(sandbox, "GET", path).json()  # noqa: E731
    charge = get(f"/v1/charges/{pi.latest_charge}")
    token = raw(sandbox, "POST", "/v1/tokens", {"card[number]": "4242424242424242", "card[exp_month]": "12",
                                                "card[exp_year]": "2034", "card[cvc]": "123"}, key=PUBLISHABLE).json()
    customer = raw(sandbox, "POST", "/v1/customers", {"email": "shape@example.com"}).json()
    return {"payment_intent": get(f"/v1/payment_intents/{pi.id}"), "charge": charge,
            "payment_method": get(f"/v1/payment_methods/{charge['payment_method']}"), "customer": customer,
            "token": token, "balance": get("/v1/balance"),
            "balance_transaction": get(f"/v1/balance_transactions/{charge['balance_transaction']}")}


def test_objects_have_every_fixture_field(sandbox, stripe_client) -> None:
    ours = _objects_for_fixture_check(sandbox, stripe_client)
    for kind, obj in ours.items():
        missing = set(FIXTURES[kind]) - set(obj)
        assert not missing, f"{kind} lacks {sorted(missing)}"
        assert obj["object"] == FIXTURES[kind]["object"]
    nested = [("charge", "payment_method_details", "card"), ("charge", "outcome"), ("payment_method", "card"),
              ("token", "card"), ("payment_method", "billing_details")]
    for kind, *path in nested:
        theirs, mine = FIXTURES[kind], ours[kind]
        for part in path:
            theirs, mine = theirs[part], mine[part]
        assert set(theirs) <= set(mine), f"{kind}.{'.'.join(path)} lacks {sorted(set(theirs) - set(mine))}"


def test_ids_share_the_pi_body(stripe_client) -> None:
    pi = _create(stripe_client, payment_method="pm_card_visa", confirm=True)
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    body = pi.id[3:]
    assert charge.id == "ch_" + body and charge.balance_transaction == "txn_" + body
    assert pi.client_secret.startswith(pi.id + "_secret_")
