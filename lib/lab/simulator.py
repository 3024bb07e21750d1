"""Traffic simulator: N payments over D days with an adjustable mix.

Two engines (:class:`SimEngine`), one plan format (``lib.sandbox.seed``'s plan dicts, so both make
the same kinds of payments):

* **seeder** — :func:`seed_sandbox` drives the sandbox's bulk seeder in-process on the embedded
  sandbox's engine: thousands of payments per second, backdated over ``days`` (sandbox-only).
* **api** — :mod:`lib.lab.sim_api` sends every payment through the API (Stripe test mode or the
  sandbox), rate-limited, checkpointed to ``.data/`` and resumable; Stripe sets ``created`` itself,
  so API payments are all dated now.

Jobs run on a background thread (:func:`start_job`) so the page can show progress, and cancel.
"""

from __future__ import annotations

import math
import random
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from lib.redaction import safe_error_message
from lib.sandbox.seed import seed as seed_history
from lib.stripe_facts import currencies

CURRENCY_WEIGHTS = {"usd": 68, "eur": 10, "gbp": 7, "cad": 6, "aud": 5, "jpy": 4}
SUPPORTED_CURRENCIES = tuple(CURRENCY_WEIGHTS)
SEED_BATCH = 250


class SimEngine(StrEnum):
    """How the simulator makes its payments."""

    SEEDER = "sandbox"   # the sandbox's bulk seeder, in-process on the embedded sandbox (sandbox-only)
    API = "api"          # every payment through the API, rate-limited and resumable (lib.lab.sim_api)

    @property
    def label(self) -> str:
        return _ENGINE_LABELS[self]

    @property
    def max_payments(self) -> int:
        return MAX_PAYMENTS[self]


_ENGINE_LABELS = {SimEngine.SEEDER: "Bulk seeder (sandbox-only)", SimEngine.API: "Through the API"}
MAX_PAYMENTS = {SimEngine.SEEDER: 200_000, SimEngine.API: 5_000}


@dataclass(frozen=True)
class Mix:
    payments: int = 500
    days: int = 30
    decline_rate: float = 0.08
    threeds_share: float = 0.05
    dispute_rate: float = 0.008
    refund_rate: float = 0.055
    manual_capture_rate: float = 0.10
    currencies: tuple[str, ...] = SUPPORTED_CURRENCIES
    customer_share: float = 0.65
    customers: int = 200
    seed: int = 1

    def problems(self, engine: SimEngine = SimEngine.SEEDER) -> list[str]:
        """Why this mix cannot run on ``engine`` (empty when it can)."""
        out = []
        limit = engine.max_payments
        if not 1 <= self.payments <= limit:
            out.append(f"Payments must be between 1 and {limit:,} for the {engine} engine.")
        if not 1 <= self.days <= 730:
            out.append("Days must be between 1 and 730.")
        for name in ("decline_rate", "threeds_share", "dispute_rate", "refund_rate", "manual_capture_rate",
                     "customer_share"):
            value = getattr(self, name)
            if not 0 <= value <= 1:
                out.append(f"{name.replace('_', ' ').capitalize()} must be between 0 and 100 %.")
        if self.decline_rate + self.threeds_share + self.dispute_rate > 1:
            out.append("Declines, 3-D Secure and disputes together cannot exceed 100 % of payments.")
        if not self.currencies:
            out.append("Pick at least one currency.")
        unknown = [c for c in self.currencies if c not in CURRENCY_WEIGHTS]
        if unknown:
            out.append(f"Unsupported currencies: {', '.join(unknown)} (choose from {', '.join(SUPPORTED_CURRENCIES)}).")
        if self.customers < 0:
            out.append("The number of customers cannot be negative.")
        return out

    def as_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["currencies"] = list(self.currencies)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Mix:
        data = dict(data)
        data["currencies"] = tuple(data.get("currencies") or SUPPORTED_CURRENCIES)
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


# Card and currency mixes (like lib.sandbox.seed's, kept here so the simulator depends only on
# the seeder's public seed() and plan format).
CARDS = (("pm_card_visa", 30), ("pm_card_mastercard", 20), ("pm_card_amex", 9), ("pm_card_visa_debit", 8),
         ("pm_card_mastercard_debit", 5), ("pm_card_discover", 4), ("pm_card_mastercard_prepaid", 2),
         ("pm_card_diners", 1), ("pm_card_jcb", 1), ("pm_card_unionpay", 1), ("pm_card_gb", 3), ("pm_card_ca", 3),
         ("pm_card_de", 2), ("pm_card_fr", 2), ("pm_card_au", 2), ("pm_card_jp", 1), ("pm_card_mx", 1),
         ("pm_card_br", 1), ("pm_card_in", 1), ("pm_card_nl", 1), ("pm_card_es", 1), ("pm_card_it", 1))
