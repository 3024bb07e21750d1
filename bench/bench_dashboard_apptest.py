"""Finance dashboard page run time (Streamlit AppTest) over 1,000,000 synthetic payments.

    .venv/bin/python bench/bench_dashboard_apptest.py [--payments 1000000] [--db PATH] [--runs 5]

Generates the data (or reuses ``--db`` if it already holds it), points the page at it
(``PFL_FINANCE_DB``), selects the one-year range ("All time" = the generated year) and times:
the first page run (cold: every query), reruns after a filter change (queries run again), and reruns
with nothing changed (results cached). AppTest time includes Streamlit's script run, the DuckDB
queries, plotly figure building and element serialisation; it excludes the browser.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from lib.finance import ENV_FINANCE_DB  # noqa: E402
from lib.finance.synthetic import generate  # noqa: E402

PAGE = "app_pages/finance_dashboard.py"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--payments", type=int, default=1_000_000)
    ap.add_argument("--db", type=Path, default=None)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args(argv)

    tmp = None
    if args.db is None:
        tmp = tempfile.TemporaryDirectory()
        args.db = Path(tmp.name) / "bench.duckdb"
    con = duckdb.connect(str(args.db))
    have = 0
    try:
        have = con.execute("SELECT count(*) FROM payment_intents").fetchone()[0]
    except duckdb.Error:
        pass
    if have != args.payments:
        con.close()
        args.db.unlink(missing_ok=True)
        con = duckdb.connect(str(args.db))
        t0 = time.perf_counter()
        generate(con, args.payments, end=date(2025, 12, 31), days=365, seed=42)
        print(f"Generated {args.payments:,} payments in {time.perf_counter() - t0:.1f}s")
    con.close()
    os.environ[ENV_FINANCE_DB] = str(args.db)

    from streamlit.testing.v1 import AppTest

    from lib.finance.ui_data import cached_dashboard

    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=300).run()
    at.session_state["fin_range"] = "All time"
    at.switch_page(PAGE)
    cached_dashboard.clear()
    t0 = time.perf_counter()
    at.run()
    first = time.perf_counter() - t0
    assert not at.exception, [e.value for e in at.exception]
    gross = [x.value for x in at.metric if x.label == "Gross volume"]
    print(f"First page run (cold, one-year range): {first * 1000:.0f} ms; gross volume {gross}; "
          f"{len(at.get('plotly_chart'))} charts, {len(at.dataframe)} tables")

    changed = []
    for i in range(args.runs):
        at.multiselect(key="fin_currencies").set_value(["usd"] if i % 2 == 0 else [])
        cached_dashboard.clear()
        t0 = time.perf_counter()
        at.run()
        changed.append(time.perf_counter() - t0)
        assert not at.exception
    cached = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        at.run()
        cached.append(time.perf_counter() - t0)
    print(f"Rerun after a filter change (queries run): median {statistics.median(changed) * 1000:.0f} ms "
          f"over {args.runs} runs (min {min(changed) * 1000:.0f})")
    print(f"Rerun, nothing changed (results cached): median {statistics.median(cached) * 1000:.0f} ms "
          f"over {args.runs} runs (min {min(cached) * 1000:.0f})")
    if tmp is not None:
        tmp.cleanup()
    return 0


if __name__ == "__main__":
    sys.exit(main())
