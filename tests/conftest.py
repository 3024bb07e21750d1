"""Shared fixtures. Every test runs with no STRIPE_* settings from the developer's shell or
secrets.toml, and with the embedded sandbox's data dir in a temp folder."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe

from lib.config import ENV_SANDBOX_DATA_DIR, ENV_SECRETS_FILE, SETTING_NAMES
from tests.postgres import PostgresDatabase, PostgresServer, start_for_tests

TESTS_DIR = Path(__file__).resolve().parent
SUITE_MARKERS = {"contract": "contract", "app": "app", "e2e": "e2e"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark tests by folder, so `-m "not e2e"` etc. work without decorating every test."""
    for item in items:
        folder = Path(item.fspath).resolve().relative_to(TESTS_DIR).parts[0]
        if folder in SUITE_MARKERS:
            item.add_marker(getattr(pytest.mark, SUITE_MARKERS[folder]))


@pytest.fixture(scope="session", autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Clear STRIPE_* variables, point the secrets file at an empty temp file and the embedded
    sandbox at a temp data dir. Yields the temp folder."""
    root = tmp_path_factory.mktemp("settings")
    secrets = root / "secrets.toml"
    secrets.write_text("")
    saved = {name: os.environ.get(name) for name in (*SETTING_NAMES, ENV_SECRETS_FILE, ENV_SANDBOX_DATA_DIR,
                                                     "MERCHANT_DB_URL")}
    for name in SETTING_NAMES:
        os.environ.pop(name, None)
    os.environ[ENV_SECRETS_FILE] = str(secrets)
    os.environ[ENV_SANDBOX_DATA_DIR] = str(root / "sandbox-data")
    # The merchant's own database (Learn page) must not land in the checkout's .data/ either.
    os.environ["MERCHANT_DB_URL"] = f"sqlite:///{root / 'merchant.sqlite3'}"
    yield root
    for name, value in saved.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def sandbox():
    """An in-memory sandbox server for the whole session (no async delays)."""
    from lib.sandbox import start_sandbox

    handle = start_sandbox(memory=True, async_delay=0)
    yield handle
    handle.stop()


@pytest.fixture
def stripe_client(sandbox) -> stripe.StripeClient:
    """The plain stripe SDK pointed at the session sandbox, without retries."""
    return stripe.StripeClient("sk_test_contract", base_addresses={"api": sandbox.url},
                               max_network_retries=0)


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A throwaway PostgreSQL server for this pytest process (with xdist, each worker starts its
    own: ~0.7 s, nothing shared to coordinate). Without the server programs it fails under CI=true
    and skips elsewhere, saying how to install them."""
    server = start_for_tests()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def postgres_url(postgres_server: PostgresServer) -> str:
    """URL of the session database (`test`) on the session's Postgres server."""
    return postgres_server.url()


@pytest.fixture
def pg_database(postgres_server: PostgresServer) -> Iterator[PostgresDatabase]:
    """A new, empty, uniquely named database for one test; dropped afterwards (open connections
    included)."""
    database = postgres_server.create_database()
    yield database
    postgres_server.drop_database(database.name)


ENGINES = ("sqlite", "postgres")


@pytest.fixture(params=ENGINES)
def engine(request: pytest.FixtureRequest) -> str:
    """Runs a test once per database engine: the embedded default (SQLite / DuckDB) and Postgres."""
    return request.param


@pytest.fixture
def shop_db_location(engine: str, tmp_path: Path, request: pytest.FixtureRequest) -> str | Path:
    """Where a test's shop database lives: a SQLite file, or a fresh Postgres database."""
    if engine == "sqlite":
        return tmp_path / "merchant.sqlite3"
    return request.getfixturevalue("pg_database").url
