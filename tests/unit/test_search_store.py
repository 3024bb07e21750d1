"""The store keeps the search index in step with its writes (storage/store.py, storage/bulkstore.py).

Objects are small hand-made dicts; each test states the rows it expects by hand (field, value) or
compares the stored rows with what ``rows_for`` gives the object as it was last written.
"""

from __future__ import annotations

import sqlite3

import pytest

from lib.sandbox.search import rows_for
from lib.sandbox.storage import BufferedStore, Store


def customer(id_: str, created: int, email: str | None, name: str | None = None, **extra) -> dict:
    return {"id": id_, "object": "customer", "created": created, "email": email, "name": name, "phone": None,
            "metadata": {}, **extra}


def pi(id_: str, created: int, amount: int, status: str, **extra) -> dict:
    return {"id": id_, "object": "payment_intent", "created": created, "amount": amount, "currency": "usd",
            "customer": None, "status": status, "metadata": {}, **extra}


def term_rows(store: Store, object_id: str) -> set[tuple]:
    """(field, value) of the object's rows, the field without its ``kind:`` prefix, once the
    backlog of writes is indexed (as a search does first)."""
    store.catch_up_search()
    rows = store.execute("SELECT field, value FROM search_terms WHERE object_id=?", (object_id,)).fetchall()
    return {(field.split(":", 1)[1], value) for field, value in rows}


def stored_rows(store: Store, object_id: str) -> tuple[list, list, list]:
    store.catch_up_search()
    terms = store.execute("SELECT field, value, created, object_id FROM search_terms WHERE object_id=?",
                          (object_id,)).fetchall()
    grams = store.execute("SELECT field, gram, created, object_id FROM search_trigrams WHERE object_id=?",
                          (object_id,)).fetchall()
    texts = store.execute("SELECT object_id, field, text FROM search_texts WHERE object_id=? ORDER BY field",
                          (object_id,)).fetchall()
    return sorted(terms), sorted(grams), texts


def expected_rows(obj: dict) -> tuple[list, list, list]:
    rows = rows_for(obj["object"], obj)
    return sorted(rows.terms), sorted(rows.trigrams), sorted(rows.texts, key=lambda r: r[1])


def test_insert_update_delete_keep_the_rows_of_the_object_as_written() -> None:
    store = Store()
    with store.tx():
        store.insert(pi("pi_1", 100, 1500, "requires_payment_method", metadata={"order": "A-1"}))
    assert term_rows(store, "pi_1") == {("amount", 1500.0), ("created", 100.0), ("currency", "usd"),
                                        ("status", "requires_payment_method"), ("metadata.order", "a-1")}
    with store.tx():
        store.update(pi("pi_1", 100, 1500, "succeeded"))
    assert term_rows(store, "pi_1") == {("amount", 1500.0), ("created", 100.0), ("currency", "usd"),
                                        ("status", "succeeded")}
    with store.tx():
        store.insert(customer("cus_2", 95, "jo@example.com", "Jo"))
        store.update(customer("cus_2", 95, "jo@example.com", "Jo", deleted=True))  # deleted: not searchable
        store.insert({"id": "evt_1", "object": "event", "created": 1, "type": "x", "data": {}})
    assert stored_rows(store, "cus_2") == ([], [], [])
    assert term_rows(store, "evt_1") == set()
    store.delete("pi_1")
    assert term_rows(store, "pi_1") == set()


def test_insert_many_indexes_searchable_kinds_only() -> None:
    store = Store()
    cus = customer("cus_9", 10, "ann@example.com", "Ann Lee")
    with store.tx():
        store.insert_many([cus, {"id": "txn_1", "object": "balance_transaction", "created": 10, "type": "charge"}])
    assert stored_rows(store, "cus_9") == expected_rows(cus)
    assert stored_rows(store, "cus_9")[2] == [("cus_9", "email", "ann@example.com"), ("cus_9", "name", "ann lee")]
    assert term_rows(store, "txn_1") == set()


