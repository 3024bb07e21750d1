"""``python -m lib.sync`` on the Postgres of ``DATABASE_URL``: it writes there, and while another
process holds the account's advisory lock it is told "sync already running elsewhere" and changes
nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from lib.finance.store import open_warehouse
from lib.finance.store.postgres_warehouse import close_pools

ROOT = Path(__file__).resolve().parents[2]


def cli(url: str, sandbox_url: str, duckdb_file: Path) -> subprocess.CompletedProcess:
    # PFL_FINANCE_DB names a DuckDB file too: DATABASE_URL must win, that file must stay unmade.
    env = {**os.environ, "DATABASE_URL": url, "STRIPE_API_BASE": sandbox_url, "PFL_FINANCE_DB": str(duckdb_file)}
    return subprocess.run([sys.executable, "-m", "lib.sync", "--quiet"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_the_cli_honours_database_url_and_the_lock_of_another_process(pg_database, sandbox, stripe_client, tmp_path):
    stripe_client.v1.payment_intents.create(params={"amount": 2500, "currency": "usd",
                                                    "payment_method": "pm_card_visa", "confirm": True, "return_url": "https://shop.example/return"})
    holder = open_warehouse(pg_database.url)
    try:
        holder.ensure_schema()
        with holder.sync_lock(""):  # this test process "runs a sync" of the default account
            busy = cli(pg_database.url, sandbox.url, tmp_path / "finance.duckdb")
        assert busy.returncode == 3, busy.stdout + busy.stderr
        assert "Sync already running elsewhere" in busy.stdout
        assert holder.count_rows("payment_intents") == 0 and holder.latest_run() is None
        done = cli(pg_database.url, sandbox.url, tmp_path / "finance.duckdb")
        assert done.returncode == 0, done.stdout + done.stderr
        assert "Postgres of DATABASE_URL" in done.stdout and pg_database.url not in done.stdout
        listed = len(list(stripe_client.v1.payment_intents.list(params={"limit": 100}).auto_paging_iter()))
        assert holder.count_rows("payment_intents") == listed
        assert holder.latest_run()["status"] == "ok"
        assert not (tmp_path / "finance.duckdb").exists()
    finally:
        holder.close()
        close_pools()
