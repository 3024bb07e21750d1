"""Where the finance warehouse lives: the DuckDB file ``$PFL_FINANCE_DB``, else
``<project>/.data/finance.duckdb``."""

from __future__ import annotations

import os
from pathlib import Path

from lib.config import PROJECT_ROOT

ENV_FINANCE_DB = "PFL_FINANCE_DB"
DEFAULT_DB_PATH = PROJECT_ROOT / ".data" / "finance.duckdb"


def default_db_path() -> Path:
    """The finance DuckDB file: ``$PFL_FINANCE_DB`` if set, else ``<project>/.data/finance.duckdb``."""
    value = os.environ.get(ENV_FINANCE_DB, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DB_PATH