def test_a_buffered_batch_writes_the_final_state_of_new_and_changed_objects() -> None:
    store = Store()
    with store.tx():
        store.insert(pi("pi_old", 50, 900, "requires_confirmation"))
    store.catch_up_search()
    buffer = BufferedStore(store)
    with store.tx():
        new = buffer.insert(pi("pi_new", 60, 2000, "requires_payment_method"))
        buffer.update({**new, "status": "succeeded", "metadata": {"k": "v"}})
        buffer.update(pi("pi_old", 50, 900, "canceled"))
        assert store.execute("SELECT count(*) FROM search_backlog").fetchone()[0] == 0  # nothing before the flush
        buffer.flush()
    assert stored_rows(store, "pi_new") == expected_rows({**new, "status": "succeeded", "metadata": {"k": "v"}})
    assert ("status", "canceled") in term_rows(store, "pi_old")
    assert ("status", "requires_confirmation") not in term_rows(store, "pi_old")


def test_search_sql_on_a_buffer_sees_its_writes_or_is_refused() -> None:
    store = Store()
    plain = BufferedStore(store)
    with store.tx():
        plain.insert(pi("pi_b", 70, 100, "succeeded"))
        assert plain.catch_up_search() == 1  # what a search runs first: the buffer's writes, then the backlog
        assert plain.execute("SELECT count(*) FROM search_terms WHERE object_id='pi_b'").fetchone()[0] == 4  # amount, created, currency, status
    merged = BufferedStore(store, merged_reads=True)
    merged.insert(pi("pi_c", 80, 100, "succeeded"))
    with pytest.raises(RuntimeError):
        merged.execute("SELECT count(*) FROM search_terms")


def test_a_data_dir_from_before_search_is_indexed_when_opened(tmp_path) -> None:
    path = str(tmp_path / "sandbox.sqlite3")
    store = Store(path)
    with store.tx():
        store.insert(customer("cus_old", 5, "old@example.com", "Old Timer"))
        store.insert(pi("pi_old", 6, 4321, "succeeded"))
    store.close()
    db = sqlite3.connect(path)
    db.executescript("DROP TABLE search_terms; DROP TABLE search_trigrams; DROP TABLE search_texts;")
    db.close()
    reopened = Store(path)
    assert ("amount", 4321.0) in term_rows(reopened, "pi_old")
    assert stored_rows(reopened, "cus_old") == expected_rows(customer("cus_old", 5, "old@example.com", "Old Timer"))
    reopened.close()
    again = Store(path)  # the tables exist now: nothing is indexed twice
    assert len(term_rows(again, "pi_old")) == again.execute(
        "SELECT count(*) FROM search_terms WHERE object_id='pi_old'").fetchone()[0]
    again.close()


def test_the_email_filter_is_exact_case_sensitive_and_indexed() -> None:
    store = Store()
    with store.tx():
        for i, email in enumerate(["Ann@Example.com", "ann@example.com", "Ann@Example.com", None]):
            store.insert(customer(f"cus_{i}", 100 + i, email))
        store.insert(customer("cus_gone", 200, "Ann@Example.com", deleted=True))
    found, has_more = store.list("customer", filters={"email": "Ann@Example.com"}, exclude_status="deleted")
    assert [c["id"] for c in found] == ["cus_2", "cus_0"] and has_more is False
    seen: list[tuple[str, tuple]] = []
    run = store.execute
    store.execute = lambda sql, args=(): seen.append((sql, args)) or run(sql, args)
    store.list("customer", filters={"email": "x"}, exclude_status="deleted")
    sql, args = next(q for q in seen if "email" in q[0])
    plan = run("EXPLAIN QUERY PLAN " + sql, args).fetchall()
    assert any("ix_objects_email" in row[-1] for row in plan), plan


def backlog(store: Store) -> list[str]:
    return [r[0] for r in store.execute("SELECT object_id FROM search_backlog ORDER BY 1").fetchall()]


