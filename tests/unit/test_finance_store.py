"""The finance warehouse (lib.finance.store): the DuckDB implementation of the interface the sync
writes through, on temporary files (no server). Both engines against a real Postgres:
tests/contract/test_finance_store_engines.py."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from lib.finance.store import (
    TABLES,
    DuckDBWarehouse,
    PostgresWarehouse,
    Reader,
    Warehouse,
    WarehouseError,
    default_location,
    open_warehouse,
)


@pytest.fixture
def warehouse(tmp_path):
    wh = open_warehouse(tmp_path / "data" / "finance.duckdb")
    wh.ensure_schema()
    yield wh
    wh.close()


def run_row(message: str) -> dict:
    return {"started_at": datetime(2025, 3, 1, 10), "finished_at": datetime(2025, 3, 1, 10, 1), "mode": "backfill",
            "status": "ok", "requests": 3, "objects": 2, "counts": "{}", "message": message}


@pytest.mark.parametrize("implementation", [DuckDBWarehouse, PostgresWarehouse])
def test_each_warehouse_has_every_method_of_the_interface(implementation):
    wanted = {n for proto in (Reader, Warehouse) for n in vars(proto)
              if not n.startswith("_") and callable(vars(proto)[n])}
    assert {"df", "upsert", "save_state", "record_run", "transaction", "sync_lock", "execute"} <= wanted
    assert sorted(n for n in wanted if not callable(getattr(implementation, n, None))) == []
    assert implementation.dialect in ("duckdb", "postgres")


def test_database_url_decides_where_the_warehouse_is(monkeypatch, tmp_path):
    monkeypatch.setenv("PFL_FINANCE_DB", str(tmp_path / "f.duckdb"))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    assert default_location() == tmp_path / "f.duckdb"
    monkeypatch.setenv("DATABASE_URL", "postgresql://app:secret@db.internal:5432/pfl")
    assert default_location() == "postgresql://app:secret@db.internal:5432/pfl"
    monkeypatch.setenv("DATABASE_URL", "mysql://app:secret@db/pfl")
    with pytest.raises(ValueError) as err:
        default_location()
    assert "postgresql://" in str(err.value) and "secret" not in str(err.value)


def test_a_file_from_before_accounts_is_upgraded_keeping_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE customers (id VARCHAR PRIMARY KEY, created TIMESTAMP, email VARCHAR, name VARCHAR, "
                "description VARCHAR, currency VARCHAR, balance BIGINT, delinquent BOOLEAN, country VARCHAR, "
                "deleted BOOLEAN, livemode BOOLEAN, metadata VARCHAR, synced_at TIMESTAMP)")
    con.execute("INSERT INTO customers (id, email) VALUES ('cus_old', 'old@example.com')")
    con.execute("CREATE TABLE sync_state (resource VARCHAR PRIMARY KEY, phase VARCHAR, watermark BIGINT)")
    con.execute("INSERT INTO sync_state VALUES ('customers', 'ready', 1700000000)")
    con.execute("CREATE TABLE sync_runs (run_id BIGINT PRIMARY KEY, message VARCHAR)")
    con.execute("CREATE TABLE rollup_charges AS SELECT 1 AS n")
    con.close()
    wh = open_warehouse(path)
    try:
        wh.ensure_schema()
        assert wh.records("SELECT account, id, email FROM customers") == [
            {"account": "", "id": "cus_old", "email": "old@example.com"}]
        assert wh.load_state()["customers"]["watermark"] == 1700000000
        assert "rollup_charges" not in wh.table_names()  # rebuilt with accounts by the next sync
        wh.upsert(TABLES["customers"], [{"id": "cus_old", "email": "eu@example.com"}], 0, "eu")
        assert wh.count_rows("customers") == 2  # the key now includes the account
    finally:
        wh.close()


def test_opening_creates_the_folder_and_an_empty_schema(tmp_path, warehouse):
    assert (tmp_path / "data" / "finance.duckdb").exists()
    assert set(TABLES) | {"sync_state", "sync_runs"} <= warehouse.table_names()
    assert warehouse.latest_run() is None and warehouse.load_state() == {}


def test_a_transaction_is_rolled_back_when_anything_fails(warehouse):
    with pytest.raises(ValueError), warehouse.transaction():
        warehouse.upsert(TABLES["customers"], [{"id": "cus_1", "email": "a@example.com"}], 0)
        raise ValueError("page failed")
    assert warehouse.count_rows("customers") == 0
    with warehouse.transaction():
        assert warehouse.upsert(TABLES["customers"], [{"id": "cus_1"}, {"id": "cus_1"}, {"id": "cus_2"}], 0) == 2
    warehouse.mark_deleted("customers", ["cus_2"])
    assert warehouse.records("SELECT id, deleted FROM customers ORDER BY id") == [
        {"id": "cus_1", "deleted": False}, {"id": "cus_2", "deleted": True}]


def test_saving_state_changes_only_the_given_columns(warehouse):
    warehouse.save_state("charges", phase="backfill", watermark=1700000000)
    warehouse.save_state("charges", last_error="HTTP 403")
    state = warehouse.load_state()["charges"]
    assert (state["phase"], state["watermark"], state["last_error"]) == ("backfill", 1700000000, "HTTP 403")


def test_run_ids_keep_increasing_even_when_the_clock_goes_back(warehouse):
    warehouse.record_run(5000, run_row("first"))
    warehouse.record_run(4000, run_row("second"))
    latest = warehouse.latest_run()
    assert (latest["run_id"], latest["message"], latest["requests"]) == (5001, "second", 3)


def test_a_file_that_is_not_a_database_is_a_readable_error_not_a_wait(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_bytes(b"not a duckdb file" * 100)
    sleeps: list[float] = []
    with pytest.raises(WarehouseError) as err:
        open_warehouse(bad, sleep=sleeps.append)
    assert "bad.duckdb" in err.value.message and not err.value.busy
    assert sleeps == []


def test_read_only_opening_does_not_create_a_folder(tmp_path):
    with pytest.raises(WarehouseError):
        open_warehouse(tmp_path / "missing" / "finance.duckdb", read_only=True, attempts=1)
    assert not (tmp_path / "missing").exists()
