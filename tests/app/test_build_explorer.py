"""AppTest: the Payments explorer page — list, filters, ?pi= detail, timeline, actions."""

from __future__ import annotations

import pytest
import requests
import stripe
from streamlit.testing.v1 import AppTest

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


def word(cell) -> str:
    """A badge cell (a one-item list of the status word) as its word; "" when blank."""
    return list(cell)[0] if len(cell) else ""


def pay(**params) -> str:
    return client().v1.payment_intents.create(params={"amount": 2500, "currency": "usd", **CONFIRM,
                                                      **params}).id


def open_detail(pi_id: str):
    """The explorer opened on one payment, as a ?pi= link does."""
    at = open_page(PAGE)
    at.query_params["pi"] = pi_id
    return at.run()


def test_list_shows_newest_payments_first_with_card_details():
    pi_id = three_ds_payment()
    at = open_page(PAGE)
    assert not at.exception
    table = at.dataframe[0]
    frame = table.value
    assert frame.iloc[0]["id"] == pi_id and word(frame.iloc[0]["status"]) == "Succeeded"
    assert frame.iloc[0]["card"] == "visa •••• 3220" and frame.iloc[0]["amount"] == "$42.00"
    assert frame.iloc[0]["customer"] == ""  # no customer: blank, never "None"
    assert any("scanned" in c for c in texts(at.caption))
    # Rows open on a click on any cell (no checkbox column).
    assert list(table.proto.selection_mode) == [table.proto.SelectionMode.SINGLE_CELL]


def test_list_says_what_the_dashboard_says():
    """A succeeded payment refunded $10 of $25 reads Partially refunded, not Succeeded; the other words
    as the Stripe Dashboard lists payments (the issue's list)."""
    c = client()
    partly = pay(payment_method="pm_card_visa")
    c.v1.refunds.create(params={"payment_intent": partly, "amount": 1000})
    fully = pay(payment_method="pm_card_visa")
    c.v1.refunds.create(params={"payment_intent": fully})
    uncaptured = pay(payment_method="pm_card_visa", capture_method="manual")
    with pytest.raises(stripe.CardError):
        pay(payment_method="pm_card_chargeDeclined")
    declined = c.v1.payment_intents.list(params={"limit": 1}).data[0].id
    incomplete = c.v1.payment_intents.create(params={"amount": 2500, "currency": "usd"}).id
    customer = c.v1.customers.create(params={"email": "buyer@example.com"}).id
    with_customer = pay(payment_method="pm_card_visa", customer=customer)
    at = open_page(PAGE)
    frame = at.dataframe[0].value.set_index("id")
    assert word(frame.loc[partly, "status"]) == "Partially refunded"
    assert word(frame.loc[fully, "status"]) == "Refunded"
    assert word(frame.loc[uncaptured, "status"]) == "Uncaptured"
    assert word(frame.loc[declined, "status"]) == "Failed"
    assert frame.loc[declined, "decline code"] == "generic_decline"
    assert word(frame.loc[incomplete, "status"]) == "Incomplete"
    assert frame.loc[with_customer, "customer"] == customer and frame.loc[partly, "customer"] == ""
    # The status filter uses the same words.
    at.multiselect(key="explorer_status").set_value(["Partially refunded"])
    at.button[0].click().run()  # the form's Search button
    assert list(at.dataframe[0].value["id"])[:1] == [partly]
    assert {word(s) for s in at.dataframe[0].value["status"]} == {"Partially refunded"}


def test_a_click_on_a_row_opens_its_payment():
    """The list's on_select handler, run by Streamlit with a cell selection as the browser sends it
    (AppTest cannot click a dataframe cell: the e2e test does that)."""
    def script():
        import streamlit as st

        from lib.lab import ui_explorer
        st.session_state["t"] = {"selection": {"rows": [], "columns": [], "cells": [(1, "amount")]}}
        ui_explorer.open_clicked("t", ["pi_first000000", "pi_second00000"])
        st.write(f"opened {st.query_params.get('pi')}")

    at = AppTest.from_function(script).run()
    assert not at.exception
    assert "opened pi_second00000" in texts(at.markdown)


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
    # The timeline's transitions as status badges in the Dashboard's words.
    lines = texts(at.markdown)
    for step in (":gray-badge[Created] → :orange-badge[Requires confirmation]",
                 ":orange-badge[Requires confirmation] → :orange-badge[Requires action]",
                 ":orange-badge[Requires action] → :green-badge[Succeeded]"):
        assert any(step in line for line in lines), step
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
    assert ":gray-badge[Partially refunded]" in texts(at.markdown)  # $12 of $42, in the header
    charges, refunds = at.dataframe[0].value, at.dataframe[1].value
    assert [word(s) for s in charges["status"]] == ["Partially refunded"]
    assert [word(s) for s in refunds["status"]] == ["Succeeded"] and list(refunds["amount"]) == ["$12.00"]
    assert "" in set(refunds["failure"]) and "None" not in set(refunds["failure"])


def test_manual_capture_can_be_captured_partially_or_not_refunded():
    at = open_detail(pay(amount=3000, payment_method="pm_card_visa", capture_method="manual"))
    labels = [b.label for b in at.button]
    assert "Capture" in labels and "Cancel PaymentIntent" in labels and "Refund" not in labels
    field(at, "Amount to capture").set_value("45")
    at.button[labels.index("Capture")].click().run()
    assert "You can capture at most $30.00" in " ".join(texts(at.error))
    field(at, "Amount to capture").set_value("20")
    at.button[[b.label for b in at.button].index("Capture")].click().run()
    assert "succeeded" in " ".join(texts(at.success))
    assert {m.label: m.value for m in at.metric}["Received"] == "$20.00"


def test_state_diagram_starts_simple_with_the_full_graph_on_demand():
    at = open_detail(pay(amount=3000, payment_method="pm_card_visa", capture_method="manual"))
    simple = at.get("graphviz_chart")[0].proto.spec
    # requires_capture: the path taken, then capture → succeeded or cancel → canceled; nothing else.
    assert '"requires_capture" -> "succeeded"' in simple and '"requires_capture" -> "canceled"' in simple
    assert '"requires_action"' not in simple and '"processing"' not in simple
    at.button(key="explorer_full_graph").click().run()
    assert not at.exception
    charts = at.get("graphviz_chart")
    assert len(charts) == 2  # the simple diagram stays; the full graph opens in a dialog
    full = charts[1].proto.spec
    assert '"requires_action" -> "succeeded"' in full and '"processing" -> "succeeded"' in full


def test_unknown_and_malformed_ids():
    at = open_page(PAGE)
    at.query_params["pi"] = "pi_doesnotexist000"
    at.run()
    assert not at.exception
    assert "resource_missing" in " ".join(texts(at.error))
    at.query_params["pi"] = "cus_123"
    at.run()
    assert "not a PaymentIntent id" in " ".join(texts(at.error))
