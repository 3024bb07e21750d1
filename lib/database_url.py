"""``DATABASE_URL``: the one place the app reads where its shared Postgres is.

Set to a ``postgresql://`` (or ``postgres://``) URL, every app process keeps its state there: the
shop's orders and processed webhook events (schema ``shop``, :mod:`lib.shop.db`) and the finance
warehouse with the sync's state (schema ``finance``, :mod:`lib.finance.store`). Unset, each keeps
its embedded file (SQLite for the shop, DuckDB for finance).
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from typing import Final

ENV_DATABASE_URL: Final = "DATABASE_URL"


def is_postgres_url(value: str) -> bool:
    return value.startswith(("postgresql://", "postgres://"))


def database_url(environ: Mapping[str, str] | None = None) -> str | None:
    """The shared Postgres URL from ``DATABASE_URL``; ``None`` when unset or blank. Any other
    scheme is a :class:`ValueError` saying so (without echoing the URL, which may hold a password)."""
    env = os.environ if environ is None else environ
    value = (env.get(ENV_DATABASE_URL) or "").strip()
    if not value:
        return None
    if not is_postgres_url(value):
        raise ValueError(f"{ENV_DATABASE_URL} must be a postgresql:// URL (got a {value.split('://')[0]} URL).")
    return value


def redact_url(url: str) -> str:
    """The URL without its password (for logs, messages and the Connection page)."""
    return re.sub(r"(://[^:/@]+):[^@]*@", r"\1:***@", url)
