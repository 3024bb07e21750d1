"""The Finance page's time-dependent lines through AppTest: the Open disputes tile never calls a
past date "next due" (it counts the overdue ones instead), and the page says so when the account
has a newer payment than the warehouse. Expected values come from the raw rows, in plain Python."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest

from lib.finance import ENV_FINANCE_DB
from lib.finance.synthetic import generate
from tests.app.conftest import open_page, rendered_text

PAGE = "app_pages/finance_dashboard.py"
OPEN = ("needs_response", "warning_needs_response", "appeal_needs_response")
STALE = "Data is older than the account's newest payment"


@pytest.fixture
def finance_db(tmp_path, monkeypatch):
    path = tmp_path / "finance.duckdb"
    con = duckdb.connect(str(path))
    generate(con, 3000, end=datetime.now(UTC).date(), days=60, seed=21)
    con.close()
    monkeypatch.setenv(ENV_FINANCE_DB, str(path))
    return path


def test_open_disputes_tile_shows_the_next_future_due_date_and_the_overdue_count(finance_db):
    con = duckdb.connect(str(finance_db), read_only=True)
    due = [r[0] for r in con.execute("SELECT evidence_due_by FROM disputes WHERE status IN (?, ?, ?)", OPEN).fetchall()]
    con.close()
    now = datetime.now(UTC).replace(tzinfo=None)
    future, past = [d for d in due if d > now], [d for d in due if d <= now]
    assert future and past  # the fixture has both
    at = open_page(PAGE)
    assert not at.exception, [e.value for e in at.exception]
    (tile,) = [x for x in at.metric if x.label == "Open disputes"]
    assert tile.value == f"{len(due):,}"
    assert tile.delta == f"next due {min(future):%d %b}"
    (overdue,) = [w.value for w in at.warning if "overdue" in w.value]
    assert f"**{len(past):,} open disputes are overdue**" in overdue


def test_the_page_says_when_the_account_has_newer_payments(finance_db):
    at = open_page(PAGE)
    assert STALE not in rendered_text(at)
    con = duckdb.connect(str(finance_db))
    newest = con.execute("SELECT max(created) FROM payment_intents").fetchall()[0][0]
    later = newest + timedelta(hours=2)
    con.execute("INSERT INTO sync_state (resource, account_newest) VALUES ('payment_intents', ?)",
                [int(later.replace(tzinfo=UTC).timestamp())])
    con.close()
    at = open_page(PAGE)
    assert not at.exception
    (warning,) = [w.value for w in at.warning if STALE in w.value]
    assert f"synced up to {newest:%d %b %Y, %H:%M} UTC; newest {later:%d %b %Y, %H:%M} UTC" in warning
    assert "Sync now" in warning
