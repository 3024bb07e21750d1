"""Comparing what a run observed (facts and event types) with what its scenario expects, and the
verdict that follows."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..scenarios import Scenario
from .state import Check, Outcome


def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple):
        return any(_matches(e, actual) for e in expected)
    return expected == actual


def evaluate(scenario: Scenario, facts: dict[str, Any], event_types: list[str]) -> list[Check]:
    """One check per expected key: facts by value (a tuple means "any of these"), ``events`` as a
    multiset that must be present (exactly, for ``events_exact``), ``no_events`` that must be absent."""
    checks = []
    have = Counter(event_types)
    for key, expected in scenario.expected.items():
        if key == "events":
            want = Counter(expected)
            if scenario.events_exact:
                actual = {t: have.get(t, 0) for t in want}
                ok = all(have.get(t, 0) == n for t, n in want.items())
            else:
                missing = want - have
                actual = list(event_types)
                ok = not missing
                if missing:
                    actual = f"missing {', '.join(sorted(missing.elements()))}; got {', '.join(event_types) or '—'}"
            checks.append(Check("events", list(expected), actual, ok))
        elif key == "no_events":
            present = [t for t in expected if have.get(t)]
            checks.append(Check("no events", list(expected), present or "none", not present))
        else:
            actual = facts.get(key)
            checks.append(Check(key, expected, actual, _matches(expected, actual)))
    return checks


def finish(outcome: Outcome, events: list[dict]) -> Outcome:
    """Attach the scenario's events and compute checks and verdict (for a completed run)."""
    outcome.events = events
    outcome.checks = evaluate(outcome.scenario, outcome.facts, outcome.event_types)
    if outcome.verdict in ("pass", "mismatch", "varies"):
        ok = all(c.ok for c in outcome.checks)
        env = outcome.state.env if outcome.state else None
        if ok:
            outcome.verdict = "pass"
        elif outcome.scenario.account_dependent and env is not None and not env.is_sandbox:
            outcome.verdict = "varies"
        else:
            outcome.verdict = "mismatch"
    return outcome