DECLINE_CARDS = (("pm_card_visa_chargeDeclinedInsufficientFunds", 34), ("pm_card_visa_chargeDeclined", 28),
                 ("pm_card_chargeDeclinedExpiredCard", 10), ("pm_card_chargeDeclinedIncorrectCvc", 9),
                 ("pm_card_chargeDeclinedProcessingError", 5), ("pm_card_visa_chargeDeclinedLostCard", 4),
                 ("pm_card_visa_chargeDeclinedStolenCard", 3), ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", 3),
                 ("pm_card_chargeDeclinedFraudulent", 4))
THREEDS_CARDS = (("pm_card_threeDSecure2Required", 50), ("pm_card_authenticationRequired", 30),
                 ("pm_card_threeDSecureRequiredChargeDeclined", 10),
                 ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", 10))
DISPUTE_CARDS = (("pm_card_createDispute", 60), ("pm_card_createDisputeProductNotReceived", 20),
                 ("pm_card_createDisputeInquiry", 20))
PER_USD = {"usd": 1.0, "eur": 0.92, "gbp": 0.79, "cad": 1.37, "aud": 1.52, "jpy": 150.0}
PRODUCTS = ("Starter plan", "Pro plan", "Team plan", "Workshop ticket", "Gift card", "Hoodie", "Coffee beans (1 kg)",
            "E-book", "Annual subscription", "Consulting hour", "Sticker pack", "Headphones")


def _pick(rng: random.Random, table) -> str:
    total = sum(w for _, w in table)
    x = rng.random() * total
    for value, weight in table:
        x -= weight
        if x < 0:
            return value
    return table[-1][0]


def _amount(rng: random.Random, currency: str) -> int:
    """A shop-like price: log-normal around $40, rounded like a price tag, above the minimum."""
    usd = min(2500.0, max(1.0, rng.lognormvariate(math.log(40), 0.9)))
    major = usd * PER_USD[currency]
    exp = currencies.exponent(currency)
    amount = max(10, int(round(major, -1))) if exp == 0 else int(major) * 10 ** exp + (
        rng.choice((0, 0, 50, 95, 99)) if exp == 2 else 0)
    return max(amount, currencies.effective_minimum_amount(currency))


def plan(rng: random.Random, mix: Mix, pool_size: int = 0) -> dict[str, Any]:
    """One payment's plan, in ``lib.sandbox.seed``'s plan format, with ``mix``'s rates.

    Draws a fixed number of values, so the same seed gives the same plans. ``pool_size`` is how many
    customers exist already: once it reaches ``mix.customers`` every customer is a returning one.
    """
    kind_r, outcome_r, capture_r, capture_kind_r, refund_r, refund_kind_r, customer_r = (
        rng.random() for _ in range(7))
    currency = _pick(rng, [(c, CURRENCY_WEIGHTS[c]) for c in mix.currencies])
    p: dict[str, Any] = {
        "currency": currency, "amount": _amount(rng, currency), "product": rng.choice(PRODUCTS),
        "card": _pick(rng, CARDS), "customer": customer_r < mix.customer_share and mix.customers > 0,
        "returning": rng.random(), "delay": rng.random(), "part": 0.4 + 0.55 * rng.random(), "kind": "card",
        "capture": None, "refund": ("partial" if refund_kind_r < 0.33 else "full") if refund_r < mix.refund_rate else None}
    decline_card, threeds_card, dispute_card = (_pick(rng, DECLINE_CARDS), _pick(rng, THREEDS_CARDS),
                                                _pick(rng, DISPUTE_CARDS))
    if p["customer"] and pool_size >= mix.customers:
        p["returning"] *= 0.49  # below 0.5: an existing customer pays again
    a = mix.decline_rate
    b = a + mix.threeds_share
    c = b + mix.dispute_rate
    if kind_r < a:
        p.update(kind="decline", decline_card=decline_card, retry=outcome_r < 0.35)
    elif kind_r < b:
        p.update(kind="3ds", threeds_card=threeds_card,
                 answer="complete" if outcome_r < 0.82 else "fail" if outcome_r < 0.94 else "abandon")
    elif kind_r < c:
        p.update(kind="dispute", dispute_card=dispute_card, refund=None,
                 outcome=("won" if outcome_r < 0.4 else "lost" if outcome_r < 0.65 else "accept"
                          if outcome_r < 0.9 else "open"))
    elif capture_r < mix.manual_capture_rate:
        p["capture"] = "full" if capture_kind_r < 0.7 else "partial" if capture_kind_r < 0.9 else "cancel"
    return p


def next_pool_size(p: dict[str, Any], pool_size: int) -> int:
    """Customers after paying ``p``: the seeder (and the API engine) reuse one when ``returning`` < 0.5."""
    if not p["customer"] or (pool_size and p["returning"] < 0.5):
        return pool_size
    return pool_size + 1


class _Canceled(Exception):
    def __init__(self, done: int):
        super().__init__(done)
        self.done = done


def seed_sandbox(engine: Any, mix: Mix, *, progress: Callable[[int, int], None] | None = None,
                 cancel: threading.Event | None = None, now: int | None = None) -> dict[str, Any]:
    """Seed ``mix.payments`` payments over ``mix.days`` days into a sandbox engine (sandbox-only).

    Runs ``lib.sandbox.seed.seed`` (write-behind store, one transaction per batch) with this mix's
    planner. Canceling stops between batches: every committed batch is complete.
    """
    kinds: list[str] = []
    pool = [0]

    def planner(rng: random.Random) -> dict[str, Any]:
        p = plan(rng, mix, pool[0])
        pool[0] = next_pool_size(p, pool[0])
        kinds.append(p["kind"])
        return p

    def on_progress(done: int, total: int) -> None:
        if progress is not None:
            progress(done, total)
        if cancel is not None and cancel.is_set() and done < total:
            raise _Canceled(done)

    if cancel is not None and cancel.is_set():
        return {"payments": 0, "canceled": True}
    try:
        stats = seed_history(engine, mix.payments, mix.days, mix.seed, progress=on_progress, batch=SEED_BATCH,
                             now=now, planner=planner)
    except _Canceled as stop:
        done = stop.done
        counts = Counter(kinds[:done])
        return {"payments": done, "canceled": True, "customers": pool[0],
                **{f"planned {k}": v for k, v in counts.items()}}
    return {"payments": mix.payments, "canceled": False, **stats}


# --- background jobs ----------------------------------------------------------------------------
@dataclass
class Job:
    id: str
    engine: SimEngine
    mix: Mix
    done: int = 0
    total: int = 0
    status: str = "running"         # running | done | canceled | failed
    message: str = ""
    stats: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.time)
    finished: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)
    thread: threading.Thread | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def fraction(self) -> float:
        return min(1.0, self.done / self.total) if self.total else 0.0

    @property
    def elapsed(self) -> float:
        return (self.finished or time.time()) - self.started

    def cancel(self) -> None:
        self.cancel_event.set()


