"""Events & webhooks logic without a server: signature steps, the tamper/stale demo, event helpers."""

from __future__ import annotations

import json
import time

import stripe

from lib.lab import eventlog, webhooks

SECRET = "whsec_unitTestSecret0123456789abcdef"
BODY = json.dumps({"id": "evt_1", "object": "event", "type": "payment_intent.succeeded",
                   "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 2000}}}, indent=2)


def test_compute_v1_matches_stripes_own_signer():
    header = stripe.WebhookSignature._compute_signature(f"1700000000.{BODY}", SECRET)
    assert webhooks.compute_v1(SECRET, 1700000000, BODY) == header


def test_signature_steps_show_the_computation_without_the_secret():
    steps = dict(webhooks.signature_steps(SECRET, BODY, 1700000000))
    values = list(steps.values())
    assert values[0] == "1700000000"
    assert values[1].startswith("1700000000.{")
    assert SECRET not in "".join(values) and values[2].startswith("whsec_…")
    v1 = webhooks.compute_v1(SECRET, 1700000000, BODY)
    assert values[3] == v1 and values[4] == f"Stripe-Signature: t=1700000000,v1={v1}"


def test_demo_rejects_tampered_and_stale_payloads():
    cases = webhooks.verification_demo(SECRET, BODY)
    assert [c.name for c in cases] == ["Genuine", "Tampered payload", "Stale timestamp"]
    assert [c.verified for c in cases] == [True, False, False]
    assert "No signatures found matching" in cases[1].message
    assert "tolerance" in cases[2].message.lower()
    assert json.loads(cases[1].body)["data"]["object"]["amount"] == 102000
    assert cases[0].header.startswith("t=") and ",v1=" in cases[0].header


def test_verify_reports_bad_json_and_missing_header_readably():
    assert webhooks.verify(BODY, "", SECRET)[0] is False
    t = int(time.time())
    ok, message = webhooks.verify("not json", f"t={t},v1={webhooks.compute_v1(SECRET, t, 'not json')}", SECRET)
    assert not ok and message.startswith("ValueError")


def test_resend_command():
    assert webhooks.resend_command("evt_1", "we_2") == "stripe events resend evt_1 --webhook-endpoint=we_2"
    assert webhooks.resend_command("evt_1", None) == "stripe events resend evt_1"


def test_event_helpers():
    e = {"id": "evt_1", "type": "charge.refunded", "created": 5, "request": {"id": None},
         "data": {"object": {"id": "ch_1", "object": "charge", "payment_intent": "pi_1", "status": "succeeded"}}}
    assert eventlog.related_ids(e) == {"ch_1", "pi_1"}
    assert eventlog.is_related(e, ["pi_1"]) and not eventlog.is_related(e, ["pi_2"])
    row = eventlog.event_row(e)
    assert row["request"] == "automatic" and row["object id"] == "ch_1"
    newest_first = [{"id": "b", "created": 2}, {"id": "a2", "created": 1}, {"id": "a1", "created": 1}]
    assert [x["id"] for x in eventlog.oldest_first(newest_first + newest_first[:1])] == ["a1", "a2", "b"]
    assert [x["id"] for x in eventlog.dedupe_sorted([{"id": "x", "created": 3}, {"id": "y", "created": 1},
                                                     {"id": "x", "created": 3}])] == ["y", "x"]
