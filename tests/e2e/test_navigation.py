"""Click through every page in the sidebar navigation of a real browser, at 1280 and 1920 px: no page
may show an exception, and each first view must be readable (no clipped text, no "None" in a table)."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.app.conftest import PAGES
from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_page
from tests.e2e.readability import assert_readable

TITLES = [title for _, title in PAGES]


def nav_links(page: Page):
    return page.get_by_test_id("stSidebarNav").get_by_test_id("stSidebarNavLink")


def test_every_nav_link_renders_readably_without_exception(page_at_each_size: Page, app_url: str):
    page = page_at_each_size
    page.goto(app_url)
    wait_for_page(page, "Payment walkthrough")
    links = nav_links(page)
    expect(links).to_have_count(len(TITLES))
    assert [text.strip().splitlines()[-1] for text in links.all_inner_texts()] == TITLES  # after the icon

    visited = []
    for title in TITLES:
        nav_links(page).filter(has_text=title).click()
        wait_for_page(page, title)
        assert_no_exception(page)
        expect(page.get_by_test_id("stSidebarUserContent")).to_contain_text("Offline sandbox")
        assert_readable(page, f"first view of {title}", may_scroll=("fin_tbl_payments_box",))
        save_screenshot(page, f"nav_{title}_{(page.viewport_size or {}).get('width')}")
        visited.append(page.url)
    assert len(set(visited)) == len(TITLES), "each page has its own URL"


def test_deep_link_runs_through_app_navigation(page: Page, app_url: str):
    """Opening a page URL directly still runs app.py (sections + sidebar status), not a bare page."""
    page.goto(f"{app_url}/connection")
    wait_for_page(page, "Connection")
    assert_no_exception(page)
    nav = page.get_by_test_id("stSidebarNav")
    for section in ("Learn", "Build", "Finance"):
        expect(nav).to_contain_text(section)
    expect(page.get_by_test_id("stSidebarUserContent")).to_contain_text("Offline sandbox")


def test_connection_page_shows_sandbox_health(page: Page, app_url: str):
    page.goto(f"{app_url}/connection")
    wait_for_page(page, "Connection")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("API reachable")
    expect(page.get_by_test_id("stMetric").first).to_contain_text("Up")
    page.get_by_role("button", name="Check again").click()
    wait_for_page(page, "Connection")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("API reachable")
    assert_no_exception(page)
    save_screenshot(page, "connection")
