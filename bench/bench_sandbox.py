"""Sandbox (part 1) benchmark: PaymentIntent create+confirm round trips per second through the
official stripe SDK (one StripeClient, keep-alive), our sandbox vs localstripe, in the same run.

    .venv/bin/python bench/bench_sandbox.py                  # full run (~3-4 min on 2 cores)
    .venv/bin/python bench/bench_sandbox.py --payments 20000 --seconds 4   # quicker

Scenarios (each server is a subprocess, the client is this process):

* ours, empty store         — ``python -m lib.sandbox serve --data-dir <tmp>`` (SQLite on disk, WAL)
* ours, N stored payments   — the store is filled first by the bulk seeder (``python -m lib.sandbox
                              seed --payments N``: realistic history with refunds, disputes,
                              customers, events), then served
* localstripe, empty        — ``localstripe --port P`` from a scratch venv (/tmp/localstripe-venv,
                              created with ``pip install localstripe==1.15.10`` when missing)
* localstripe, M stored     — filled over HTTP with the same SDK first (it keeps everything in
                              memory and slows down as it grows, so M is much smaller than N)

The empty-store pair runs ``--rounds`` times, alternating ours and localstripe (each round a fresh
server and store), and reports medians and the per-round ratios: on a shared VM the machine's speed
drifts over minutes, and alternating exposes both servers to the same drift.

Each scenario: a short warm-up, then as many ``payment_intents.create(confirm=True,
payment_method="pm_card_visa")`` calls as fit in ``--seconds``; also GET /v1/payment_intents
(first page of 10) for a shorter window. Prints a table and the ratios ours/localstripe and
full/empty. Bounded: every phase has a time limit.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests
import stripe

ROOT = Path(__file__).resolve().parents[1]
LOCALSTRIPE_VENV = Path("/tmp/localstripe-venv")
LOCALSTRIPE_VERSION = "1.15.10"
PI_PARAMS = {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
# Ours speaks today's API: automatic_payment_methods are on, so a confirm needs a return_url (TEST_MODE
# §2.1). localstripe refuses parameters it does not know, so it gets the classic request.
OURS_PI_PARAMS = {**PI_PARAMS, "return_url": "https://shop.example/return"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Result:
    name: str
    stored: int
    create_rate: float = 0.0
    create_p50_ms: float = 0.0
    create_p95_ms: float = 0.0
    list_rate: float = 0.0
    server_cpu_ms: float | None = None  # server process CPU (user+sys) per create+confirm
    n: int = 0
    notes: list[str] = field(default_factory=list)


class Proc:
    def __init__(self, argv: list[str], url: str, health: str, env: dict | None = None):
        self.argv, self.url, self.health = argv, url, health
        self.env = {**os.environ, **(env or {})}
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> Proc:
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(self.argv, cwd=ROOT, env=self.env, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 90  # localstripe takes ~1 s to import aiohttp, ~9 s on a busy machine
        while time.monotonic() < deadline:
            try:
                requests.get(self.url + self.health, timeout=1,
                             headers={"Authorization": "Bearer sk_test_bench"})
                return self
            except requests.RequestException:
                time.sleep(0.1)
        code = self.proc.poll()
        self.log.seek(0)
        output = self.log.read()[-2000:].decode(errors="replace")
        self.__exit__()
        raise RuntimeError(f"server did not start: {' '.join(self.argv)} (exit code {code}): {output}")

    def __exit__(self, *exc: object) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.log.close()


def cpu_seconds(pid: int) -> float | None:
    """User+system CPU of a process (Linux /proc), so a busy machine does not hide the server's own cost."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def sdk(url: str) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_bench", base_addresses={"api": url}, max_network_retries=0)


def measure(srv: Proc, name: str, stored: int, seconds: float, list_seconds: float) -> Result:
    url = srv.url
    client = sdk(url)
    params = OURS_PI_PARAMS if name == "ours" else PI_PARAMS
    for _ in range(50):  # warm-up: connection, caches, JIT-less Python paths
        client.v1.payment_intents.create(params=params)
    latencies = []
    cpu0 = cpu_seconds(srv.proc.pid)
    start = time.perf_counter()
    while (now := time.perf_counter()) - start < seconds:
        client.v1.payment_intents.create(params=params)
        latencies.append(time.perf_counter() - now)
    elapsed = time.perf_counter() - start
    cpu1 = cpu_seconds(srv.proc.pid)
    res = Result(name, stored, create_rate=len(latencies) / elapsed, n=len(latencies))
    if cpu0 is not None and cpu1 is not None:
        res.server_cpu_ms = (cpu1 - cpu0) / len(latencies) * 1000
    cuts = statistics.quantiles(latencies, n=20)
    res.create_p50_ms, res.create_p95_ms = statistics.median(latencies) * 1000, cuts[18] * 1000
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < list_seconds:
        client.v1.payment_intents.list(params={"limit": 10})
        count += 1
    res.list_rate = count / (time.perf_counter() - start)
    return res


