"""AppTest runs of the Learn page (app_pages/learn_walkthrough.py) through app.py's navigation,
driven with the server-side shortcut (the card form itself is an iframe: see tests/e2e/test_learn.py)."""

from __future__ import annotations

import re
import time
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from lib.learn import testcards
from lib.shop import MerchantDB, get_db
from tests.app.conftest import open_page, rendered_text, texts

WAIT_S = 12


@pytest.fixture(autouse=True)
def merchant_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> MerchantDB:
    monkeypatch.setenv("MERCHANT_DB_URL", str(tmp_path / "merchant.sqlite3"))
    return get_db()


def learn() -> AppTest:
    at = open_page()
    assert not at.exception, [e.value for e in at.exception]
    assert texts(at.title) == ["Payment walkthrough"]
    return at


def button(at: AppTest, prefix: str):
    found = [b for b in at.button if b.label.startswith(prefix)]
    assert found, f"no button {prefix!r} in {[b.label for b in at.button]}"
    return found[0]


def click(at: AppTest, prefix: str) -> AppTest:
    button(at, prefix).click().run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def step(at: AppTest) -> int:
    return at.session_state["learn_step"]


def choose_card(at: AppTest, key: str) -> AppTest:
    card = testcards.by_key(key)
    at.selectbox(key="learn_card_group").set_value(card.group).run()
    at.selectbox(key="learn_card_key").set_value(key).run()
    return at


def pay_with(at: AppTest, key: str) -> AppTest:
    """Steps 1–3 with the server-side shortcut, ending on step 4."""
    choose_card(at, key)
    click(at, f"Use {testcards.by_key(key).pm_id}")
    assert step(at) == 2
    click(at, "Next: send the id")
    assert step(at) == 3
    click(at, "Pay")
    assert step(at) == 4
    return at


def wait_for(at: AppTest, condition: Callable[[], bool]) -> None:
    deadline = time.time() + WAIT_S
    while not condition():
        assert time.time() < deadline, "timed out"
        time.sleep(0.2)
        at.run()


def all_text(at: AppTest) -> str:
    return rendered_text(at)


def test_first_visit_shows_step_one_with_form_picker_and_panels():
    at = learn()
    assert step(at) == 1
    assert "Step 1 · Collect the card" in texts(at.subheader)
    assert [s.label for s in at.selectbox][:2] == ["Test cards", "Card"]
    text = all_text(at)
    for needle in ("Live flow of this payment", "PaymentIntent\\'s state", "Your database", "PCI",
                   "Charges vs PaymentIntents", "/webhooks/stripe", "learn_card_form"):
        assert needle in text, needle
    # The picker sends the form a key, never a card number: nothing card-like is rendered by Python.
    numbers = {p.number for p in testcards.picker_cards()}
    assert not [n for n in numbers if n in text]


def test_successful_payment_walks_all_steps_and_the_webhook_fulfils(merchant_db):
    at = pay_with(learn(), testcards.default_card().key)
    order_id = at.session_state["learn_order_id"]
    code = "\n".join(c.value for c in at.code)
    assert "payment_intents.create" in code and f'"order_id": "{order_id}"' in code and "idempotency_key" in code
    assert "curl" in code and "stripe.paymentIntents.create" in code and "sk_test_…" in code
    assert "sk_test_sandbox" not in all_text(at)
    assert merchant_db.order(order_id)["status"] == "paid"
    click(at, "Next: what did")
    assert any("Approved" in s for s in texts(at.success))
    click(at, "Next: handle")
    assert any(f"Order `{order_id}` is paid" in s for s in texts(at.success))
    wait_for(at, lambda: "fulfilment triggered" in all_text(at))
    assert merchant_db.fulfilment(order_id) is not None
    assert any("Thank you for your order" in c.value for c in at.code)  # the receipt from the outbox
    click(at, "Next: after the payment")
    assert step(at) == 7 and any(b.label.startswith("Refund") for b in at.button)


