"""Sync Stripe data (PaymentIntents, charges, refunds, disputes, balance transactions, customers)
into the finance warehouse that the Finance dashboard reads: the Postgres of ``DATABASE_URL`` when
it is set, else the DuckDB file ``.data/finance.duckdb``.

Library use::

    from lib.sync import sync
    result = sync(client)                      # a stripe.StripeClient; the default warehouse
    result = sync(client, "x.duckdb", full=True, progress=lambda p: print(p.fraction, p.message))
    result = sync(client, "postgresql://…/db", account="eu")   # another account, same warehouse
    result.status, result.message, result.counts, result.requests

Command line (uses the app's connection settings: env vars / .streamlit/secrets.toml)::

    python -m lib.sync [--db PATH_OR_URL] [--full] [--quiet] [--account LABEL=ENV_VAR ...]

``--account eu=STRIPE_KEY_EU --account us=STRIPE_KEY_US`` syncs several keys into one warehouse,
one after the other, each under its label (the key is read from the named environment variable,
so it never appears on a command line). Without ``--account``: the configured key, label ``''``.
Exit code: 0 all ok, 1 some partial, 2 an error, 3 a sync of that account was already running.

The engine (backfill, event-driven incremental, resume, retries) is :mod:`lib.finance.sync`.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from collections.abc import Callable
from pathlib import Path

import stripe

from lib.finance.store import (
    DATABASE_ERRORS,
    Location,
    WarehouseError,
    default_db_path,
    default_location,
    is_postgres,
    open_warehouse,
    warehouse_exists,
)
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
           "default_db_path", "default_location", "last_sync", "main", "sync"]

EXIT_CODES = {"ok": 0, "partial": 1, "error": 2, "busy": 3}
_ACCOUNT_ARG = re.compile(r"([A-Za-z0-9_.-]{1,64})=([A-Za-z_][A-Za-z0-9_]*)")


def sync(client: stripe.StripeClient, location: Location | None = None, *, full: bool = False,
         progress: ProgressFn | None = None, **kwargs) -> SyncResult:
    """Run one sync; see :func:`lib.finance.sync.run_sync`. Never raises for API/DB problems."""
    return run_sync(client, location, full=full, progress=progress, **kwargs)


def last_sync(location: Location | None = None, account: str | None = None) -> dict | None:
    """The latest ``sync_runs`` row as a dict (None if the warehouse or table does not exist yet)."""
    where = default_location() if location is None else location
    if not warehouse_exists(where):
        return None
    try:
        warehouse = open_warehouse(where, read_only=not is_postgres(where), attempts=1)
    except WarehouseError:
        return None
    try:
        return warehouse.latest_run(account)
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


def _accounts(values: list[str], parser: argparse.ArgumentParser) -> list[tuple[str, str | None]]:
    """(label, key) pairs from ``LABEL=ENV_VAR`` arguments; ``[("", None)]`` (the app's key) without any."""
    if not values:
        return [("", None)]
    out = []
    for value in values:
        match = _ACCOUNT_ARG.fullmatch(value)
        if match is None:
            parser.error(f"--account takes LABEL=ENV_VAR (the name of a variable holding the key), got {value!r}")
        label, env_var = match.groups()
        key = os.environ.get(env_var, "").strip()
        if not key:
            parser.error(f"--account {label}: the environment variable {env_var} holds no key")
        out.append((label, key))
    return out


def main(argv: list[str] | None = None, *, client: stripe.StripeClient | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.sync", description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", default=None,
                        help="DuckDB file or postgresql:// URL (default: $DATABASE_URL, else $PFL_FINANCE_DB "
                             f"or {default_db_path()})")
    parser.add_argument("--full", action="store_true",
                        help="re-list everything (backfill) instead of reading events since the last sync")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    parser.add_argument("--account", action="append", default=[], metavar="LABEL=ENV_VAR",
                        help="sync the key in ENV_VAR under LABEL (repeat for several accounts)")
    args = parser.parse_args(argv)

    try:
        location: Location = args.db if args.db and is_postgres(args.db) else (
            Path(args.db) if args.db else default_location())
    except ValueError as exc:  # a DATABASE_URL that is not a Postgres URL
        print(f"Cannot open the warehouse: {exc}", file=sys.stderr)
        return 2
    where = str(location) if not is_postgres(location) else "the Postgres of DATABASE_URL" if not args.db \
        else "the Postgres given with --db"
    worst = 0
    for label, key in _accounts(args.account, parser):
        try:
            account_client = client if client is not None and key is None else client_from_settings(key)
        except Exception as exc:  # noqa: BLE001 - shown as a readable message
            print(f"Cannot connect{f' for account {label}' if label else ''}: {safe_error_message(exc)}",
                  file=sys.stderr)
            worst = max(worst, 2)
            continue
        result = sync(account_client, location, full=args.full, progress=None if args.quiet else _bar(),
                      account=label)
        print(f"[{label}] {result.message}" if label else result.message)
        if result.counts:
            print("Rows: " + ", ".join(f"{t} {n:,}" for t, n in result.counts.items()))
        print(f"Mode {result.mode}, {result.requests:,} requests, {result.objects:,} objects written, "
              f"{result.seconds:.1f}s -> {where}")
        worst = max(worst, EXIT_CODES.get(result.status, 2))
    return worst


if __name__ == "__main__":
    sys.exit(main())