def test_a_request_queues_its_objects_and_a_search_indexes_the_queue_first() -> None:
    """A request's few writes only queue ids; the rows come in one batch before the next search,
    or at once when SEARCH_BATCH ids wait (so a search never has unbounded work to do first)."""
    from lib.sandbox.storage.store import SEARCH_BATCH

    store = Store()
    with store.tx():
        store.insert(pi("pi_q", 10, 700, "requires_payment_method"))
        store.update(pi("pi_q", 10, 700, "succeeded"))
        store.insert({"id": "evt_q", "object": "event", "created": 1, "type": "x", "data": {}})
    assert backlog(store) == ["pi_q"]  # once, however often written; events are not searchable
    assert store.execute("SELECT count(*) FROM search_terms").fetchone()[0] == 0
    assert store.catch_up_search() == 1
    assert backlog(store) == []
    assert term_rows(store, "pi_q") == {("amount", 700.0), ("created", 10.0), ("currency", "usd"),
                                        ("status", "succeeded")}
    with store.tx():
        for i in range(SEARCH_BATCH - 1):
            store.insert(pi(f"pi_{i:04d}", 20 + i, 100, "succeeded"))
    assert len(backlog(store)) == SEARCH_BATCH - 1
    with store.tx():
        store.insert(pi("pi_last", 999, 100, "succeeded"))
    assert backlog(store) == []  # the write that filled the batch indexed it
    assert store.execute("SELECT count(DISTINCT object_id) FROM search_terms").fetchone()[0] == SEARCH_BATCH + 1


def test_with_a_background_worker_a_full_batch_is_handed_to_it_and_a_runaway_backlog_is_not() -> None:
    """A store with ``on_search_backlog`` set (the engine's job worker) calls it once when the
    backlog reaches SEARCH_BATCH instead of indexing in the request; past SEARCH_BACKLOG_MAX queued
    ids the request indexes anyway, so a stalled worker cannot leave a search unbounded work."""
    from lib.sandbox.storage.store import SEARCH_BACKLOG_MAX, SEARCH_BATCH

    store = Store()
    calls: list[int] = []
    store.on_search_backlog = lambda: calls.append(store.search_backlog)
    with store.tx():
        for i in range(SEARCH_BATCH + 10):
            store.insert(pi(f"pi_w{i:04d}", i, 100, "succeeded"))
    assert calls == [SEARCH_BATCH]  # once, when the batch filled, not on every later write
    assert len(backlog(store)) == SEARCH_BATCH + 10  # nothing indexed by the request
    assert store.execute("SELECT count(*) FROM search_terms").fetchone()[0] == 0
    with store.tx():
        for i in range(SEARCH_BATCH + 10, SEARCH_BACKLOG_MAX):
            store.insert(pi(f"pi_w{i:04d}", i, 100, "succeeded"))
    assert backlog(store) == []  # the write that reached the cap indexed everything
    assert store.execute("SELECT count(DISTINCT object_id) FROM search_terms").fetchone()[0] == SEARCH_BACKLOG_MAX
    assert calls == [SEARCH_BATCH]


def test_the_engines_job_worker_indexes_a_full_batch() -> None:
    """Started, the engine hooks its worker to the store's backlog; the worker indexes the batch
    without any search asking. Stopped, the hook is gone and writes index inline again."""
    import time

    from lib.sandbox.app import open_engine
    from lib.sandbox.storage.store import SEARCH_BATCH

    engine = open_engine(None, memory=True, async_delay=0)
    store = engine.store
    engine.start()
    try:
        assert store.on_search_backlog is not None
        with store.tx():
            for i in range(SEARCH_BATCH):
                store.insert(pi(f"pi_e{i:04d}", i, 100, "succeeded"))
        deadline = time.monotonic() + 10
        while store.search_backlog and time.monotonic() < deadline:
            time.sleep(0.01)
        assert store.search_backlog == 0
        assert store.execute("SELECT count(DISTINCT object_id) FROM search_terms").fetchone()[0] == SEARCH_BATCH
    finally:
        engine.stop()
    assert store.on_search_backlog is None


def test_the_backlog_outlives_the_process(tmp_path) -> None:
    """Queued ids are rows in the store's transaction: a server killed before indexing them loses
    nothing, the next search after a restart indexes them."""
    path = str(tmp_path / "sandbox.sqlite3")
    store = Store(path)
    with store.tx():
        store.insert(customer("cus_k", 5, "kept@example.com", "Kept Queued"))
    store.close()  # no catch-up: as if the process died here
    reopened = Store(path)
    assert backlog(reopened) == ["cus_k"]
    assert stored_rows(reopened, "cus_k") == expected_rows(customer("cus_k", 5, "kept@example.com", "Kept Queued"))
    reopened.close()
