"""Sync Stripe data (PaymentIntents, charges, refunds, disputes, balance transactions, customers)
into the finance DuckDB file that the Finance dashboard reads.

Library use::

    from lib.sync import sync
    result = sync(client)                      # a stripe.StripeClient; db defaults to .data/finance.duckdb
    result = sync(client, "x.duckdb", full=True, progress=lambda p: print(p.fraction, p.message))
    result.status, result.message, result.counts, result.requests

Command line (uses the app's connection settings: env vars / .streamlit/secrets.toml)::

    python -m lib.sync [--db PATH] [--full] [--quiet]

The engine (backfill, event-driven incremental, resume, retries) is :mod:`lib.finance.sync`.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import stripe

from lib.finance.store import DATABASE_ERRORS, WarehouseError, default_db_path, open_warehouse
from lib.finance.sync import (
    RESOURCES,
    ProgressFn,
    ResourceOutcome,
    SyncError,
    SyncProgress,
    SyncResult,
    client_from_settings,
    run_sync,
)
from lib.redaction import safe_error_message

__all__ = ["RESOURCES", "ResourceOutcome", "SyncError", "SyncProgress", "SyncResult", "client_from_settings",
           "default_db_path", "last_sync", "main", "sync"]


def sync(client: stripe.StripeClient, db_path: Path | str | None = None, *, full: bool = False,
         progress: ProgressFn | None = None, **kwargs) -> SyncResult:
    """Run one sync; see :func:`lib.finance.sync.run_sync`. Never raises for API/DB problems."""
    return run_sync(client, db_path, full=full, progress=progress, **kwargs)


def last_sync(db_path: Path | str | None = None) -> dict | None:
    """The latest ``sync_runs`` row as a dict (None if the DB or table does not exist yet)."""
    path = Path(db_path or default_db_path())
    if not path.exists():
        return None
    try:
        warehouse = open_warehouse(path, read_only=True, attempts=1)
    except WarehouseError:
        return None
    try:
        return warehouse.latest_run()
    except DATABASE_ERRORS:
        return None
    finally:
        warehouse.close()


def _bar(width: int = 30) -> Callable[[SyncProgress], None]:
    state = {"last": ""}

    def show(p: SyncProgress) -> None:
        filled = int(round(p.fraction * width))
        line = f"\r[{'#' * filled}{'.' * (width - filled)}] {p.fraction * 100:5.1f}%  {p.message[:70]:<70}"
        if line != state["last"]:
            sys.stderr.write(line)
            sys.stderr.flush()
            state["last"] = line
        if p.phase == "done":
            sys.stderr.write("\n")

    return show


def main(argv: list[str] | None = None, *, client: stripe.StripeClient | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", type=Path, default=None,
                        help=f"DuckDB file (default: $PFL_FINANCE_DB or {default_db_path()})")
    parser.add_argument("--full", action="store_true",
                        help="re-list everything (backfill) instead of reading events since the last sync")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    if client is None:
        try:
            client = client_from_settings()
        except Exception as exc:  # noqa: BLE001 - shown as a readable message
            print(f"Cannot connect: {safe_error_message(exc)}", file=sys.stderr)
            return 2
    db = args.db or default_db_path()
    result = sync(client, db, full=args.full, progress=None if args.quiet else _bar())
    print(result.message)
    if result.counts:
        print("Rows: " + ", ".join(f"{t} {n:,}" for t, n in result.counts.items()))
    print(f"Mode {result.mode}, {result.requests:,} requests, {result.objects:,} objects written, "
          f"{result.seconds:.1f}s -> {db}")
    return {"ok": 0, "partial": 1}.get(result.status, 2)


if __name__ == "__main__":
    sys.exit(main())
