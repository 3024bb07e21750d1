"""Bulk seeding: months of realistic test-mode history, through the same code as the API.

    python -m lib.sandbox seed --payments 20000 --days 90 [--data-dir .sandbox] [--seed 1]
    seed(engine, payments=2000, days=30, seed=7, progress=lambda done, total: ...)   # in-process

Every payment is made by calling the route handlers of resources/* (``payment_intents.create``,
``capture``, ``cancel``, ``refunds.create``, ``disputes.update`` / ``close``, ``customers.create``)
with Python params and a ``Ctx`` whose clock is set in the past (``engine.ctx(now=…,
inline_jobs=True)``: async steps — dispute opening, dispute settlement, refund settlement — run at
once with the clock moved on). So the store ends up with exactly the objects, events and balance
transactions the same requests would have produced by hand; only webhooks are not sent for this
backfilled history (webhooks.py).

The mix (``plan_payment``; one ``random.Random(seed)`` drawn in a fixed order, so the same seed
gives the same counts, amounts, currencies and outcomes; with the same ``now`` too, the same
timestamps — only ids differ):

* ~7 % declined at once (insufficient funds most often, then generic, expired, CVC, processing, lost,
  stolen, velocity, fraudulent), a third of them retried on the same PaymentIntent with a good card;
* ~5 % 3-D Secure (mostly completed, some failed, a few abandoned in ``requires_action``; some
  cards decline after authenticating) — so ~8 % of payments see a card decline in all;
* ~0.8 % dispute cards: chargebacks won or lost (evidence or accepted), inquiries closed, a few
  left open;
* ~10 % manual capture: most captured in full, some partially, a few canceled;
* ~5 % of succeeded payments refunded later, a third of those partially;
* currencies: usd ~68 %, then eur, gbp, cad, aud, jpy; card brands and issuing countries from
  the test-card table (so some are international and pay the extra fee);
* ~65 % of payments belong to a customer; a pool of customers returns (earlier ones more often).

Payments are spread over the last ``days`` days (more recent days busier), in time order.
Follow-ups (capture, refund, dispute outcome) happen hours to days later, never after now.

Speed: the handlers run against a write-behind view of the store (bulkstore.BufferedStore, in
merged-reads mode: nothing is written until the batch ends) in one transaction per ``BATCH``
payments, with bulk-load connection settings while seeding (bulkstore.fast_writes). A fresh data
dir is seeded by one worker process per core (seed_parallel.py), with the same history. Measured
figures are in bench/README.md ("Seeding").
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from lib.stripe_facts import currencies

from .bulkstore import BufferedStore, fast_writes
from .core import Engine
from .errors import StripeError
from .ids import random_body
from .seed_parallel import default_workers, seed_parallel

BATCH = 1000
DAY = 86400

CURRENCIES = (("usd", 68), ("eur", 10), ("gbp", 7), ("cad", 6), ("aud", 5), ("jpy", 4))
# Units of the currency per US dollar (rough; only used to pick realistic prices).
PER_USD = {"usd": 1.0, "eur": 0.92, "gbp": 0.79, "cad": 1.37, "aud": 1.52, "jpy": 150.0}
SUCCESS_CARDS = (("pm_card_visa", 30), ("pm_card_mastercard", 20), ("pm_card_amex", 9), ("pm_card_visa_debit", 8),
                 ("pm_card_mastercard_debit", 5), ("pm_card_discover", 4), ("pm_card_mastercard_prepaid", 2),
                 ("pm_card_diners", 1), ("pm_card_jcb", 1), ("pm_card_unionpay", 1), ("pm_card_gb", 3),
                 ("pm_card_ca", 3), ("pm_card_de", 2), ("pm_card_fr", 2), ("pm_card_au", 2), ("pm_card_jp", 1),
                 ("pm_card_mx", 1), ("pm_card_br", 1), ("pm_card_in", 1), ("pm_card_nl", 1), ("pm_card_es", 1),
                 ("pm_card_it", 1), ("pm_card_sg", 1))
DECLINE_CARDS = (("pm_card_visa_chargeDeclinedInsufficientFunds", 34), ("pm_card_visa_chargeDeclined", 28),
                 ("pm_card_chargeDeclinedExpiredCard", 10), ("pm_card_chargeDeclinedIncorrectCvc", 9),
                 ("pm_card_chargeDeclinedProcessingError", 5), ("pm_card_visa_chargeDeclinedLostCard", 4),
                 ("pm_card_visa_chargeDeclinedStolenCard", 3),
                 ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", 3), ("pm_card_chargeDeclinedFraudulent", 4))
THREEDS_CARDS = (("pm_card_threeDSecure2Required", 50), ("pm_card_authenticationRequired", 30),
                 ("pm_card_threeDSecureRequiredChargeDeclined", 10),
                 ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", 10))
DISPUTE_CARDS = (("pm_card_createDispute", 60), ("pm_card_createDisputeProductNotReceived", 20),
                 ("pm_card_createDisputeInquiry", 20))
FIRST = ("Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kai", "Lea", "Mia", "Noah",
         "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vera", "Wei", "Yara", "Zoe")
LAST = ("Martin", "Smith", "Garcia", "Müller", "Rossi", "Dubois", "Tanaka", "Silva", "Kowalski", "Nguyen", "Okafor",
        "Jensen", "Patel", "Cohen", "Novak", "Haddad", "Murphy", "Larsen", "Santos", "Kim")
PRODUCTS = ("Starter plan", "Pro plan", "Team plan", "Workshop ticket", "Gift card", "Hoodie", "Coffee beans (1 kg)",
            "E-book", "Annual subscription", "Consulting hour", "Sticker pack", "Headphones")


_CUMULATIVE: dict[tuple, tuple[list[int], int]] = {}


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    """A weighted choice from ``(value, weight)`` pairs: one draw, cumulative weights cached."""
    cached = _CUMULATIVE.get(table)
    if cached is None:
        cumulative = list(itertools.accumulate(w for _, w in table))
        cached = _CUMULATIVE[table] = (cumulative, cumulative[-1])
    cumulative, total = cached
    return table[min(bisect.bisect_right(cumulative, rng.random() * total), len(table) - 1)][0]


def _amount(rng: random.Random, currency: str) -> int:
    """A shop-like price: log-normal around $40, rounded like a price tag, above the minimum."""
    usd = min(2500.0, max(1.0, rng.lognormvariate(math.log(40), 0.9)))
    major = usd * PER_USD[currency]
    exp = currencies.exponent(currency)
    if exp == 0:
        amount = max(10, int(round(major, -1)))
    else:
        amount = int(major) * 10 ** exp + (rng.choice((0, 0, 50, 95, 99)) if exp == 2 else 0)
    return max(amount, _minimum(currency))


_MINIMUMS: dict[str, int] = {}


def _minimum(currency: str) -> int:
    if currency not in _MINIMUMS:
        _MINIMUMS[currency] = currencies.effective_minimum_amount(currency)
    return _MINIMUMS[currency]


def plan_payment(rng: random.Random) -> dict[str, Any]:
    """What happens to one payment. Draws a fixed number of values, so plans stay reproducible."""
    kind_r, outcome_r, capture_r, capture_kind_r, refund_r, refund_kind_r, customer_r = (
        rng.random() for _ in range(7))
    currency = _pick(rng, CURRENCIES)
    plan: dict[str, Any] = {
        "currency": currency, "amount": _amount(rng, currency), "product": rng.choice(PRODUCTS),
        "card": _pick(rng, SUCCESS_CARDS), "customer": customer_r < 0.65, "returning": rng.random(),
        "delay": rng.random(), "part": 0.4 + 0.55 * rng.random(), "kind": "card", "capture": None,
        "refund": ("partial" if refund_kind_r < 0.33 else "full") if refund_r < 0.055 else None}
    decline_card, threeds_card, dispute_card = (_pick(rng, DECLINE_CARDS), _pick(rng, THREEDS_CARDS),
                                                _pick(rng, DISPUTE_CARDS))
    if kind_r < 0.072:
        plan.update(kind="decline", decline_card=decline_card, retry=outcome_r < 0.35)
    elif kind_r < 0.122:
        plan.update(kind="3ds", threeds_card=threeds_card,
                    answer="complete" if outcome_r < 0.82 else "fail" if outcome_r < 0.94 else "abandon")
    elif kind_r < 0.130:
        plan.update(kind="dispute", dispute_card=dispute_card, refund=None,
                    outcome=("won" if outcome_r < 0.4 else "lost" if outcome_r < 0.65 else "accept"
                             if outcome_r < 0.9 else "open"))
    elif capture_r < 0.10:
        plan["capture"] = "full" if capture_kind_r < 0.7 else "partial" if capture_kind_r < 0.9 else "cancel"
    return plan


def _seed_engine(engine: Engine, store: BufferedStore) -> Engine:
    seeding = Engine(store, async_delay=engine.async_delay)  # type: ignore[arg-type]
    seeding.event_api_version = engine.event_api_version
    seeding.base_url, seeding.data_dir = engine.base_url, engine.data_dir
    return seeding


# --- the seeder --------------------------------------------------------------------------------
class _Seeder:
    def __init__(self, engine: Engine, rng: random.Random, now: int):
        from .resources import customers, disputes, payment_intents, refunds  # noqa: F401 - routes registered

        self.engine, self.rng, self.now = engine, rng, now
        self.customers: list[str] = []
        self.stats: dict[str, int] = {}

    def _count(self, key: str) -> None:
        self.stats[key] = self.stats.get(key, 0) + 1

    def call(self, fn: Callable, now: int, params: dict, **path: str) -> tuple[dict | None, StripeError | None]:
        """One API call as the HTTP server would make it (minus HTTP): declines keep their effects."""
        ctx = self.engine.ctx(now=min(now, self.now), inline_jobs=True, request_id="req_" + random_body(14),
                              base_url=self.engine.base_url)
        try:
            return fn(ctx, params, **path), None
        except StripeError as exc:
            if getattr(exc, "commit", False):
                return None, exc
            raise

    def customer(self, plan: dict, t: int) -> str | None:
        from .resources import customers

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
        from .resources import payment_intents as pis
        from .resources import refunds

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
        if kind == "3ds":
            params["return_url"] = "https://shop.example/checkout/complete"
        pi, err = self.call(pis.create, t, params)
        self._count("payment_intents")
        pi_id = pi["id"] if pi else err.extra["payment_intent"]["id"]
        if kind == "decline":
            self._count("declined")
            if plan["retry"]:
                _, err = self.call(pis.confirm_endpoint, t + 40, {"payment_method": plan["card"]}, pid=pi_id)
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
            ctx = self.engine.ctx(now=min(t + 45, self.now), inline_jobs=True, base_url=self.engine.base_url)
            status = pis.authenticate(ctx, pis.get_pi(ctx, pi_id), success=plan["answer"] == "complete")["status"]
            if status != "succeeded":
                return
        if plan.get("capture"):
            self._count("manual_capture")
            at = self.later(t, plan, 3600, 3 * DAY)
            if plan["capture"] == "cancel":
                self.call(pis.cancel, at, {"cancellation_reason": "requested_by_customer"}, pid=pi_id)
                return
            amount = plan["amount"] if plan["capture"] == "full" else max(
                _minimum(plan["currency"]), int(plan["amount"] * plan["part"]))
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
        from .resources import disputes

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


def _times(rng: random.Random, payments: int, days: int, now: int) -> Iterator[int]:
    """Sorted payment times over the last ``days`` days, busier towards now (steady growth)."""
    span = max(1, days) * DAY
    start = now - span
    for i in range(payments):
        u = (i + rng.random()) / max(1, payments)
        yield start + int(span * u ** 0.85)


@contextmanager
def _batch(store: BufferedStore, buffered: bool) -> Iterator[None]:
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


def seed(engine: Engine, payments: int, days: int = 90, seed: int = 1,
         progress: Callable[[int, int], None] | None = None, batch: int = BATCH,
         now: int | None = None, buffered: bool = True,
         planner: Callable[[random.Random], dict[str, Any]] | None = None,
         workers: int | None = None) -> dict[str, int]:
    """Seed ``payments`` payments over the last ``days`` days; returns what was made, by kind.

    Safe on a running engine: each batch is written in one transaction, and the HTTP server waits
    only while a batch is written. ``progress(done, total)`` is called after every batch. ``now``
    fixes the clock (tests: same seed and ``now`` → the same history but for ids).
    ``buffered=False`` writes straight through the store (the benchmark's baseline; same result,
    slower). ``planner(rng)`` replaces ``plan_payment`` (same plan format) to seed another mix, e.g.
    the app's Traffic simulator. An exception raised by ``progress`` stops seeding between batches:
    every committed batch is whole. ``workers`` > 1 (default: one per core for a few batches or
    more, in a process without other threads — seed_parallel.default_workers) builds batches in
    that many processes at once (seed_parallel.py) — only for a fresh store in a data dir that no
    server is using; anything else is seeded here, in this process.
    """
    rng = random.Random(seed)
    plan = planner or plan_payment
    now = int(time.time()) if now is None else now
    buffer = BufferedStore(engine.store, merged_reads=True)
    seeder = _Seeder(_seed_engine(engine, buffer) if buffered else engine, rng, now)
    times = _times(rng, payments, days, now - 120)
    done = 0
    if workers is None:
        workers = default_workers(payments, batch)
    # A fresh store in a data dir that no server is using yet (the CLI, the benchmark) may be seeded
    # by several processes. (Its indexes stay live: with time-ordered ids most index inserts are
    # appends, and building five indexes after the load, on one core, cost more than it saved.)
    parallel = workers > 1 and buffered and engine.store.path and getattr(engine, "_thread", None) is None \
        and engine.store.execute("SELECT 1 FROM objects LIMIT 1").fetchone() is None
    with fast_writes(engine.store):
        if parallel:
            return seed_parallel(engine, payments, days, seed, now, batch, workers, plan, progress)
        while done < payments:
            size = min(batch, payments - done)
            with _batch(buffer, buffered):
                for n in range(done, done + size):
                    seeder.payment(plan(rng), next(times), n)
            done += size
            if progress is not None:
                progress(done, payments)
    return seeder.stats


def progress_bar(stream: Any = None) -> Callable[[int, int], None]:
    """A one-line progress bar with the running rate, on ``stream`` (default: stderr)."""
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        out = stream or sys.stderr
        width = 30
        filled = int(width * done / max(1, total))
        rate = done / max(1e-9, time.perf_counter() - started)
        out.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done:,}/{total:,} payments  {rate:,.0f}/s")
        if done >= total:
            out.write("\n")
        out.flush()
    return show


def main(args: Any) -> int:
    """``python -m lib.sandbox seed`` (arguments parsed in __main__.py)."""
    from . import open_engine

    engine = open_engine(args.data_dir, async_delay=0)
    try:
        started = time.perf_counter()
        stats = seed(engine, args.payments, args.days, args.seed, progress=progress_bar(),
                     workers=getattr(args, "workers", None))
        elapsed = time.perf_counter() - started
    finally:
        engine.store.close()
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items()))
    print(f"Seeded {args.payments:,} payments over {args.days} days into {args.data_dir} in {elapsed:.1f} s "
          f"({args.payments / max(elapsed, 1e-9):,.0f} payments/s): {summary}")
    return 0
