"""The traffic simulator's API engine: every payment through the SDK, rate-limited, resumable.

* **Rate limit**: a token bucket below Stripe's test-mode limit (~25 req/s); a 429 backs off and
  retries the same call.
* **Resumable**: progress is checkpointed after every payment to a small JSON file under
  ``.data/`` (run id, mix, next payment index, customer pool, pending dispute follow-ups, counts).
  Payment *i*'s plan comes from ``Random(seed, i)``, and every POST carries the idempotency key
  ``pfl-sim-<run>-<i>-<step>``, so a resumed run repeats nothing: a request that reached Stripe
  before a crash is replayed, not duplicated.
* **Cancellable**: the cancel event is checked between payments; a canceled run resumes later.
* 3-D Secure: on the sandbox the challenge page is answered (sandbox-only); on Stripe only a person
  can, so those PaymentIntents stay in ``requires_action`` (like abandoned checkouts).
* Disputes open asynchronously; their evidence / acceptance is sent in a final pass.
"""

from __future__ import annotations

import json
import os
import random
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import stripe

from lib.config import PROJECT_ROOT, Mode
from lib.gateway import Connection, make_client
from lib.request_log import RequestLog

from .challenge import challenge_url, is_sandbox_challenge, post_answer
from .eventlog import as_dict
from .ratelimit import RateLimiter
from .simulator import Job, Mix, SimEngine, plan, start_job

ENV_CHECKPOINT = "PFL_SIMULATOR_CHECKPOINT"
RUN_LOG_CAPACITY = 200   # the last requests of a run, shown on the page


def checkpoint_path() -> Path:
    """``$PFL_SIMULATOR_CHECKPOINT`` or ``<project>/.data/simulator_checkpoint.json``."""
    value = os.environ.get(ENV_CHECKPOINT, "").strip()
    return Path(value).expanduser() if value else PROJECT_ROOT / ".data" / "simulator_checkpoint.json"

RATE = 20.0
MAX_429_RETRIES = 6
RETURN_URL = "https://shop.example/checkout/complete"   # where the simulated shop's customers come back to
DISPUTE_WAIT_S = 20.0


class Cancelled(Exception):
    pass


@dataclass
class Checkpoint:
    run_id: str
    api_base: str
    mix: dict[str, Any]
    next_index: int = 0
    customers: list[str] = field(default_factory=list)
    deferred: list[dict[str, Any]] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    status: str = "running"
    started_at: float = field(default_factory=time.time)
    updated_at: float = field(default_factory=time.time)

    @property
    def total(self) -> int:
        return int(self.mix.get("payments", 0))

    @property
    def resumable(self) -> bool:
        return self.status != "done" and (self.next_index < self.total or bool(self.deferred))

    def count(self, key: str, n: int = 1) -> None:
        self.stats[key] = self.stats.get(key, 0) + n


def load_checkpoint(path: Path | str | None = None) -> Checkpoint | None:
    try:
        data = json.loads(Path(path or checkpoint_path()).read_text())
        return Checkpoint(**data)
    except (OSError, ValueError, TypeError):
        return None


def save_checkpoint(cp: Checkpoint, path: Path | str | None = None) -> None:
    """Atomic write: a crash leaves the old checkpoint or the new one, never half a file."""
    path = Path(path or checkpoint_path())
    path.parent.mkdir(parents=True, exist_ok=True)
    cp.updated_at = time.time()
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(asdict(cp), indent=1))
    os.replace(tmp, path)


def clear_checkpoint(path: Path | str | None = None) -> None:
    Path(path or checkpoint_path()).unlink(missing_ok=True)


