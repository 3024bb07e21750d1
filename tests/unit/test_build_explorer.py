"""Payments explorer without a server: filters, the API parameters they send, rows, the timeline."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from lib.lab import explorer, payment_detail


def test_parse_filters_validates_input():
    f = explorer.parse_filters(statuses=["succeeded"], amount_min="10", amount_max="12.50", currency="USD",
                               customer="cus_ABCDEFGH", brands=["visa"], decline_code=" ", text=" x ")
    assert (f.amount_min, f.amount_max, f.currency, f.decline_code, f.text) == (Decimal(10), Decimal("12.50"), "usd",
                                                                                None, "x")
    for kwargs, message in (({"amount_min": "ten"}, "must be a number"), ({"amount_min": "-1"}, "negative"),
                            ({"amount_min": "5", "amount_max": "1"}, "larger than the maximum"),
                            ({"customer": "bob"}, "customer id"), ({"currency": "dollars"}, "3-letter"),
                            ({"created_from": date(2025, 2, 1), "created_to": date(2025, 1, 1)}, "after the end")):
        with pytest.raises(explorer.FilterError, match=message):
            explorer.parse_filters(**kwargs)


def test_api_params_send_only_what_stripe_filters_on():
    f = explorer.parse_filters(customer="cus_ABCDEFGH", created_from=date(2025, 1, 1), created_to=date(2025, 1, 1),
                               statuses=["succeeded"], brands=["visa"])
    params = f.api_params()
    assert params["customer"] == "cus_ABCDEFGH"
    assert params["created"] == {"gte": 1735689600, "lte": 1735775999}
    assert params["expand"] == ["data.latest_charge"] and params["limit"] == 100
    assert "status" not in params


def test_matches_amount_per_currency_brand_and_decline_code():
    usd = {"id": "pi_1", "amount": 1250, "currency": "usd", "status": "succeeded",
           "latest_charge": {"payment_method_details": {"card": {"brand": "visa", "last4": "4242"}}}}
    jpy = {"id": "pi_2", "amount": 1250, "currency": "jpy", "status": "requires_payment_method",
           "last_payment_error": {"code": "card_declined", "decline_code": "insufficient_funds"}}
    f = explorer.parse_filters(amount_min="10", amount_max="20")
    assert f.matches(usd) and not f.matches(jpy)  # ¥1250 is 1250 major units
    assert explorer.parse_filters(brands=["visa"]).matches(usd)
    assert not explorer.parse_filters(brands=["amex"]).matches(usd)
    assert explorer.parse_filters(decline_code="insufficient_funds").matches(jpy)
    assert explorer.row(usd)["amount"] == "$12.50" and explorer.row(usd)["last4"] == "4242"


def test_normalize_pi_id():
    assert explorer.normalize_pi_id(" pi_ABCDEF123_secret_xyz ") == "pi_ABCDEF123"
    with pytest.raises(explorer.FilterError):
        explorer.normalize_pi_id("ch_123")


def test_timeline_groups_events_by_request():
    def ev(t, typ, status, req, oid="pi_1"):
        return {"id": f"evt_{t}{typ}", "type": typ, "created": t, "request": {"id": req},
                "data": {"object": {"id": oid, "object": typ.split(".")[0], "status": status}}}
    events = [ev(1, "payment_intent.created", "requires_payment_method", "r1"),
              ev(2, "charge.failed", "failed", "r2", "ch_1"), ev(2, "payment_intent.payment_failed",
                                                                 "requires_payment_method", "r2"),
              ev(3, "charge.succeeded", "succeeded", "r3", "ch_2"), ev(3, "payment_intent.succeeded", "succeeded", "r3"),
              ev(4, "refund.created", "succeeded", "r4", "re_1"), ev(4, "charge.refunded", "succeeded", "r4", "ch_2")]
    entries, path = payment_detail.build_timeline(events)
    assert path == ["requires_payment_method", "requires_payment_method", "succeeded"]
    assert [e.kind for e in entries] == ["transition", "transition", "transition", "activity"]
    assert [e["type"] for e in entries[1].events] == ["charge.failed", "payment_intent.payment_failed"]
    assert entries[1].title == "requires_payment_method → requires_payment_method"
    assert "Declined" in entries[1].explanation
    assert entries[2].title == "requires_payment_method → succeeded"
    assert entries[3].request == "r4" and entries[3].title == "Refund re_1 → succeeded"


def test_rows_say_the_dashboards_word_and_leave_empty_customers_blank():
    partly = {"id": "pi_1", "amount": 2500, "amount_received": 2500, "currency": "usd", "status": "succeeded",
              "customer": None, "latest_charge": {"amount": 2500, "amount_refunded": 1000, "captured": True,
                                                  "payment_method_details": {"card": {"brand": "visa",
                                                                                      "last4": "4242"}}}}
    row = explorer.row(partly)
    assert row["status"].label == "Partially refunded" and row["customer"] is None
    assert row["card"] == "visa •••• 4242"
    disputed = {**partly, "customer": {"id": "cus_ABCDEFGH"}, "latest_charge": {"disputed": True}}
    assert explorer.row(disputed)["status"].label == "Disputed" and explorer.row(disputed)["customer"] == "cus_ABCDEFGH"
    f = explorer.parse_filters(payment_statuses=["Partially refunded"])
    assert f.matches(partly) and not f.matches(disputed)
    with pytest.raises(explorer.FilterError, match="Unknown status"):
        explorer.parse_filters(payment_statuses=["partially_refunded"])
