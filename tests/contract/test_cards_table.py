"""Every test card, paid for through the real stripe SDK over HTTP, behaves as the card table says.

Cards with a ``pm_card_*`` id are used by id; cards that only have a number go through the browser
path (a PaymentMethod created from the raw number with a publishable key). Expectations come from
:mod:`lib.stripe_facts.cards` (the table), and the decline/radar rows are also pinned to the values
written in TEST_MODE.md §1.5/§1.6, so the table itself cannot drift unnoticed.
"""

from __future__ import annotations

import pytest
import stripe

from lib.stripe_facts import cards
from lib.stripe_facts.cards import TestCard

from .sandbox_http import CARD_ONLY, PUBLISHABLE, answer_challenge, client

AMOUNT = 2000

# TEST_MODE.md §1.5: number → (code, decline_code [OBS], advice_code [OBS], message, param [OBS]).
REFERENCE_DECLINES = {
    "4000000000000002": ("card_declined", "generic_decline", "try_again_later", "Your card was declined.", None),
    "4000000000009995": ("card_declined", "insufficient_funds", "try_again_later",
                         "Your card has insufficient funds.", None),
    "4000000000009987": ("card_declined", "lost_card", "do_not_try_again", "Your card was declined.", None),
    "4000000000009979": ("card_declined", "stolen_card", "do_not_try_again", "Your card was declined.", None),
    "4000000000000069": ("expired_card", "expired_card", "confirm_card_data", "Your card has expired.",
                         "exp_month"),
    "4000000000000127": ("incorrect_cvc", "incorrect_cvc", "confirm_card_data",
                         "Your card's security code is incorrect.", "cvc"),
    "4000000000000119": ("processing_error", "processing_error", "try_again_later",
                         "An error occurred while processing your card. Try again in a little bit.", None),
    "4100000000000019": ("card_declined", "fraudulent", None, "Your card was declined.", None),
    "4000000000000341": ("card_declined", "generic_decline", "try_again_later", "Your card was declined.", None),
}
# §1.5/§1.6: outcome (type, risk_level) for the Radar cards.
REFERENCE_RADAR = {
    "4100000000000019": ("blocked", "highest"),
    "4000000000004954": ("blocked", "highest"),
    "4000000000009235": ("authorized", "elevated"),
}
# §1.11: 3DS cards that need a challenge on-session, and what completing it leads to.
REFERENCE_3DS = {
    "4000002500003155": None, "4000002760003184": None, "4000003800000446": None, "4000000000003220": None,
    "4000000000003063": None, "4000008400000027": None,
    "4000008260003178": "insufficient_funds", "4000008400001629": "generic_decline",
}
CHALLENGE_MODES = ("required", "required_on_setup", "setup_off_session")


def _pm_cards() -> list[tuple[str, TestCard]]:
    return [(card.pm_ids[0], card) for card in cards.all_cards() if card.pm_ids]


def _raw_cards() -> list[TestCard]:
    return [card for card in cards.all_cards() if not card.pm_ids and card.number_primary]


def _expected(card: TestCard) -> tuple[str, cards.Decline | None]:
    """('action' | 'decline' | 'succeed', the decline) for an on-session confirm, per the table."""
    if card.three_ds_lookup_error and card.three_ds == "required":
        return "decline", card.decline
    if card.three_ds in CHALLENGE_MODES:
        return "action", None
    if card.decline is not None:
        return "decline", card.decline
    return "succeed", None


def _get(obj, key: str):
    """A field the server may omit (Stripe omits error fields that do not apply)."""
    return obj.to_dict().get(key)


def _check_card_details(details, card: TestCard) -> None:
    assert (details.brand, details.country, details.funding, details.last4) == \
        (card.brand, card.country, card.funding, card.last4)