def median_result(runs: list[Result], note: str) -> Result:
    """One row from several rounds of the same scenario: the median of each figure."""
    def med(values: list[float | None]) -> float | None:
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None
    out = Result(runs[0].name, runs[0].stored, n=sum(r.n for r in runs))
    out.create_rate = med([r.create_rate for r in runs])
    out.create_p50_ms = med([r.create_p50_ms for r in runs])
    out.create_p95_ms = med([r.create_p95_ms for r in runs])
    out.list_rate = med([r.list_rate for r in runs])
    out.server_cpu_ms = med([r.server_cpu_ms for r in runs])
    out.notes.append(note)
    return out


def ours(data_dir: Path, async_delay: float) -> Proc:
    port = free_port()
    return Proc([sys.executable, "-m", "lib.sandbox", "serve", "--port", str(port), "--data-dir", str(data_dir),
                 "--async-delay", str(async_delay)], f"http://127.0.0.1:{port}", "/_sandbox/health",
                {"PYTHONPATH": str(ROOT)})


def ensure_localstripe(budget: float) -> Path | None:
    exe = LOCALSTRIPE_VENV / "bin" / "localstripe"
    if exe.exists():
        return exe
    print(f"installing localstripe=={LOCALSTRIPE_VERSION} into {LOCALSTRIPE_VENV} ...", flush=True)
    try:
        subprocess.run(["python3", "-m", "venv", str(LOCALSTRIPE_VENV)], check=True, timeout=budget)
        subprocess.run([str(LOCALSTRIPE_VENV / "bin" / "pip"), "install", "-q",
                        f"localstripe=={LOCALSTRIPE_VERSION}"], check=True, timeout=budget)
    except (subprocess.SubprocessError, OSError) as exc:
        print(f"localstripe unavailable: {exc}")
        return None
    return exe if exe.exists() else None


def localstripe(exe: Path) -> Proc:
    port = free_port()
    # --from-scratch: localstripe re-pickles its whole store to /tmp/localstripe.pickle on every write
    # and reloads it at start; without the flag "empty" would hold the previous run's objects.
    return Proc([str(exe), "--port", str(port), "--from-scratch"], f"http://127.0.0.1:{port}", "/v1/balance")


