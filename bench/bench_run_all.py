"""Scenario catalog "Run all" on the offline sandbox: duration and scenarios/s.

    .venv/bin/python bench/bench_run_all.py [--async-delay 2.0] [--workers 12] [--runs 3] [--no-baseline] [--memory]

Starts the sandbox in-process exactly as the app embeds it (a data dir in a temp folder; async steps
such as pending refunds and dispute outcomes take ``--async-delay`` seconds, 2.0 by default as in the
app), then times ``lib.lab.runner.run_all`` over the whole catalog through the app's own client
(lib.gateway.make_client: request log, retries) — the same code path as the page's button. The
baseline, in the same run, is the same catalog run one scenario at a time (``workers=1``).
Every run must report zero mismatches, or the script exits with status 1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.config import Mode, settings_from_values  # noqa: E402
from lib.gateway import make_client  # noqa: E402
from lib.lab import runner, scenarios  # noqa: E402
from lib.request_log import RequestLog  # noqa: E402
from lib.sandbox import start_sandbox  # noqa: E402


def one_run(env: runner.Env, workers: int) -> tuple[float, list[runner.Outcome]]:
    started = time.perf_counter()
    outcomes = runner.run_all(scenarios.catalog(), env, workers=workers)
    return time.perf_counter() - started, outcomes


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--async-delay", type=float, default=2.0)
    ap.add_argument("--workers", type=int, default=12)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--no-baseline", action="store_true", help="skip the one-at-a-time baseline")
    ap.add_argument("--memory", action="store_true", help="in-memory sandbox store instead of a data dir")
    args = ap.parse_args(argv)

    tmp = tempfile.TemporaryDirectory()
    handle = start_sandbox(data_dir=None if args.memory else tmp.name, memory=args.memory,
                           async_delay=args.async_delay)
    log = RequestLog(capacity=20_000)
    client = make_client(settings_from_values({"STRIPE_API_BASE": handle.url}), request_log=log)
    env = runner.Env(client=client, mode=Mode.SANDBOX, publishable_key="pk_test_bench", request_log=log)
    total = len(scenarios.catalog())
    ok = True
    try:
        print(f"{total} scenarios · sandbox {'in memory' if args.memory else 'data dir'} · async delay "
              f"{args.async_delay:g} s · {args.workers} workers")
        times = []
        for n in range(args.runs):
            before = len(log)
            seconds, outcomes = one_run(env, args.workers)
            counts = runner.summary(outcomes)
            times.append(seconds)
            ok &= counts["pass"] == total
            print(f"  run {n + 1}: {seconds:6.2f} s  {total / seconds:6.1f} scenarios/s  "
                  f"{len(log) - before:,} requests  verdicts {counts}")
        best, median = min(times), statistics.median(times)
        print(f"Run all ({args.workers} workers): median {median:.2f} s = {total / median:.1f} scenarios/s "
              f"(best {best:.2f} s)")
        slowest = sorted(outcomes, key=lambda o: -o.duration_s)[:5]
        print("  slowest: " + ", ".join(f"{o.scenario.id} {o.duration_s:.1f} s" for o in slowest))
        if not args.no_baseline:
            seconds, outcomes = one_run(env, 1)
            ok &= runner.summary(outcomes)["pass"] == total
            print(f"Baseline (one at a time): {seconds:.2f} s = {total / seconds:.1f} scenarios/s "
                  f"→ run all is {seconds / median:.1f}x faster")
    finally:
        handle.stop()
        tmp.cleanup()
    if not ok:
        print("MISMATCHES: some scenarios did not pass", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