def _check_decline(stripe_client, err: stripe.CardError, decline: cards.Decline, card: TestCard,
                   pi_id: str) -> None:
    assert err.http_status == 402
    assert err.error.type == "card_error"
    assert (err.code, _get(err.error, "decline_code"), _get(err.error, "advice_code"), err.error.message) == \
        (decline.code, decline.decline_code, decline.advice_code, decline.message)
    assert _get(err.error, "param") == decline.param
    assert err.error.charge.startswith("ch_")
    assert err.error.payment_intent.id == pi_id
    assert err.error.payment_intent.status == "requires_payment_method"
    pi = stripe_client.v1.payment_intents.retrieve(pi_id)
    assert pi.status == "requires_payment_method" and pi.payment_method is None
    lpe = pi.last_payment_error
    assert (lpe.type, lpe.code, _get(lpe, "decline_code"), lpe.message, lpe.charge) == \
        ("card_error", decline.code, decline.decline_code, decline.message, err.error.charge)
    assert pi.latest_charge == err.error.charge
    charge = stripe_client.v1.charges.retrieve(err.error.charge)
    assert (charge.status, charge.paid, charge.captured, charge.amount_captured) == ("failed", False, False, 0)
    assert (charge.failure_code, charge.failure_message) == (decline.code, decline.message)
    assert charge.balance_transaction is None and charge.payment_intent == pi_id
    _check_card_details(charge.payment_method_details.card, card)
    expected_type = (card.outcome or {}).get("type", "issuer_declined")
    assert charge.outcome.type == expected_type
    if expected_type == "issuer_declined":
        assert charge.outcome.network_status == "declined_by_network"
        assert charge.outcome.reason == (decline.decline_code or decline.code)


def _check_success(stripe_client, pi, card: TestCard) -> None:
    assert pi.status == "succeeded" and pi.amount_received == AMOUNT and pi.last_payment_error is None
    charge = stripe_client.v1.charges.retrieve(pi.latest_charge)
    assert (charge.status, charge.paid, charge.captured, charge.amount_captured) == ("succeeded", True, True, AMOUNT)
    assert charge.failure_code is None
    assert charge.balance_transaction and charge.balance_transaction.startswith("txn_")
    assert charge.outcome.type == "authorized" and charge.outcome.network_status == "approved_by_network"
    assert charge.outcome.risk_level == (card.outcome or {}).get("risk_level", "normal")
    _check_card_details(charge.payment_method_details.card, card)
    for check, value in (card.checks or {}).items():
        if check == "cvc_check":  # only checks on data that was sent: our PMs carry a CVC, no address
            assert charge.payment_method_details.card.checks[check] == value


def _pay(stripe_client, card: TestCard, make_pm) -> None:
    """Create+confirm a PI with ``make_pm()`` (a payment_method value) and assert the whole outcome."""
    kind, decline = _expected(card)
    params = {"amount": AMOUNT, "currency": "usd", "payment_method": make_pm(), "confirm": True,
              **CARD_ONLY}
    if kind == "decline":
        created = stripe_client.v1.payment_intents.create(params={**params, "confirm": False})
        with pytest.raises(stripe.CardError) as info:
            stripe_client.v1.payment_intents.confirm(created.id)
        _check_decline(stripe_client, info.value, decline, card, created.id)
        return
    pi = stripe_client.v1.payment_intents.create(params=params)
    used_pm = stripe_client.v1.payment_methods.retrieve(pi.payment_method)
    _check_card_details(used_pm.card, card)
    assert used_pm.card.three_d_secure_usage.supported == (card.three_ds != "not_supported")
    if kind == "succeed":
        _check_success(stripe_client, pi, card)
        tds = stripe_client.v1.charges.retrieve(pi.latest_charge).payment_method_details.card.three_d_secure
        if card.three_ds == "frictionless":
            assert (tds.result, tds.authentication_flow) == ("authenticated", "frictionless")
        else:
            assert tds is None  # no 3DS was requested or needed
        return
    assert pi.status == "requires_action" and pi.latest_charge is None
    assert pi.next_action.type == "use_stripe_sdk"
    answer_challenge(pi, "complete")
    after = stripe_client.v1.payment_intents.retrieve(pi.id)
    if card.decline_after_auth is None:
        _check_success(stripe_client, after, card)
        charge = stripe_client.v1.charges.retrieve(after.latest_charge)
        assert charge.payment_method_details.card.three_d_secure.result == "authenticated"
    else:
        d = card.decline_after_auth
        assert after.status == "requires_payment_method"
        assert (after.last_payment_error.code, after.last_payment_error.decline_code) == (d.code, d.decline_code)
        charge = stripe_client.v1.charges.retrieve(after.latest_charge)
        assert (charge.status, charge.failure_code) == ("failed", d.code)
        assert charge.payment_method_details.card.three_d_secure.result == "authenticated"
    # The same card, with the customer pressing FAIL this time.
    again = stripe_client.v1.payment_intents.create(params={**params, "payment_method": make_pm()})
    assert again.status == "requires_action"
    answer_challenge(again, "fail")
    failed = stripe_client.v1.payment_intents.retrieve(again.id)
    assert failed.status == "requires_payment_method" and failed.payment_method is None
    assert failed.last_payment_error.code == "payment_intent_authentication_failure"
    assert failed.last_payment_error.type == "invalid_request_error"
    assert failed.latest_charge is None  # no charge: the bank never saw it


