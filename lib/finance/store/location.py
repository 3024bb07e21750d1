"""Where the finance warehouse lives: the shared Postgres of ``DATABASE_URL`` (schema
:data:`POSTGRES_SCHEMA`) when it is set (read by :mod:`lib.database_url`, the one place), else the
DuckDB file ``$PFL_FINANCE_DB``, else ``<project>/.data/finance.duckdb``."""

from __future__ import annotations

import os
from pathlib import Path

from lib.config import PROJECT_ROOT
from lib.database_url import database_url, is_postgres_url

ENV_FINANCE_DB = "PFL_FINANCE_DB"
DEFAULT_DB_PATH = PROJECT_ROOT / ".data" / "finance.duckdb"
POSTGRES_SCHEMA = "finance"  # the warehouse's tables in the shared database (the shop's are in `shop`)

Location = Path | str  # a DuckDB file, or a postgresql:// URL


def default_db_path() -> Path:
    """The finance DuckDB file: ``$PFL_FINANCE_DB`` if set, else ``<project>/.data/finance.duckdb``."""
    value = os.environ.get(ENV_FINANCE_DB, "").strip()
    return Path(value).expanduser() if value else DEFAULT_DB_PATH


def default_location() -> Location:
    """The warehouse the app and ``python -m lib.sync`` use: ``DATABASE_URL`` if set, else
    :func:`default_db_path`."""
    return database_url() or default_db_path()


def is_postgres(location: Location) -> bool:
    return isinstance(location, str) and is_postgres_url(location)
