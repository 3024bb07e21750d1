"""Webhook signing, URL rules, backoff, known event types and the events list queries (no HTTP)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import stripe

from lib.sandbox import open_engine
from lib.sandbox import seed as seeding
from lib.sandbox.events import webhooks
from lib.sandbox.resources import events
from lib.stripe_facts.lifecycle import TRANSITIONS

SANDBOX = Path(__file__).resolve().parents[2] / "lib" / "sandbox"


@pytest.mark.parametrize("host,ok", [
    ("127.0.0.1", True), ("127.8.9.10", True), ("localhost", True), ("LOCALHOST", True), ("app.localhost", True),
    ("::1", True), ("[::1]", True), ("0.0.0.0", False), ("10.0.0.1", False), ("example.com", False),
    ("127.0.0.1.nip.io", False), ("", False), (None, False)])
def test_loopback_hosts(host, ok):
    assert webhooks.is_loopback(host) is ok


def test_remote_urls_need_the_engine_flag():
    engine = open_engine(None, memory=True)
    try:
        assert webhooks.url_problem(engine, "http://127.0.0.1:4242/hook") is None
        problem = webhooks.url_problem(engine, "https://hooks.example.com/stripe")
        assert "hooks.example.com" in problem and "--allow-remote-webhooks" in problem
        assert "http:// or https://" in webhooks.url_problem(engine, "ftp://127.0.0.1/x")
        assert webhooks.url_problem(engine, "http://127.0.0.1:99999/x").startswith("Invalid URL")
        engine.allow_remote_webhooks = True
        assert webhooks.url_problem(engine, "https://hooks.example.com/stripe") is None
    finally:
        engine.store.close()


def test_signature_is_the_one_stripe_python_verifies():
    payload = '{\n  "id": "evt_1",\n  "object": "event"\n}'
    header = webhooks.sign(payload, "whsec_test", timestamp=1_700_000_000)
    t, v1 = header.split(",")
    assert t == "t=1700000000" and re.fullmatch(r"v1=[0-9a-f]{64}", v1)
    assert stripe.WebhookSignature.verify_header(payload, header, "whsec_test", tolerance=None)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.WebhookSignature.verify_header(payload + " ", header, "whsec_test", tolerance=None)
    fresh = webhooks.sign(payload, "whsec_test")
    assert stripe.Webhook.construct_event(payload, fresh, "whsec_test").id == "evt_1"


def test_backoff_scales_with_the_async_delay():
    engine = open_engine(None, memory=True, async_delay=0)
    try:
        assert [webhooks.backoff(engine, n) for n in (1, 2, 3)] == pytest.approx([0.2, 0.8, 3.2])
        engine.async_delay = 2.0
        assert [webhooks.backoff(engine, n) for n in (1, 2, 3)] == [2.0, 8.0, 32.0]
    finally:
        engine.store.close()


def test_every_emitted_event_type_can_be_subscribed_to():
    emitted = {e for t in TRANSITIONS for e in t.events}
    for path in SANDBOX.rglob("*.py"):
        emitted |= set(re.findall(r"emit\((?:ctx, )?\"([a-z_.]+)\"", path.read_text()))
    assert emitted and emitted <= webhooks.KNOWN_EVENT_TYPES, emitted - webhooks.KNOWN_EVENT_TYPES


@pytest.fixture(scope="module")
def store():
    engine = open_engine(None, memory=True, async_delay=0)
    seeding.seed(engine, 400, days=5, seed=2)
    yield engine.store
    engine.store.close()


def test_wildcards_expand_to_the_stored_types(store):
    stored = {r[0] for r in store.execute("SELECT DISTINCT type FROM objects WHERE kind='event'").fetchall()}
    assert set(events.stored_types(store)) == stored
    assert events.expand_pattern(store, "charge.*") == sorted(t for t in stored if t.startswith("charge."))
    assert events.expand_pattern(store, "*.succeeded") == ["charge.succeeded", "payment_intent.succeeded"]
    assert events.expand_pattern(store, "charge.dispute.*") == sorted(
        t for t in stored if t.startswith("charge.dispute."))
    assert events.expand_pattern(store, "charge.succeeded") == ["charge.succeeded"]
    assert events.expand_pattern(store, "zzz.*") == []


def test_merged_pages_equal_a_plain_filtered_scan(store):
    types = ["payment_intent.created", "charge.failed", "customer.created"]
    expected, _ = store.list("event", filters={"type": types}, limit=100)
    page, has_more = events.page_by_types(store, types, None, 100)
    assert [e["id"] for e in page] == [e["id"] for e in expected] and has_more is True
    seen, cursor = [], None
    while True:
        chunk, more = events.page_by_types(store, types, None, 7, starting_after=cursor)
        seen += [e["id"] for e in chunk]
        if not more:
            break
        cursor = chunk[-1]["id"]
    everything, _ = store.list("event", filters={"type": types}, limit=10_000)
    assert seen == [e["id"] for e in everything]


def test_merged_pages_read_each_type_in_index_order(store):
    sql_types = ["charge.succeeded", "payment_intent.created"]
    captured: list[str] = []
    real = store.execute

    def spy(sql, args=()):
        captured.append(sql)
        return real(sql, args)
    store.execute = spy
    try:
        events.page_by_types(store, sql_types, {"gte": 0}, 10)
    finally:
        del store.execute
    merge = next(s for s in captured if "UNION ALL" in s)
    plan = [r[3] for r in store.execute("EXPLAIN QUERY PLAN " + merge, ("charge.succeeded", 0, 11,
                                                                       "payment_intent.created", 0, 11, 11))]
    searches = [p for p in plan if p.startswith("SEARCH objects")]
    assert len(searches) == 2 and all("ix_objects_type" in p for p in searches)
    assert not any(p.startswith("SCAN objects") for p in plan)
    assert plan.count("USE TEMP B-TREE FOR ORDER BY") == 1  # only the final merge of 2 x 11 rows
