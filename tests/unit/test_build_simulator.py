"""Traffic simulator: the mix, the sandbox seeder path, and the resumable, rate-limited API path."""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import pytest
import stripe

from lib.lab import sim_api, simulator
from lib.lab.ratelimit import RateLimiter
from lib.sandbox import open_engine


def test_mix_problems():
    assert simulator.Mix().problems() == []
    bad = simulator.Mix(payments=0, days=0, decline_rate=0.7, threeds_share=0.5, refund_rate=1.5, currencies=(),
                        customers=-1)
    text = " ".join(bad.problems())
    for part in ("Payments", "Days", "cannot exceed 100", "Refund rate", "at least one currency", "negative"):
        assert part in text
    assert "5,000" in simulator.Mix(payments=6000).problems("api")[0]
    assert simulator.Mix(currencies=("xyz",)).problems() == ["Unsupported currencies: xyz (choose from usd, eur, "
                                                             "gbp, cad, aud, jpy)."]
    assert simulator.Mix.from_dict(simulator.Mix(currencies=("eur",)).as_dict()) == simulator.Mix(currencies=("eur",))


def test_plan_follows_the_rates():
    mix = simulator.Mix(decline_rate=0.3, threeds_share=0.2, dispute_rate=0.1, manual_capture_rate=0.5,
                        currencies=("eur", "jpy"), customer_share=0.0)
    rng = random.Random(7)
    plans = [simulator.plan(rng, mix) for _ in range(4000)]
    kinds = Counter(p["kind"] for p in plans)
    assert abs(kinds["decline"] / 4000 - 0.3) < 0.03
    assert abs(kinds["3ds"] / 4000 - 0.2) < 0.03
    assert abs(kinds["dispute"] / 4000 - 0.1) < 0.02
    cards = [p for p in plans if p["kind"] == "card"]
    assert abs(sum(1 for p in cards if p["capture"]) / len(cards) - 0.5) < 0.05
    assert {p["currency"] for p in plans} == {"eur", "jpy"}
    assert not any(p["customer"] for p in plans)
    # Same seed, same plans.
    assert [simulator.plan(random.Random(3), mix) for _ in range(3)] == \
        [simulator.plan(random.Random(3), mix) for _ in range(3)]


def test_full_customer_pool_only_returns_existing_customers():
    mix = simulator.Mix(customer_share=1.0, customers=5)
    plans = [simulator.plan(random.Random(i), mix, pool_size=5) for i in range(200)]
    assert all(p["returning"] < 0.5 for p in plans)


def test_seed_sandbox_uses_the_mix_and_can_be_canceled():
    engine = open_engine(memory=True, async_delay=0)
    try:
        stats = simulator.seed_sandbox(engine, simulator.Mix(payments=600, days=10, decline_rate=0.5, threeds_share=0,
                                                             dispute_rate=0, customers=20), now=int(time.time()))
        assert stats["payments"] == 600 and not stats["canceled"]
        assert 240 < stats["declined"] < 360
        assert stats["customers"] <= 20
        assert engine.store.count("payment_intent") == 600
        cancel = threading.Event()
        calls = []

        def progress(done, total):
            calls.append(done)
            cancel.set()
        stats = simulator.seed_sandbox(engine, simulator.Mix(payments=1000, seed=2), progress=progress, cancel=cancel)
        assert stats["canceled"] and stats["payments"] == simulator.SEED_BATCH == calls[-1]
        assert sum(v for k, v in stats.items() if k.startswith("planned")) == simulator.SEED_BATCH
        assert engine.store.count("payment_intent") == 600 + simulator.SEED_BATCH
    finally:
        engine.store.close()


def test_rate_limiter_with_a_fake_clock():
    now = [0.0]
    slept = []

    def sleep(s):
        slept.append(s)
        now[0] += s
    limiter = RateLimiter(10, burst=2, clock=lambda: now[0], sleep=sleep)
    for _ in range(12):
        limiter.acquire()
    assert now[0] == pytest.approx(1.0, abs=0.01)  # 2 free, then 10 more at 10/s
    with pytest.raises(ValueError):
        RateLimiter(0)


