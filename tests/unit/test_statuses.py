"""Statuses in the Dashboard's words: written out by hand from how the Stripe Dashboard labels payments
(the issue's list: Succeeded, Partially refunded, Refunded, Disputed, Failed, Canceled, Incomplete,
Uncaptured), not read back from the module's own tables."""

from __future__ import annotations

import pytest

from lib.stripe_facts import statuses as st


@pytest.mark.parametrize(("status", "kw", "label", "color"), [
    ("succeeded", {"amount": 2500, "amount_refunded": 0}, "Succeeded", "green"),
    ("succeeded", {"amount": 2500, "amount_refunded": 1000}, "Partially refunded", "gray"),  # $10 of $25
    ("succeeded", {"amount": 2500, "amount_refunded": 2500}, "Refunded", "gray"),
    ("succeeded", {"amount": 2500, "amount_refunded": 1000, "disputed": True}, "Disputed", "orange"),
    ("requires_payment_method", {"failed": True}, "Failed", "red"),
    ("requires_payment_method", {}, "Incomplete", "orange"),
    ("requires_action", {}, "Incomplete", "orange"),
    ("requires_payment_method", {"failed": True, "blocked": True}, "Blocked", "red"),
    ("requires_capture", {}, "Uncaptured", "blue"),
    ("canceled", {}, "Canceled", "gray"),
    ("processing", {}, "Processing", "blue"),
])
def test_payment_badges(status, kw, label, color):
    badge = st.payment_badge(status, **kw)
    assert (badge.label, badge.color) == (label, color)


def test_payment_badge_of_api_objects():
    pi = {"status": "succeeded", "amount": 2500, "amount_received": 2500}
    assert st.payment_badge_of(pi, {"amount_refunded": 1000, "disputed": False}).label == "Partially refunded"
    declined = {"status": "requires_payment_method", "amount": 2500, "last_payment_error": {"code": "card_declined"}}
    assert st.payment_badge_of(declined).label == "Failed"
    expanded = {"status": "succeeded", "amount": 2500, "latest_charge": {"amount_refunded": 2500}}
    assert st.payment_badge_of(expanded).label == "Refunded"


def test_dispute_outcomes_are_coloured_by_outcome():
    assert (st.dispute_badge("won").label, st.dispute_badge("won").color) == ("Won", "green")
    assert (st.dispute_badge("lost").label, st.dispute_badge("lost").color) == ("Lost", "red")
    assert st.dispute_badge("needs_response").label == "Needs response"


def test_order_statuses_and_unknown_values_never_show_snake_case():
    assert st.order_badge("partially_refunded").label == "Partially refunded"
    assert st.order_badge("payment_failed").label == "Payment failed"
    assert st.pi_status_badge("requires_confirmation").label == "Requires confirmation"
    assert st.refund_badge("something_new").label == "Something new"
    assert st.order_badge(None).label == "—"


# Charges as the Dashboard lists them; amounts in cents, written out by hand.
@pytest.mark.parametrize(("charge", "pi_status", "label", "color"), [
    ({"status": "succeeded", "captured": True, "amount": 2500, "amount_captured": 2500}, None, "Succeeded", "green"),
    ({"status": "succeeded", "captured": True, "amount": 2500, "amount_captured": 2500, "amount_refunded": 1000},
     None, "Partially refunded", "gray"),
    ({"status": "succeeded", "captured": True, "amount": 2500, "amount_captured": 2500, "amount_refunded": 2500},
     None, "Refunded", "gray"),
    # $20 captured of a $30 authorization, then $20 refunded: fully refunded (the $10 released is no refund).
    ({"status": "succeeded", "captured": True, "amount": 3000, "amount_captured": 2000, "amount_refunded": 2000},
     None, "Refunded", "gray"),
    ({"status": "succeeded", "captured": True, "amount": 2500, "amount_captured": 2500, "disputed": True},
     None, "Disputed", "orange"),
    ({"status": "succeeded", "captured": False, "amount": 2500, "amount_captured": 0}, "requires_capture",
     "Uncaptured", "blue"),
    ({"status": "succeeded", "captured": False, "amount": 2500, "amount_captured": 0}, "canceled", "Canceled", "gray"),
    ({"status": "failed", "captured": False, "amount": 2500}, None, "Failed", "red"),
    ({"status": "pending", "captured": True, "amount": 2500}, None, "Pending", "blue"),
])
def test_charge_badges(charge, pi_status, label, color):
    badge = st.charge_badge_of(charge, payment_intent_status=pi_status)
    assert (badge.label, badge.color) == (label, color)


@pytest.mark.parametrize(("code", "label", "color"), [
    (200, "200", "green"), (201, "201", "green"), (302, "302", "blue"), (400, "400", "orange"),
    (402, "402", "orange"), (429, "429", "orange"), (500, "500", "red"), (503, "503", "red"),
    (None, "No response", "red"),
])
def test_http_statuses_are_coloured_by_class(code, label, color):
    badge = st.http_status_badge(code)
    assert (badge.label, badge.color) == (label, color)


def test_event_objects_and_balance_transactions():
    assert st.object_status_badge("payment_intent", "requires_capture").label == "Uncaptured"
    assert st.object_status_badge("charge", "failed") == st.Badge("Failed", "red")
    assert st.object_status_badge("refund", "pending") == st.Badge("Pending", "blue")
    assert st.object_status_badge("dispute", "needs_response") == st.Badge("Needs response", "orange")
    assert st.object_status_badge("customer", None).label == "—"
    assert st.object_status_badge("payout", "in_transit") == st.Badge("In transit", "gray")
    assert st.balance_transaction_badge("available") == st.Badge("Available", "green")
    assert st.balance_transaction_badge("pending") == st.Badge("Pending", "blue")
