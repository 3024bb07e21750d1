"""Seeding on several cores (lib/sandbox/seed/parallel.py) and the merged-reads batches it relies on
(lib/sandbox/storage/bulkstore.py): same history as one process, whole batches only, failures surface."""

from __future__ import annotations

import multiprocessing
import os
import re
import sqlite3
from contextlib import closing

import pytest

from lib.sandbox import ids, open_engine
from lib.sandbox import seed as seeding
from lib.sandbox.resources.ledger import balance_totals
from lib.sandbox.seed import history
from lib.sandbox.storage.bulkstore import BufferedStore
from lib.sandbox.storage.store import SCHEMA
from tests.contract.test_seed import NOW, _fingerprint, objects


def _seed_dir(path, workers: int, payments: int = 1600, **kw):
    engine = open_engine(str(path), async_delay=0)
    stats = seeding.seed(engine, payments, days=20, seed=21, batch=200, now=NOW, workers=workers, **kw)
    return engine, stats


def test_parallel_seeding_makes_the_same_history_as_one_process(tmp_path, monkeypatch):
    calls = []
    real = history.seed_parallel
    monkeypatch.setattr(history, "seed_parallel", lambda *a, **kw: calls.append(a[6]) or real(*a, **kw))
    one, one_stats = _seed_dir(tmp_path / "one", workers=1)
    two, two_stats = _seed_dir(tmp_path / "two", workers=2)
    assert calls == [2]  # only the second run went parallel, with two workers
    try:
        assert two_stats == one_stats and two_stats["payment_intents"] == 1600
        assert _fingerprint(two) == _fingerprint(one)
        # every id unique (the workers' id generators were reseeded after fork), indexes all back
        assert two.store.execute("SELECT count(DISTINCT id) = count(*) FROM objects").fetchone()[0] == 1
        with closing(sqlite3.connect(tmp_path / "two" / "sandbox.sqlite3")) as conn:
            names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'")}
        assert set(re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", SCHEMA)) <= names
        # the ledger's counters (added to by both workers) equal the balance transactions, by status
        sums = {"available": 0, "pending": 0}
        for txn in objects(two, "balance_transaction"):
            sums[txn["status"]] += txn["net"]
        assert sums == {k: sum(v.values()) for k, v in balance_totals(two.ctx()).items()}
        assert sums == {k: sum(v.values()) for k, v in balance_totals(one.ctx()).items()}
    finally:
        one.store.close()
        two.store.close()


def test_worker_ids_differ_from_the_parent_after_fork():
    ctx = multiprocessing.get_context("fork")
    out = ctx.Queue()
    child = ctx.Process(target=lambda q: q.put(ids.random_body()), args=(out,))
    child.start()
    theirs = out.get(timeout=20)
    child.join(timeout=20)
    assert ids.random_body() != theirs  # without the reseed both would continue the same stream


def _bad_currency_after(n_ok: int):
    count = {"n": 0}

    def planner(rng):
        plan = seeding.plan_payment(rng)
        count["n"] += 1
        if count["n"] > n_ok:
            plan.update(currency="zzz", kind="card", capture=None, refund=None)
        return plan
    return planner


def test_a_failing_worker_stops_seeding_and_leaves_only_whole_batches(tmp_path):
    engine = open_engine(str(tmp_path), async_delay=0)
    sync_before = engine.store.execute("PRAGMA synchronous").fetchone()[0]
    try:
        with pytest.raises(RuntimeError, match="seeding worker failed"):
            seeding.seed(engine, 2000, days=5, seed=3, batch=100, now=NOW, workers=2,
                         planner=_bad_currency_after(450))
        pis = len(objects(engine, "payment_intent"))
        assert pis % 100 == 0 and pis <= 400  # the batch holding payment 451 never committed
        assert engine.store.execute("PRAGMA synchronous").fetchone()[0] == sync_before  # bulk settings restored
    finally:
        engine.store.close()


def test_progress_raising_stops_parallel_seeding_between_batches(tmp_path):
    class Stop(Exception):
        pass

    def stop(done, total):
        if done >= 300:
            raise Stop
    engine = open_engine(str(tmp_path), async_delay=0)
    try:
        with pytest.raises(Stop):
            seeding.seed(engine, 3000, days=5, seed=3, batch=100, now=NOW, workers=2, progress=stop)
        pis = len(objects(engine, "payment_intent"))
        assert pis % 100 == 0 and 300 <= pis < 3000
    finally:
        engine.store.close()


# --- merged reads ------------------------------------------------------------------------------
def _obj(obj_id: str, created: int, **fields) -> dict:
    return {"id": obj_id, "object": "refund", "created": created, **fields}


@pytest.fixture()
def store():
    engine = open_engine(None, memory=True, async_delay=0)
    base = engine.store
    base.insert(_obj("re_old1", 100, charge="ch_a", status="succeeded"))
    base.insert(_obj("re_old2", 200, charge="ch_a", status="pending"))
    base.insert(_obj("re_other", 150, charge="ch_b", status="succeeded"))
    yield BufferedStore(base, merged_reads=True)
    base.close()


def test_merged_list_sees_committed_and_batch_rows_newest_first(store):
    store.insert(_obj("re_new", 200, charge="ch_a", status="pending"))  # same second as re_old2: newer row
    store.insert(_obj("re_else", 300, charge="ch_b", status="pending"))
    got, more = store.list("refund", filters={"charge": "ch_a"})
    assert [o["id"] for o in got] == ["re_new", "re_old2", "re_old1"] and more is False
    got, more = store.list("refund", filters={"charge": "ch_a"}, limit=2)
    assert [o["id"] for o in got] == ["re_new", "re_old2"] and more is True
    assert store.base.count("refund") == 3  # nothing written yet


def test_merged_list_uses_the_batch_version_of_changed_rows(store):
    changed = store.get("re_old2")
    changed["status"] = "succeeded"
    store.update(changed)
    pending, _ = store.list("refund", filters={"charge": "ch_a", "status": "pending"})
    assert pending == []
    done, _ = store.list("refund", filters={"status": "succeeded"}, created={"gte": 150})
    assert [o["id"] for o in done] == ["re_old2", "re_other"]
    assert store.list_for("refund", "charge", ["ch_a", "ch_b"])["ch_a"][0]["status"] == "succeeded"
    store.insert(_obj("re_x", 50, charge="ch_b"))
    assert [o["id"] for o in store.list_for("refund", "charge", ["ch_b"])["ch_b"]] == ["re_other", "re_x"]
    assert set(store.get_many(["re_x", "re_old1", "re_nope"])) == {"re_x", "re_old1"}


def test_merged_reads_refuse_what_they_cannot_merge(store):
    store.insert(_obj("re_new", 10, charge="ch_a"))
    for attempt in (lambda: store.execute("SELECT count(*) FROM objects"), lambda: store.count("refund"),
                    lambda: store.list("refund", starting_after="re_old1"), lambda: store.page_window(None, None, None)):
        with pytest.raises(RuntimeError, match="merged-reads batch"):
            attempt()
    assert store.base.get("re_new") is None  # still nothing written
    store.flush()
    assert store.base.get("re_new")["charge"] == "ch_a"


def test_cli_seeds_in_parallel(tmp_path, capsys):
    from lib.sandbox.__main__ import main as cli

    assert cli(["seed", "--payments", "2100", "--days", "3", "--data-dir", str(tmp_path), "--workers", "2"]) == 0
    out, err = capsys.readouterr()
    assert "2,100/2,100 payments" in err and "Seeded 2,100 payments" in out
    engine = open_engine(str(tmp_path), async_delay=0)
    try:
        assert engine.store.counts()["payment_intent"] == 2100
    finally:
        engine.store.close()


def test_a_killed_worker_is_reported_not_waited_for(tmp_path, monkeypatch):
    import os
    import signal

    from lib.sandbox.seed import parallel

    def killed_with_its_batch(parent, now, tasks, results, lock):
        tasks.get()  # takes a batch, then dies like a kill -9: no report will ever come
        os.kill(os.getpid(), signal.SIGKILL)
    monkeypatch.setattr(parallel, "_worker", killed_with_its_batch)
    engine = open_engine(str(tmp_path), async_delay=0)
    try:
        with pytest.raises(RuntimeError, match="stopped"):
            seeding.seed(engine, 1000, days=2, seed=1, batch=100, now=NOW, workers=2)
        assert engine.store.execute("SELECT count(*) FROM objects WHERE kind='payment_intent'").fetchone()[0] == 0
    finally:
        engine.store.close()


def test_default_workers():
    import threading

    from lib.sandbox.seed.parallel import default_workers

    assert default_workers(100, 1000) == 1  # a small job stays in this process
    release = threading.Event()
    other = threading.Thread(target=release.wait, daemon=True)
    other.start()
    try:
        assert default_workers(100_000, 1000) == 1  # never fork a threaded process by default
    finally:
        release.set()
        other.join(timeout=5)
    if threading.active_count() == 1:  # pytest-xdist may run helper threads in this process
        assert default_workers(100_000, 1000) == min(4, len(os.sched_getaffinity(0)))
