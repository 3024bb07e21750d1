"""Traffic simulator against the sandbox: the bulk seeder on an engine, and the resumable API engine."""

from __future__ import annotations

import random
import threading
import time

from lib.lab import sim_api, simulator
from lib.lab.ratelimit import RateLimiter
from lib.sandbox import open_engine


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


def test_a_sandbox_job_seeds_in_the_background():
    engine = open_engine(memory=True, async_delay=0)
    try:
        job = simulator.start_sandbox_job(engine, simulator.Mix(payments=300))
        job.thread.join(timeout=30)
        assert job.status == "done" and job.done == 300 and job.fraction == 1.0
        assert simulator.get_job(job.id) is job and simulator.running_job() is None
    finally:
        engine.store.close()
