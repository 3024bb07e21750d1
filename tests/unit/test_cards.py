"""Test-card table and helpers (lib.stripe_facts.cards) against TEST_MODE.md §1."""

from __future__ import annotations

import re

import pytest

from lib.stripe_facts import cards
from lib.stripe_facts.cards import (
    all_cards,
    card_by_number,
    card_by_pm_id,
    card_by_token,
    card_for_number,
    cvc_length,
    default_outcome,
    detect_brand,
    dispute_plan,
    expected_lengths,
    fingerprint,
    luhn_ok,
    needs_authentication,
)
from tests.reference import TEST_MODE_MD

REFERENCE = TEST_MODE_MD
# Placeholders in the prose, not real ids.
NOT_IDS = {"pm_card_", "pm_card_X", "pm_card_visa_X"}
OTHER_COUNTRIES = ("AT BE BG BY HR CY CZ DK EE FI GI GR HU IT LV LI LT LU MT NL NO PL PT RO SA SI SK ES SE "
                   "CH CL CO CR EC PA PY PE UY HK MY NZ TW").split()


def _doc_pm_ids() -> set[str]:
    text = REFERENCE.read_text(encoding="utf-8")
    return set(re.findall(r"pm_card_\w+", text)) - NOT_IDS


def test_every_pm_id_in_reference_resolves():
    ids = _doc_pm_ids()
    assert len(ids) > 80
    missing = sorted(i for i in ids if card_by_pm_id(i) is None)
    assert missing == []


def test_other_countries_have_pm_and_tok_ids_except_saudi_arabia():
    for iso in OTHER_COUNTRIES:
        pm, tok = card_by_pm_id(f"pm_card_{iso.lower()}"), card_by_token(f"tok_{iso.lower()}")
        if iso == "SA":
            assert pm is None and tok is None  # the docs give Saudi Arabia no pm_ id
            assert card_by_number("4000006820000007").country == "SA"
            continue
        assert pm is not None, iso
        assert pm.country == iso and pm.brand == "visa" and pm.category == "country"
        assert tok is pm


def test_all_numbers_pass_luhn_except_incorrect_number_card():
    bad = {c.number for c in all_cards() if not luhn_ok(c.number)}
    assert bad == {"4242424242424241"}


def test_numbers_have_valid_lengths_and_brands():
    for c in all_cards():
        assert c.brand in cards.BRANDS
        assert c.category in cards.CATEGORIES
        assert len(c.number) in expected_lengths(c.brand), c.number
        assert c.brand == detect_brand(c.number)
        assert c.funding in ("credit", "debit", "prepaid")
        assert re.fullmatch(r"[A-Z]{2}", c.country)
        assert c.description and c.label


def test_pm_and_tok_ids_unique_across_cards():
    seen: dict[str, str] = {}
    for c in all_cards():
        for i in c.pm_ids + c.tok_ids:
            assert i not in seen, f"{i} on {c.number} and {seen[i]}"
            seen[i] = c.number


@pytest.mark.parametrize("number,ok", [
    ("4242424242424242", True), ("4242 4242 4242 4242", True), ("4242-4242-4242-4242", True),
    ("4242424242424241", False), ("378282246310005", True), ("6205500000000000004", True),
    ("", False), ("abcd", False), ("0", False),
])
def test_luhn(number, ok):
    assert luhn_ok(number) is ok


@pytest.mark.parametrize("number,brand", [
    ("4242424242424242", "visa"), ("5555555555554444", "mastercard"), ("2223003122003222", "mastercard"),
    ("2720990000000007", "mastercard"), ("2721000000000000", "unknown"), ("378282246310005", "amex"),
    ("341111111111111", "amex"), ("6011111111111117", "discover"), ("6555900000604105", "discover"),
    ("6445000000000000", "discover"), ("3056930009020004", "diners"), ("36227206271667", "diners"),
    ("3095000000000000", "diners"), ("3841000000000000", "diners"), ("3566002020360505", "jcb"),
    ("3530111333300000", "jcb"), ("6200000000000005", "unionpay"), ("9999999999999995", "unknown"),
])
def test_detect_brand(number, brand):
    assert detect_brand(number) == brand


def test_cvc_and_lengths():
    assert cvc_length("amex") == 4 and cvc_length("visa") == 3 and cvc_length("unknown") == 3
    assert expected_lengths("amex") == (15,)
    assert expected_lengths("diners") == (14, 16)
    assert expected_lengths("unionpay") == (16, 17, 18, 19)
    assert 16 in expected_lengths("visa") and 13 in expected_lengths("visa")


