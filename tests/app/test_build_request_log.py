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
    table = at.dataframe[0]
    frame = table.value
    assert list(frame["path"]) == ["/v1/payment_intents", "/v1/payment_intents"]
    assert [list(s) for s in frame["status"]] == [["402"], ["200"]]  # newest first, as coloured badges
    assert not any('"code": "card_declined"' in str(c.value) for c in at.code)  # bodies only on demand
    select(at, table, 0)
    tail = [c.value for c in at.code if "POST /v1/payment_intents" in str(c.value)][0]
    assert "[402] POST /v1/payment_intents" in tail
    assert any('"code": "card_declined"' in str(c.value) for c in at.code)  # the response body
    assert "sk_test_sandbox" not in rendered_text(at)
    select(at, at.dataframe[0], 1)
    assert any("idempotency-key=reqlog-test-1" in str(c.value) for c in at.code)


def select(at, table, row: int) -> None:
    """Click a cell of ``row`` as the browser would: the dataframe's selection state, then a rerun."""
    at.session_state[table.key] = {"selection": {"rows": [], "columns": [], "cells": [(row, "path")]}}
    at.run()
    assert not at.exception


def test_the_log_is_paged_with_status_colours():
    at = open_page(PAGE)
    REQUEST_LOG.clear()
    client = ui.get_connection().client
    for _ in range(29):
        client.v1.customers.list(params={"limit": 1})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.retrieve("cus_doesnotexist")
    at.run()
    table = at.dataframe[0]
    assert len(table.value) == 25 and "1–25 of 30 · page 1 of 2" in texts(at.caption)
    assert list(table.value["status"].iloc[0]) == ["404"]
    config = str(table.proto.columns)
    assert "#b45309" in config and "#1f7a3a" in config  # 4xx orange, 2xx green (lib.ui.BADGE_HEX)
    at.button(key="reqlog_page_next").click().run()
    assert len(at.dataframe[0].value) == 5 and "26–30 of 30 · page 2 of 2" in texts(at.caption)
    assert at.button(key="reqlog_page_next").disabled


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
