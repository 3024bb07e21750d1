"""The Build pages in a real browser (offline sandbox): run scenarios, follow a 3DS payment into the
explorer, refund it, and watch its webhooks arrive verified. One browser for the session; the pages
share one server, so the tests run in this file's order."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from lib.lab.scenarios import catalog
from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_page

RUN_ALL_TIMEOUT_MS = 120_000
VIEWPORT = {"width": 1400, "height": 1000}


def shot(page: Page, name: str, *, max_height: int = 2600) -> None:
    """A screenshot of the whole page: Streamlit scrolls inside its main container, so grow the viewport to
    the content's height (bounded) for the picture, then restore it."""
    height = page.evaluate("""() => {
        const block = document.querySelector('[data-testid="stMainBlockContainer"]');
        return block ? block.offsetHeight + 60 : 0; }""")
    page.set_viewport_size({"width": VIEWPORT["width"], "height": max(VIEWPORT["height"], min(max_height, height + 40))})
    page.wait_for_timeout(300)
    save_screenshot(page, name)
    page.set_viewport_size(VIEWPORT)


def open_build_page(page: Page, app_url: str, path: str, title: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_page(page, title)
    assert_no_exception(page)


def search_scenarios(page: Page, text: str) -> None:
    box = page.get_by_label("Search scenarios")
    box.fill(text)
    box.press("Enter")
    wait_for_page(page, "Scenario catalog")


def test_run_one_decline_scenario_actual_equals_expected(page: Page, app_url: str):
    open_build_page(page, app_url, "build_scenarios", "Scenario catalog")
    search_scenarios(page, "insufficient funds")
    row = page.locator(".st-key-scen_row_decline-insufficient-funds")
    row.get_by_role("button", name="▶ Run").click()
    wait_for_page(page, "Scenario catalog")
    assert_no_exception(page)
    expect(row).to_contain_text("✓ pass")
    table = row.get_by_test_id("stTable")
    decline = table.locator("tr", has_text="decline_code")
    expect(decline).to_contain_text("insufficient_funds")
    expect(decline.locator("th, td").first).to_have_text("✓")
    expect(table.locator("tr", has_text="http_status")).to_contain_text("402")
    expect(row).to_contain_text("payment_intent.payment_failed")
    shot(page, "build_scenarios_decline")


def test_run_all_on_the_sandbox_shows_zero_mismatches(page: Page, app_url: str):
    open_build_page(page, app_url, "build_scenarios", "Scenario catalog")
    page.get_by_role("button", name="▶ Run all scenarios").click()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Zero mismatches")).to_be_visible(
        timeout=RUN_ALL_TIMEOUT_MS)
    expect(page.get_by_role("button", name="Download results (CSV)")).to_be_visible(timeout=30_000)
    wait_for_page(page, "Scenario catalog")
    assert_no_exception(page)
    total = str(len(catalog()))
    for label, value in (("Scenarios", total), ("Pass", total), ("Mismatch", "0"), ("Errors", "0")):
        metric = page.get_by_test_id("stMetric").filter(has=page.get_by_text(label, exact=True))
        expect(metric.get_by_test_id("stMetricValue")).to_have_text(value, timeout=20_000)
    expect(page.get_by_text(re.compile(r"scenarios/s"))).to_be_visible()
    shot(page, "build_scenarios_run_all")


