"""The catalog: every scenario from the data modules, in :data:`~.model.GROUPS` order, and lookups.

Built once per process (the catalog and its search index are cached): the Scenario catalog page
only looks things up."""

from __future__ import annotations

import re
from functools import lru_cache

from lib.stripe_facts import cards as test_cards

from . import (
    api_errors,
    captures,
    cards,
    idempotency_legacy,
    refunds_disputes,
    saved_cards,
    search_api,
    threeds,
)
from .model import GROUPS, Scenario


@lru_cache(maxsize=1)
def catalog() -> tuple[Scenario, ...]:
    """Every scenario, in group order."""
    rows = [
        *cards.successes("brand", "Success by brand", "brand"),
        *cards.successes("cobranded", "Success by brand", "cobranded"),
        *cards.successes("country", "Success by country", "country"),
        *cards.declines(),
        *cards.radar(),
        *threeds.three_d_secure(),
        *threeds.mobile_sdk_numbers(),
        *captures.capture(),
        *captures.cancel(),
        *refunds_disputes.refunds(),
        *refunds_disputes.disputes(),
        *idempotency_legacy.idempotency(),
        *idempotency_legacy.legacy(),
        *cards.balance(),
        *api_errors.api_errors(),
        *saved_cards.saved_cards(),
        *saved_cards.automatic_payment_methods(),
        *search_api.search(),
    ]
    order = {g: i for i, g in enumerate(GROUPS)}
    return tuple(sorted(rows, key=lambda s: order[s.group]))


def by_id(scenario_id: str) -> Scenario:
    for scenario in catalog():
        if scenario.id == scenario_id:
            return scenario
    raise KeyError(f"No scenario with id {scenario_id!r}")


@lru_cache(maxsize=1)
def _groups() -> dict[str, tuple[Scenario, ...]]:
    out: dict[str, list[Scenario]] = {g: [] for g in GROUPS}
    for scenario in catalog():
        out[scenario.group].append(scenario)
    return {g: tuple(rows) for g, rows in out.items()}


def in_group(group: str) -> list[Scenario]:
    return list(_groups().get(group, ()))


def card_numbers(scenario: Scenario) -> tuple[str, ...]:
    """The card numbers a scenario uses: its card and every payment method, token or raw number its
    steps name, with ``pm_card_*`` / ``tok_*`` ids resolved through the test-card table."""
    names = [scenario.card, *(v for step in scenario.steps for v in step.args.values() if isinstance(v, str))]
    numbers: list[str] = []
    for name in names:
        card = test_cards.card_by_pm_id(name) or test_cards.card_by_token(name)
        number = card.number if card else (name if name.isdigit() and len(name) >= 12 else None)
        if number and number not in numbers:
            numbers.append(number)
    return tuple(numbers)


@lru_cache(maxsize=1)
def _search_index() -> tuple[tuple[Scenario, str, tuple[str, ...]], ...]:
    rows = []
    for s in catalog():
        numbers = card_numbers(s)
        ids = [i for n in numbers for c in (test_cards.card_by_number(n),) if c for i in (*c.pm_ids, *c.tok_ids)]
        text = " ".join((s.id, s.title, s.card, s.documented, str(s.expected), s.note, *numbers, *ids)).lower()
        rows.append((s, text, numbers))
    return tuple(rows)


def search(query: str) -> list[Scenario]:
    """Scenarios in any group that match ``query`` (case-insensitive): in their id, title, card (its
    ``pm_card_*`` / ``tok_*`` ids and number), documented text, expectations or note. A query of
    digits — spaces and dashes allowed, as a number is printed on a card — also finds the scenarios
    whose card number contains it: "3184" and "4000 0027 6000 3184" both find
    ``pm_card_authenticationRequired``."""
    q = query.strip().lower()
    if not q:
        return []
    digits = re.sub(r"[\s-]", "", q)
    by_number = digits.isdigit() and len(digits) >= 3
    return [s for s, text, numbers in _search_index()
            if q in text or (by_number and any(digits in n for n in numbers))]
