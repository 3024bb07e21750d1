"""Sync from the sandbox into the warehouse (DuckDB and/or Postgres): a full sync of seeded history,
and incremental syncs after one new payment -- with the seeded history, and with ``--stored N``
synthetic payments already in the warehouse.

    .venv/bin/python bench/bench_sync.py [--payments 100000] [--days 90] [--data-dir DIR]
        [--url http://127.0.0.1:PORT] [--engine duckdb|postgres|both] [--database-url URL]
        [--stored 1000000] [--skip-full]

1. Seeds the sandbox with ``python -m lib.sandbox seed --payments N --days D`` into a data dir
   (skipped when ``--data-dir`` already holds a store).
2. Starts the sandbox on that data dir as a separate process (``python -m lib.sandbox serve
   --async-delay 0``, HTTP on localhost: server and sync run on different cores, as against the real
   API) -- or uses the sandbox already running at ``--url`` -- and, per engine, runs a full sync
   (``lib.sync.sync``) into a fresh warehouse through the stripe SDK; then one new payment and an
   incremental sync, then one with nothing new.
3. ``--stored N``: per engine, a fresh warehouse holding N synthetic payments
   (``lib.finance.synthetic``, ~3.3 rows per payment; copied into Postgres with ``COPY``), a small
   sandbox of its own (200 seeded payments) synced into it, then one new payment and the
   incremental sync that brings it in: its wall time, its CPU time (this process plus the
   Postgres backends, read from /proc), requests.

Postgres: ``--database-url`` (an empty database), else a throwaway server started like the
tests' (``tests/postgres.py``: fsync off, 32 MB shared buffers), one database per measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import duckdb
import stripe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.finance import synthetic  # noqa: E402
from lib.finance.store import TABLES, open_warehouse  # noqa: E402
from lib.finance.store.postgres_warehouse import close_pools  # noqa: E402
from lib.sync import sync  # noqa: E402


class CountingClient(stripe.RequestsClient):
    def __init__(self) -> None:
        super().__init__(timeout=120)
        self.count = 0
        self._lock = threading.Lock()  # the sync fetches resources from several threads

    def request(self, method, url, headers, post_data=None):
        with self._lock:
            self.count += 1
        return super().request(method, url, headers, post_data)


def _health(url: str) -> dict | None:
    try:
        with urllib.request.urlopen(f"{url}/_sandbox/health", timeout=2) as resp:
            return json.loads(resp.read())
    except OSError:
        return None


def seed_dir(data_dir: Path, payments: int, days: int) -> float:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "lib.sandbox", "seed", "--payments", str(payments), "--days", str(days),
                    "--data-dir", str(data_dir), "--seed", "1"], cwd=ROOT, check=True)
    return time.perf_counter() - t0


def start_server(data_dir: Path) -> tuple[subprocess.Popen, str]:
    """``python -m lib.sandbox serve`` on a free port; returns (process, url) once it answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "lib.sandbox", "serve", "--data-dir", str(data_dir),
                             "--port", str(port), "--async-delay", "0"], cwd=ROOT,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while _health(url) is None:
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the sandbox server did not start")
        time.sleep(0.2)
    return proc, url


class Warehouses:
    """Fresh warehouses to sync into: DuckDB files in a temp dir, Postgres databases on one server."""

    def __init__(self, stack: ExitStack, tmp: Path, database_url: str | None) -> None:
        self.stack, self.tmp, self.database_url = stack, tmp, database_url
        self.server = None
        self.n = 0

    def fresh(self, engine: str) -> Path | str:
        self.n += 1
        if engine == "duckdb":
            return self.tmp / f"finance-{self.n}.duckdb"
        if self.database_url:
            return self.database_url
        if self.server is None:
            from tests.postgres import start_postgres
            self.server = start_postgres()
            self.stack.callback(self.server.stop)
        return self.server.create_database().url


def load_synthetic(location: Path | str, payments: int, tmp: Path) -> float:
    """``payments`` synthetic payments into the warehouse at ``location``; returns seconds."""
    t0 = time.perf_counter()
    if isinstance(location, Path):
        con = duckdb.connect(str(location))
        synthetic.generate(con, payments, days=365, rollups=False)
        con.close()
        return time.perf_counter() - t0
    staging = tmp / f"synthetic-{payments}.duckdb"
    if not staging.exists():
        con = duckdb.connect(str(staging))
        synthetic.generate(con, payments, days=365, rollups=False)
        con.close()
    wh = open_warehouse(location)
    try:
        wh.ensure_schema()
        con = duckdb.connect(str(staging), read_only=True)
        for table in TABLES.values():
            csv = tmp / f"{table.name}.csv"
            con.execute(f"COPY (SELECT {', '.join(table.column_names)} FROM {table.name}) TO '{csv}' (HEADER false)")
            with wh.con.cursor().copy(f"COPY {table.name} ({', '.join(table.column_names)}) FROM STDIN "
                                      "WITH (FORMAT csv)") as copy, csv.open("rb") as f:
                while chunk := f.read(1 << 20):
                    copy.write(chunk)
            csv.unlink()
        con.close()
        wh.execute("ANALYZE")
    finally:
        wh.close()
    return time.perf_counter() - t0


