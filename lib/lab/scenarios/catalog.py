"""The catalog: every scenario from the data modules, in :data:`~.model.GROUPS` order, and lookups."""

from __future__ import annotations

from functools import lru_cache

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


def in_group(group: str) -> list[Scenario]:
    return [s for s in catalog() if s.group == group]


def search(query: str) -> list[Scenario]:
    """Scenarios in any group whose id, title, card, documented text or expectations contain ``query``
    (case-insensitive)."""
    q = query.lower()
    return [s for s in catalog() if q in f"{s.id} {s.title} {s.card} {s.documented} {s.expected}".lower()]
