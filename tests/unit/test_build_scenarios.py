"""The scenario catalog is well-formed, agrees with TEST_MODE.md and covers its test cards."""

from __future__ import annotations

import re

import pytest

from lib.lab import runner, scenarios
from tests import scenario_facts
from tests.reference import TEST_MODE_MD

CATALOG = scenarios.catalog()
TEST_MODE = TEST_MODE_MD.read_text()
DOCUMENTED_EVENT_TYPES = scenario_facts.documented_event_types(TEST_MODE)
# Ids TEST_MODE.md §1 names that are not cards of their own: placeholders in its notes, and aliases
# of a card the catalog already runs under its primary id.
NOT_OWN_CARDS = {
    "pm_card_X", "pm_card_visa_X",                   # §1.5 "accept both the pm_card_visa_X and pm_card_X spellings"
    "pm_card_us",                                    # §1.2 alias of pm_card_visa
    "pm_card_chargeDeclinedInsufficientFunds",       # §1.5 [3P] alias of pm_card_visa_chargeDeclinedInsufficientFunds
    "pm_card_debit_visaHsaProductCode",              # §1.10 same number as pm_card_debit_visaFsaProductCode
}
# Numbers TEST_MODE.md lists with no pm_card_ id (§1.2 brands, §1.4 Saudi Arabia and the Japanese JCB,
# §1.11 3-D Secure and the mobile-SDK flows): only the publishable key can turn them into a PaymentMethod.
NUMBER_ONLY_CARDS = {
    "2223003122003222", "371449635398431", "6011000990139424", "6011981111111113", "36227206271667",
    "6555900000604105", "6200000000000047", "6205500000000000004",
    "4000006820000007", "3530111333300000",
    "4000008400000027", "4000000032200000",
    "4000000000003238", "4000000000003246", "4000000000003253",
    "4000582600000094", "4000582600000045", "4000582600000102", "4000582600000110",
}


def _section_1() -> str:
    return TEST_MODE[TEST_MODE.index("## 1. Test cards"):TEST_MODE.index("## 2. PaymentIntent lifecycle")]


def test_the_documented_event_list_is_read_whole():
    assert len(DOCUMENTED_EVENT_TYPES) == 38  # 8 + 8 + 5 + 3 + 14 in the table
    assert {"payment_intent.amount_capturable_updated", "charge.refund.updated", "charge.dispute.funds_reinstated",
            "refund.failed", "radar.early_fraud_warning.created", "setup_intent.canceled"} <= DOCUMENTED_EVENT_TYPES


def test_the_catalog_has_its_229_scenarios():
    assert len(CATALOG) == 229


def test_ids_are_unique_and_slug_like():
    ids = [s.id for s in CATALOG]
    assert len(ids) == len(set(ids))
    assert all(re.fullmatch(r"[a-z0-9][a-z0-9-]*", i) for i in ids), [i for i in ids if not re.fullmatch(
        r"[a-z0-9][a-z0-9-]*", i)]


def test_every_group_is_known_non_empty_and_in_order():
    groups = [s.group for s in CATALOG]
    assert set(groups) == set(scenarios.GROUPS)
    order = [scenarios.GROUPS.index(g) for g in groups]
    assert order == sorted(order), "catalog() keeps GROUPS order"


@pytest.mark.parametrize("scenario", CATALOG, ids=[s.id for s in CATALOG])
def test_expectations_use_known_facts_and_events(scenario):
    for key, value in scenario.expected.items():
        if key in ("events", "no_events"):
            assert value and all(t in DOCUMENTED_EVENT_TYPES for t in value), value
        else:
            assert key in scenarios.FACTS, key
    assert scenario.documented.strip() and scenario.title.strip() and scenario.card.strip()
    assert scenario.steps, "a scenario performs at least one step"
    for step in scenario.steps:
        assert step.op in runner.OPS, step.op


def test_every_payment_method_id_in_test_mode_md_is_exercised():
    documented = set(re.findall(r"pm_card_\w+", _section_1())) - NOT_OWN_CARDS
    # §1.4 "Other countries: AT BE …" follow the pattern pm_card_<iso2 lowercase>, but for Saudi Arabia,
    # which "has no pm_ id" (its number is in NUMBER_ONLY_CARDS).
    others = re.search(r"\*\*Other countries:\*\* ([A-Z ]+)\.", _section_1()).group(1).split()
    documented |= {f"pm_card_{code.lower()}" for code in others if code != "SA"}
    assert len(documented) > 120  # the section was found and read
    used = {s.card for s in CATALOG} | {str(step.args.get("pm")) for s in CATALOG for step in s.steps}
    used |= {str(step.args.get("attach")) for s in CATALOG for step in s.steps}
    assert sorted(documented - used) == [], "test cards without a scenario"