def server_cpu(location) -> float:
    """CPU seconds used so far by the Postgres backends serving ``location``'s database (0 for a
    DuckDB file: it works in this process). Read from /proc: the server runs on this machine."""
    if isinstance(location, Path):
        return 0.0
    import psycopg
    with psycopg.connect(location, autocommit=True) as conn:
        pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                           "AND pid <> pg_backend_pid()").fetchall()]
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        except (OSError, IndexError, ValueError):
            continue
    return total / os.sysconf("SC_CLK_TCK")


def timed_sync(client, location, counter: CountingClient) -> tuple:
    """(result, wall s, CPU s of the work: this process plus the Postgres backends, requests)."""
    before = counter.count
    s0 = server_cpu(location)
    t0, c0 = time.perf_counter(), time.process_time()
    result = sync(client, location)
    secs, cpu = time.perf_counter() - t0, time.process_time() - c0
    assert result.ok, result.message
    return result, secs, cpu + server_cpu(location) - s0, counter.count - before


def pay(client) -> None:
    client.v1.payment_intents.create(params={"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa",
                                             "confirm": True, "return_url": "https://shop.example/return"})


def counting_client(url: str) -> tuple[stripe.StripeClient, CountingClient]:
    counter = CountingClient()
    return stripe.StripeClient("sk_test_bench", base_addresses={"api": url}, max_network_retries=0,
                               http_client=counter), counter


def full_and_incremental(url: str, engine: str, location) -> None:
    client, counter = counting_client(url)
    result, secs, cpu, reqs = timed_sync(client, location, counter)
    print(f"\n[{engine}] Full sync: {result.objects:,} objects in {secs:.1f}s = {result.objects / secs:,.0f} objects/s "
          f"wall, {cpu:.1f}s CPU in the sync process and Postgres; {reqs:,} HTTP requests")
    print("Rows: " + ", ".join(f"{t} {n:,}" for t, n in result.counts.items()))
    pay(client)
    inc, secs, cpu, reqs = timed_sync(client, location, counter)
    print(f"[{engine}] Incremental after 1 new payment: {reqs} requests, {inc.objects} objects, "
          f"{secs * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU of work (incl. rollup rebuild of the touched days)")
    idle, secs, _, reqs = timed_sync(client, location, counter)
    print(f"[{engine}] Incremental with nothing new: {reqs} request(s), {idle.objects} objects, {secs * 1000:.0f} ms")


def stored_incremental(engine: str, location, stored: int, small_url: str, tmp: Path) -> None:
    secs = load_synthetic(location, stored, tmp)
    client, counter = counting_client(small_url)
    first, first_secs, _, _ = timed_sync(client, location, counter)
    print(f"\n[{engine}] {stored:,} payments stored ({secs:.1f}s to load); first sync of a small sandbox into it: "
          f"{first.objects} objects, {first_secs:.1f}s (full rollup rebuild)")
    runs = []
    for _ in range(3):
        pay(client)
        runs.append(timed_sync(client, location, counter))
    for inc, secs, cpu, reqs in runs:
        print(f"[{engine}] Incremental after 1 new payment with {stored:,} stored: {reqs} requests, {inc.objects} "
              f"objects, {secs * 1000:.0f} ms wall, {cpu * 1000:.0f} ms CPU of work (sync process + Postgres)")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--payments", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--url", default=None, help="use this running sandbox (no seeding, no server start)")
    ap.add_argument("--engine", choices=("duckdb", "postgres", "both"), default="duckdb")
    ap.add_argument("--database-url", default=None, help="an empty Postgres database to use")
    ap.add_argument("--stored", type=int, default=0, help="also: incremental with this many payments stored")
    ap.add_argument("--skip-full", action="store_true", help="only the --stored measurement")
    args = ap.parse_args(argv)
    engines = ("duckdb", "postgres") if args.engine == "both" else (args.engine,)

    with ExitStack() as stack, tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        stack.callback(close_pools)
        warehouses = Warehouses(stack, tmp, args.database_url)
        if not args.skip_full:
            data_dir = args.data_dir or tmp / "sandbox"
            if args.url is None and not (data_dir / "sandbox.sqlite3").exists():
                print(f"Seeded {args.payments:,} payments over {args.days} days in "
                      f"{seed_dir(data_dir, args.payments, args.days):.1f}s")
            url = args.url
            if url is None:
                proc, url = start_server(data_dir)
                stack.callback(lambda p=proc: (p.terminate(), p.wait(timeout=30)))
            stats = (_health(url) or {}).get("counts", {})
            print("Sandbox objects: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items())))
            for engine in engines:
                full_and_incremental(url, engine, warehouses.fresh(engine))
        if args.stored:
            small_dir = tmp / "small-sandbox"
            seed_dir(small_dir, 200, 30)
            proc, small_url = start_server(small_dir)
            stack.callback(lambda p=proc: (p.terminate(), p.wait(timeout=30)))
            for engine in engines:
                stored_incremental(engine, warehouses.fresh(engine), args.stored, small_url, tmp)
        print(f"\nLoad average (1, 5, 15 min): {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