class ApiSimulation:
    def __init__(self, client: stripe.StripeClient, cp: Checkpoint, *, sandbox: bool,
                 checkpoint: Path | str | None = None, limiter: RateLimiter | None = None,
                 cancel: Any = None, sleep=time.sleep):
        self.client, self.cp, self.sandbox = client, cp, sandbox
        self.path = checkpoint or checkpoint_path()
        self.mix = Mix.from_dict(cp.mix)
        self.limiter = limiter or RateLimiter(RATE)
        self.cancel = cancel
        self.sleep = sleep
        self.requests = 0

    # --- plumbing ---------------------------------------------------------------------------------
    def call(self, fn, *args: Any, **kwargs: Any) -> Any:
        for attempt in range(MAX_429_RETRIES + 1):
            self.limiter.acquire()
            self.requests += 1
            try:
                return fn(*args, **kwargs)
            except stripe.RateLimitError:
                self.cp.count("rate_limited")
                if attempt == MAX_429_RETRIES:
                    raise
                self.sleep(min(8.0, 0.5 * 2 ** attempt))
        raise AssertionError("unreachable")

    def key(self, i: int, step: str) -> dict[str, str]:
        return {"idempotency_key": f"pfl-sim-{self.cp.run_id}-{i}-{step}"}

    def _stopped(self) -> bool:
        return bool(self.cancel is not None and self.cancel.is_set())

    # --- one payment ------------------------------------------------------------------------------
    def customer(self, i: int, p: dict) -> str | None:
        if not p["customer"]:
            return None
        pool = self.cp.customers
        if pool and (p["returning"] < 0.5 or len(pool) >= self.mix.customers):
            return pool[int(len(pool) * p["returning"] ** 2 * 2) % len(pool)]
        cus = self.call(self.client.v1.customers.create, params={
            "name": f"Simulated customer {len(pool) + 1}", "email": f"sim{len(pool) + 1}.{self.cp.run_id}@example.com",
            "metadata": {"simulated": "true", "sim_run": self.cp.run_id}}, options=self.key(i, "customer"))
        pool.append(cus.id)
        self.cp.count("customers")
        return cus.id

    def payment(self, i: int, p: dict, intended_at: int) -> None:
        c = self.client.v1.payment_intents
        params: dict[str, Any] = {
            "amount": p["amount"], "currency": p["currency"], "confirm": True,
            "description": f"{p['product']} — simulated order #{i + 1}",
            "metadata": {"simulated": "true", "sim_run": self.cp.run_id,
                         "simulated_for": datetime.fromtimestamp(intended_at, UTC).strftime("%Y-%m-%d %H:%M")}}
        cus = self.customer(i, p)
        if cus:
            params["customer"] = cus
        kind = p["kind"]
        params["payment_method"] = {"decline": p.get("decline_card"), "3ds": p.get("threeds_card"),
                                    "dispute": p.get("dispute_card")}.get(kind) or p["card"]
        if p.get("capture"):
            params["capture_method"] = "manual"
        # Every confirm carries a return_url: automatic_payment_methods are on by default (TEST_MODE §2.1).
        params["return_url"] = RETURN_URL
        self.cp.count("payment_intents")
        try:
            pi = as_dict(self.call(c.create, params=params, options=self.key(i, "pay")))
        except stripe.CardError as exc:
            self.cp.count("declined")
            pi_id = getattr(getattr(exc.error, "payment_intent", None), "id", None)
            if kind != "decline" or not p.get("retry") or not pi_id:
                return
            try:
                pi = as_dict(self.call(c.confirm, pi_id, params={"payment_method": p["card"], "return_url": RETURN_URL},
                                       options=self.key(i, "retry")))
                self.cp.count("retried_ok")
            except stripe.CardError:
                return
        if pi["status"] == "requires_action":
            self.cp.count("3ds")
            url = challenge_url(pi)
            if p.get("answer") == "abandon" or not (self.sandbox and is_sandbox_challenge(url)):
                self.cp.count("3ds_left_waiting")
                return
            post_answer(url, p["answer"])  # the sandbox's own page (sandbox-only)
            pi = as_dict(self.call(c.retrieve, pi["id"]))
            if pi["status"] not in ("succeeded", "requires_capture"):
                return
        if p.get("capture") and pi["status"] == "requires_capture":
            self.cp.count("manual_capture")
            if p["capture"] == "cancel":
                self.call(c.cancel, pi["id"], params={"cancellation_reason": "requested_by_customer"},
                          options=self.key(i, "cancel"))
                return
            amount = p["amount"] if p["capture"] == "full" else max(1, int(p["amount"] * p["part"]))
            self.call(c.capture, pi["id"], params={"amount_to_capture": min(amount, p["amount"])},
                      options=self.key(i, "capture"))
        if kind == "dispute":
            self.cp.deferred.append({"i": i, "pi": pi["id"], "outcome": p["outcome"]})
        if p.get("refund"):
            params = {"payment_intent": pi["id"], "reason": "requested_by_customer"}
            if p["refund"] == "partial":
                params["amount"] = max(1, int(p["amount"] * p["part"] * 0.5))
            self.call(self.client.v1.refunds.create, params=params, options=self.key(i, "refund"))
            self.cp.count("refunds")

    def follow_up(self, item: dict) -> bool:
        """Answer a dispute card's dispute(s); False while none has opened yet."""
        disputes = self.call(self.client.v1.disputes.list, params={"payment_intent": item["pi"]}).data
        if not disputes:
            return False
        for n, dispute in enumerate(disputes):
            self.cp.count("disputes")
            if item["outcome"] == "open" or dispute.status not in ("needs_response", "warning_needs_response"):
                continue
            key = self.key(item["i"], f"dispute{n}")
            if item["outcome"] == "accept":
                self.call(self.client.v1.disputes.close, dispute.id, options=key)
            else:
                text = "winning_evidence" if item["outcome"] == "won" else "losing_evidence"
                self.call(self.client.v1.disputes.update, dispute.id,
                          params={"evidence": {"uncategorized_text": text}}, options=key)
        return True

    # --- the run ----------------------------------------------------------------------------------
    def run(self, progress=None) -> Checkpoint:
        cp, mix = self.cp, self.mix
        now = int(time.time())
        span = mix.days * 86400
        cp.status = "running"
        save_checkpoint(cp, self.path)
        try:
            while cp.next_index < mix.payments:
                if self._stopped():
                    raise Cancelled
                i = cp.next_index
                rng = random.Random(f"{mix.seed}:{i}")
                p = plan(rng, mix, len(cp.customers))
                intended = now - span + int(span * (i + 0.5) / mix.payments)
                try:
                    self.payment(i, p, intended)
                except (stripe.InvalidRequestError, stripe.IdempotencyError) as exc:
                    cp.count("errors")
                    cp.errors = (cp.errors + [f"payment {i + 1}: {exc.user_message}"])[-20:]
                cp.next_index = i + 1
                save_checkpoint(cp, self.path)
                if progress is not None:
                    progress(cp.next_index, mix.payments)
            deadline = time.monotonic() + DISPUTE_WAIT_S
            while cp.deferred:
                if self._stopped():
                    raise Cancelled
                remaining = [item for item in cp.deferred if not self.follow_up(item)]
                cp.deferred = remaining
                save_checkpoint(cp, self.path)
                if remaining:
                    if time.monotonic() > deadline:
                        cp.errors = (cp.errors + [f"{len(remaining)} dispute(s) had not opened after "
                                                  f"{DISPUTE_WAIT_S:.0f} s; left open"])[-20:]
                        cp.deferred = []
                        break
                    self.sleep(1.0)
            cp.status = "done"
        except Cancelled:
            cp.status = "canceled"
        except Exception:
            cp.status = "failed"
            raise
        finally:
            save_checkpoint(cp, self.path)
        return cp


