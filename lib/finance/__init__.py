"""Finance: sync Stripe data into a warehouse (an embedded DuckDB file, or the shared Postgres of
``DATABASE_URL``) and show it on the Finance dashboard.

Subpackages and modules (lower first; none imports one below it):

* :mod:`lib.finance.money` -- exact major units and their SQL; re-exports THE amount formatter.
* :mod:`lib.finance.store` -- the warehouse: location, schema, rollups, the :class:`Reader`/
  :class:`Warehouse` interface and its DuckDB and Postgres implementations.
* :mod:`lib.finance.sync` -- the sync engine (backfill, event-driven incremental, resume,
  retries). Command line: ``python -m lib.sync``.
* :mod:`lib.finance.metrics` -- KPIs, series and the payments table over a :class:`Reader`.
* :mod:`lib.finance.synthetic` -- vectorised synthetic data in the sync's shape (benchmarks, tests).
* ``lib.finance.ui_*`` -- the dashboard's Streamlit code, the only modules here that import
  streamlit: ``ui_format`` (display helpers), ``ui_tables`` (readable tables), ``ui_data``
  (cached reads), ``ui_filters``, ``ui_kpis``, ``ui_charts``, ``ui_payments`` (the sections),
  ``ui_sync`` (the sync bar) and ``ui_dashboard`` (the page; ``app_pages/finance_dashboard.py``
  calls its ``render_dashboard``).

This face names only where the data lives; import the subpackages for the rest.
"""

from __future__ import annotations

from lib.finance.store.location import DEFAULT_DB_PATH, ENV_FINANCE_DB, default_db_path

__all__ = ["DEFAULT_DB_PATH", "ENV_FINANCE_DB", "default_db_path"]
