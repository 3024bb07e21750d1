"""Extension points between resources that would otherwise import each other in a cycle.

``charge_succeeded`` listeners run (inside the request's transaction) when a charge has money
captured: the dispute cards open their dispute from here, the ledger records the balance transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

CHARGE_CAPTURED: list[Callable[..., Any]] = []


def charge_captured(ctx: Any, charge: dict, card: Any) -> None:
    for listener in CHARGE_CAPTURED:
        listener(ctx, charge, card)