def _raw_pm(sandbox, card: TestCard) -> str:
    pk = client(sandbox, PUBLISHABLE)
    pm = pk.v1.payment_methods.create(params={
        "type": "card", "card": {"number": card.number, "exp_month": 12, "exp_year": 2034,
                                 "cvc": "1234" if card.brand == "amex" else "123"}})
    _check_card_details(pm.card, card)
    return pm.id


@pytest.mark.parametrize(("pm_id", "card"), _pm_cards(), ids=lambda v: v if isinstance(v, str) else "")
def test_pm_card(stripe_client, pm_id: str, card: TestCard) -> None:
    _pay(stripe_client, card, lambda: pm_id)


@pytest.mark.parametrize("card", _raw_cards(), ids=lambda c: f"{c.number}-{c.label}")
def test_raw_number_card(sandbox, stripe_client, card: TestCard) -> None:
    if card.decline is not None and card.decline.code == "incorrect_number":
        with pytest.raises(stripe.CardError) as info:
            _raw_pm(sandbox, card)
        assert (info.value.http_status, info.value.code, info.value.error.param) == (402, "incorrect_number", "number")
        return
    _pay(stripe_client, card, lambda: _raw_pm(sandbox, card))


def test_every_card_kind_is_covered() -> None:
    """The parametrized runs above include every kind of card the table has."""
    kinds = {_expected(c)[0] for c in cards.all_cards()}
    assert kinds == {"action", "decline", "succeed"}
    assert len(_pm_cards()) >= 100 and len(_raw_cards()) >= 15


@pytest.mark.parametrize("number", sorted(REFERENCE_DECLINES))
def test_decline_rows_match_the_reference(number: str) -> None:
    card = cards.card_by_number(number)
    d = card.decline
    assert (d.code, d.decline_code, d.advice_code, d.message, d.param) == REFERENCE_DECLINES[number]


@pytest.mark.parametrize("number", sorted(REFERENCE_RADAR))
def test_radar_rows_match_the_reference(stripe_client, number: str) -> None:
    card = cards.card_by_number(number)
    kind, _ = _expected(card)
    params = {"amount": AMOUNT, "currency": "usd", "payment_method": card.pm_ids[0], "confirm": True,
              **CARD_ONLY}
    if kind == "decline":
        with pytest.raises(stripe.CardError) as info:
            stripe_client.v1.payment_intents.create(params=params)
        charge = stripe_client.v1.charges.retrieve(info.value.error.charge)
    else:
        charge = stripe_client.v1.charges.retrieve(stripe_client.v1.payment_intents.create(params=params).latest_charge)
    assert (charge.outcome.type, charge.outcome.risk_level) == REFERENCE_RADAR[number]
    if number == "4100000000000019":
        assert charge.fraud_details.to_dict() == {"stripe_report": "fraudulent"}
        assert charge.outcome.reason == "highest_risk_level" and charge.outcome.rule == "block_if_high_risk"