_jobs: dict[str, Job] = {}
_jobs_lock = threading.Lock()


def get_job(job_id: str | None) -> Job | None:
    with _jobs_lock:
        return _jobs.get(job_id or "")


def running_job() -> Job | None:
    with _jobs_lock:
        return next((j for j in _jobs.values() if j.running), None)


def start_job(engine: SimEngine, mix: Mix, work: Callable[[Job], dict[str, Any]]) -> Job:
    """Run ``work(job)`` on a thread. Only one simulation runs at a time (per process)."""
    with _jobs_lock:
        busy = next((j for j in _jobs.values() if j.running), None)
        if busy is not None:
            raise RuntimeError(f"A simulation is already running ({busy.done:,}/{busy.total:,}); cancel it first.")
        job = Job(uuid.uuid4().hex[:10], engine, mix, total=mix.payments)
        _jobs[job.id] = job

    def body() -> None:
        try:
            job.stats = work(job)
            job.status = "canceled" if job.cancel_event.is_set() else "done"
        except Exception as exc:  # shown on the page; the checkpoint (API engine) allows a resume
            job.status, job.message = "failed", safe_error_message(exc)
        finally:
            job.finished = time.time()

    job.thread = threading.Thread(target=body, name=f"simulator-{job.id}", daemon=True)
    job.thread.start()
    return job


def start_sandbox_job(engine: Any, mix: Mix) -> Job:
    def work(job: Job) -> dict[str, Any]:
        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
        return seed_sandbox(engine, mix, progress=progress, cancel=job.cancel_event)
    return start_job(SimEngine.SEEDER, mix, work)
