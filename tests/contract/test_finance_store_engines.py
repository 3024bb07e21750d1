"""The finance warehouse interface on both engines (``engine`` fixture): the embedded DuckDB file and
a real Postgres. Batches, transactions, accounts, checkpoints, the sync lock and rollups rebuilt by
day, checked against hand-built rows."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from lib.finance.store import TABLES, SyncAlreadyRunning, open_warehouse


@pytest.fixture
def location(warehouse_location):
    return warehouse_location


@pytest.fixture
def warehouse(location):
    wh = open_warehouse(location)
    wh.ensure_schema()
    yield wh
    wh.close()


def ts(text: str) -> int:
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


def charge(cid: str, at: str, amount: int, *, refunded: int = 0, brand: str = "visa") -> dict:
    return {"id": cid, "object": "charge", "created": ts(at), "amount": amount, "amount_captured": amount,
            "amount_refunded": refunded, "refunded": refunded == amount, "currency": "usd", "status": "succeeded",
            "paid": True, "captured": True, "disputed": False, "balance_transaction": f"txn_{cid}",
            "outcome": {"type": "authorized", "risk_level": "normal"},
            "payment_method_details": {"type": "card", "card": {"brand": brand, "country": "US", "last4": "4242"}},
            "metadata": {"order": cid}}


def test_the_schema_is_created_once_and_again_without_harm(warehouse):
    assert set(TABLES) | {"sync_state", "sync_runs"} <= warehouse.table_names()
    warehouse.ensure_schema()
    assert warehouse.latest_run() is None and warehouse.load_state() == {}


def test_a_batch_round_trips_typed_values_and_updates_in_place(warehouse):
    ch = charge("ch_1", "2025-03-01 10:00:05", 1099)
    assert warehouse.upsert(TABLES["charges"], [ch, ch], 1_741_000_000, "eu") == 1
    row = warehouse.records("SELECT * FROM charges")[0]
    assert (row["id"], row["account"], row["amount"], row["captured"], row["card_brand"], row["card_country"]) == (
        "ch_1", "eu", 1099, True, "visa", "US")
    assert row["created"] == datetime(2025, 3, 1, 10, 0, 5)
    assert row["synced_at"] == datetime.fromtimestamp(1_741_000_000, UTC).replace(tzinfo=None)
    assert row["pay_status"] == "succeeded" and row["metadata"] == '{"order":"ch_1"}'
    warehouse.upsert(TABLES["charges"], [charge("ch_1", "2025-03-01 10:00:05", 1099, refunded=1099)], 1, "eu")
    assert warehouse.records("SELECT amount_refunded, pay_status FROM charges") == [
        {"amount_refunded": 1099, "pay_status": "refunded"}]
    bt = {"id": "txn_1", "created": ts("2025-03-01 10:00:05"), "amount": 1099, "fee": 62, "net": 1037,
          "currency": "usd", "exchange_rate": 1.0842, "type": "charge", "source": {"id": "ch_1"}}
    warehouse.upsert(TABLES["balance_transactions"], [bt], 1, "eu")
    assert warehouse.records("SELECT exchange_rate, source FROM balance_transactions") == [
        {"exchange_rate": 1.0842, "source": "ch_1"}]


def test_a_big_batch_is_written_whole(warehouse):
    many = [{"id": f"cus_{i:05d}", "created": 1_700_000_000 + i, "email": f"c{i}@example.com"} for i in range(5000)]
    with warehouse.transaction():
        assert warehouse.upsert(TABLES["customers"], many, 0) == 5000
    assert warehouse.count_rows("customers") == 5000


def test_batches_after_batches_leave_no_rows_behind_in_the_staging_table(warehouse, engine):
    """Postgres stages each batch in a temporary table. It is emptied with TRUNCATE after each
    batch: temporary tables are never vacuumed, so rows removed by DELETE stayed in its file and
    every later batch scanned them again (a 100k-payment sync took 43 s instead of 29). The count
    of new rows comes back right for a batch of new and updated rows alike."""
    batch = [{"id": f"cus_{i:05d}", "created": 1_700_000_000 + i, "email": f"c{i}@example.com"} for i in range(500)]
    for n in range(6):
        with warehouse.transaction():
            warehouse.upsert(TABLES["customers"], [{**c, "id": f"{c['id']}_{n}"} for c in batch], 0)
    assert warehouse.count_rows("customers") == 3000
    with warehouse.transaction():
        warehouse.upsert(TABLES["customers"], [*batch[:10], {**batch[0], "id": "cus_brand_new"}], 0)
    if engine != "postgres":
        return
    assert warehouse.inserted == 11  # batch[:10] were never written under those ids either
    with warehouse.transaction():
        warehouse.upsert(TABLES["customers"], batch[:10], 0)
    assert warehouse.inserted == 0  # all ten updated in place
    pages = warehouse.records("SELECT pg_relation_size('stage_customers') / current_setting('block_size')::int "
                              "AS pages")[0]["pages"]
    assert pages == 0


def test_a_transaction_is_rolled_back_when_anything_fails(warehouse):
    with pytest.raises(ValueError), warehouse.transaction():
        warehouse.upsert(TABLES["customers"], [{"id": "cus_1", "email": "a@example.com"}], 0)
        warehouse.save_state("customers", phase="backfill")
        raise ValueError("page failed")
    assert warehouse.count_rows("customers") == 0 and warehouse.load_state() == {}


def test_accounts_are_kept_apart(warehouse):
    warehouse.upsert(TABLES["customers"], [{"id": "cus_1", "email": "eu@example.com"}], 0, "eu")
    warehouse.upsert(TABLES["customers"], [{"id": "cus_1", "email": "us@example.com"}], 0, "us")
    warehouse.mark_deleted("customers", ["cus_1"], "us")
    assert warehouse.records("SELECT account, email, deleted FROM customers ORDER BY account") == [
        {"account": "eu", "email": "eu@example.com", "deleted": False},
        {"account": "us", "email": "us@example.com", "deleted": True}]
    warehouse.save_state("charges", account="eu", phase="ready", events_cursor=100)
    warehouse.save_state("charges", account="us", phase="backfill", events_cursor=200)
    warehouse.save_state("charges", account="eu", last_error="HTTP 403")
    eu, us = warehouse.load_state("eu")["charges"], warehouse.load_state("us")["charges"]
    assert (eu["phase"], eu["events_cursor"], eu["last_error"]) == ("ready", 100, "HTTP 403")
    assert (us["phase"], us["events_cursor"], us["last_error"]) == ("backfill", 200, None)
    assert warehouse.load_state() == {}


def test_run_ids_keep_increasing_and_runs_are_per_account(warehouse):
    row = {"started_at": datetime(2025, 3, 1, 10), "finished_at": datetime(2025, 3, 1, 10, 1), "mode": "backfill",
           "status": "ok", "requests": 3, "objects": 2, "counts": "{}"}
    warehouse.record_run(5000, {**row, "account": "eu", "message": "first"})
    warehouse.record_run(4000, {**row, "account": "us", "message": "second"})
    assert (warehouse.latest_run()["run_id"], warehouse.latest_run()["message"]) == (5001, "second")
    assert warehouse.latest_run("eu")["message"] == "first"


def test_the_sync_lock_admits_one_run_per_account(location, warehouse, engine):
    other = open_warehouse(location)
    try:
        with warehouse.sync_lock("eu"):
            with pytest.raises(SyncAlreadyRunning) as refused, other.sync_lock("eu"):
                pass
            wanted = "sync already running elsewhere" if engine == "postgres" else "already running in this app"
            assert wanted in refused.value.message.lower()
            if engine == "postgres":  # another account is not held up (DuckDB: one sync per process)
                with other.sync_lock("us"):
                    pass
        with other.sync_lock("eu"):
            pass
    finally:
        other.close()


def _rollup(warehouse, table: str) -> list[dict]:
    cols = "account, day, currency, brand, pay_status, n, amount, amount_refunded"
    return warehouse.records(f"SELECT {cols} FROM {table} ORDER BY account, day, brand, pay_status")


def test_rebuilding_the_touched_days_gives_the_full_rebuild(warehouse):
    charges = TABLES["charges"]
    warehouse.upsert(charges, [charge("ch_a", "2025-03-01 09:00", 1000), charge("ch_b", "2025-03-02 09:00", 2000),
                               charge("ch_c", "2025-03-03 09:00", 3000, brand="amex")], 0, "eu")
    warehouse.upsert(charges, [charge("ch_a", "2025-03-02 12:00", 500)], 0, "us")
    warehouse.rebuild_rollups()
    day2 = [r for r in _rollup(warehouse, "rollup_charges") if r["day"] == date(2025, 3, 2)]
    assert [(r["account"], r["amount"], r["pay_status"]) for r in day2] == [("eu", 2000, "succeeded"),
                                                                            ("us", 500, "succeeded")]
    # a refund on 2 March in account eu, and a new charge on 4 March: rebuild those days only
    warehouse.upsert(charges, [charge("ch_b", "2025-03-02 09:00", 2000, refunded=2000),
                               charge("ch_d", "2025-03-04 09:00", 4000)], 0, "eu")
    warehouse.execute("UPDATE charges SET amount = 999 WHERE id = 'ch_c'")  # not touched: must stay as it was
    warehouse.rebuild_rollups({date(2025, 3, 2), date(2025, 3, 4)}, ["eu"])
    got = _rollup(warehouse, "rollup_charges")
    assert [(r["account"], str(r["day"]), r["amount"], r["amount_refunded"], r["pay_status"]) for r in got] == [
        ("eu", "2025-03-01", 1000, 0, "succeeded"), ("eu", "2025-03-02", 2000, 2000, "refunded"),
        ("eu", "2025-03-03", 3000, 0, "succeeded"), ("eu", "2025-03-04", 4000, 0, "succeeded"),
        ("us", "2025-03-02", 500, 0, "succeeded")]
    warehouse.execute("UPDATE charges SET amount = 3000 WHERE id = 'ch_c'")
    warehouse.rebuild_rollups()
    assert _rollup(warehouse, "rollup_charges") == got
    assert warehouse.rollups_exist()


def test_a_writable_duckdb_file_checkpoints_once_not_every_16_mb(tmp_path):
    """The sync's connection raises DuckDB's checkpoint threshold (one checkpoint at close instead
    of one per 16 MB of WAL during a backfill); what it wrote is all there after a reopen."""
    from lib.finance.store.duckdb_warehouse import open_duckdb

    path = tmp_path / "finance.duckdb"
    wh = open_duckdb(path)
    wh.ensure_schema()
    assert wh.records("SELECT current_setting('checkpoint_threshold') AS t")[0]["t"] == "1.0 GiB"
    with wh.transaction():
        wh.upsert(TABLES["customers"], [{"id": f"cus_{i}", "created": 1_700_000_000 + i} for i in range(300)], 0)
    wh.close()
    again = open_duckdb(path, read_only=True)
    assert again.count_rows("customers") == 300
    again.close()
