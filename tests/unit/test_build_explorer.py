"""Payments explorer: filters, paging through the API, the detail view, timeline and actions."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

import pytest
import stripe

from lib.lab import explorer, payment_detail
from lib.lab.eventlog import as_dict


@pytest.fixture
def customer(stripe_client):
    return stripe_client.v1.customers.create(params={"email": f"{uuid.uuid4().hex[:8]}@example.com"}).id


def pay(client, pm="pm_card_visa", amount=2000, currency="usd", **extra):
    params = {"amount": amount, "currency": currency, "payment_method": pm, "confirm": True, **extra}
    try:
        return as_dict(client.v1.payment_intents.create(params=params))
    except stripe.CardError as exc:
        return as_dict(exc.error.payment_intent)


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


def test_browse_pages_newest_first_with_cursor(stripe_client, customer):
    ids = [pay(stripe_client, customer=customer)["id"] for _ in range(7)]
    declined = pay(stripe_client, "pm_card_visa_chargeDeclinedInsufficientFunds", customer=customer)
    f = explorer.parse_filters(customer=customer)
    first = explorer.browse(stripe_client, f, want=3)
    assert [p["id"] for p in first.items] == [declined["id"], *ids[::-1][:2]]
    second = explorer.browse(stripe_client, f, cursor=first.next_cursor, want=3)
    assert [p["id"] for p in second.items] == ids[::-1][2:5]
    last = explorer.browse(stripe_client, f, cursor=second.next_cursor, want=3)
    assert [p["id"] for p in last.items] == ids[::-1][5:] and last.exhausted
    only = explorer.browse(stripe_client, explorer.parse_filters(customer=customer, decline_code="insufficient_funds"))
    assert [p["id"] for p in only.items] == [declined["id"]]
    assert only.items[0]["latest_charge"]["status"] == "failed"  # expanded


def test_browse_stops_scanning_at_the_limit(stripe_client, customer):
    for _ in range(3):
        pay(stripe_client, customer=customer)
    res = explorer.browse(stripe_client, explorer.parse_filters(customer=customer, statuses=["canceled"]),
                          max_scan=1)
    assert res.items == [] and res.scanned == 3 and res.exhausted  # one page holds all three


def test_normalize_pi_id():
    assert explorer.normalize_pi_id(" pi_ABCDEF123_secret_xyz ") == "pi_ABCDEF123"
    with pytest.raises(explorer.FilterError):
        explorer.normalize_pi_id("ch_123")


def test_detail_of_a_3ds_payment_has_every_transition(stripe_client):
    pi = pay(stripe_client, "pm_card_threeDSecure2Required", capture_method="manual", return_url="https://x.test/r")
    import requests
    requests.post(pi["next_action"]["redirect_to_url"]["url"], data={"action": "complete"}, allow_redirects=False,
                  timeout=10)
    stripe_client.v1.payment_intents.capture(pi["id"])
    for sandbox_filter in (True, False):  # the sandbox-only object filter and Stripe's windows give the same
        d = payment_detail.load(stripe_client, pi["id"], sandbox=sandbox_filter)
        assert d.path == ["requires_confirmation", "requires_action", "requires_capture", "succeeded"]
        transitions = [e for e in d.timeline if e.kind == "transition"]
        assert [(t.from_status, t.to_status) for t in transitions][-2:] == [("requires_action", "requires_capture"),
                                                                            ("requires_capture", "succeeded")]
        assert [e["type"] for e in transitions[-1].events] == ["charge.captured", "payment_intent.succeeded"]
        assert all(t.explanation for t in transitions)
        assert d.actions() == ["refund"]
        assert [b["type"] for b in d.balance_transactions] == ["charge"]
        assert d.balance_transactions[0]["fee"] > 0


def test_actions_follow_the_state(stripe_client):
    manual = payment_detail.load(stripe_client, pay(stripe_client, capture_method="manual")["id"])
    assert manual.actions() == ["capture", "cancel"]
    with pytest.raises(payment_detail.ActionError, match="at most"):
        payment_detail.capture(stripe_client, manual, "25.00")
    with pytest.raises(payment_detail.ActionError):
        payment_detail.refund(stripe_client, manual, "1")
    assert payment_detail.capture(stripe_client, manual, "15")["amount_received"] == 1500
    done = payment_detail.load(stripe_client, manual.pi["id"])
    assert done.actions() == ["refund"] and done.refundable == 1500
    with pytest.raises(payment_detail.ActionError, match="cannot be canceled"):
        payment_detail.cancel(stripe_client, done, "duplicate")
    assert payment_detail.refund(stripe_client, done, "5.00", "requested_by_customer")["amount"] == 500
    after = payment_detail.load(stripe_client, done.pi["id"])
    assert after.refundable == 1000 and len(after.refunds) == 1
    assert {b["type"] for b in after.balance_transactions} == {"charge", "refund"}
    canceled = payment_detail.load(stripe_client, pay(stripe_client, capture_method="manual")["id"])
    assert payment_detail.cancel(stripe_client, canceled, "abandoned")["status"] == "canceled"


def test_stale_detail_action_reports_stripes_error(stripe_client):
    pi = pay(stripe_client, capture_method="manual")
    detail = payment_detail.load(stripe_client, pi["id"])
    stripe_client.v1.payment_intents.cancel(pi["id"])  # someone else canceled it meanwhile
    with pytest.raises(stripe.InvalidRequestError) as info:
        payment_detail.capture(stripe_client, detail)
    assert info.value.code == "payment_intent_unexpected_state"


def test_dispute_actions(stripe_client):
    import time

    pi = pay(stripe_client, "pm_card_createDisputeInquiry")
    deadline = time.time() + 10
    while not (d := payment_detail.load(stripe_client, pi["id"])).disputes and time.time() < deadline:
        time.sleep(0.05)
    dispute = d.disputes[0]
    assert payment_detail.Detail.dispute_actions(dispute) == ["win", "lose", "escalate", "accept"]
    with pytest.raises(payment_detail.ActionError):
        payment_detail.submit_evidence(stripe_client, d, "du_other", "win")
    assert payment_detail.submit_evidence(stripe_client, d, dispute["id"], "escalate")["status"] == \
        "warning_under_review"
    d2 = payment_detail.load(stripe_client, pi["id"])
    assert payment_detail.Detail.dispute_actions(d2.disputes[0]) in ([], ["win", "lose", "accept"])


def test_unknown_payment_intent_is_a_stripe_404(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as info:
        payment_detail.load(stripe_client, "pi_doesnotexist0000")
    assert info.value.http_status == 404 and info.value.code == "resource_missing"


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
