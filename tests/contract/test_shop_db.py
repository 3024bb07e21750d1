"""The shop's database (lib/shop/db), on SQLite and on Postgres."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from lib.config import PROJECT_ROOT
from lib.shop import DuplicateEvent, MerchantDB
from lib.shop.db import DEFAULT_DB_PATH, db_path_from_env


@pytest.fixture
def db(shop_db_location) -> MerchantDB:
    """The shop's database on each engine (SQLite, and a fresh Postgres database)."""
    database = MerchantDB(shop_db_location)
    yield database
    database.close()


def test_db_location_from_env(tmp_path: Path):
    assert db_path_from_env({}) == DEFAULT_DB_PATH
    assert db_path_from_env({"MERCHANT_DB_URL": f"sqlite:///{tmp_path}/x.db"}) == tmp_path / "x.db"
    assert db_path_from_env({"MERCHANT_DB_URL": "sqlite:///rel/shop.db"}) == PROJECT_ROOT / "rel" / "shop.db"
    assert db_path_from_env({"MERCHANT_DB_URL": str(tmp_path / "plain.db")}) == tmp_path / "plain.db"
    assert db_path_from_env({"MERCHANT_DB_URL": "sqlite:///:memory:"}) == ":memory:"
    with pytest.raises(ValueError, match="sqlite"):
        db_path_from_env({"MERCHANT_DB_URL": "postgres://x/y"})


def test_order_is_created_once_and_starts_pending(db: MerchantDB):
    order, created = db.create_order("ord_1", 2500, "USD", "test", "http://sandbox")
    assert created and order["status"] == "pending" and order["currency"] == "usd" and order["payment_intent"] is None
    again, created_again = db.create_order("ord_1", 9999, "eur")
    assert not created_again and again["amount"] == 2500  # the first write wins
    db.attach_payment_intent("ord_1", "pi_1")
    db.attach_payment_intent("ord_1", "pi_2")  # never re-pointed
    assert db.order_for_payment_intent("pi_1")["id"] == "ord_1"
    assert db.order_for_payment_intent("pi_2") is None


def test_attempts_are_keyed_by_idempotency_key(db: MerchantDB):
    db.create_order("ord_1", 2500, "usd")
    assert db.begin_attempt("ord_1", "key-a", "pm_a") == (1, True, "create")
    # double click, after the first click attached the PaymentIntent: still the same (create) request
    assert db.begin_attempt("ord_1", "key-a", "pm_a", "confirm:pi_1") == (1, False, "create")
    assert db.begin_attempt("ord_1", "key-b", "pm_b", "confirm:pi_1") == (2, True, "confirm:pi_1")
    db.finish_attempt("key-a", "requires_payment_method")
    assert [a["outcome"] for a in db.attempts("ord_1")] == ["requires_payment_method", None]
    assert db.attempt_count("ord_1") == 2


def test_mark_paid_once_and_receipt_deduplicated(db: MerchantDB):
    db.create_order("ord_1", 2500, "usd")
    assert db.mark_paid("ord_1", "api_response", ("subject", "body"))
    assert not db.mark_paid("ord_1", "webhook", ("subject 2", "body 2"))
    order = db.order("ord_1")
    assert order["status"] == "paid" and order["paid_via"] == "api_response"
    assert [m["subject"] for m in db.outbox("ord_1")] == ["subject"]


def test_fulfilment_happens_once(db: MerchantDB):
    db.create_order("ord_1", 2500, "usd")
    assert db.fulfil("ord_1", "evt_1", "shipped")
    assert not db.fulfil("ord_1", "evt_2", "shipped again")
    assert db.fulfilment("ord_1")["event_id"] == "evt_1"
    assert db.order("ord_1")["fulfilled_at"] is not None


def test_refunds_drive_the_order_status(db: MerchantDB):
    db.create_order("ord_1", 2500, "usd")
    db.mark_paid("ord_1", "webhook")
    db.upsert_refund("re_1", "ord_1", 1000, "succeeded")
    assert (db.order("ord_1")["status"], db.order("ord_1")["amount_refunded"]) == ("partially_refunded", 1000)
    db.upsert_refund("re_2", "ord_1", 1500, "pending")
    assert (db.order("ord_1")["status"], db.order("ord_1")["amount_refunded"]) == ("refunded", 2500)
    db.upsert_refund("re_2", "ord_1", 1500, "failed", "expired_or_canceled_card")
    order = db.order("ord_1")
    assert (order["status"], order["amount_refunded"]) == ("partially_refunded", 1000)
    assert db.refunds("ord_1")[1]["failure_reason"] == "expired_or_canceled_card"


def test_processed_event_insert_is_exactly_once_inside_a_transaction(db: MerchantDB):
    with db.tx() as tx:
        db.record_event(tx, "evt_1", "payment_intent.succeeded", "pi_1", None, "ok")
    with pytest.raises(DuplicateEvent), db.tx() as tx:
        db.update_order("ord_x", status="paid")  # would-be effect, rolled back with the duplicate
        db.record_event(tx, "evt_1", "payment_intent.succeeded", "pi_1", None, "again")
    assert db.event_processed("evt_1")["result"] == "ok"


def test_rollback_discards_effects(db: MerchantDB):
    db.create_order("ord_1", 2500, "usd")
    with pytest.raises(RuntimeError), db.tx():
        db.update_order("ord_1", status="paid")
        raise RuntimeError("boom")
    assert db.order("ord_1")["status"] == "pending"


def test_webhook_log_is_bounded(db: MerchantDB, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr("lib.shop.db.merchant_db.WEBHOOK_LOG_KEEP", 5)
    for i in range(12):
        db.log_webhook(400, "rejected", detail=f"#{i}")
    rows = db.webhook_log(limit=50)
    assert len(rows) == 5 and rows[0]["detail"] == "#11"


def test_concurrent_writers_do_not_lose_updates(db: MerchantDB):
    db.create_order("ord_1", 2500, "usd")

    def work(n: int) -> None:
        for i in range(20):
            db.begin_attempt("ord_1", f"k-{n}-{i}", "pm")

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    numbers = [a["n"] for a in db.attempts("ord_1")]
    assert sorted(numbers) == list(range(1, 81))


def test_unknown_order_fields_are_refused(db: MerchantDB):
    with pytest.raises(ValueError, match="unknown"):
        db.update_order("ord_1", amount=1)
