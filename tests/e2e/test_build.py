"""The Build pages in a real browser (offline sandbox): run scenarios, follow a 3DS payment into the
explorer, refund it, and watch its webhooks arrive verified. One browser for the session; the pages
share one server, so the tests run in this file's order.

Every test runs at 1280x800 and at 1920x1080, and after each state it reaches the page must be
readable (tests/e2e/readability.py): no clipped text, no "None" in a table."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from lib.lab.scenarios import catalog
from tests.e2e.conftest import assert_no_exception, save_screenshot, wait_for_page
from tests.e2e.readability import assert_readable

RUN_ALL_TIMEOUT_MS = 120_000
EXPECT_TIMEOUT_MS = 15_000   # Playwright's default is 5 s; a busy machine draws a big page slower


@pytest.fixture(autouse=True)
def patient_expect() -> Iterator[None]:
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)
    yield
    expect.set_options(timeout=5_000)


@pytest.fixture
def page(page_at_each_size: Page) -> Page:
    """Every test here walks at 1280 and at 1920 px."""
    return page_at_each_size


def shot(page: Page, name: str, *, max_height: int = 2600, from_top: bool = False) -> None:
    """Check the state is readable, then take a screenshot of the whole page: Streamlit scrolls inside its
    main container, so grow the viewport to the content's height (bounded) for the picture, then restore it.
    ``from_top``: the picture starts at the page's top instead of where the test left it scrolled."""
    assert_no_exception(page)
    assert_readable(page, name)
    if from_top:
        page.evaluate("document.querySelector('[data-testid=\"stMain\"]')?.scrollTo(0, 0)")
    viewport = dict(page.viewport_size or {})
    height = page.evaluate("""() => {
        const block = document.querySelector('[data-testid="stMainBlockContainer"]');
        return block ? block.offsetHeight + 60 : 0; }""")
    page.set_viewport_size({"width": viewport["width"], "height": max(viewport["height"], min(max_height, height + 40))})
    page.wait_for_timeout(300)
    save_screenshot(page, f"{name}_{viewport['width']}")
    page.set_viewport_size(viewport)


def open_build_page(page: Page, app_url: str, path: str, title: str) -> None:
    page.goto(f"{app_url}/{path}")
    wait_for_page(page, title)
    assert_no_exception(page)


def search_scenarios(page: Page, text: str) -> None:
    box = page.get_by_label("Search scenarios", exact=True)
    box.fill(text)
    box.press("Enter")
    wait_for_page(page, "Scenario catalog")


def click_row(page: Page, table, row: int = 0) -> None:
    """Click a data cell of ``row`` in an st.dataframe (the grid is a canvas: click where the row is drawn)."""
    expect(table.locator(".dvn-scroller")).to_be_attached()  # the grid is drawn
    # Its first rows in view even when it is tall, below Streamlit's header bar (which lies over the page's top).
    table.evaluate("""el => { el.scrollIntoView({block: 'start'});
        document.querySelector('[data-testid="stMain"]')?.scrollBy(0, -160); }""")
    page.wait_for_timeout(500)  # as a person would: a grid drawn a moment ago may still take its place
    box = table.bounding_box()
    header, row_height = 35, 35
    page.mouse.click(box["x"] + 60, box["y"] + header + row_height * row + row_height / 2)


