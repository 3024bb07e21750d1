"""Finance: sync Stripe data into DuckDB and compute dashboard metrics (no Streamlit here).

Modules:

* :mod:`lib.finance.schema` -- DuckDB tables (Stripe field names) and object flatteners.
* :mod:`lib.finance.rollups` -- daily rollup tables rebuilt after every sync (fast dashboard queries).
* :mod:`lib.finance.syncer` -- the sync engine (backfill, event-driven incremental, resume, retries).
* :mod:`lib.finance.metrics` -- KPIs and series as DataFrames, computed in DuckDB.
* :mod:`lib.finance.money` -- minor-unit aware formatting.
* :mod:`lib.finance.synthetic` -- vectorised synthetic data in the sync's shape (benchmarks, tests).

The public sync entry point is :mod:`lib.sync`.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent.parent
ENV_FINANCE_DB = "PFL_FINANCE_DB"
DEFAULT_DB_PATH = PROJECT_ROOT / ".data" / "finance.duckdb"


def default_db_path() -> Path:
    """The finance DuckDB file: ``$PFL_FINANCE_DB`` if set, else ``<project>/.data/finance.duckdb``."""
    value = os.environ.get(ENV_FINANCE_DB, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DB_PATH
