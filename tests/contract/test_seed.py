"""The bulk seeder (lib/sandbox/seed/): the mix, the ledger, reproducibility, CLI and live use."""

from __future__ import annotations

import collections
import json
import re
import sqlite3
import time
from contextlib import closing

import pytest
import requests

from lib.sandbox import open_engine, start_sandbox
from lib.sandbox import seed as seeding
from lib.sandbox.__main__ import main as cli
from lib.sandbox.resources.ledger import balance_totals
from lib.sandbox.storage import bulkstore
from lib.sandbox.storage.store import SCHEMA, Store

PAYMENTS = 3000
NOW = 1_790_000_000  # a fixed clock: two runs with one seed are then identical but for ids


def objects(engine, kind: str) -> list[dict]:
    rows = engine.store.execute("SELECT data FROM objects WHERE kind=? ORDER BY rowid", (kind,)).fetchall()
    return [json.loads(r[0]) for r in rows]


@pytest.fixture(scope="module")
def seeded():
    engine = open_engine(None, memory=True, async_delay=0)
    engine.sync_before = engine.store.execute("PRAGMA synchronous").fetchone()[0]
    calls: list[tuple[int, int]] = []
    stats = seeding.seed(engine, PAYMENTS, days=30, seed=11, progress=lambda d, t: calls.append((d, t)),
                         batch=500, now=NOW)
    yield engine, stats, calls
    engine.store.close()


def test_progress_reported_per_batch(seeded):
    _, stats, calls = seeded
    assert calls == [(n, PAYMENTS) for n in range(500, PAYMENTS + 1, 500)]
    assert stats["payment_intents"] == PAYMENTS
    engine, _, _ = seeded
    # The bulk-load settings are put back (the store's own synchronous level, cache 2000 pages).
    assert engine.store.execute("PRAGMA synchronous").fetchone()[0] == engine.sync_before
    assert engine.store.execute("PRAGMA cache_size").fetchone()[0] == -2000


def test_declines_are_about_eight_percent_with_real_codes(seeded):
    engine, _, _ = seeded
    charges = objects(engine, "charge")
    failed = [c for c in charges if c["status"] == "failed"]
    assert 0.06 <= len(failed) / PAYMENTS <= 0.10
    codes = collections.Counter(c["outcome"]["reason"] for c in failed)
    assert {"insufficient_funds", "generic_decline", "expired_card", "incorrect_cvc"} <= set(codes)
    assert codes.most_common(1)[0][0] == "insufficient_funds"
    pis = {p["id"]: p for p in objects(engine, "payment_intent")}
    retried = [c for c in failed if pis[c["payment_intent"]]["status"] == "succeeded"]
    assert retried, "some declined payments succeed on a second card"


def test_three_d_secure_mix(seeded):
    engine, stats, _ = seeded
    assert 0.03 <= stats["3ds"] / PAYMENTS <= 0.07
    results = collections.Counter((c["payment_method_details"]["card"]["three_d_secure"] or {}).get("result")
                                  for c in objects(engine, "charge"))
    assert results["authenticated"] > 0
    statuses = collections.Counter(p["status"] for p in objects(engine, "payment_intent"))
    assert statuses["requires_action"] > 0  # abandoned challenges
    auth_failures = [p for p in objects(engine, "payment_intent") if (p["last_payment_error"] or {}).get("code")
                     == "payment_intent_authentication_failure"]
    assert auth_failures


def test_manual_captures_full_partial_and_canceled(seeded):
    engine, _, _ = seeded
    manual = [p for p in objects(engine, "payment_intent") if p["capture_method"] == "manual"]
    assert 0.07 <= len(manual) / PAYMENTS <= 0.13
    partial = [p for p in manual if p["status"] == "succeeded" and p["amount_received"] < p["amount"]]
    full = [p for p in manual if p["status"] == "succeeded" and p["amount_received"] == p["amount"]]
    canceled = [p for p in manual if p["status"] == "canceled"]
    assert partial and full and canceled
    assert len(full) > len(partial)


def test_refunds_full_and_partial(seeded):
    engine, _, _ = seeded
    refunds = objects(engine, "refund")
    assert 0.03 <= len(refunds) / PAYMENTS <= 0.07
    charges = {c["id"]: c for c in objects(engine, "charge")}
    full = [r for r in refunds if r["amount"] == charges[r["charge"]]["amount_captured"]]
    assert full and len(full) < len(refunds)
    assert all(charges[r["charge"]]["refunded"] == (r in full) for r in refunds)
    assert all(r["created"] > charges[r["charge"]]["created"] for r in refunds)