def fill_over_http(url: str, count: int, budget: float) -> tuple[int, float]:
    client = sdk(url)
    start = time.perf_counter()
    done = 0
    while done < count and time.perf_counter() - start < budget:
        client.v1.payment_intents.create(params={**PI_PARAMS, "amount": 1000 + done % 5000})
        done += 1
    return done, time.perf_counter() - start


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--payments", type=int, default=100_000, help="payments seeded into our store")
    ap.add_argument("--localstripe-payments", type=int, default=2_000, help="payments stored in localstripe")
    ap.add_argument("--seconds", type=float, default=6.0, help="measuring window per scenario")
    ap.add_argument("--fill-budget", type=float, default=90.0,
                    help="seconds allowed for filling localstripe (it stops early, and says so, if slower)")
    ap.add_argument("--list-seconds", type=float, default=3.0)
    ap.add_argument("--async-delay", type=float, default=2.0, help="our server's --async-delay (CLI default 2)")
    ap.add_argument("--rounds", type=int, default=5, help="alternating empty-store rounds (ours, localstripe)")
    ap.add_argument("--keep", help="keep the seeded data dir here (and reuse it if present)")
    args = ap.parse_args()

    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, stripe {stripe.VERSION}, load average {load[0]:.1f}")
    results: list[Result] = []
    tmp = Path(tempfile.mkdtemp(prefix="bench-sandbox-"))
    t0 = time.monotonic()
    exe = ensure_localstripe(budget=180)
    rounds: list[tuple[Result, Result | None]] = []
    try:
        # Empty stores, alternated ours / localstripe round by round: on a shared VM the machine's
        # speed drifts over minutes, and alternating puts both servers under the same drift.
        for r in range(args.rounds):
            with ours(tmp / f"empty{r}", args.async_delay) as srv:
                mine = measure(srv, "ours", 0, args.seconds, args.list_seconds)
            theirs = None
            if exe is not None:
                with localstripe(exe) as srv:
                    theirs = measure(srv, "localstripe", 0, args.seconds, args.list_seconds)
            rounds.append((mine, theirs))
            ratio = f", ratio {mine.create_rate / theirs.create_rate:.2f}x" if theirs else ""
            print(f"  round {r + 1}: ours empty {mine.create_rate:.0f}/s"
                  + (f", localstripe empty {theirs.create_rate:.0f}/s" if theirs else "") + ratio, flush=True)
        results.append(median_result([m for m, _ in rounds], f"median of {len(rounds)} rounds"))
        if exe is not None:
            results.append(median_result([t for _, t in rounds if t], f"median of {len(rounds)} rounds"))

        big = Path(args.keep) if args.keep else tmp / "big"
        seed_note = ""
        if not (big / "sandbox.sqlite3").exists():
            start = time.perf_counter()
            subprocess.run([sys.executable, "-m", "lib.sandbox", "seed", "--payments", str(args.payments),
                            "--days", "90", "--data-dir", str(big)], cwd=ROOT, env={**os.environ,
                           "PYTHONPATH": str(ROOT)}, check=True, timeout=600, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            took = time.perf_counter() - start
            seed_note = f"seeded {args.payments:,} payments in {took:.0f} s ({args.payments / took:,.0f}/s)"
            print(f"  {seed_note}", flush=True)
        size_mb = sum(f.stat().st_size for f in big.iterdir()) / 1e6
        with ours(big, args.async_delay) as srv:
            r = measure(srv, "ours", args.payments, args.seconds, args.list_seconds)
            r.notes += [n for n in (seed_note, f"store {size_mb:,.0f} MB on disk") if n]
            results.append(r)
        print(f"  ours {args.payments:,}: {results[-1].create_rate:.0f}/s", flush=True)

        if exe is not None:
            with localstripe(exe) as srv:
                stored, took = fill_over_http(srv.url, args.localstripe_payments, budget=args.fill_budget)
                r = measure(srv, "localstripe", stored, args.seconds, args.list_seconds)
                r.notes.append(f"filled {stored:,} over HTTP in {took:.0f} s ({stored / took:,.0f}/s)")
                results.append(r)
            print(f"  localstripe {stored:,}: {results[-1].create_rate:.0f}/s", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    print()
    print(f"{'server':<12} {'stored':>9} {'create+confirm/s':>17} {'p50 ms':>7} {'p95 ms':>7} "
          f"{'srv CPU ms':>10} {'list/s':>7}  notes")
    for r in results:
        cpu = f"{r.server_cpu_ms:>10.2f}" if r.server_cpu_ms is not None else f"{'n/a':>10}"
        print(f"{r.name:<12} {r.stored:>9,} {r.create_rate:>17.1f} {r.create_p50_ms:>7.1f} {r.create_p95_ms:>7.1f} "
              f"{cpu} {r.list_rate:>7.1f}  {'; '.join(r.notes)}")
    by = {(r.name, r.stored > 0): r for r in results}
    print()
    pairs = [("ours/localstripe, empty", ("ours", False), ("localstripe", False)),
             ("ours/localstripe, filled", ("ours", True), ("localstripe", True)),
             ("ours filled/empty", ("ours", True), ("ours", False)),
             ("localstripe filled/empty", ("localstripe", True), ("localstripe", False))]
    for label, a, b in pairs:
        if a in by and b in by:
            cpu = ""
            if by[a].server_cpu_ms and by[b].server_cpu_ms:
                cpu = f"   server CPU/req {by[a].server_cpu_ms / by[b].server_cpu_ms:6.2f}x"
            print(f"{label:<28} create+confirm {by[a].create_rate / by[b].create_rate:6.2f}x   "
                  f"list {by[a].list_rate / by[b].list_rate:6.2f}x{cpu}")
    if rounds and all(t for _, t in rounds):
        per_round = sorted(m.create_rate / t.create_rate for m, t in rounds)
        print(f"ours/localstripe, empty, per round: {', '.join(f'{x:.2f}x' for x in per_round)} "
              f"(median {statistics.median(per_round):.2f}x, worst {per_round[0]:.2f}x)")
    print(f"\ntotal bench time {time.monotonic() - t0:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
