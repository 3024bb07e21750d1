"""The engine's async jobs (lib/sandbox/core.py): due jobs run in one transaction with a savepoint
each, so a broken job is rolled back and dropped alone while the others commit."""

from __future__ import annotations

import time

import pytest

from lib.sandbox import core, open_engine
from lib.sandbox.store import dumps


@pytest.fixture()
def engine():
    eng = open_engine(memory=True, async_delay=0)
    core.JOBS["test_write"] = lambda ctx, p: ctx.store.insert({"id": p["id"], "object": "customer", "created": 1})
    core.JOBS["test_broken"] = lambda ctx, p: (ctx.store.insert({"id": p["id"], "object": "customer", "created": 1}),
                                               1 / 0)
    yield eng
    core.JOBS.pop("test_write", None)
    core.JOBS.pop("test_broken", None)
    eng.store.close()


def _enqueue(engine, kind: str, obj_id: str, run_at: float) -> None:
    engine.store.execute("INSERT INTO jobs(run_at, kind, payload) VALUES (?,?,?)", (run_at, kind, dumps({"id": obj_id})))


def test_a_broken_job_is_rolled_back_alone(engine, caplog) -> None:
    past = time.time() - 1
    _enqueue(engine, "test_write", "cus_before", past)
    _enqueue(engine, "test_broken", "cus_broken", past)
    _enqueue(engine, "test_write", "cus_after", past)
    assert engine.run_due_jobs() == 3
    assert engine.store.get("cus_before") and engine.store.get("cus_after")
    assert engine.store.get("cus_broken") is None  # its write undone with it
    assert engine.store.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0  # dropped, not retried forever
    assert "sandbox job test_broken failed" in caplog.text


def test_only_due_jobs_run(engine) -> None:
    _enqueue(engine, "test_write", "cus_due", time.time() - 1)
    _enqueue(engine, "test_write", "cus_later", time.time() + 3600)
    assert engine.run_due_jobs() == 1
    assert engine.store.get("cus_due") and engine.store.get("cus_later") is None
    assert engine.run_due_jobs() == 0
    assert engine.next_job_at() > time.time()