def test_disputes_won_lost_and_inquiries(seeded):
    engine, stats, _ = seeded
    disputes = objects(engine, "dispute")
    assert 0.004 <= len(disputes) / PAYMENTS <= 0.012
    statuses = collections.Counter(d["status"] for d in disputes)
    assert statuses["won"] and statuses["lost"] and statuses["warning_closed"]
    assert {d["payment_method_details"]["card"]["case_type"] for d in disputes} == {"chargeback", "inquiry"}
    assert stats["disputes"] == len(disputes)


def test_currencies_brands_countries_and_customers(seeded):
    engine, _, _ = seeded
    pis = objects(engine, "payment_intent")
    currencies = collections.Counter(p["currency"] for p in pis)
    assert set(currencies) == {"usd", "eur", "gbp", "cad", "aud", "jpy"}
    assert currencies.most_common(1)[0][0] == "usd" and 0.55 <= currencies["usd"] / PAYMENTS <= 0.8
    assert all(p["amount"] % 10 == 0 for p in pis if p["currency"] == "jpy")
    cards = [c["payment_method_details"]["card"] for c in objects(engine, "charge")]
    assert {"visa", "mastercard", "amex", "discover"} <= {c["brand"] for c in cards}
    assert len({c["country"] for c in cards}) >= 8
    per_customer = collections.Counter(p["customer"] for p in pis if p["customer"])
    assert 0.55 <= sum(per_customer.values()) / PAYMENTS <= 0.75
    assert sum(1 for n in per_customer.values() if n >= 2) >= 100  # returning customers
    assert len(objects(engine, "customer")) == len(per_customer)


def test_balance_transactions_sum_to_the_balance(seeded):
    engine, _, _ = seeded
    txns = objects(engine, "balance_transaction")
    sums = {"available": 0, "pending": 0}
    for t in txns:
        sums[t["status"]] += t["net"]
        assert t["net"] == t["amount"] - t["fee"]
    totals = balance_totals(engine.ctx())
    assert sums == {k: sum(v.values()) for k, v in totals.items()}
    kinds = {(t["type"], t["reporting_category"]) for t in txns}
    assert {("charge", "charge"), ("refund", "refund"), ("adjustment", "dispute"),
            ("adjustment", "dispute_reversal")} <= kinds
    captured = [c for c in objects(engine, "charge") if c["captured"]]
    assert {c["balance_transaction"] for c in captured} <= {t["id"] for t in txns}


