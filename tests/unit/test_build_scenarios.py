"""The scenario catalog is well-formed and covers the test-card table."""

from __future__ import annotations

import re

import pytest

from lib.lab import runner_ops, scenarios
from lib.sandbox.events import KNOWN_EVENT_TYPES
from lib.stripe_facts.cards import all_cards

CATALOG = scenarios.catalog()


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
            assert value and all(t in KNOWN_EVENT_TYPES for t in value), value
        else:
            assert key in scenarios.FACTS, key
    assert scenario.documented.strip() and scenario.title.strip() and scenario.card.strip()
    assert scenario.steps, "a scenario performs at least one step"
    for step in scenario.steps:
        assert step.op in runner_ops.OPS, step.op


def test_every_payment_method_id_in_the_card_table_is_exercised():
    used = {s.card for s in CATALOG} | {str(step.args.get("pm")) for s in CATALOG for step in s.steps}
    used |= {str(step.args.get("attach")) for s in CATALOG for step in s.steps}
    missing = [c.primary_pm_id for c in all_cards() if c.primary_pm_id and c.primary_pm_id not in used]
    assert not missing, f"test cards without a scenario: {missing}"


def test_every_number_only_card_is_exercised_through_the_publishable_key():
    numbers = {step.args.get("number") for s in CATALOG for step in s.steps if step.op == "raw_pm"}
    expected = {c.number for c in all_cards() if not c.pm_ids and c.number_primary
                and c.category in ("brand", "country", "threeds")}
    assert expected <= numbers, expected - numbers


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