def _count_run_pis(client, run_id):
    found = [p for p in client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()
             if p.metadata and p.metadata.to_dict().get("sim_run") == run_id]
    return len(found), {p.metadata["simulated_for"] for p in found}


def test_api_run_checkpoints_cancels_and_resumes_without_duplicates(stripe_client, tmp_path):
    path = tmp_path / "cp.json"
    mix = simulator.Mix(payments=12, days=3, decline_rate=0.2, threeds_share=0.2, dispute_rate=0.1,
                        refund_rate=0.2, customers=3, seed=5)
    cp = sim_api.new_checkpoint("http://sandbox", mix)
    cancel = threading.Event()

    def progress(done, total):
        if done == 5:
            cancel.set()
    sim = sim_api.ApiSimulation(stripe_client, cp, sandbox=True, checkpoint=path, cancel=cancel,
                                limiter=RateLimiter(1000))
    result = sim.run(progress)
    assert result.status == "canceled" and result.next_index == 5
    saved = sim_api.load_checkpoint(path)
    assert saved.next_index == 5 and saved.resumable and saved.run_id == cp.run_id
    # Pretend the process died after payment 6 reached the API but before the checkpoint was written.
    again = sim_api.ApiSimulation(stripe_client, saved, sandbox=True, checkpoint=path, limiter=RateLimiter(1000))
    again.payment(5, simulator.plan(random.Random(f"{mix.seed}:5"), mix, len(saved.customers)), int(time.time()))
    final = again.run()
    assert final.status == "done" and final.next_index == 12 and not final.resumable
    count, dates = _count_run_pis(stripe_client, cp.run_id)
    assert count == 12, "payment 6 was replayed through its idempotency key, not duplicated"
    assert len(dates) > 1  # the intended dates span the days
    assert len(final.customers) <= 3
    assert sim_api.load_checkpoint(path).status == "done"


def test_api_run_backs_off_on_rate_limits(tmp_path):
    calls = []

    class Flaky:
        def __init__(self):
            self.n = 0

        def __call__(self, **kwargs):
            self.n += 1
            calls.append(self.n)
            if self.n < 3:
                raise stripe.RateLimitError("Too many requests", http_status=429)
            return "ok"
    slept = []
    sim = sim_api.ApiSimulation(None, sim_api.new_checkpoint("x", simulator.Mix(payments=1)), sandbox=True,
                                checkpoint=tmp_path / "c.json", limiter=RateLimiter(1000), sleep=slept.append)
    assert sim.call(Flaky()) == "ok"
    assert slept == [0.5, 1.0] and sim.cp.stats["rate_limited"] == 2


def test_background_job_registry():
    release = threading.Event()
    blocked = simulator.start_job("api", simulator.Mix(payments=3), lambda job: {"waited": release.wait(10)})
    assert simulator.running_job() is blocked and blocked.running
    with pytest.raises(RuntimeError, match="already running"):
        simulator.start_job("api", simulator.Mix(payments=1), lambda job: {})
    blocked.cancel()
    release.set()
    blocked.thread.join(timeout=10)
    assert blocked.status == "canceled" and blocked.stats == {"waited": True}
    engine = open_engine(memory=True, async_delay=0)
    try:
        job = simulator.start_sandbox_job(engine, simulator.Mix(payments=300))
        job.thread.join(timeout=30)
        assert job.status == "done" and job.done == 300 and job.fraction == 1.0
        assert simulator.get_job(job.id) is job and simulator.running_job() is None
    finally:
        engine.store.close()
    failing = simulator.start_job("api", simulator.Mix(payments=1), lambda job: 1 / 0)
    failing.thread.join(timeout=10)
    assert failing.status == "failed" and "ZeroDivisionError" in failing.message
