"""Check the warehouse against Stripe: say exactly what differs.

Two checks, both against the live API (the sandbox or Stripe), never against the warehouse's own
rollups:

* **Balance per currency.** ``GET /v1/balance`` gives, per currency, what is available and pending.
  Every money movement on a Stripe balance is a balance transaction, so the sum of the ``net`` of
  every balance transaction in a currency must equal available + pending in that currency (Stripe:
  "the balance is the sum of all balance transactions"). A difference means the warehouse missed
  or doubled a movement.
* **Counts per object type over a window.** For each synced resource, the number of objects the
  API lists with ``created`` in ``[start, end)`` against the warehouse rows in the same window.

The API side is read page by page (``limit=100``) with plain JSON, like the sync. The warehouse side
is one account's rows (``account``, default ``''``: the app's own key), since a warehouse may hold
several accounts and the client sees one. A report lists every check with both numbers, so a
finance person sees where to look; ``ok`` says whether all agree.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lib.finance.store.columns import DEFAULT_ACCOUNT
from lib.finance.store.schema import TABLES
from lib.finance.store.warehouse import Reader
from lib.stripe_facts.currencies import format_amount

# The synced resources, as (warehouse table, API list path).
COUNTED: tuple[tuple[str, str], ...] = (
    ("payment_intents", "/v1/payment_intents"), ("charges", "/v1/charges"), ("refunds", "/v1/refunds"),
    ("disputes", "/v1/disputes"), ("balance_transactions", "/v1/balance_transactions"),
    ("customers", "/v1/customers"))


@dataclass(frozen=True)
class Check:
    kind: str          # "balance" | "count"
    scope: str         # a currency ("usd") or a table ("charges")
    stripe: int        # what the API says
    warehouse: int     # what the warehouse holds
    shown_stripe: str = ""
    shown_warehouse: str = ""

    @property
    def difference(self) -> int:
        return self.warehouse - self.stripe

    @property
    def ok(self) -> bool:
        return self.difference == 0

    def sentence(self) -> str:
        if self.kind == "balance":
            return (f"{self.scope.upper()} balance: Stripe {self.shown_stripe}, warehouse {self.shown_warehouse} "
                    f"(sum of balance-transaction nets), off by {format_amount(self.difference, self.scope)}.")
        more = "more" if self.difference > 0 else "fewer"
        return (f"{self.scope}: the warehouse has {abs(self.difference):,} {more} than Stripe "
                f"({self.warehouse:,} vs {self.stripe:,}) in the window.")


@dataclass(frozen=True)
class Reconciliation:
    start: datetime
    end: datetime
    checks: list[Check] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def differences(self) -> list[Check]:
        return [c for c in self.checks if not c.ok]

    def summary(self) -> str:
        if self.ok:
            return (f"The warehouse matches Stripe: {len(self.checks)} checks (balances per currency, and counts "
                    f"from {self.start:%Y-%m-%d} to {self.end:%Y-%m-%d}).")
        return f"{len(self.differences)} of {len(self.checks)} checks differ: " + " ".join(
            c.sentence() for c in self.differences)

    def rows(self) -> list[dict[str, Any]]:
        return [{"check": "balance" if c.kind == "balance" else "count", "scope": c.scope,
                 "stripe": c.shown_stripe or f"{c.stripe:,}", "warehouse": c.shown_warehouse or f"{c.warehouse:,}",
                 "difference": (format_amount(c.difference, c.scope) if c.kind == "balance" else f"{c.difference:+,}")
                 if not c.ok else "", "agrees": c.ok} for c in self.checks]


def _get(client: Any, path: str, params: dict[str, Any]) -> dict[str, Any]:
    """One GET as plain JSON through the SDK's request layer (no typed objects to build)."""
    return json.loads(client.raw_request("get", path, **params).body)


def count_api(get: Callable[[str, dict[str, Any]], dict[str, Any]], path: str, start: int, end: int) -> int:
    """Objects the API lists at ``path`` created in ``[start, end)`` (every page)."""
    params: dict[str, Any] = {"limit": 100, "created": {"gte": start, "lt": end}}
    total = 0
    while True:
        page = get(path, params)
        data = page.get("data") or []
        total += len(data)
        if not page.get("has_more") or not data:
            return total
        params = {**params, "starting_after": data[-1]["id"]}


def api_balance(get: Callable[[str, dict[str, Any]], dict[str, Any]]) -> dict[str, int]:
    """available + pending per currency, from ``GET /v1/balance``."""
    balance = get("/v1/balance", {})
    totals: dict[str, int] = {}
    for part in ("available", "pending"):
        for entry in balance.get(part) or []:
            cur = str(entry["currency"]).lower()
            totals[cur] = totals.get(cur, 0) + int(entry["amount"])
    return totals


def warehouse_nets(reader: Reader, account: str = DEFAULT_ACCOUNT) -> dict[str, int]:
    rows = reader.records("SELECT currency, SUM(net) AS net FROM balance_transactions WHERE account = ? "
                          "GROUP BY currency", [account])
    return {str(r["currency"]).lower(): int(r["net"] or 0) for r in rows}


def warehouse_count(reader: Reader, table: str, start: datetime, end: datetime,
                    account: str = DEFAULT_ACCOUNT) -> int:
    if table not in TABLES:
        raise ValueError(f"not a warehouse table: {table}")
    row = reader.row(f"SELECT COUNT(*) FROM {table} WHERE account = ? AND created >= ? AND created < ?",
                     (account, start.replace(tzinfo=None), end.replace(tzinfo=None)))
    return int(row[0]) if row else 0


def reconcile(client: Any, reader: Reader, start: datetime, end: datetime,
              tables: Iterable[tuple[str, str]] = COUNTED,
              get: Callable[[str, dict[str, Any]], dict[str, Any]] | None = None,
              account: str = DEFAULT_ACCOUNT) -> Reconciliation:
    """Compare ``account``'s rows in ``reader``'s warehouse with the API of ``client`` (times are UTC;
    counts over ``[start, end)``). Raises ``ValueError`` when ``end`` is not after ``start``."""
    if end <= start:
        raise ValueError("The reconciliation window must end after it starts.")
    get = get or (lambda path, params: _get(client, path, params))
    start, end = start.astimezone(UTC), end.astimezone(UTC)
    checks: list[Check] = []
    stripe_bal, ours = api_balance(get), warehouse_nets(reader, account)
    for cur in sorted(set(stripe_bal) | set(ours)):
        s, w = stripe_bal.get(cur, 0), ours.get(cur, 0)
        checks.append(Check("balance", cur, s, w, format_amount(s, cur), format_amount(w, cur)))
    lo, hi = int(start.timestamp()), int(end.timestamp())
    for table, path in tables:
        checks.append(Check("count", table, count_api(get, path, lo, hi),
                            warehouse_count(reader, table, start, end, account)))
    return Reconciliation(start, end, checks)