@pytest.mark.parametrize("pm,code,decline_code,advice,message,param", [
    ("pm_card_visa_chargeDeclined", "card_declined", "generic_decline", "try_again_later",
     "Your card was declined.", None),
    ("pm_card_chargeDeclined", "card_declined", "generic_decline", "try_again_later",
     "Your card was declined.", None),
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "card_declined", "insufficient_funds", "try_again_later",
     "Your card has insufficient funds.", None),
    ("pm_card_visa_chargeDeclinedLostCard", "card_declined", "lost_card", "do_not_try_again",
     "Your card was declined.", None),
    ("pm_card_visa_chargeDeclinedStolenCard", "card_declined", "stolen_card", "do_not_try_again",
     "Your card was declined.", None),
    ("pm_card_chargeDeclinedExpiredCard", "expired_card", "expired_card", "confirm_card_data",
     "Your card has expired.", "exp_month"),
    ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", "incorrect_cvc", "confirm_card_data",
     "Your card's security code is incorrect.", "cvc"),
    ("pm_card_chargeDeclinedProcessingError", "processing_error", "processing_error", "try_again_later",
     "An error occurred while processing your card. Try again in a little bit.", None),
    ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", "card_declined", "card_velocity_exceeded",
     "try_again_later", cards.VELOCITY_EXCEEDED.message, None),
    ("pm_card_chargeDeclinedFraudulent", "card_declined", "fraudulent", None, "Your card was declined.", None),
    ("pm_card_radarBlock", "card_declined", "fraudulent", None, "Your card was declined.", None),
])
def test_decline_codes_exact(pm, code, decline_code, advice, message, param):
    card = card_by_pm_id(pm)
    d = card.decline
    assert (d.code, d.decline_code, d.advice_code, d.message, d.param) == (code, decline_code, advice, message,
                                                                          param)


def test_decline_card_numbers_and_attachability():
    assert card_by_number("4000000000000002") is card_by_pm_id("pm_card_chargeDeclined")
    assert card_by_number("4000000000009995").decline.decline_code == "insufficient_funds"
    for number in ("4000000000000002", "4000000000009995", "4000000000009987", "4000000000009979",
                   "4000000000000069", "4000000000000127", "4000000000000119", "4000000000006975",
                   "4100000000000019"):
        assert card_by_number(number).attachable is False, number
    fail = card_by_pm_id("pm_card_chargeCustomerFail")
    assert fail.number == "4000000000000341" and fail.attachable and fail.fail_on_charge_after_attach
    assert fail.decline.code == "card_declined"
    lost = card_by_token("tok_visa_chargeCustomerFailLostCard")
    assert lost.decline.decline_code == "lost_card" and lost.attachable and lost.number_primary is False
    assert card_by_number("4000000000000341") is fail  # the variant does not shadow the primary
    assert card_by_number("4242424242424241").decline.code == "incorrect_number"


def test_both_spellings_and_tokens():
    assert card_by_pm_id("pm_card_visa_chargeDeclinedExpiredCard") is card_by_pm_id(
        "pm_card_chargeDeclinedExpiredCard")
    assert card_by_pm_id("pm_card_chargeDeclinedVelocityLimitExceeded").number == "4000000000006975"
    assert card_by_token("tok_chargeDeclinedFraudulent").last4 == "0019"
    assert card_by_token("tok_visa_chargeDeclined").number == "4000000000000002"
    assert card_by_token("tok_threeDSecureRequired").number == "4000000000003063"
    assert card_by_token("tok_visa").number == "4242424242424242"
    assert card_by_token("tok_us") is card_by_pm_id("pm_card_us") is card_by_pm_id("pm_card_visa")
    assert card_by_token("tok_visa_debit_chargeDeclinedInsufficientFunds").number == "4000000000009995"
    assert card_by_pm_id("PM_CARD_VISA") is None  # ids are case-sensitive
    assert card_by_pm_id("pm_card_nope") is None and card_by_token("tok_nope") is None


