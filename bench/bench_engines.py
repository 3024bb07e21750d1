"""The finance query layer on DuckDB and on Postgres at scale: load, rollup rebuilds, each dashboard
query and the whole dashboard, from the same synthetic data.

    .venv/bin/python bench/bench_engines.py [--payments 1000000] [--engines duckdb,postgres] [--runs 5]
                                            [--pg-url postgresql://...] [--db PATH]

1. Generates ``--payments`` synthetic payments for one year (lib.finance.synthetic) into a DuckDB
   file: the DuckDB load. Postgres (``--pg-url``, else a throwaway server started like the tests'
   one) gets the same rows by ``COPY`` (schema and indexes first): the Postgres load.
2. Per engine: a full rollup rebuild, then a one-day rebuild (the contract a sync uses: the
   created-day of what it wrote), median of ``--runs``: without and with ``written_since`` (a sync
   that wrote one new payment; nothing older changed).
3. Per engine, for the last 365 days without filters: each dashboard query's first call (Ibis
   build + compile + run) and its cached calls (median of ``--runs``), in total and in the
   database call (execute + fetch); the payment KPIs compiled on every call (no cache); then the
   whole dashboard.
Prints the figures and, with both engines, the Postgres/DuckDB ratio of each.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from lib.finance import metrics as m  # noqa: E402
from lib.finance.store import DuckDBWarehouse  # noqa: E402
from lib.finance.store.queries import compiled  # noqa: E402
from lib.finance.synthetic import generate  # noqa: E402
from tests.finance_engines import copy_tables, open_pg  # noqa: E402

END = date(2025, 12, 31)
NOW = datetime(2025, 12, 20)
QUERIES: dict[str, Callable] = {
    "ledger": m.ledger_kpis, "payments": m.payment_kpis, "open_disputes": m.open_disputes,
    "volume": m.volume_over_time, "success_failure": m.success_failure_over_time, "declines": m.decline_reasons,
    "refunds": m.refunds_over_time, "disputes_status": m.disputes_by_status, "disputes_reason": m.disputes_by_reason,
    "by_brand": m.payments_by_brand, "by_country": m.payments_by_country, "funnel": m.payment_intent_funnel,
    "pi_statuses": m.payment_intent_statuses, "fees_net": m.fees_net_over_time,
    "payments_table": m.payments_table, "count_payments": m.count_payments,
}


class Clocked:
    """A reader that adds up the time spent in its database calls (``db_ms``)."""

    def __init__(self, inner) -> None:
        self.inner = inner
        self.dialect = inner.dialect
        self.db_ms = 0.0

    def __getattr__(self, name: str):
        return getattr(self.inner, name)

    def df(self, sql, params=()):
        t0 = time.perf_counter()
        try:
            return self.inner.df(sql, params)
        finally:
            self.db_ms += (time.perf_counter() - t0) * 1000


def median_ms(fn: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1000)
    return statistics.median(times)


def measure(db, runs: int, touched: date) -> dict[str, float]:
    out: dict[str, float] = {}
    t0 = time.perf_counter()
    # the warehouse's method, as the sync calls it: on Postgres it also refreshes the planner's
    # statistics (ANALYZE) after a full rebuild; without them it expected ~500 of 190,912 rollup
    # rows at 10M and sorted instead of hashing (whole dashboard 1,014 ms instead of ~570)
    db.rebuild_rollups()
    out["rollups: full rebuild (s)"] = time.perf_counter() - t0
    days: set = set()
    out["rollups: one-day rebuild (ms)"] = median_ms(lambda: days.update(db.rebuild_rollups({touched})), runs)
    out["rollups: days the one-day rebuild covered"] = len(days)
    # what a sync that wrote one new payment asks for: its day, and that nothing older changed
    since = datetime.now(UTC).replace(tzinfo=None)
    days.clear()
    out["rollups: one-day rebuild, written_since (ms)"] = median_ms(
        lambda: days.update(db.rebuild_rollups({touched}, written_since=since)), runs)
    out["rollups: days that rebuild covered"] = len(days)
    f = m.Filters(END - timedelta(days=364), END)
    clocked = Clocked(db)
    for name, fn in QUERIES.items():
        args = (NOW,) if name == "open_disputes" else ()
        t0 = time.perf_counter()
        fn(clocked, f, *args)
        out[f"{name}: first call (ms)"] = (time.perf_counter() - t0) * 1000
        clocked.db_ms = 0.0
        out[f"{name}: cached (ms)"] = median_ms(lambda fn=fn, args=args: fn(clocked, f, *args), runs)
        out[f"{name}: cached, in the database (ms)"] = clocked.db_ms / runs
    def uncached() -> None:
        compiled.cache_clear()
        m.payment_kpis(db, f)

    out["payments: uncached, compiled on every call (ms)"] = median_ms(uncached, runs)
    m.compute_dashboard(db, f, NOW)  # compile again
    out["whole dashboard (ms)"] = median_ms(lambda: m.compute_dashboard(db, f, NOW), runs)
    clocked.db_ms = 0.0
    m.compute_dashboard(clocked, f, NOW)
    out["whole dashboard, in the database (ms)"] = clocked.db_ms
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--payments", type=int, default=1_000_000)
    ap.add_argument("--engines", default="duckdb,postgres")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--pg-url", default=None, help="an empty Postgres database (default: a throwaway server)")
    ap.add_argument("--db", type=Path, default=None, help="keep (and reuse) the DuckDB file here")
    args = ap.parse_args(argv)
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]

    tmp = tempfile.TemporaryDirectory()
    path = args.db or Path(tmp.name) / "bench.duckdb"
    con = duckdb.connect(str(path))
    duck = DuckDBWarehouse(con)
    if "payment_intents" in duck.table_names() and duck.count_rows("payment_intents") == args.payments:
        print(f"Reusing {path} ({args.payments:,} payments)")
    else:
        path.unlink(missing_ok=True)
        con.close()
        con = duckdb.connect(str(path))
        duck = DuckDBWarehouse(con)
        t0 = time.perf_counter()
        counts = generate(con, args.payments, end=END, days=365, seed=42, rollups=False)
        print(f"DuckDB load (generate): {time.perf_counter() - t0:.1f} s  " +
              ", ".join(f"{k} {v:,}" for k, v in counts.items()))
    touched = END - timedelta(days=100)
    results: dict[str, dict[str, float]] = {}
    server = None
    if "duckdb" in engines:
        results["duckdb"] = measure(duck, args.runs, touched)
    if "postgres" in engines:
        url = args.pg_url
        if url is None:
            from tests import postgres
            # the test harness's server, with memory for a million-row working set
            postgres.SPEED_SETTINGS.update(shared_buffers="1GB", work_mem="64MB", max_parallel_workers_per_gather="2")
            server = postgres.start_postgres()
            url = server.url()
        pg = open_pg(url)
        t0 = time.perf_counter()
        copy_tables(con, pg)
        print(f"Postgres load (COPY + indexes + ANALYZE): {time.perf_counter() - t0:.1f} s")
        try:
            results["postgres"] = measure(pg, args.runs, touched)
        finally:
            pg.close()
            if server is not None:
                server.stop()
    con.close()

    keys = list(next(iter(results.values())))
    print(f"\n{'':52s}" + "".join(f"{e:>12s}" for e in results) + ("       ratio" if len(results) == 2 else ""))
    for k in keys:
        vals = [results[e][k] for e in results]
        ratio = f"{vals[1] / vals[0]:11.1f}x" if len(vals) == 2 and vals[0] else ""
        print(f"{k:52s}" + "".join(f"{v:12.1f}" for v in vals) + ratio)
    info = compiled.cache_info()
    print(f"\nCompiled query cache: {info.currsize} (builder, engine, shape) entries, {info.hits} hits")
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
