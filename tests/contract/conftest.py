"""Fixtures of the contract tests that need a finance warehouse on each engine."""

from __future__ import annotations

import pytest

from lib.finance.store.postgres_warehouse import close_pools


@pytest.fixture
def warehouse_location(engine, tmp_path, request):
    """Where a test's finance warehouse lives: a DuckDB file (``engine`` 'sqlite': the embedded
    default), or a fresh Postgres database (its pools closed before the database is dropped)."""
    if engine == "sqlite":
        yield tmp_path / "finance.duckdb"
        return
    yield request.getfixturevalue("pg_database").url
    close_pools()