def test_brand_and_country_attributes():
    assert card_by_pm_id("pm_card_amex").brand == "amex"
    assert card_by_pm_id("pm_card_amex_threeDSecureNotSupported").three_ds == "not_supported"
    assert card_by_pm_id("pm_card_jcb").number == "3566002020360505"
    assert card_by_pm_id("pm_card_jcb").country == "JP"
    assert card_by_pm_id("pm_card_unionpay").country == "CN"
    assert card_by_pm_id("pm_card_visa_debit").funding == "debit"
    assert card_by_pm_id("pm_card_mastercard_prepaid").funding == "prepaid"
    assert card_by_pm_id("pm_card_gb").country == "GB"
    assert card_by_pm_id("pm_card_gb_mastercard").brand == "mastercard"
    assert card_by_pm_id("pm_card_ae_mastercard").number == "5200007840000022"
    assert card_by_pm_id("pm_card_th_debit").funding == "debit"
    assert card_by_pm_id("pm_card_mx").number == "4000004840008001"
    assert card_by_number("3530111333300000").country == "JP"
    cb = card_by_pm_id("pm_card_visa_cartesBancaires")
    assert cb.display_brand == "cartes_bancaires" and "cartes_bancaires" in cb.available_networks
    assert card_by_pm_id("pm_card_bypassPendingInternational").country == "IE"
    assert card_by_pm_id("pm_card_bypassPending").bypass_pending


def test_card_for_number_synthesizes():
    assert card_for_number("4242424242424242") is card_by_pm_id("pm_card_visa")
    synth = card_for_number("4111 1111 1111 1111")
    assert card_by_number("4111111111111111") is None
    assert (synth.brand, synth.country, synth.funding, synth.decline) == ("visa", "US", "credit", None)
    assert synth.number == "4111111111111111"
    bad = card_for_number("4111111111111112")
    assert bad.decline is cards.INCORRECT_NUMBER and not bad.attachable


def test_fingerprint_stable():
    fp = fingerprint("4242424242424242")
    assert re.fullmatch(r"[A-Za-z0-9]{16}", fp)
    assert fp == fingerprint("4242 4242 4242 4242")
    assert fp != fingerprint("4000056655665556")


def test_radar_and_checks_cards():
    high = card_by_pm_id("pm_card_riskLevelHighest")
    assert high.decline.decline_code == "fraudulent"
    out = default_outcome(high)
    assert out["type"] == "blocked" and out["reason"] == "highest_risk_level"
    assert out["risk_level"] == "highest" and out["network_status"] == "not_sent_to_network"
    elevated = card_by_pm_id("pm_card_riskLevelElevated")
    assert elevated.decline is None
    assert default_outcome(elevated)["risk_level"] == "elevated"
    assert default_outcome(elevated)["type"] == "authorized"
    assert card_by_pm_id("pm_card_cvcCheckFail").checks == {"cvc_check": "fail"}
    assert card_by_pm_id("pm_card_cvcCheckFail").decline is None
    assert card_by_pm_id("pm_card_avsFail").checks == {"address_line1_check": "fail",
                                                       "address_postal_code_check": "fail"}
    assert set(card_by_pm_id("pm_card_avsUnchecked").checks.values()) == {"unavailable"}
    assert card_by_pm_id("pm_card_radarBlock").fraud_details == {"stripe_report": "fraudulent"}


def test_default_outcomes_match_reference():
    # Stripe's schema: outcome.rule is a string or a rule object when a Radar rule decided, else absent.
    keys = ["advice_code", "network_advice_code", "network_decline_code", "network_status", "reason",
            "risk_level", "risk_score", "seller_message", "type"]
    ok = default_outcome(card_by_pm_id("pm_card_visa"))
    assert list(ok) == keys and "rule" not in ok
    assert ok["network_status"] == "approved_by_network" and ok["reason"] is None
    assert ok["seller_message"] == "Payment complete." and ok["type"] == "authorized"
    assert 0 <= ok["risk_score"] <= 100
    generic = default_outcome(card_by_pm_id("pm_card_chargeDeclined"))
    assert generic["network_status"] == "declined_by_network" and generic["reason"] == "generic_decline"
    assert generic["seller_message"] == "The bank did not return any further details with this decline."
    assert generic["type"] == "issuer_declined" and generic["risk_level"] == "normal"
    funds = default_outcome(card_by_pm_id("pm_card_chargeDeclinedInsufficientFunds"))
    assert funds["reason"] == "insufficient_funds"
    assert funds["seller_message"] == "The bank returned the decline code `insufficient_funds`."
    assert funds["advice_code"] == "try_again_later"
    block = default_outcome(card_by_pm_id("pm_card_radarBlock"))
    assert block == {**block, "network_status": "not_sent_to_network", "reason": "highest_risk_level",
                     "risk_level": "highest", "risk_score": 91, "rule": "block_if_high_risk",
                     "seller_message": "Stripe blocked this payment as too risky.", "type": "blocked"}
    after = card_by_pm_id("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds")
    assert default_outcome(after)["type"] == "authorized"
    assert default_outcome(after, after.decline_after_auth)["reason"] == "insufficient_funds"


