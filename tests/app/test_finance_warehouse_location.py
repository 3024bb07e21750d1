"""The Finance page reads the warehouse the sync writes, and filters by account, through AppTest.

* With ``DATABASE_URL`` set the page reads the Postgres warehouse (schema ``finance``) that
  ``run_sync`` filled there, not the DuckDB file of ``PFL_FINANCE_DB`` (which holds other data),
  and never shows the URL's password.
* A warehouse holding two accounts shows an **Account** chooser; each choice filters the KPIs.

The accounts are built by hand with :class:`tests.unit.fake_stripe.FakeStripe` and synced with the
real sync; the expected numbers are written out here from what was paid.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from lib.database_url import ENV_DATABASE_URL
from lib.finance import ENV_FINANCE_DB
from lib.finance.store.postgres_warehouse import close_pools
from lib.finance.sync import run_sync
from tests.app.conftest import open_page, rendered_text
from tests.unit.fake_stripe import FakeStripe

PAGE = "app_pages/finance_dashboard.py"
DAY = 86400
PASSWORD = "pw-never-shown-7731"


def metric(at, label: str) -> str:
    (value,) = [x.value for x in at.metric if x.label == label]
    return value


def own_account() -> FakeStripe:
    """The app's own key: 3 × $10.00 paid, 1 × $10.00 declined, $4.00 refunded, 3 days ago."""
    fake = FakeStripe(start=int(datetime.now(UTC).timestamp()) - 3 * DAY)
    paid = [fake.pay(1000) for _ in range(3)]
    fake.pay(1000, decline="insufficient_funds")
    fake.tick(60)
    fake.refund(paid[0]["latest_charge"], 400)
    fake.clock = int(datetime.now(UTC).timestamp())
    return fake


def second_account() -> FakeStripe:
    """A second account, ``acct_b``: 2 × $25.00 paid, 2 days ago."""
    fake = FakeStripe(start=int(datetime.now(UTC).timestamp()) - 2 * DAY)
    for _ in range(2):
        fake.pay(2500)
    fake.clock = int(datetime.now(UTC).timestamp())
    return fake


def sync(fake: FakeStripe, location, account: str = "") -> None:
    result = run_sync(fake.client(), location, now=lambda: fake.clock, account=account)
    assert result.ok, result.message


@pytest.fixture
def pg_url(pg_database):
    yield pg_database.url.replace("postgresql://postgres@", f"postgresql://postgres:{PASSWORD}@")
    close_pools()


def test_with_database_url_the_page_reads_the_postgres_warehouse_the_sync_wrote(pg_url, tmp_path, monkeypatch):
    other = tmp_path / "other.duckdb"
    sync(second_account(), other)  # a DuckDB file with different numbers: must not be what is shown
    sync(own_account(), pg_url)
    monkeypatch.setenv(ENV_FINANCE_DB, str(other))
    monkeypatch.setenv(ENV_DATABASE_URL, pg_url)
    at = open_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    assert metric(at, "Successful payments") == "3"
    assert metric(at, "Gross volume") == "$30.00"
    assert metric(at, "Authorization rate") == "75.00%"   # 3 of 4 attempts
    text = rendered_text(at)
    assert "computed in Postgres" in text
    # the status line's row counts come from the sync run's record (no count(*) per page run)
    assert any("payment intents 4" in c.value and "refunds 1" in c.value for c in at.caption)
    assert PASSWORD not in text and ":***@" in text
    assert not [s for s in at.selectbox if s.label == "Account"]  # one account: no chooser


@pytest.fixture(params=["duckdb", "postgres"])
def two_accounts(request, tmp_path, monkeypatch):
    if request.param == "duckdb":
        location = tmp_path / "finance.duckdb"
        monkeypatch.setenv(ENV_FINANCE_DB, str(location))
    else:
        location = request.getfixturevalue("pg_url")
        monkeypatch.setenv(ENV_DATABASE_URL, location)
    sync(own_account(), location)
    sync(second_account(), location, account="acct_b")
    return location


def test_the_account_chooser_filters_every_kpi(two_accounts):
    at = open_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    (chooser,) = [s for s in at.selectbox if s.label == "Account"]
    assert chooser.options == ["All accounts", "This app's key", "acct_b"]
    assert chooser.value is None  # all accounts by default
    assert (metric(at, "Successful payments"), metric(at, "Gross volume")) == ("5", "$80.00")
    assert metric(at, "Authorization rate") == "83.33%"  # 5 of 6

    at.selectbox(key="fin_account").set_value("acct_b").run()
    assert not at.exception
    assert (metric(at, "Successful payments"), metric(at, "Gross volume")) == ("2", "$50.00")
    assert metric(at, "Authorization rate") == "100.00%"
    assert metric(at, "Refunds") == "$0.00"

    at.selectbox(key="fin_account").set_value("").run()
    assert (metric(at, "Successful payments"), metric(at, "Gross volume")) == ("3", "$30.00")
    assert metric(at, "Refunds") in ("$4.00", "-$4.00")
    payments = at.dataframe  # the payments table lists only that account's 4 charges
    assert any(len(df.value) == 4 for df in payments)
