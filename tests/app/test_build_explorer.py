"""AppTest: the Payments explorer page — list, filters, ?pi= detail, timeline, actions."""

from __future__ import annotations

import pytest
import requests

from lib import ui
from tests.app.conftest import open_page, rendered_text, texts
from tests.contract.money_helpers import CONFIRM

PAGE = "app_pages/build_explorer.py"


@pytest.fixture(autouse=True)
def isolated_merchant_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MERCHANT_DB_URL", str(tmp_path / "merchant.sqlite3"))


def field(at, label_start: str):
    return next(t for t in at.text_input if t.label.startswith(label_start))


def client():
    return ui.get_connection().client


def three_ds_payment() -> str:
    c = client()
    pi = c.v1.payment_intents.create(params={"amount": 4200, "currency": "usd", "confirm": True,
                                             "payment_method": "pm_card_threeDSecure2Required",
                                             "return_url": "https://example.test/done"})
    requests.post(pi.next_action.redirect_to_url.url, data={"action": "complete"}, allow_redirects=False, timeout=10)
    return pi.id


def test_list_shows_newest_payments_first_with_card_details():
    pi_id = three_ds_payment()
    at = open_page(PAGE)
    assert not at.exception
    frame = at.dataframe[0].value
    assert frame.iloc[0]["id"] == pi_id and frame.iloc[0]["status"] == "succeeded"
    assert frame.iloc[0]["brand"] == "visa" and frame.iloc[0]["amount"] == "$42.00"
    assert any("scanned" in c for c in texts(at.caption))


def test_bad_filter_input_is_a_clear_message():
    at = open_page(PAGE)
    at.text_input(key="explorer_amount_min").set_value("lots")
    at.button[0].click().run()  # the form's Search button
    assert not at.exception
    assert "Minimum amount must be a number" in " ".join(texts(at.error))


def test_detail_by_query_param_shows_diagram_timeline_and_refunds():
    pi_id = three_ds_payment()
    at = open_page(PAGE)
    at.query_params["pi"] = pi_id
    at.run()
    assert not at.exception
    text = rendered_text(at)
    assert "digraph PaymentIntent" in text  # st.graphviz_chart
    for step in ("created → requires_confirmation", "requires_confirmation → requires_action",
                 "requires_action → succeeded"):
        assert step in text, step
    assert "payment_intent.requires_action" in text and "charge.succeeded" in text
    labels = [b.label for b in at.button]
    assert "Refund" in labels and "Capture" not in labels and "Cancel PaymentIntent" not in labels
    field(at, "Amount to refund").set_value("12.00")
    at.selectbox(key="explorer_refund_reason").set_value("requested_by_customer")
    at.button[labels.index("Refund")].click().run()
    assert not at.exception
    assert "Refund created" in " ".join(texts(at.success))
    assert {m.label: m.value for m in at.metric}["Refunded"] == "$12.00"
    assert "REFUND FOR CHARGE" in rendered_text(at)  # the refund's balance transaction


def test_manual_capture_can_be_captured_partially_or_not_refunded():
    c = client()
    pi = c.v1.payment_intents.create(params={"amount": 3000, "currency": "usd", **CONFIRM,
                                             "payment_method": "pm_card_visa", "capture_method": "manual"})
    at = open_page(PAGE)
    at.query_params["pi"] = pi.id
    at.run()
    labels = [b.label for b in at.button]
    assert "Capture" in labels and "Cancel PaymentIntent" in labels and "Refund" not in labels
    field(at, "Amount to capture").set_value("45")
    at.button[labels.index("Capture")].click().run()
    assert "You can capture at most $30.00" in " ".join(texts(at.error))
    field(at, "Amount to capture").set_value("20")
    at.button[[b.label for b in at.button].index("Capture")].click().run()
    assert "succeeded" in " ".join(texts(at.success))
    assert {m.label: m.value for m in at.metric}["Received"] == "$20.00"


def test_unknown_and_malformed_ids():
    at = open_page(PAGE)
    at.query_params["pi"] = "pi_doesnotexist000"
    at.run()
    assert not at.exception
    assert "resource_missing" in " ".join(texts(at.error))
    at.query_params["pi"] = "cus_123"
    at.run()
    assert "not a PaymentIntent id" in " ".join(texts(at.error))
