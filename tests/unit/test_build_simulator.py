"""Traffic simulator without a server: the mix, the plans, the rate limiter, 429 back-off, the job registry."""

from __future__ import annotations

import random
import threading
from collections import Counter

import pytest
import stripe

from lib.config import settings_from_values
from lib.gateway import Connection
from lib.lab import sim_api, simulator
from lib.lab.ratelimit import RateLimiter
from lib.lab.simulator import SimEngine
from lib.request_log import REQUEST_LOG


def test_mix_problems():
    assert simulator.Mix().problems() == []
    bad = simulator.Mix(payments=0, days=0, decline_rate=0.7, threeds_share=0.5, refund_rate=1.5, currencies=(),
                        customers=-1)
    text = " ".join(bad.problems())
    for part in ("Payments", "Days", "cannot exceed 100", "Refund rate", "at least one currency", "negative"):
        assert part in text
    assert "5,000" in simulator.Mix(payments=6000).problems(SimEngine.API)[0]
    assert simulator.Mix(payments=6000).problems(SimEngine.SEEDER) == []
    assert "200,000" in simulator.Mix(payments=200_001).problems(SimEngine.SEEDER)[0]
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
    blocked = simulator.start_job(SimEngine.API, simulator.Mix(payments=3), lambda job: {"waited": release.wait(10)})
    assert simulator.running_job() is blocked and blocked.running
    with pytest.raises(RuntimeError, match="already running"):
        simulator.start_job(SimEngine.API, simulator.Mix(payments=1), lambda job: {})
    blocked.cancel()
    release.set()
    blocked.thread.join(timeout=10)
    assert blocked.status == "canceled" and blocked.stats == {"waited": True}
    failing = simulator.start_job(SimEngine.API, simulator.Mix(payments=1), lambda job: 1 / 0)
    failing.thread.join(timeout=10)
    assert failing.status == "failed" and "ZeroDivisionError" in failing.message


def test_the_api_engine_has_its_own_client_and_request_log():
    base = "http://127.0.0.1:9"   # nothing listens on the discard port
    settings = settings_from_values({"STRIPE_API_BASE": base})
    conn = Connection(settings=settings, client=None, api_base=base)
    client, log = sim_api.simulation_client(conn)
    before = len(REQUEST_LOG)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.balance.retrieve()
    # Every attempt (the SDK retries connection errors) is in the run's own log.
    assert {(e.method, e.path, e.api_base) for e in log.entries()} == {("GET", "/v1/balance", base)}
    assert len(REQUEST_LOG) == before, "the simulator's requests stay out of the app's request log"
