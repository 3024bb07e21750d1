"""A misconfigured app still renders every page: a readable error, never a traceback or a hang."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.app.conftest import PAGES
from tests.e2e.conftest import assert_no_exception, save_screenshot, streamlit_server, wait_for_page


@pytest.fixture(scope="module")
def misconfigured_url(tmp_path_factory: pytest.TempPathFactory):
    env = {"STRIPE_SECRET_KEY": "sk_live_E2eLiveKeyWithoutReadonlyFlag_0123456789"}
    with streamlit_server(tmp_path_factory.mktemp("e2e-bad"), env) as url:
        yield url


def test_live_key_is_refused_with_a_readable_message(page: Page, misconfigured_url: str):
    page.goto(f"{misconfigured_url}/connection")
    wait_for_page(page, "Connection")
    assert_no_exception(page)
    main_error = page.get_by_test_id("stMain").get_by_test_id("stAlertContentError")
    expect(main_error).to_contain_text("refuses live keys")
    expect(main_error).to_contain_text("STRIPE_LIVE_READONLY=1")
    sidebar = page.get_by_test_id("stSidebarUserContent")
    expect(sidebar).to_contain_text("Not connected")
    body = page.locator("body").inner_text()
    assert "E2eLiveKeyWithoutReadonlyFlag" not in body
    save_screenshot(page, "connection_live_key_refused")


@pytest.mark.parametrize(("path", "title"), [(p, t) for p, t in PAGES if not p.endswith("connection.py")])
def test_other_pages_render_with_sidebar_error(page: Page, misconfigured_url: str, path: str, title: str):
    page.goto(misconfigured_url)
    wait_for_page(page, "Payment walkthrough")
    page.get_by_test_id("stSidebarNavLink").filter(has_text=title).click()
    wait_for_page(page, title)
    assert_no_exception(page)
    expect(page.get_by_test_id("stSidebarUserContent")).to_contain_text("Not connected")