@pytest.mark.parametrize("number", sorted(REFERENCE_3DS))
def test_3ds_rows_match_the_reference(number: str) -> None:
    card = cards.card_by_number(number)
    assert _expected(card)[0] == "action"
    after = card.decline_after_auth
    assert (after.decline_code if after else None) == REFERENCE_3DS[number]


def test_3ds_lookup_error_declines_without_challenge(stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.payment_intents.create(params={
            "amount": AMOUNT, "currency": "usd", "confirm": True, **CARD_ONLY,
            "payment_method": "pm_card_threeDSecureRequiredProcessingError"})
    assert info.value.code == "card_declined"
    charge = stripe_client.v1.charges.retrieve(info.value.error.charge)
    assert charge.payment_method_details.card.three_d_secure.result == "processing_error"


@pytest.mark.parametrize("pm_id", ["pm_card_threeDSecureOptional", "pm_card_threeDSecureOptionalProcessingError"])
def test_optional_3ds_when_requested(stripe_client, pm_id: str) -> None:
    params = {"amount": AMOUNT, "currency": "usd", "confirm": True, "payment_method": pm_id, **CARD_ONLY,
              "payment_method_options": {"card": {"request_three_d_secure": "any"}}}
    if pm_id.endswith("ProcessingError"):
        with pytest.raises(stripe.CardError) as info:
            stripe_client.v1.payment_intents.create(params=params)
        assert info.value.code == "card_declined"
        return
    pi = stripe_client.v1.payment_intents.create(params=params)
    assert pi.status == "requires_action"
    answer_challenge(pi, "complete")
    assert stripe_client.v1.payment_intents.retrieve(pi.id).status == "succeeded"


@pytest.mark.parametrize("pm_id", sorted({p for c in cards.all_cards() for p in c.pm_ids}))
def test_every_magic_pm_id_resolves(stripe_client, pm_id: str) -> None:
    """Each magic id (aliases included) is a new PaymentMethod for its card's number."""
    card = cards.card_by_pm_id(pm_id)
    first = stripe_client.v1.payment_methods.retrieve(pm_id)
    second = stripe_client.v1.payment_methods.retrieve(pm_id)
    assert first.id != second.id and first.id.startswith("pm_") and first.type == "card"
    _check_card_details(first.card, card)
    assert first.card.fingerprint == second.card.fingerprint == cards.fingerprint(card.number)


@pytest.mark.parametrize("tok", sorted({t for c in cards.all_cards() for t in c.tok_ids}))
def test_every_magic_token_on_the_legacy_charges_api(stripe_client, tok: str) -> None:
    card = cards.card_by_token(tok)
    params = {"amount": AMOUNT, "currency": "usd", "source": tok}
    if card.decline is not None:
        expected = card.decline
    elif card.three_ds in CHALLENGE_MODES:
        expected = cards.AUTHENTICATION_REQUIRED  # the legacy API cannot authenticate
    else:
        expected = None
    if expected is None:
        charge = stripe_client.v1.charges.create(params=params)
        assert charge.status == "succeeded" and charge.paid and charge.captured
        assert (charge.source.last4, charge.source.brand) == (card.last4, card.brand)
        assert charge.payment_intent is None and charge.balance_transaction.startswith("txn_")
        return
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.charges.create(params=params)
    assert (info.value.http_status, info.value.code, _get(info.value.error, "decline_code")) == \
        (402, expected.code, expected.decline_code)
    charge = stripe_client.v1.charges.retrieve(info.value.error.charge)
    assert charge.status == "failed" and charge.failure_code == expected.code
