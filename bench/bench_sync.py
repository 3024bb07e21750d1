"""Full sync of seeded sandbox history into DuckDB: objects per second, requests, incremental cost.

    .venv/bin/python bench/bench_sync.py [--payments 100000] [--days 90] [--data-dir DIR]

1. Seeds the sandbox with ``python -m lib.sandbox seed --payments N --days D`` into a data dir
   (skipped when ``--data-dir`` already holds a store).
2. Starts the sandbox on that data dir (in this process, HTTP on localhost) and runs a full sync
   (``lib.sync.sync``) into a fresh DuckDB file through the stripe SDK.
3. Creates one new payment and runs an incremental sync; then one with nothing new.
Prints objects/s, requests, and the incremental runs' request counts and times.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.sync import sync  # noqa: E402


class CountingClient(stripe.RequestsClient):
    def __init__(self) -> None:
        super().__init__(timeout=120)
        self.count = 0

    def request(self, method, url, headers, post_data=None):
        self.count += 1
        return super().request(method, url, headers, post_data)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--payments", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--data-dir", type=Path, default=None)
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    data_dir = args.data_dir or Path(tmp.name) / "sandbox"
    if not (data_dir / "sandbox.sqlite3").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lib.sandbox", "seed", "--payments", str(args.payments),
                        "--days", str(args.days), "--data-dir", str(data_dir), "--seed", "1"],
                       cwd=ROOT, check=True)
        print(f"Seeded {args.payments:,} payments over {args.days} days in {time.perf_counter() - t0:.1f}s")

    from lib.sandbox import start_sandbox

    handle = start_sandbox(data_dir=str(data_dir), async_delay=0)
    try:
        stats = handle.stats()
        print("Sandbox objects: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items())))
        db = Path(tmp.name) / "finance.duckdb"
        counter = CountingClient()
        client = stripe.StripeClient("sk_test_bench", base_addresses={"api": handle.url},
                                     max_network_retries=0, http_client=counter)
        t0, c0 = time.perf_counter(), time.process_time()
        result = sync(client, db)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert result.ok, result.message
        print(f"\nFull sync: {result.objects:,} objects in {secs:.1f}s = {result.objects / secs:,.0f} objects/s "
              f"wall, {result.objects / cpu:,.0f} objects/s of CPU (this process, sandbox included); "
              f"{counter.count:,} HTTP requests ({result.requests:,} counted by the sync)")
        print("Rows: " + ", ".join(f"{t} {n:,}" for t, n in result.counts.items()))

        client.v1.payment_intents.create(params={"amount": 1999, "currency": "usd",
                                                 "payment_method": "pm_card_visa", "confirm": True})
        before = counter.count
        t0 = time.perf_counter()
        inc = sync(client, db)
        inc_ms = (time.perf_counter() - t0) * 1000
        print(f"Incremental after 1 new payment: {counter.count - before} requests, {inc.objects} objects, "
              f"{inc_ms:.0f} ms (incl. rollup rebuild)")
        before = counter.count
        t0 = time.perf_counter()
        idle = sync(client, db)
        print(f"Incremental with nothing new: {counter.count - before} request(s), {idle.objects} objects, "
              f"{(time.perf_counter() - t0) * 1000:.0f} ms")
    finally:
        handle.stop()
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