def test_events_as_the_api_would_emit_them(seeded):
    engine, _, _ = seeded
    events = objects(engine, "event")
    counts = collections.Counter(e["type"] for e in events)
    assert counts["payment_intent.created"] == PAYMENTS
    assert counts["charge.failed"] == len([c for c in objects(engine, "charge") if c["status"] == "failed"])
    assert counts["refund.created"] == counts["charge.refunded"] == len(objects(engine, "refund"))
    assert all(e["pending_webhooks"] == 0 for e in events)
    created = [e for e in events if e["type"] == "payment_intent.created"]
    assert all(e["request"]["id"].startswith("req_") for e in created)
    # Events are stamped when they are recorded (here the fixed clock NOW), never back-dated as on
    # Stripe; the objects they carry keep their place in the history, spread over the whole window.
    assert {e["created"] for e in events} == {NOW}
    days = {e["data"]["object"]["created"] // 86400 for e in created}
    assert len(days) >= 28
    assert all(NOW - 31 * 86400 <= e["data"]["object"]["created"] <= NOW for e in events)
    pi = next(p for p in objects(engine, "payment_intent") if p["status"] == "succeeded"
              and p["capture_method"] != "manual" and not p["customer"])
    rows, _ = engine.store.list("event", filters={"source": [pi["id"], pi["latest_charge"]]}, limit=20)
    assert [e["type"] for e in reversed(rows)][:3] == ["payment_intent.created", "charge.succeeded",
                                                       "payment_intent.succeeded"]


def test_buffered_rows_are_the_store_rows(seeded):
    engine, _, _ = seeded
    for kind in ("event", "charge", "payment_intent", "customer", "dispute", "refund", "balance_transaction"):
        for obj in objects(engine, kind)[:200]:
            fast, slow = bulkstore._row(obj), engine.store._row(obj)
            assert fast[:-1] == slow[:-1] and json.loads(fast[-1]) == json.loads(slow[-1])
            assert bulkstore._row_generic(obj) == fast
    # rows go in as UTF-8 bytes cast to TEXT: stored as text, so SQL's JSON functions read them
    assert engine.store.execute("SELECT count(*) FROM objects WHERE typeof(data) <> 'text'").fetchone()[0] == 0
    assert engine.store.execute("SELECT count(*) FROM objects WHERE json_valid(data)").fetchone()[0] == \
        sum(engine.store.counts().values())


def _fingerprint(engine) -> dict:
    def rows(kind, *fields):
        return sorted(tuple(json.dumps(o.get(f), sort_keys=True) for f in fields) for o in objects(engine, kind))
    return {"counts": engine.store.counts(),
            "pis": rows("payment_intent", "created", "amount", "currency", "status", "amount_received"),
            "txns": rows("balance_transaction", "created", "amount", "fee", "net", "type", "status"),
            "events": rows("event", "created", "type")}


def test_same_seed_same_history_other_seed_differs():
    runs = []
    for s in (5, 5, 6):
        engine = open_engine(None, memory=True, async_delay=0)
        stats = seeding.seed(engine, 400, days=10, seed=s, now=NOW)
        runs.append((stats, _fingerprint(engine)))
        engine.store.close()
    assert runs[0] == runs[1]
    assert runs[0][1]["pis"] != runs[2][1]["pis"]


def test_cli_seeds_a_data_dir(tmp_path, capsys):
    assert cli(["seed", "--payments", "150", "--days", "3", "--data-dir", str(tmp_path), "--seed", "4"]) == 0
    out, err = capsys.readouterr()
    assert "150/150 payments" in err and "Seeded 150 payments" in out
    # Every index of store.SCHEMA is there after a bulk load (checked with a plain connection: opening a
    # Store would recreate missing ones itself).
    with closing(sqlite3.connect(tmp_path / "sandbox.sqlite3")) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='index'").fetchall()}
    assert set(re.findall(r"CREATE INDEX IF NOT EXISTS (\w+)", SCHEMA)) <= names
    store = Store(str(tmp_path / "sandbox.sqlite3"))
    try:
        counts = store.counts()
        assert counts["payment_intent"] == 150 and counts["event"] > 450
    finally:
        store.close()


def test_seeding_a_running_sandbox_sends_no_webhooks():
    handle = start_sandbox(memory=True, async_delay=0)
    try:
        headers = {"Authorization": "Bearer sk_test_seed"}
        resp = requests.post(handle.url + "/v1/webhook_endpoints", headers=headers, timeout=10,
                             data={"url": "http://127.0.0.1:9/hook", "enabled_events[0]": "*"})
        assert resp.status_code == 200, resp.text
        stats = seeding.seed(handle.engine, 120, days=2, seed=3)
        page = requests.get(handle.url + "/v1/payment_intents", params={"limit": 100}, headers=headers, timeout=10)
        assert len(page.json()["data"]) == 100 and page.json()["has_more"] is True
        assert stats["payment_intents"] == 120 == handle.stats()["payment_intent"]
        log = requests.get(handle.url + "/_sandbox/webhook_deliveries", headers=headers, timeout=10).json()
        assert log["data"] == []
        assert max(p["created"] for p in page.json()["data"]) <= time.time()
    finally:
        handle.stop()


def test_custom_planner_and_stopping_between_batches():
    engine = open_engine(None, memory=True, async_delay=0)
    sync_before = engine.store.execute("PRAGMA synchronous").fetchone()[0]

    def only_successes(rng):
        plan = seeding.plan_payment(rng)
        plan.update(kind="card", capture=None, refund=None, currency="eur")
        return plan

    class Stop(Exception):
        pass

    def stop_after_two(done, total):
        if done >= 200:
            raise Stop

    try:
        with pytest.raises(Stop):
            seeding.seed(engine, 1000, days=3, seed=9, batch=100, planner=only_successes, progress=stop_after_two)
        pis = objects(engine, "payment_intent")
        assert len(pis) == 200  # two whole batches committed, nothing of the third
        assert {(p["status"], p["currency"]) for p in pis} == {("succeeded", "eur")}
        assert engine.store.execute("PRAGMA synchronous").fetchone()[0] == sync_before
    finally:
        engine.store.close()


def test_a_running_sandbox_answers_while_a_batch_is_being_built():
    """The store is held only while a batch is written: a request made in the middle of building one
    (here from the planner itself, between two payments) is answered at once, and sees the batches
    already written but nothing of the one being built."""
    handle = start_sandbox(memory=True, async_delay=0)
    seen: list[int] = []

    def planner(rng):
        plan = seeding.plan_payment(rng)
        plan.update(kind="card", capture=None, refund=None, customer=False)
        if len(seen) < 3 and rng.random() < 0.05:
            resp = requests.get(handle.url + "/v1/payment_intents", params={"limit": 100}, timeout=5,
                                headers={"Authorization": "Bearer sk_test_seed"})
            seen.append(len(resp.json()["data"]))
        return plan
    try:
        seeding.seed(handle.engine, 300, days=2, seed=8, batch=50, planner=planner)
        assert len(seen) == 3 and all(n % 50 == 0 for n in seen)  # whole batches only, never a partial one
        assert handle.stats()["payment_intent"] == 300
    finally:
        handle.stop()
