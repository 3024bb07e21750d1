"""The engine's async jobs (lib/sandbox/engine.py): due jobs run in one transaction with a savepoint
each, so a broken job is rolled back and dropped alone while the others commit; what is due is
decided by the engine's clock, which a test drives (clock.ManualClock)."""

from __future__ import annotations

import pytest

from lib.sandbox import ManualClock, open_engine
from lib.sandbox.engine import Engine, Wiring
from lib.sandbox.resources import payment_intents
from lib.sandbox.resources.ledger import balance_totals
from lib.sandbox.storage.store import Store, dumps

from .money_helpers import RETURN_URL

START = 1_700_000_000.0


def _write(ctx, p):
    ctx.store.insert({"id": p["id"], "object": "customer", "created": ctx.now})


def _broken(ctx, p):
    ctx.store.insert({"id": p["id"], "object": "customer", "created": ctx.now})
    raise ZeroDivisionError


@pytest.fixture()
def clock():
    return ManualClock(START)


@pytest.fixture()
def engine(clock):
    eng = Engine(Store(None), Wiring(jobs={"test_write": _write, "test_broken": _broken}), async_delay=2.0,
                 clock=clock)
    yield eng
    eng.store.close()


def _enqueue(engine, kind: str, obj_id: str, run_at: float) -> None:
    engine.store.execute("INSERT INTO jobs(run_at, kind, payload) VALUES (?,?,?)", (run_at, kind, dumps({"id": obj_id})))


def test_a_broken_job_is_rolled_back_alone(engine, clock, caplog) -> None:
    past = clock() - 1
    _enqueue(engine, "test_write", "cus_before", past)
    _enqueue(engine, "test_broken", "cus_broken", past)
    _enqueue(engine, "test_write", "cus_after", past)
    assert engine.run_due_jobs() == 3
    assert engine.store.get("cus_before") and engine.store.get("cus_after")
    assert engine.store.get("cus_broken") is None  # its write undone with it
    assert engine.store.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0  # dropped, not retried forever
    assert "sandbox job test_broken failed" in caplog.text


def test_only_due_jobs_run(engine, clock) -> None:
    _enqueue(engine, "test_write", "cus_due", clock() - 1)
    _enqueue(engine, "test_write", "cus_later", clock() + 3600)
    assert engine.run_due_jobs() == 1
    assert engine.store.get("cus_due") and engine.store.get("cus_later") is None
    assert engine.run_due_jobs() == 0
    assert engine.next_job_at() > clock()
    clock.advance(3600)
    assert engine.run_due_jobs() == 1 and engine.store.get("cus_later")["created"] == START + 3600


def test_scheduled_jobs_wait_for_the_clock(engine, clock) -> None:
    ctx = engine.ctx()
    assert ctx.now == START
    ctx.schedule(1.5, "test_write", {"id": "cus_scheduled"})  # due after async_delay (2 s) x 1.5
    assert engine.next_job_at() == START + 3.0
    clock.advance(2.9)
    assert engine.run_due_jobs() == 0 and engine.store.get("cus_scheduled") is None
    clock.advance(0.1)
    assert engine.run_due_jobs() == 1
    assert engine.store.get("cus_scheduled")["created"] == START + 3  # the job's ctx.now is the clock's


def test_the_worker_lets_jobs_due_close_together_share_one_transaction() -> None:
    """Two jobs due 50 ms apart: the worker waits the batch window (async delay / 20, here 0.1 s)
    after the first is due, so both run in one transaction (one commit), not one each. Without the
    window it would run the first alone at its time. With ``async_delay=0`` there is no window."""
    import threading
    import time

    assert Engine(Store(None), Wiring(), async_delay=0).job_batch_window == 0
    assert Engine(Store(None), Wiring(), async_delay=2.0).job_batch_window == pytest.approx(0.1)
    assert Engine(Store(None), Wiring(), async_delay=60).job_batch_window == pytest.approx(0.1)  # capped

    ran = threading.Event()
    statements: list[str] = []

    def write(ctx, p):
        _write(ctx, p)
        if p["id"] == "cus_second":
            ran.set()

    eng = Engine(Store(None), Wiring(jobs={"test_write": write}), async_delay=2.0)
    eng.store._conn.set_trace_callback(statements.append)
    first_due = time.time() + 0.3
    _enqueue(eng, "test_write", "cus_first", first_due)
    _enqueue(eng, "test_write", "cus_second", first_due + 0.05)
    eng.start()
    try:
        assert ran.wait(10)
    finally:
        eng.stop()
    assert eng.store.get("cus_first") and eng.store.get("cus_second")
    transactions = " ".join(statements).split("BEGIN IMMEDIATE")
    assert sum("SAVEPOINT job" in t for t in transactions) == 1, statements
    eng.store.close()


def test_a_payment_settles_when_the_clock_says_so() -> None:
    """A live card payment's funds are pending until the settlement job runs, after the async delay
    (TEST_MODE.md §5: 2.9 % + 30 cents on a US card, so $20.00 nets $19.12)."""
    clock = ManualClock(START)
    engine = open_engine(memory=True, async_delay=2.0, clock=clock)
    try:
        pi = payment_intents.create(engine.ctx(), {"amount": "2000", "currency": "usd", "confirm": "true",
                                                   "payment_method": "pm_card_visa", "return_url": RETURN_URL})
        assert pi["status"] == "succeeded" and pi["created"] == START
        assert balance_totals(engine.ctx()) == {"available": {}, "pending": {"usd": 1912}}
        clock.advance(1.9)
        assert engine.run_due_jobs() == 0
        clock.advance(0.1)
        assert engine.run_due_jobs() == 1
        assert balance_totals(engine.ctx()) == {"available": {"usd": 1912}, "pending": {"usd": 0}}
    finally:
        engine.store.close()
