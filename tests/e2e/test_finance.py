"""Finance dashboard in Chromium: seed the sandbox, sync, see the charts and KPIs equal the ledger."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from lib.stripe_facts.currencies import format_amount

from .conftest import PROJECT_ROOT, assert_no_exception, save_screenshot, streamlit_server, wait_for_page

SYNC_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def seeded_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """An app whose embedded sandbox already holds 20 days of seeded history."""
    workdir = tmp_path_factory.mktemp("e2e-finance")
    subprocess.run([sys.executable, "-m", "lib.sandbox", "seed", "--payments", "400", "--days", "20",
                    "--data-dir", str(workdir / "sandbox"), "--seed", "3"], cwd=PROJECT_ROOT, check=True,
                   capture_output=True)
    with streamlit_server(workdir, {"PFL_FINANCE_DB": str(workdir / "finance.duckdb")}) as url:
        yield url, workdir / "sandbox" / "sandbox.sqlite3"


def ledger_sums(db: Path) -> dict[str, int]:
    """Gross (charge lines), fees and net of the sandbox's own balance transactions (all in USD)."""
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT json_extract(data, '$.reporting_category'), json_extract(data, '$.amount'), "
                           "json_extract(data, '$.fee'), json_extract(data, '$.net') FROM objects "
                           "WHERE kind='balance_transaction'").fetchall()
    return {"gross": sum(a for cat, a, _, _ in rows if cat == "charge"), "fees": sum(f for _, _, f, _ in rows),
            "net": sum(n for _, _, _, n in rows)}


def metric_value(page: Page, label: str) -> str:
    tile = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True)).first
    return tile.get_by_test_id("stMetricValue").inner_text().strip()


def test_seed_sync_and_kpis_match_the_ledger(page: Page, seeded_app: tuple[str, Path]):
    url, sandbox_db = seeded_app
    page.goto(url)
    wait_for_page(page, "Payment walkthrough")
    page.get_by_test_id("stSidebarNavLink").filter(has_text="Finance dashboard").click()
    wait_for_page(page, "Finance dashboard")
    page.get_by_role("button", name="Sync now").click()
    expect(page.get_by_text("Last sync", exact=False).first).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    expect(page.get_by_test_id("stPlotlyChart").first).to_be_visible(timeout=SYNC_TIMEOUT_MS)
    assert page.get_by_test_id("stPlotlyChart").count() >= 6  # volume, success/failure, declines, ...
    assert_no_exception(page)

    expected = ledger_sums(sandbox_db)
    assert expected["gross"] > 0
    assert metric_value(page, "Gross volume") == format_amount(expected["gross"], "usd")
    assert metric_value(page, "Fees") == format_amount(expected["fees"], "usd")
    assert metric_value(page, "Net volume") == format_amount(expected["net"], "usd")
    page.set_viewport_size({"width": 1400, "height": 2400})  # Streamlit scrolls inside its own container
    expect(page.get_by_test_id("stPlotlyChart").nth(3)).to_be_visible()
    save_screenshot(page, "finance_dashboard_synced")
