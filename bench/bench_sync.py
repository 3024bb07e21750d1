"""Full sync of seeded sandbox history into DuckDB: objects per second, requests, incremental cost.

    .venv/bin/python bench/bench_sync.py [--payments 100000] [--days 90] [--data-dir DIR]
                                         [--url http://127.0.0.1:PORT]

1. Seeds the sandbox with ``python -m lib.sandbox seed --payments N --days D`` into a data dir
   (skipped when ``--data-dir`` already holds a store).
2. Starts the sandbox on that data dir as a separate process (``python -m lib.sandbox serve
   --async-delay 0``, HTTP on localhost: server and sync run on different cores, as against the real
   API) -- or uses the sandbox already running at ``--url`` -- and runs a full sync
   (``lib.sync.sync``) into a fresh DuckDB file through the stripe SDK.
3. Creates one new payment and runs an incremental sync; then one with nothing new.
Prints objects/s, requests, and the incremental runs' request counts and times.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

import stripe

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

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


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--payments", type=int, default=100_000)
    ap.add_argument("--days", type=int, default=90)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--url", default=None, help="use this running sandbox (no seeding, no server start)")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    data_dir = args.data_dir or Path(tmp.name) / "sandbox"
    if args.url is None and not (data_dir / "sandbox.sqlite3").exists():
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "lib.sandbox", "seed", "--payments", str(args.payments),
                        "--days", str(args.days), "--data-dir", str(data_dir), "--seed", "1"],
                       cwd=ROOT, check=True)
        print(f"Seeded {args.payments:,} payments over {args.days} days in {time.perf_counter() - t0:.1f}s")

    proc, url = (None, args.url) if args.url else start_server(data_dir)
    try:
        stats = (_health(url) or {}).get("counts", {})
        print("Sandbox objects: " + ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items())))
        db = Path(tmp.name) / "finance.duckdb"
        counter = CountingClient()
        client = stripe.StripeClient("sk_test_bench", base_addresses={"api": url},
                                     max_network_retries=0, http_client=counter)
        t0, c0 = time.perf_counter(), time.process_time()
        result = sync(client, db)
        secs, cpu = time.perf_counter() - t0, time.process_time() - c0
        assert result.ok, result.message
        print(f"\nFull sync: {result.objects:,} objects in {secs:.1f}s = {result.objects / secs:,.0f} objects/s "
              f"wall, {result.objects / cpu:,.0f} objects/s of CPU (the sync process); "
              f"{counter.count:,} HTTP requests ({result.requests:,} counted by the sync)")
        print("Rows: " + ", ".join(f"{t} {n:,}" for t, n in result.counts.items()))

        client.v1.payment_intents.create(params={"amount": 1999, "currency": "usd", "payment_method": "pm_card_visa",
                                                 "confirm": True, "return_url": "https://shop.example/return"})
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
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