def test_step_four_explains_the_return_url_and_shows_the_classic_400(merchant_db):
    """TEST_MODE §2.1: the classic create-and-confirm without a return_url gets Stripe's 400."""
    at = pay_with(learn(), testcards.default_card().key)
    assert any("Why the code sends a `return_url`" in e.label for e in at.expander)
    code = "\n".join(c.value for c in at.code)
    assert '"allow_redirects": "never"' in code and '"payment_method_types": ["card"]' in code
    click(at, "Send the classic request now")
    errors = texts(at.error)
    assert any(e.startswith("HTTP 400") and "A `return_url` must be specified because this Payment Intent" in e
               for e in errors), errors


@pytest.mark.parametrize(("currency", "text", "needle"), [
    ("usd", "0", "greater than zero"), ("usd", "-5", "cannot be negative"), ("usd", "0.10", "minimum"),
    ("usd", "1000000000", "too many digits"), ("usd", "abc", "not a number"), ("usd", "1.234", "2 decimal"),
    ("jpy", "10.5", "no decimal places"), ("jpy", "40", "minimum"), ("kwd", "7.505", "end in 0"),
])
def test_invalid_amounts_are_explained_and_block_pay(currency, text, needle, merchant_db):
    at = learn()
    click(at, f"Use {testcards.default_card().pm_id}")
    click(at, "Next: send the id")
    at.selectbox(key="learn_currency").set_value(currency).run()
    at.text_input(key="learn_amount_text").input(text).run()
    assert not at.exception
    assert any(needle in e for e in texts(at.error)), texts(at.error)
    assert button(at, "Pay").disabled
    assert merchant_db.orders() == []


def test_zero_decimal_currency_is_shown_and_sent_correctly(merchant_db):
    at = learn()
    click(at, f"Use {testcards.default_card().pm_id}")
    click(at, "Next: send the id")
    at.selectbox(key="learn_currency").set_value("jpy").run()
    at.text_input(key="learn_amount_text").input("3500").run()
    assert button(at, "Pay").label == "Pay ¥3,500"
    assert any('"amount": 3500' in c.value for c in at.code)
    click(at, "Pay")
    order = merchant_db.order(at.session_state["learn_order_id"])
    assert (order["amount"], order["currency"], order["status"]) == (3500, "jpy", "paid")


def test_decline_then_retry_with_another_card_on_the_same_payment_intent(merchant_db):
    at = pay_with(learn(), "decline-insufficient-funds")
    click(at, "Next: what did")
    errors = " ".join(texts(at.error))
    assert "insufficient funds" in errors
    assert "try_again_later" in all_text(at) and "Tell the customer" in all_text(at)
    click(at, "Next: handle")
    assert any("What the customer sees" in e for e in texts(at.error))
    first_pi = at.session_state["learn_pays"][-1].pi["id"]
    click(at, "Try again with another card")
    assert step(at) == 1 and at.session_state["learn_retry"]
    assert any("same** PaymentIntent" in i for i in texts(at.info))
    choose_card(at, testcards.default_card().key)
    click(at, f"Use {testcards.default_card().pm_id}")
    click(at, "Next: send the id")
    sent = [c.value for c in at.code if c.language == "json"]
    assert sent and '"amount"' not in sent[0] and '"payment_method"' in sent[0]  # a retry: order + payment method
    click(at, "Pay")
    retry = at.session_state["learn_pays"][-1]
    assert retry.kind == "confirm" and retry.pi["id"] == first_pi and retry.pi["status"] == "succeeded"
    assert "payment_intents.confirm" in "\n".join(c.value for c in at.code)
    order = merchant_db.order(at.session_state["learn_order_id"])
    assert order["status"] == "paid" and order["payment_intent"] == first_pi
    assert [a["n"] for a in merchant_db.attempts(order["id"])] == [1, 2]


@pytest.mark.parametrize("key", [p.key for p in testcards.picker_cards() if p.group in ("decline", "radar") and p.pm_id])
def test_every_decline_is_explained_on_the_page(key):
    at = pay_with(learn(), key)
    click(at, "Next: what did")
    card = testcards.by_key(key)
    text = all_text(at)
    assert "Tell the customer" in text and "advice_code" in text and "decline_code" in text
    if card.group == "radar":
        assert any("Blocked by Radar" in e for e in texts(at.error))
    assert not at.exception


