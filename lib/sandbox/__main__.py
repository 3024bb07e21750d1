"""python -m lib.sandbox serve|seed — see lib/sandbox/__init__.py."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.sandbox", description="Offline Stripe test-mode sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the HTTP server")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=12111)
    where = serve.add_mutually_exclusive_group()
    where.add_argument("--data-dir", default=".sandbox")
    where.add_argument("--memory", action="store_true", help="keep nothing on disk")
    serve.add_argument("--async-delay", type=float, default=2.0,
                       help="seconds before async transitions (refund status, disputes, settlement); 0 = at once")
    serve.add_argument("--allow-remote-webhooks", action="store_true",
                       help="let webhook endpoints point beyond this machine (default: loopback URLs only)")
    seed = sub.add_parser("seed", help="fill the store with realistic history")
    seed.add_argument("--payments", type=int, required=True)
    seed.add_argument("--days", type=int, default=90)
    seed.add_argument("--data-dir", default=".sandbox")
    seed.add_argument("--seed", type=int, default=1)
    seed.add_argument("--workers", type=int, default=None,
                      help="processes building batches at once (default: one per core; 1 = this process only)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    if args.command == "serve":
        from .app import start_sandbox

        handle = start_sandbox(None if args.memory else args.data_dir, args.memory, args.host, args.port,
                               args.async_delay)
        handle.engine.allow_remote_webhooks = args.allow_remote_webhooks
        print(f"Sandbox listening on {handle.url} (data: {handle.data_dir or 'memory'})", flush=True)
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        try:
            handle.thread.join()
        except (KeyboardInterrupt, SystemExit):
            handle.stop()
        return 0
    return seed_command(args)


def seed_command(args: argparse.Namespace) -> int:
    """``seed``: fill ``--data-dir`` with ``--payments`` payments over ``--days`` days."""
    from .app import open_engine
    from .seed import progress_bar, seed

    engine = open_engine(args.data_dir, async_delay=0)
    try:
        started = time.perf_counter()
        stats = seed(engine, args.payments, args.days, args.seed, progress=progress_bar(), workers=args.workers)
        elapsed = time.perf_counter() - started
    finally:
        engine.store.close()
    summary = ", ".join(f"{k} {v:,}" for k, v in sorted(stats.items()))
    print(f"Seeded {args.payments:,} payments over {args.days} days into {args.data_dir} in {elapsed:.1f} s "
          f"({args.payments / max(elapsed, 1e-9):,.0f} payments/s): {summary}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
