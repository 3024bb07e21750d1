"""AppTest: the Request log page."""

from __future__ import annotations

import pytest
import stripe

from lib import ui
from lib.request_log import REQUEST_LOG
from tests.app.conftest import open_page, rendered_text, texts
from tests.contract.money_helpers import CONFIRM

PAGE = "app_pages/build_request_log.py"


@pytest.fixture(autouse=True)
def isolated_merchant_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MERCHANT_DB_URL", str(tmp_path / "merchant.sqlite3"))


def test_requests_appear_masked_with_details():
    at = open_page(PAGE)  # the default page may make requests of its own first
    REQUEST_LOG.clear()
    client = ui.get_connection().client
    client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
                                             **CONFIRM}, options={"idempotency_key": "reqlog-test-1"})
    with pytest.raises(stripe.CardError):
        client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", **CONFIRM,
                                                 "payment_method": "pm_card_chargeDeclined"})
    at.run()
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Requests"] == "2" and metrics["Not 2xx"] == "1"
    tail = [c.value for c in at.code if "POST /v1/payment_intents" in str(c.value)][0]
    assert "[402] POST /v1/payment_intents" in tail and "idempotency-key=reqlog-test-1" in tail
    text = rendered_text(at)
    assert "card_declined" in text and "sk_test_sandbox" not in text


def test_filters_and_clear():
    at = open_page(PAGE)
    REQUEST_LOG.clear()
    client = ui.get_connection().client
    client.v1.customers.create(params={"email": "a@example.com"})
    client.v1.customers.list()
    at.run()
    at.multiselect(key="reqlog_methods").set_value(["GET"]).run()
    assert {m.label: m.value for m in at.metric}["Requests"] == "1"
    at.text_input(key="reqlog_text").set_value("no-such-thing").run()
    assert "match these filters" in " ".join(texts(at.info))
    at.multiselect(key="reqlog_methods").set_value([]).run()
    at.text_input(key="reqlog_text").set_value("").run()
    at.button(key="reqlog_clear").click().run()
    assert not at.exception
    assert len(REQUEST_LOG) == 0