def test_three_d_secure_challenge_then_the_page_follows_the_intent(merchant_db):
    at = pay_with(learn(), "threeds-ds-required")
    click(at, "Next: what did")
    assert any("3-D Secure required" in w for w in texts(at.warning))
    url = re.search(r"http://127\.0\.0\.1:\d+/_sandbox/3ds/pi_\w+\?client_secret=[\w]+", all_text(at)).group(0)
    data = urllib.parse.urlencode({"action": "complete"}).encode()
    urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST"), timeout=5).close()
    wait_for(at, lambda: any("Approved" in s for s in texts(at.success)))
    order = merchant_db.order(at.session_state["learn_order_id"])
    assert order["status"] == "paid" and order["paid_via"] in ("return_url", "webhook")  # whichever came first


def test_double_click_on_pay_is_one_payment(merchant_db):
    at = pay_with(learn(), "decline-generic-decline")
    first = at.session_state["learn_pays"][-1]
    # The second click of a double click lands on the same, still-rendered Pay button (same attempt token).
    at.session_state["learn_step"] = 3
    at.run()
    click(at, "Pay")
    second = at.session_state["learn_pays"][-1]
    assert second.pi["id"] == first.pi["id"] and second.call.replayed and not second.first_click
    assert second.call.response == first.call.response  # the processor replayed its first answer
    assert merchant_db.attempt_count(first.order["id"]) == 1


def test_a_paid_order_cannot_be_paid_again(merchant_db):
    at = pay_with(learn(), testcards.default_card().key)
    at.session_state["learn_step"] = 3
    at.run()
    assert any("already paid" in s for s in texts(at.success))
    assert not [b for b in at.button if b.label.startswith("Pay")]


def test_partial_then_full_refund(merchant_db):
    at = pay_with(learn(), testcards.default_card().key)
    order_id = at.session_state["learn_order_id"]
    at.session_state["learn_step"] = 7
    at.run()
    at.text_input(key="learn_refund_text").input("10").run()
    click(at, "Refund $10.00")
    assert merchant_db.order(order_id)["status"] == "partially_refunded"
    assert any("Refund `re_" in s for s in texts(at.success))
    at.text_input(key="learn_refund_text").input("").run()
    click(at, "Refund $15.00")
    assert merchant_db.order(order_id)["status"] == "refunded"
    at.text_input(key="learn_refund_text").input("1").run()
    assert any("Nothing is left" in e for e in texts(at.error))


def test_dispute_demo_with_evidence(merchant_db):
    at = learn()
    at.session_state["learn_step"] = 7
    at.run()
    click(at, "Run the dispute demo")
    order_id = at.session_state["learn_order_id"]
    wait_for(at, lambda: any(b.label == "Submit evidence that wins" for b in at.button))
    click(at, "Submit evidence that wins")
    wait_for(at, lambda: merchant_db.order(order_id)["dispute_status"] == "won")
    at.run()
    assert any("won" in s for s in texts(at.success))


def test_webhook_endpoint_rejects_a_forgery_and_ignores_a_replay(merchant_db):
    at = learn()
    click(at, "Forge payment_intent.succeeded")
    assert any("HTTP **400**" in e for e in texts(at.error))
    at = pay_with(at, testcards.default_card().key)
    order_id = at.session_state["learn_order_id"]
    wait_for(at, lambda: merchant_db.fulfilment(order_id) is not None)
    before = merchant_db.order(order_id)
    click(at, "Replay a real event")
    assert any("duplicate" in s for s in texts(at.success))
    click(at, "Resend it 10 minutes late")
    assert any("too old" in e for e in texts(at.error))
    assert merchant_db.order(order_id) == before
    assert {r["outcome"] for r in merchant_db.webhook_log(limit=100)} >= {"rejected", "duplicate", "applied"}


def test_charges_vs_payment_intents():
    at = learn()
    click(at, "Charge it both ways")
    assert any("authentication_required" in e for e in texts(at.error))
    assert any("requires_action" in w for w in texts(at.warning))


def test_stripe_test_mode_uses_stripe_js_and_explains_stripe_listen(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_" + "x" * 24)
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_" + "y" * 24)
    monkeypatch.setenv("STRIPE_API_BASE", "")
    at = learn()
    text = all_text(at)
    assert "Stripe.js Elements" in text and "stripe listen --forward-to" in text
    assert "pk_test_" + "y" * 24 not in text  # the form fetches the key from the shop's GET /config
    assert not at.exception