def test_3ds_payment_timeline_refund_and_verified_webhooks(page: Page, app_url: str):
    # 1. Run a 3DS scenario and answer the challenge in the iframe, as the customer would.
    open_build_page(page, app_url, "build_scenarios", "Scenario catalog")
    search_scenarios(page, "3DS2 required: customer completes")
    row = page.locator(".st-key-scen_row_3ds2-required-complete")
    row.get_by_role("button", name="▶ Run").click()
    wait_for_page(page, "Scenario catalog")
    expect(row).to_contain_text("Waiting for the customer")
    challenge = row.frame_locator("iframe").first
    expect(challenge.get_by_text("3D Secure 2 Test Page")).to_be_visible()
    shot(page, "build_scenarios_3ds_challenge")
    challenge.get_by_role("button", name="Complete").click()
    expect(challenge.get_by_text("Authentication finished")).to_be_visible()  # the app's return_url page
    row.get_by_role("button", name="I answered — continue").click()
    wait_for_page(page, "Scenario catalog")
    expect(row).to_contain_text("✓ pass")
    link = row.get_by_role("link", name=re.compile(r"Open pi_\w+ in the Payments explorer"))
    pi_id = re.search(r"pi_\w+", link.inner_text()).group(0)

    # 2. Its timeline in the explorer: every transition, with the events that announced it.
    link.click()
    wait_for_page(page, "Payments explorer")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name=pi_id)).to_be_visible()
    main = page.get_by_test_id("stMain")
    for transition in ("created → requires_confirmation", "requires_confirmation → requires_action",
                       "requires_action → succeeded"):
        expect(main).to_contain_text(transition)
    expect(main).to_contain_text("payment_intent.requires_action")
    expect(page.get_by_test_id("stGraphVizChart")).to_be_visible()
    shot(page, "build_explorer_3ds_timeline")

    # 3. Refund part of it from the explorer.
    amount = page.get_by_label(re.compile(r"Amount to refund"))
    amount.fill("7.50")
    page.get_by_role("button", name="Refund").click()
    wait_for_page(page, "Payments explorer")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Refund created")
    expect(page.get_by_test_id("stMetric").filter(has_text="Refunded")).to_contain_text("$7.50")
    expect(main).to_contain_text("refund.created")
    shot(page, "build_explorer_refund")

    # 4. The refund's webhook reaches the app's endpoint, signature verified.
    open_build_page(page, app_url, "build_events", "Events & webhooks")
    page.get_by_label("Object id").fill(pi_id)
    page.get_by_label("Object id").press("Enter")
    latest = page.get_by_text(re.compile(r"Latest delivery: .* → verified ✓"))
    expect(latest).to_be_visible(timeout=15_000)
    expect(page.get_by_test_id("stMetric").filter(has_text="Verified")).not_to_contain_text(re.compile(r"^Verified\s*0$"))
    expect(page.get_by_text(re.compile(r"Latest delivery: (refund\.created|charge\.refunded)"))).to_be_visible(
        timeout=15_000)
    assert_no_exception(page)
    shot(page, "build_events_verified")


def test_signature_demo_and_request_log(page: Page, app_url: str):
    open_build_page(page, app_url, "build_events", "Events & webhooks")
    page.get_by_role("button", name=re.compile(r"^Run the demo with")).click()
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="No signatures found matching")).to_be_visible()
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="Timestamp outside the tolerance zone")) \
        .to_be_visible()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="construct_event returned").first).to_be_visible()
    shot(page, "build_events_signature_demo")

    open_build_page(page, app_url, "build_request_log", "Request log")
    tail = page.get_by_test_id("stCode").first
    expect(tail).to_contain_text(re.compile(r"\[200\] GET /v1/events/evt_\w+ \[req_"))  # the demo read its event
    shot(page, "build_request_log")
    requests = page.get_by_test_id("stMetric").filter(has_text="Requests").get_by_test_id("stMetricValue")
    hidden = int(requests.inner_text())
    page.get_by_text("Hide auto-refresh polling (live pages)").click()  # the Events page polled every 3 s
    expect(requests).not_to_have_text(str(hidden))
    wait_for_page(page, "Request log")
    assert int(requests.inner_text()) > hidden


def test_simulator_seeds_the_sandbox(page: Page, app_url: str):
    open_build_page(page, app_url, "build_simulator", "Traffic simulator")
    payments = page.get_by_label("Payments")
    payments.fill("1500")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Done: 1,500 payments")).to_be_visible(
        timeout=60_000)
    assert_no_exception(page)
    shot(page, "build_simulator")
    open_build_page(page, app_url, "build_explorer", "Payments explorer")
    expect(page.get_by_text(re.compile(r"Page 1 · 25 match\(es\)"))).to_be_visible()
    shot(page, "build_explorer_list")
