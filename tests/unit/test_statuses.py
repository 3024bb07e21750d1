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