def new_checkpoint(api_base: str, mix: Mix) -> Checkpoint:
    return Checkpoint(run_id=uuid.uuid4().hex[:8], api_base=api_base, mix=mix.as_dict())


def simulation_client(conn: Connection) -> tuple[stripe.StripeClient, RequestLog]:
    """The API engine's own client: the connection's settings and API base, with its requests in a
    small log of their own, kept out of the app's request log (the rate limit is ApiSimulation's)."""
    log = RequestLog(capacity=RUN_LOG_CAPACITY)
    return make_client(conn.settings, api_base=conn.api_base, request_log=log), log


def start_api_job(conn: Connection, cp: Checkpoint, *, checkpoint: Path | str | None = None) -> Job:
    """Run (or resume) ``cp`` on a background thread, through :func:`simulation_client`. The run's
    request log is ``job.extra["log"]``."""
    mix = Mix.from_dict(cp.mix)
    client, log = simulation_client(conn)
    sandbox = conn.mode == Mode.SANDBOX

    def work(job: Job) -> dict[str, Any]:
        sim = ApiSimulation(client, cp, sandbox=sandbox, checkpoint=checkpoint, cancel=job.cancel_event)
        job.extra["checkpoint"] = cp
        job.done = cp.next_index

        def progress(done: int, total: int) -> None:
            job.done, job.total = done, total
        result = sim.run(progress)
        job.extra["requests"] = sim.requests
        return {"payments": result.next_index, **result.stats, "errors_seen": len(result.errors)}

    job = start_job(SimEngine.API, mix, work)
    job.extra["log"] = log
    return job
