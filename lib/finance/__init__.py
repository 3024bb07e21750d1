"""Finance: sync Stripe data into DuckDB and compute dashboard metrics (no Streamlit here,
except the dashboard's UI sections in ``ui_*.py``).

Modules:

* :mod:`lib.finance.schema` -- DuckDB tables (Stripe field names) and object flatteners.
* :mod:`lib.finance.rollups` -- daily rollup tables rebuilt after every sync (fast dashboard queries).
* :mod:`lib.finance.syncer` -- the sync engine (backfill, event-driven incremental, resume, retries);
  its parts: ``sync_model`` (resources, constants, result types), ``sync_errors`` (readable errors,
  what is retried), ``sync_http`` (requests, backoff, pagination), ``sync_store`` (DB, checkpoints,
  writes, progress), ``sync_backfill`` (concurrent listing) and ``sync_incremental`` (events).
* :mod:`lib.finance.metrics` -- KPIs and series as DataFrames, computed in DuckDB; its parts:
  ``metrics_filters`` (filters, SQL helpers), ``metrics_kpis``, ``metrics_series``,
  ``metrics_payments_table`` (payments table, export).
* ``lib.finance.ui_*`` -- Streamlit sections of the finance page (entry: :mod:`lib.ui_finance`):
  ``ui_data``, ``ui_filters``, ``ui_format``, ``ui_kpis``, ``ui_charts``, ``ui_payments``.
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