def test_catalog_search_and_one_decline_scenario_actual_equals_expected(page: Page, app_url: str):
    open_build_page(page, app_url, "build_scenarios", "Scenario catalog")
    shot(page, "build_scenarios")
    # Learn offers 4000 0027 6000 3184: typed as printed on the card, the catalog finds its scenarios.
    search_scenarios(page, "4000 0027 6000 3184")
    expect(page.get_by_text("5 scenario(s) match")).to_be_visible()
    expect(page.locator(".st-key-scen_row_3ds-always-authenticate")).to_be_visible()
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
    row.get_by_text(re.compile(r"^Steps \(\d+\) and requests")).click()
    requests = row.get_by_test_id("stDataFrame").first
    expect(requests).to_be_visible()
    click_row(page, requests, 0)  # the request's bodies on demand
    expect(row.get_by_text(re.compile(r"^Response · HTTP"))).to_be_visible()
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
    # The results are paged: 25 of them, then the next 25.
    expect(page.get_by_text(f"1–25 of {total} · page 1 of")).to_be_visible()
    shot(page, "build_scenarios_run_all", from_top=True)
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_text(f"26–50 of {total} · page 2 of")).to_be_visible()
    wait_for_page(page, "Scenario catalog")
    shot(page, "build_scenarios_run_all_page_2")


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

    # 2. Its timeline in the explorer: every transition as status badges, with the events that announced it.
    link.click()
    wait_for_page(page, "Payments explorer")
    assert_no_exception(page)
    expect(page.get_by_role("heading", name=pi_id)).to_be_visible()
    main = page.get_by_test_id("stMain")
    for transition in (re.compile(r"Created\s*→\s*Requires confirmation"),
                       re.compile(r"Requires confirmation\s*→\s*Requires action"),
                       re.compile(r"Requires action\s*→\s*Succeeded")):
        expect(main).to_contain_text(transition)
    expect(main).to_contain_text("payment_intent.requires_action")
    expect(page.get_by_test_id("stGraphVizChart")).to_be_visible()
    shot(page, "build_explorer_3ds_timeline")
    page.get_by_role("button", name="Show every possible transition").click()  # the full lifecycle, on demand
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_test_id("stGraphVizChart").locator("svg")).to_be_visible()
    expect(dialog).to_contain_text("Processing")  # a state this payment never came near
    shot(page, "build_explorer_full_graph")
    page.keyboard.press("Escape")
    expect(dialog).to_have_count(0)

    # 3. Refund part of it from the explorer: the payment now reads Partially refunded.
    amount = page.get_by_label(re.compile(r"Amount to refund"))
    amount.fill("7.50")
    page.get_by_role("button", name="Refund").click()
    wait_for_page(page, "Payments explorer")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Refund created")
    expect(page.get_by_test_id("stMetric").filter(has_text="Refunded")).to_contain_text("$7.50")
    expect(main).to_contain_text("refund.created")
    expect(main.get_by_text("Partially refunded").first).to_be_visible()
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
    wait_for_page(page, "Events & webhooks")
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
    # A compact table, 25 requests a page, not a wall of text; the newest request's body on a click.
    expect(page.get_by_text(re.compile(r"^1–25 of [\d,]+ · page 1 of \d+$"))).to_be_visible()
    page.get_by_role("textbox", name="Search", exact=True).fill("/v1/events/evt_")
    page.get_by_role("textbox", name="Search", exact=True).press("Enter")
    wait_for_page(page, "Request log")
    table = page.get_by_test_id("stDataFrame").first
    click_row(page, table, 0)
    tail = page.get_by_test_id("stCode").first
    expect(tail).to_contain_text(re.compile(r"\[200\] GET /v1/events/evt_\w+ \[req_"))  # the demo read its event
    expect(page.get_by_text(re.compile(r"^Response · HTTP 200"))).to_be_visible()
    shot(page, "build_request_log")
    page.get_by_role("textbox", name="Search", exact=True).fill("")
    page.get_by_role("textbox", name="Search", exact=True).press("Enter")
    wait_for_page(page, "Request log")
    requests = page.get_by_test_id("stMetric").filter(has_text="Requests").get_by_test_id("stMetricValue")
    hidden = int(requests.inner_text().replace(",", ""))
    page.get_by_text("Hide auto-refresh polling (live pages)").click()  # the Events page polled every 3 s
    expect(requests).not_to_have_text(str(hidden))
    wait_for_page(page, "Request log")
    assert int(requests.inner_text().replace(",", "")) > hidden
    page.get_by_role("button", name="Next →").click()
    expect(page.get_by_text(re.compile(r"^26–50 of [\d,]+ · page 2 of \d+$"))).to_be_visible()
    wait_for_page(page, "Request log")
    shot(page, "build_request_log_page_2")


def test_simulator_seeds_the_sandbox_and_the_explorer_opens_a_clicked_row(page: Page, app_url: str):
    open_build_page(page, app_url, "build_simulator", "Traffic simulator")
    payments = page.get_by_label("Payments")
    payments.fill("1500")
    page.get_by_role("button", name="Start").click()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Done: 1,500 payments")).to_be_visible(
        timeout=60_000)
    shot(page, "build_simulator")
    open_build_page(page, app_url, "build_explorer", "Payments explorer")
    expect(page.get_by_text(re.compile(r"Page 1 · 25 match\(es\)"))).to_be_visible()
    shot(page, "build_explorer_list")
    # Only refunded payments, in the Dashboard's words.
    page.get_by_label("Status", exact=True).click()
    page.get_by_role("option", name="Refunded", exact=True).click()
    page.keyboard.press("Escape")
    page.get_by_test_id("stBaseButton-primaryFormSubmit").click()  # the filter form's Search
    wait_for_page(page, "Payments explorer")
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible()
    click_row(page, table, 0)  # a click on a cell opens the payment
    expect(page.get_by_role("heading", name=re.compile(r"^pi_\w+$"))).to_be_visible()
    wait_for_page(page, "Payments explorer")
    expect(page.get_by_test_id("stMain").get_by_text("Refunded", exact=True).first).to_be_visible()
    shot(page, "build_explorer_clicked_row")


# Records every change of the app's script state (running / notRunning) from the first paint on.
RECORD_SCRIPT_RUNS = """() => {
  window.__scriptStates = [];
  new MutationObserver(() => {
    const state = document.querySelector('[data-testid="stApp"]')?.getAttribute('data-test-script-state');
    const seen = window.__scriptStates;
    if (state && seen[seen.length - 1] !== state) seen.push(state);
  }).observe(document, {subtree: true, attributes: true, attributeFilter: ['data-test-script-state'], childList: true});
}"""


def test_a_direct_link_draws_the_payment_in_one_run(page: Page, app_url: str):
    """?pi=… is drawn whole by the page's first script run: nothing is fetched after the first paint and
    no second run fills placeholders in. (The grey boxes a browser may show for a moment after that are
    Streamlit's own, while it loads the code of a widget type it has not drawn yet.)"""
    open_build_page(page, app_url, "build_explorer", "Payments explorer")
    click_row(page, page.get_by_test_id("stDataFrame").first, 0)
    expect(page.get_by_role("heading", name=re.compile(r"^pi_\w+$"))).to_be_visible()
    url = page.url
    page.add_init_script(f"({RECORD_SCRIPT_RUNS})()")
    page.goto(url)
    wait_for_page(page, "Payments explorer")
    expect(page.get_by_test_id("stGraphVizChart").locator("svg")).to_be_visible(timeout=30_000)
    expect(page.get_by_test_id("stSkeleton")).to_have_count(0, timeout=30_000)
    expect(page.get_by_test_id("stMetric")).to_have_count(4)
    page.wait_for_timeout(1000)  # a second run, if the page asked for one, would have started by now
    states = page.evaluate("window.__scriptStates")
    assert states.count("running") == 1, f"the page ran {states.count('running')} times: {states}"
    shot(page, "build_explorer_direct_link")