def test_every_number_only_card_is_exercised_through_the_publishable_key():
    assert all(number in _section_1() for number in NUMBER_ONLY_CARDS)
    numbers = {step.args.get("number") for s in CATALOG for step in s.steps if step.op == "raw_pm"}
    assert NUMBER_ONLY_CARDS <= numbers, NUMBER_ONLY_CARDS - numbers


def _allows(expected, documented) -> bool:
    return documented in expected if isinstance(expected, tuple) else expected == documented


@pytest.mark.parametrize("scenario_id", sorted(scenario_facts.FACTS))
def test_expectations_agree_with_test_mode_md(scenario_id):
    scenario = scenarios.by_id(scenario_id)
    clashes = {key: (scenario.expected[key], value) for key, value in scenario_facts.FACTS[scenario_id].items()
               if key in scenario.expected and not _allows(scenario.expected[key], value)}
    assert clashes == {}
    expected_events = scenario.expected.get("events", ())
    for event_type in scenario_facts.EVENTS.get(scenario_id, ()):
        assert event_type in expected_events or "events" not in scenario.expected, event_type


def test_groups_the_issue_asks_for_have_the_key_cases():
    ids = {s.id for s in CATALOG}
    for needed in ("decline-insufficient-funds", "radar-always-blocked", "3ds2-required-complete", "capture-partial",
                   "cancel-requires-capture", "refund-pending", "refund-fails", "dispute-won", "dispute-lost",
                   "dispute-inquiry", "idempotent-replay", "legacy-charge-visa"):
        assert needed in ids


def test_flags_describe_what_a_scenario_needs():
    assert scenarios.by_id("3ds2-required-complete").needs_person
    assert not scenarios.by_id("decline-generic-decline").needs_person
    assert scenarios.by_id("invalid-cvc").needs_publishable_key
    assert scenarios.by_id("refund-pending").async_wait
    assert scenarios.by_id("radar-cvccheckfail").account_dependent


def test_expected_text_and_step_description():
    s = scenarios.by_id("decline-insufficient-funds")
    assert "decline_code=insufficient_funds" in s.expected_text()
    assert "events" not in s.expected_text()
    assert scenarios.by_id("radar-cvccheckfail").expected_text().startswith("status=succeeded | requires_payment_method")
    assert s.steps[0].describe() == "pay(pm=pm_card_visa_chargeDeclinedInsufficientFunds)"


def test_by_id_raises_for_unknown():
    with pytest.raises(KeyError):
        scenarios.by_id("no-such-scenario")


# TEST_MODE.md §3 "Always authenticate": 4000002760003184 is pm_card_authenticationRequired (and
# tok_authenticationRequired); the catalog's scenarios with that card, written out by hand.
ALWAYS_AUTHENTICATE = {"3ds-always-authenticate", "3ds-off-session-required", "3ds-error-on-requires-action",
                       "legacy-charge-3ds-card", "off-session-authentication-required"}


@pytest.mark.parametrize("query", ["3184", "0003184", "4000 0027 6000 3184", "4000-0027-6000-3184",
                                   " 4000002760003184 "])
def test_search_finds_scenarios_by_card_number(query):
    assert {s.id for s in scenarios.search(query)} == ALWAYS_AUTHENTICATE


def test_search_by_pm_card_id_token_and_text():
    assert ALWAYS_AUTHENTICATE <= {s.id for s in scenarios.search("pm_card_authenticationRequired")}
    assert "legacy-charge-3ds-card" in {s.id for s in scenarios.search("tok_authenticationRequired")}
    # A scenario that sends a raw number (Mastercard 2-series, TEST_MODE.md §1.2), typed as printed.
    assert "brand-2223003122003222" in {s.id for s in scenarios.search("2223 0031 2200 3222")}
    assert {s.id for s in scenarios.search("Winning_Evidence")} == {"dispute-won", "dispute-inquiry-won"}
    assert scenarios.search("   ") == [] and scenarios.search("no such scenario anywhere") == []


def test_card_numbers_resolve_pm_ids_tokens_and_raw_numbers():
    by_id = {s.id: s for s in scenarios.catalog()}
    assert scenarios.card_numbers(by_id["3ds-always-authenticate"]) == ("4000002760003184",)
    assert scenarios.card_numbers(by_id["legacy-charge-3ds-card"]) == ("4000002760003184",)
    assert scenarios.card_numbers(by_id["brand-visa"]) == ("4242424242424242",)
