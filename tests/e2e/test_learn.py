"""The Learn page in Chromium: a card typed into the real card form, declines and retries, 3-D Secure
Complete and Fail, a refund — and proof that no card digits ever cross the Streamlit websocket.

One Streamlit server for the module (with its own merchant database); the browser is the shared one.
Screenshots of each state go to screenshots/learn_*.png.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import stripe
from playwright.sync_api import FrameLocator, Page, expect

from lib.shop import MerchantDB
from tests.e2e.conftest import (
    VIEWPORTS,
    assert_no_exception,
    save_screenshot,
    streamlit_server,
    wait_for_page,
)
from tests.e2e.readability import assert_readable

TITLE = "Payment walkthrough"
MAX_SHOT_HEIGHT = 4200


@pytest.fixture(scope="module")
def learn_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    workdir = tmp_path_factory.mktemp("learn-e2e")
    db_path = workdir / "merchant.sqlite3"
    with streamlit_server(workdir, {"MERCHANT_DB_URL": str(db_path)}) as url:
        yield url, db_path


@pytest.fixture
def shop_db(learn_app) -> Iterator[MerchantDB]:
    db = MerchantDB(learn_app[1])
    yield db
    db.close()


def settle(page: Page) -> None:
    page.wait_for_timeout(250)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.locator("[data-stale='true']")).to_have_count(0)


def card_form(page: Page) -> FrameLocator:
    form = page.frame_locator("iframe[title*='learn_card_form']")
    expect(form.locator("body[data-ready='1']")).to_have_count(1, timeout=20_000)
    return form


def open_learn(page: Page, url: str) -> FrameLocator:
    page.goto(url)
    wait_for_page(page, TITLE)
    return card_form(page)


@pytest.fixture
def page(page_at_each_size: Page) -> Page:
    """Every test here walks at 1280 and at 1920 px."""
    return page_at_each_size


def shot(page: Page, name: str) -> None:
    """Check the state is readable (no clipped text, no "None" in tables), then take a screenshot of
    the whole page (Streamlit scrolls inside stMain, so grow the viewport to fit)."""
    settle(page)
    assert_readable(page, name)
    size = page.viewport_size or VIEWPORTS["1280"]
    height = page.evaluate("""() => { const main = document.querySelector('[data-testid=stMain]');
        main.scrollTo(0, 0); return main.scrollHeight; }""")
    page.set_viewport_size({"width": size["width"], "height": min(max(height, size["height"]), MAX_SHOT_HEIGHT)})
    page.wait_for_timeout(400)
    save_screenshot(page, f"{name}_{size['width']}")
    page.set_viewport_size(size)
    page.wait_for_timeout(200)


def click(page: Page, name: str) -> None:
    page.get_by_role("button", name=name).first.click()
    settle(page)
    assert_no_exception(page)


def pick(page: Page, label: str, option: str) -> None:
    page.get_by_test_id("stSelectbox").filter(has=page.get_by_text(label, exact=True)).first.click()
    # Typed, as a person would: the open list draws only the options that fit the window (800 px tall
    # at 1280), so one further down is not there to click until the list is filtered.
    page.keyboard.type(option)
    page.get_by_role("option", name=option, exact=True).click()
    settle(page)


def expect_step(page: Page, n: int, title: str) -> None:
    expect(page.get_by_role("heading", name=f"Step {n} · {title}")).to_be_visible()


def type_card(form: FrameLocator, number: str, expiry: str = "1234", cvc: str = "123", postal: str = "10001") -> None:
    form.locator("#card-number").press_sequentially(number, delay=15)
    form.locator("#card-expiry").press_sequentially(expiry, delay=15)
    form.locator("#card-cvc").press_sequentially(cvc, delay=15)
    form.locator("#card-postal").fill(postal)


def send_card(page: Page, form: FrameLocator) -> None:
    form.locator("#submit").click()
    expect_step(page, 2, "Validate")
    settle(page)


def pay_from_step2(page: Page, amount_label: str = "Pay $25.00") -> None:
    click(page, "Next: send the id to your server →")
    expect_step(page, 3, "Send the id to your server")
    click(page, amount_label)
    expect_step(page, 4, "Create the PaymentIntent")


def test_typed_card_pays_and_no_card_digits_cross_the_websocket(page: Page, learn_app, shop_db):
    url, _ = learn_app
    number = "4000056655665556"  # Visa debit, typed by hand
    frames: list[str] = []
    streamlit_requests: list[str] = []
    processor_bodies: list[str] = []

    def on_ws(ws) -> None:
        for kind in ("framesent", "framereceived"):
            ws.on(kind, lambda payload: frames.append(payload if isinstance(payload, str) else payload.decode("latin-1")))

    def on_request(request) -> None:
        body = request.post_data or ""
        if request.url.startswith(url):
            streamlit_requests.append(request.url + " " + body)
        elif "/v1/payment_methods" in request.url and request.method == "POST":
            processor_bodies.append(body)

    page.on("websocket", on_ws)
    page.on("request", on_request)
    form = open_learn(page, url)
    type_card(form, number)
    expect(form.locator("#brand-icon")).to_have_attribute("data-brand", "visa")
    expect(form.locator("#card-number")).to_have_value("4000 0566 5566 5556")
    shot(page, "learn_1_card_form")
    send_card(page, form)
    expect(page.get_by_text("The processor returned")).to_be_visible()
    pm_id = re.search(r"pm_\w+", page.get_by_text("The processor returned").first.inner_text()).group(0)
    shot(page, "learn_2_payment_method")
    pay_from_step2(page)
    expect(page.get_by_text("The code that ran")).to_be_visible()
    shot(page, "learn_4_code")
    click(page, "Next: what did the processor decide? →")
    expect(page.get_by_text("Approved.")).to_be_visible()
    click(page, "Next: handle the result →")
    expect(page.get_by_text("fulfilment triggered")).to_be_visible(timeout=15_000)
    shot(page, "learn_6_paid_and_fulfilled")

    # The card went straight to the processor…
    assert any(f"card[number]={number}" in b.replace("%5B", "[").replace("%5D", "]") for b in processor_bodies)
    # …and nothing card-like ever crossed the Streamlit websocket (either way) or hit its HTTP server.
    assert frames and any(pm_id in f for f in frames), "the recorder saw the websocket traffic"
    everything = "\n".join(frames + streamlit_requests)
    for needle in (number, "4000 0566 5566 5556", number[:12], "4000 0566 5566"):
        assert needle not in everything, f"card digits {needle!r} reached the Streamlit server"
    order = shop_db.orders(1)[0]
    assert order["status"] == "paid" and order["fulfilled_at"] and order["card"] == "Visa •••• 5556"


def test_client_side_validation_blocks_bad_cards_before_sending(page: Page, learn_app):
    form = open_learn(page, learn_app[0])
    type_card(form, "4242424242424241", expiry="1399", cvc="12")
    form.locator("#submit").click()
    expect(form.locator("#err-number")).to_contain_text("incorrect_number")
    expect(form.locator("#err-expiry")).to_contain_text("invalid_expiry_month")
    expect(form.locator("#err-cvc")).to_contain_text("incomplete_cvc")
    expect(form.locator("#status")).to_contain_text("Nothing was sent")
    settle(page)
    expect(page.get_by_text("The browser stopped it")).to_be_visible()
    form.locator("#card-number").fill("")
    form.locator("#card-number").press_sequentially("378282246310005")  # Amex: 4-digit CVC
    form.locator("#card-expiry").fill("")
    form.locator("#card-expiry").press_sequentially("1230")
    form.locator("#card-cvc").fill("123")
    form.locator("#submit").click()
    expect(form.locator("#brand-icon")).to_have_attribute("data-brand", "amex")
    expect(form.locator("#err-cvc")).to_contain_text("incomplete_cvc")
    shot(page, "learn_2_client_side_errors")


def test_decline_then_retry_with_another_card(page: Page, learn_app, shop_db):
    form = open_learn(page, learn_app[0])
    pick(page, "Test cards", "Declined by the bank")
    pick(page, "Card", "Insufficient funds")
    expect(form.locator("#card-number")).to_have_value("4000 0000 0000 9995")
    send_card(page, form)
    pay_from_step2(page)
    click(page, "Next: what did the processor decide? →")
    expect(page.get_by_text("Declined: insufficient funds")).to_be_visible()
    expect(page.get_by_text("Tell the customer")).to_be_visible()
    shot(page, "learn_5_declined")
    click(page, "Next: handle the result →")
    expect(page.get_by_text("What the customer sees")).to_be_visible()
    click(page, "Try again with another card")
    expect_step(page, 1, "Collect the card")
    expect(page.get_by_text("pick another card")).to_be_visible()
    form = card_form(page)
    pick(page, "Test cards", "Succeeds · by brand")
    expect(form.locator("#card-number")).to_have_value("4242 4242 4242 4242")
    send_card(page, form)
    pay_from_step2(page)
    expect(page.get_by_text("a retry on the same PaymentIntent")).to_be_visible()
    click(page, "Next: what did the processor decide? →")
    expect(page.get_by_text("Approved.")).to_be_visible()
    order = shop_db.orders(1)[0]
    attempts = shop_db.attempts(order["id"])
    assert order["status"] == "paid" and [a["n"] for a in attempts] == [1, 2]
    assert attempts[1]["request"] == f"confirm:{order['payment_intent']}"


def test_three_d_secure_complete_then_fail(page: Page, learn_app):
    form = open_learn(page, learn_app[0])
    pick(page, "Test cards", "3-D Secure required")
    send_card(page, form)
    pay_from_step2(page)
    click(page, "Next: what did the processor decide? →")
    expect(page.get_by_text("3-D Secure required.")).to_be_visible()
    challenge = page.frame_locator("iframe[src*='/_sandbox/3ds/']")
    expect(challenge.get_by_role("button", name="Complete")).to_be_visible()
    shot(page, "learn_5_3ds_challenge")
    challenge.get_by_role("button", name="Complete").click()
    # No reload, no click: the page follows the PaymentIntent by itself.
    expect(page.get_by_text("Approved.")).to_be_visible(timeout=15_000)
    shot(page, "learn_5_3ds_completed")

    click(page, "Start over")
    pick(page, "Test cards", "3-D Secure required")
    click(page, "Use pm_card_threeDSecure2Required")
    pay_from_step2(page)
    click(page, "Next: what did the processor decide? →")
    challenge = page.frame_locator("iframe[src*='/_sandbox/3ds/']")
    challenge.get_by_role("button", name="Fail").click()
    expect(page.get_by_text("3-D Secure failed.")).to_be_visible(timeout=15_000)
    expect(page.get_by_text("payment_intent_authentication_failure").first).to_be_visible()
    expect(page.get_by_text("We could not authenticate your payment")).to_be_visible()


def test_double_clicked_pay_then_refund(page: Page, learn_app, shop_db):
    open_learn(page, learn_app[0])
    click(page, "Use pm_card_visa")
    click(page, "Next: send the id to your server →")
    page.get_by_role("button", name="Pay $25.00").dblclick()  # an impatient customer
    settle(page)
    expect_step(page, 4, "Create the PaymentIntent")
    order = shop_db.orders(1)[0]
    assert shop_db.attempt_count(order["id"]) == 1 and order["status"] == "paid"
    sandbox_url = re.search(r"offline sandbox at (http://127\.0\.0\.1:\d+)", page.get_by_text("Processor: offline sandbox at")
                            .first.inner_text()).group(1)
    client = stripe.StripeClient("sk_test_e2e", base_addresses={"api": sandbox_url}, max_network_retries=0)
    intents = [pi for pi in client.v1.payment_intents.list(params={"limit": 20}).data
               if pi.to_dict().get("metadata", {}).get("order_id") == order["id"]]
    assert len(intents) == 1 and len(client.v1.charges.list(params={"payment_intent": intents[0].id}).data) == 1
    click(page, "Next: what did the processor decide? →")
    click(page, "Next: handle the result →")
    expect(page.get_by_text("fulfilment triggered")).to_be_visible(timeout=15_000)
    click(page, "Next: after the payment (refunds, disputes) →")
    expect_step(page, 7, "After the payment")
    page.get_by_label("Amount to refund").fill("10")
    page.get_by_label("Amount to refund").press("Enter")
    settle(page)
    click(page, "Refund $10.00")
    expect(page.get_by_text(re.compile(r"Refund `?re_\w+`? is"))).to_be_visible()
    deadline = time.time() + 10
    while time.time() < deadline and shop_db.orders(1)[0]["status"] != "partially_refunded":
        time.sleep(0.1)
    assert shop_db.orders(1)[0]["amount_refunded"] == 1000
    expect(page.get_by_role("link", name="Open in the Payments explorer")).to_have_attribute(
        "href", re.compile(r"build_explorer\?pi=pi_"))
    shot(page, "learn_7_refund")