def test_three_ds_cards():
    assert card_by_pm_id("pm_card_threeDSecure2Required").country == "IE"
    assert card_by_pm_id("pm_card_threeDSecureRequired").number == "4000000000003063"
    assert card_by_pm_id("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds") \
        .decline_after_auth.decline_code == "insufficient_funds"
    assert card_by_pm_id("pm_card_threeDSecureRequiredChargeDeclined").decline_after_auth.code == "card_declined"
    lookup = card_by_pm_id("pm_card_threeDSecureRequiredProcessingError")
    assert lookup.three_ds_lookup_error and lookup.decline.code == "card_declined"
    assert card_by_pm_id("pm_card_threeDSecureOptionalProcessingError").three_ds_lookup_error
    for number in ("4000000000003238", "4000000000003246", "4000000000003253", "4000582600000094",
                   "4000582600000045", "4000582600000102", "4000582600000110", "4000008400000027"):
        c = card_by_number(number)
        assert c.three_ds == "required" and c.pm_ids == () and c.tok_ids == ()


@pytest.mark.parametrize("pm,off,set_up,req,expected", [
    ("pm_card_threeDSecure2Required", False, False, "automatic", True),
    ("pm_card_authenticationRequired", True, True, "automatic", True),
    ("pm_card_authenticationRequiredOnSetup", False, True, "automatic", True),
    ("pm_card_authenticationRequiredOnSetup", True, False, "automatic", True),
    ("pm_card_authenticationRequiredOnSetup", True, True, "automatic", False),
    ("pm_card_authenticationRequiredSetupForOffSession", False, False, "automatic", True),
    ("pm_card_authenticationRequiredSetupForOffSession", True, False, "automatic", False),
    ("pm_card_threeDSecureOptional", False, False, "automatic", False),
    ("pm_card_threeDSecureOptional", False, False, "any", True),
    ("pm_card_visa", False, False, "challenge", False),
    ("pm_card_amex", False, False, "any", False),
    ("pm_card_threeDSecureRequiredProcessingError", False, False, "automatic", False),
    ("pm_card_mastercard", False, False, "automatic", False),
])
def test_needs_authentication(pm, off, set_up, req, expected):
    assert needs_authentication(card_by_pm_id(pm), off_session=off, set_up=set_up,
                                request_three_d_secure=req) is expected


def test_dispute_refund_cards():
    assert dispute_plan(card_by_pm_id("pm_card_createDispute")) == [
        {"reason": "fraudulent", "case_type": "chargeback", "network_reason_code": "10.4",
         "status": "needs_response"}]
    pnr = dispute_plan(card_by_pm_id("pm_card_createDisputeProductNotReceived"))
    assert pnr[0]["reason"] == "product_not_received" and pnr[0]["network_reason_code"] == "13.1"
    inquiry = dispute_plan(card_by_pm_id("pm_card_createDisputeInquiry"))
    assert inquiry[0]["status"] == "warning_needs_response" and inquiry[0]["case_type"] == "inquiry"
    assert len(dispute_plan(card_by_pm_id("pm_card_createMultipleDisputes"))) == 2
    efw = card_by_pm_id("pm_card_createIssuerFraudRecord")
    assert efw.early_fraud_warning and dispute_plan(efw) == []
    assert dispute_plan(card_by_pm_id("pm_card_visa")) == []
    assert card_by_pm_id("pm_card_pendingRefund").refund_behaviour == "pending"
    assert card_by_pm_id("pm_card_refundFail").refund_behaviour == "fail"
    assert card_by_pm_id("pm_card_visa").refund_behaviour is None


def test_cards_are_hashable_and_frozen():
    radar = card_by_pm_id("pm_card_radarBlock")  # has dict fields (outcome, fraud_details)
    assert len({radar, radar, card_by_pm_id("pm_card_visa")}) == 2
    with pytest.raises(AttributeError):
        radar.number = "4242424242424242"
