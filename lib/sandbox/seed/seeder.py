"""One seeded payment, carried out through the same route handlers as the API.

``Seeder.payment(plan, t, n)`` calls the handlers of resources/* (``payment_intents.create``,
``capture``, ``cancel``, ``refunds.create``, ``disputes.update`` / ``close``, ``customers.create``)
with Python params and a ``Ctx`` whose clock is set in the past (``engine.ctx(now=…,
inline_jobs=True)``: async steps — dispute opening, dispute settlement, refund settlement — run at
once with the clock moved on). So the store ends up with exactly the objects, events and balance
transactions the same requests would have produced by hand; only webhooks are not sent for this
backfilled history (events/worker.py).
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lib.stripe_facts.lifecycle import PIStatus

from ..engine import Engine
from ..errors import StripeError
from ..ids import random_body
from ..resources import customers, disputes, refunds
from ..resources import payment_intents as pis
from ..storage.bulkstore import BufferedStore
from .plans import FIRST, LAST, minimum

DAY = 86400
# Where the seeded shop sends customers back after 3-D Secure (every confirm needs one, TEST_MODE §2.1).
RETURN_URL = "https://shop.example/checkout/complete"


def seeding_engine(engine: Engine, store: BufferedStore) -> Engine:
    """An engine like ``engine`` (same wiring, clock, versions) whose store is ``store``."""
    seeding = Engine(store, engine.wiring, async_delay=engine.async_delay, clock=engine.clock)  # type: ignore[arg-type]
    seeding.event_api_version = engine.event_api_version
    seeding.base_url, seeding.data_dir = engine.base_url, engine.data_dir
    return seeding


# --- the seeder --------------------------------------------------------------------------------
class Seeder:
    """Carries out plans (plans.py) at given times; ``stats`` counts what it made, by kind."""

    def __init__(self, engine: Engine, rng: random.Random, now: int, fixed_clock: bool = False):
        self.engine, self.rng, self.now = engine, rng, now
        self.fixed_clock = fixed_clock  # the caller fixed ``now``: events are stamped with it too
        self.events_at = now
        self.customers: list[str] = []
        self.stats: dict[str, int] = {}

    def begin_batch(self) -> None:
        """Stamp the next batch's events with the time it is recorded: the engine's clock, never
        earlier than ``now`` (or ``now`` itself when the caller fixed the clock)."""
        self.events_at = self.now if self.fixed_clock else max(self.now, int(self.engine.clock()))

    def ctx(self, now: int, **kw: Any) -> Any:
        """A context at ``now`` (capped at the seed's present) whose events carry ``events_at``."""
        return self.engine.ctx(now=min(now, self.now), inline_jobs=True, events_at=self.events_at,
                               base_url=self.engine.base_url, **kw)

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    def call(self, fn: Callable, now: int, params: dict, **path: str) -> tuple[dict | None, StripeError | None]:
        """One API call as the HTTP server would make it (minus HTTP): declines keep their effects."""
        ctx = self.ctx(now, request_id="req_" + random_body(14))
        try:
            return fn(ctx, params, **path), None
        except StripeError as exc:
            if getattr(exc, "commit", False):
                return None, exc
            raise

    def customer(self, plan: dict, t: int) -> str | None:
        if not plan["customer"]:
            return None
        if self.customers and plan["returning"] < 0.5:
            return self.customers[int(len(self.customers) * plan["returning"] ** 2 * 2) % len(self.customers)]
        n = len(self.customers)
        first, last = FIRST[n % len(FIRST)], LAST[(n // len(FIRST)) % len(LAST)]
        cus, _ = self.call(customers.create, t, {"name": f"{first} {last}", "email": f"{first}.{last}.{n}@example.com"
                                                 .lower(), "metadata": {"seeded": "true"}})
        self.customers.append(cus["id"])
        self._count("customers")
        return cus["id"]

    def later(self, t: int, plan: dict, low: float, high: float) -> int:
        return min(self.now - 60, t + int(low + (high - low) * plan["delay"]))

    def payment(self, plan: dict, t: int, n: int) -> None:
        self.pay(plan, t, n, self.customer(plan, t))

    def pay(self, plan: dict, t: int, n: int, customer: str | None) -> None:
        """Payment number ``n`` of ``plan`` at time ``t``, for ``customer`` (already made)."""
        params: dict[str, Any] = {"amount": plan["amount"], "currency": plan["currency"], "confirm": True,
                                  "description": f"{plan['product']} — order #{100000 + n}",
                                  "metadata": {"order_id": str(100000 + n), "seeded": "true"}}
        if customer:
            params["customer"] = customer
        kind = plan["kind"]
        card = {"decline": plan.get("decline_card"), "3ds": plan.get("threeds_card"),
                "dispute": plan.get("dispute_card")}.get(kind) or plan["card"]
        params["payment_method"] = card
        if plan.get("capture"):
            params["capture_method"] = "manual"
        # Every confirm carries a return_url, as on today's Stripe (automatic_payment_methods, TEST_MODE §2.1).
        params["return_url"] = RETURN_URL
        pi, err = self.call(pis.create, t, params)
        self._count("payment_intents")
        pi_id = pi["id"] if pi else err.extra["payment_intent"]["id"]
        if kind == "decline":
            self._count("declined")
            if plan["retry"]:
                retry = {"payment_method": plan["card"], "return_url": RETURN_URL}
                _, err = self.call(pis.confirm_endpoint, t + 40, retry, pid=pi_id)
                if err is None:
                    self._count("retried_ok")
                else:
                    return
            else:
                return
        if kind == "3ds":
            self._count("3ds")
            if plan["answer"] == "abandon":
                return
            ctx = self.ctx(t + 45)
            status = pis.authenticate(ctx, pis.get_pi(ctx, pi_id), success=plan["answer"] == "complete")["status"]
            if status != PIStatus.SUCCEEDED:
                return
        if plan.get("capture"):
            self._count("manual_capture")
            at = self.later(t, plan, 3600, 3 * DAY)
            if plan["capture"] == "cancel":
                self.call(pis.cancel, at, {"cancellation_reason": "requested_by_customer"}, pid=pi_id)
                return
            amount = plan["amount"] if plan["capture"] == "full" else max(
                minimum(plan["currency"]), int(plan["amount"] * plan["part"]))
            self.call(pis.capture, at, {"amount_to_capture": min(amount, plan["amount"])}, pid=pi_id)
        if kind == "dispute":
            self.dispute(plan, t, pi_id)
        if plan["refund"]:
            params = {"payment_intent": pi_id, "reason": "requested_by_customer"}
            if plan["refund"] == "partial":
                params["amount"] = max(1, int(plan["amount"] * plan["part"] * 0.5))
            self.call(refunds.create, self.later(t, plan, 3600, 20 * DAY), params)
            self._count("refunds")

    def dispute(self, plan: dict, t: int, pi_id: str) -> None:
        found, _ = self.engine.store.list("dispute", filters={"payment_intent": pi_id}, limit=10)
        at = self.later(t, plan, 2 * DAY, 12 * DAY)
        for dispute in found:
            self._count("disputes")
            outcome = plan["outcome"]
            if outcome == "open":
                continue
            if outcome == "accept":
                self.call(disputes.close, at, {}, did=dispute["id"])
            else:
                text = "winning_evidence" if outcome == "won" else "losing_evidence"
                self.call(disputes.update, at, {"evidence": {"uncategorized_text": text,
                                                             "product_description": plan["product"]}},
                          did=dispute["id"])


def payment_times(rng: random.Random, payments: int, days: int, now: int) -> Iterator[int]:
    """Sorted payment times over the last ``days`` days, busier towards now (steady growth)."""
    span = max(1, days) * DAY
    start = now - span
    for i in range(payments):
        u = (i + rng.random()) / max(1, payments)
        yield start + int(span * u ** 0.85)


@contextmanager
def one_batch(store: BufferedStore, buffered: bool) -> Iterator[None]:
    """One batch: built with merged reads (nothing written), then written in one transaction — so a
    server sharing the store waits only while a batch is written, not while it is built. (Seeding
    never changes an object committed before the batch, so nothing a request writes meanwhile can
    be overwritten.) The write-through baseline writes as it goes, inside the transaction."""
    if not buffered:
        with store.base.tx():
            yield
        return
    yield
    with store.base.tx():
        store.flush()
