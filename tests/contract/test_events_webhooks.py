"""Events and webhooks (TEST_MODE.md §2.5, §6, §8.1): the real stripe SDK against the sandbox.

Webhooks go to a local receiver (tests/contract/webhook_receiver.py); every delivery it gets is
verified with ``stripe.Webhook.construct_event`` and the endpoint's ``whsec_`` secret. Endpoints
are deleted after each test, so later tests (and other modules) never deliver to them.

Most delivery tests use ``driven``: a sandbox of the test's own with a ManualClock and no
background workers, where the test sends what is due (``driven.deliver()``) and moves the clock
through the retry backoff — no sleeping, and exact retry times. A few run on the session sandbox,
whose real delivery worker sends on its own (the test then waits for the receiver, bounded).
"""

from __future__ import annotations

import json
import socket
import time
from dataclasses import dataclass

import pytest
import requests
import stripe

from lib.sandbox import ManualClock, SandboxHandle, start_sandbox
from lib.sandbox.events import deliver_due
from tests.contract.money_helpers import pay
from tests.contract.sandbox_http import answer_challenge
from tests.contract.webhook_receiver import Receiver

KEY = "sk_test_contract"


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {KEY}"}


@dataclass
class Driven:
    handle: SandboxHandle
    client: stripe.StripeClient
    clock: ManualClock

    @property
    def url(self) -> str:
        return self.handle.url

    def deliver(self) -> int:
        """Send every delivery due by the clock, in this thread; returns how many attempts were made."""
        return deliver_due(self.handle.engine)


@pytest.fixture
def driven():
    """A fresh driven sandbox for each test: nothing queued by another test can come due in it."""
    clock = ManualClock()
    handle = start_sandbox(memory=True, async_delay=0, clock=clock, background=False)
    client = stripe.StripeClient(KEY, base_addresses={"api": handle.url}, max_network_retries=0)
    yield Driven(handle, client, clock)
    handle.stop()


def _endpoint_maker(client):
    made: list[str] = []

    def create(url: str, events: tuple[str, ...] = ("*",), **extra):
        we = client.v1.webhook_endpoints.create(params={"url": url, "enabled_events": list(events), **extra})
        made.append(we.id)
        return we
    yield create
    for we_id in made:
        try:
            client.v1.webhook_endpoints.delete(we_id)
        except stripe.InvalidRequestError:
            pass


@pytest.fixture
def endpoints(stripe_client):
    """Create webhook endpoints on the session sandbox; all of them are deleted when the test ends."""
    yield from _endpoint_maker(stripe_client)


@pytest.fixture
def driven_endpoints(driven):
    """The same on the driven sandbox."""
    yield from _endpoint_maker(driven.client)


def types_for(client, *object_ids: str, since: int) -> list[str]:
    """Types of the events describing ``object_ids``, in emission order, read through GET /v1/events."""
    events = client.v1.events.list(params={"created": {"gte": since}, "limit": 100}).auto_paging_iter()
    return [e.type for e in reversed(list(events)) if e.data.object.id in object_ids]


def deliveries(sandbox, **filters) -> list[dict]:
    resp = requests.get(sandbox.url + "/_sandbox/webhook_deliveries", params={"limit": 100, **filters},
                        headers=auth(), timeout=10)
    assert resp.status_code == 200, resp.text
    return resp.json()["data"]


def wait_log(sandbox, check, timeout: float = 10.0, **filters) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        rows = deliveries(sandbox, **filters)
        if check(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"delivery log never matched: {rows}")
        time.sleep(0.02)


def verify_all(received, secret: str) -> list[stripe.Event]:
    """Every delivery must verify with the endpoint secret, exactly as an integration checks it."""
    events = []
    for d in received:
        assert d.headers["Content-Type"] == "application/json; charset=utf-8"
        assert d.headers["User-Agent"] == "Stripe/1.0 (+https://stripe.com/docs/webhooks)"
        assert d.headers["Stripe-Signature"].startswith("t=") and ",v1=" in d.headers["Stripe-Signature"]
        events.append(stripe.Webhook.construct_event(d.body.decode("utf-8"), d.headers["Stripe-Signature"], secret))
    return events


def now() -> int:
    return int(time.time())


# --- events: shape and order -------------------------------------------------------------------
def test_event_object_shape_and_request_fields(stripe_client):
    since = now()
    pi = stripe_client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd"},
                                                 options={"idempotency_key": "evt-shape-1"})
    event = next(e for e in stripe_client.v1.events.list(params={"type": "payment_intent.created",
                                                                 "created": {"gte": since}})
                 if e.data.object.id == pi.id)
    body = event.to_dict()
    assert set(body) >= {"id", "object", "api_version", "created", "data", "livemode", "pending_webhooks", "request",
                         "type"}
    assert event.id.startswith("evt_") and event.object == "event" and event.livemode is False
    assert event.pending_webhooks == 0
    assert event.request.id == pi.last_response.request_id
    assert event.request.idempotency_key == "evt-shape-1"
    assert body["data"]["object"] == pi.to_dict()
    assert not any(k.startswith("_") for k in body["data"]["object"])
    assert stripe_client.v1.events.retrieve(event.id).to_dict() == body


def test_events_in_stripe_order_for_a_successful_payment(stripe_client):
    since = now()
    pi = pay(stripe_client)
    types = types_for(stripe_client, pi.id, pi.latest_charge, since=since)
    assert types[:3] == ["payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    assert types[3:] in ([], ["charge.updated"])  # automatic_async may fill in the balance transaction later


def test_events_in_stripe_order_for_a_decline(stripe_client):
    since = now()
    with pytest.raises(stripe.CardError) as exc:
        pay(stripe_client, "pm_card_visa_chargeDeclinedInsufficientFunds")
    pi_id, charge_id = exc.value.error.payment_intent.id, exc.value.error.charge
    assert types_for(stripe_client, pi_id, charge_id, since=since) == [
        "payment_intent.created", "charge.failed", "payment_intent.payment_failed"]


def test_events_in_stripe_order_for_3ds(stripe_client):
    since = now()
    pi = pay(stripe_client, "pm_card_threeDSecure2Required")
    assert pi.status == "requires_action"
    assert types_for(stripe_client, pi.id, since=since) == ["payment_intent.created", "payment_intent.requires_action"]
    answer_challenge(pi, "complete")
    done = stripe_client.v1.payment_intents.retrieve(pi.id)
    assert done.status == "succeeded"
    assert types_for(stripe_client, pi.id, done.latest_charge, since=since)[:4] == [
        "payment_intent.created", "payment_intent.requires_action", "charge.succeeded", "payment_intent.succeeded"]


def test_events_in_stripe_order_for_manual_capture(stripe_client):
    since = now()
    pi = pay(stripe_client, capture_method="manual")
    assert types_for(stripe_client, pi.id, pi.latest_charge, since=since) == [
        "payment_intent.created", "charge.succeeded", "payment_intent.amount_capturable_updated"]
    stripe_client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": 1200})
    assert types_for(stripe_client, pi.id, pi.latest_charge, since=since) == [
        "payment_intent.created", "charge.succeeded", "payment_intent.amount_capturable_updated",
        "charge.captured", "payment_intent.succeeded"]


# --- events: list filters and pagination ---------------------------------------------------------
def test_type_filter_exact_and_wildcard(stripe_client):
    since = now()
    pay(stripe_client)
    with pytest.raises(stripe.CardError):
        pay(stripe_client, "pm_card_visa_chargeDeclined")
    window = {"created": {"gte": since}, "limit": 100}
    exact = stripe_client.v1.events.list(params={"type": "charge.failed", **window}).data
    assert exact and {e.type for e in exact} == {"charge.failed"}
    charge_all = stripe_client.v1.events.list(params={"type": "charge.*", **window}).data
    assert {"charge.succeeded", "charge.failed"} <= {e.type for e in charge_all}
    assert all(e.type.startswith("charge.") for e in charge_all)
    everything = [e for e in stripe_client.v1.events.list(params=window).data]
    assert [e.id for e in charge_all] == [e.id for e in everything if e.type.startswith("charge.")]
    suffix = stripe_client.v1.events.list(params={"type": "*.succeeded", **window}).data
    assert {e.type for e in suffix} == {"charge.succeeded", "payment_intent.succeeded"}
    assert stripe_client.v1.events.list(params={"type": "nothing.*", **window}).data == []


def test_types_array_is_merged_newest_first(stripe_client):
    since = now()
    for _ in range(3):
        pay(stripe_client)
    wanted = ["payment_intent.created", "charge.succeeded"]
    window = {"created": {"gte": since}, "limit": 100}
    merged = stripe_client.v1.events.list(params={"types": wanted, **window}).data
    everything = stripe_client.v1.events.list(params=window).data
    assert [e.id for e in merged] == [e.id for e in everything if e.type in wanted]
    assert len(merged) >= 6
    created = [e.created for e in merged]
    assert created == sorted(created, reverse=True)


def test_types_pagination_forward_and_backward(stripe_client):
    since = now()
    for _ in range(3):
        pay(stripe_client)
    params = {"types": ["payment_intent.created", "payment_intent.succeeded"], "created": {"gte": since}}
    full = [e.id for e in stripe_client.v1.events.list(params={**params, "limit": 100}).data]
    assert len(full) >= 6
    paged = [e.id for e in stripe_client.v1.events.list(params={**params, "limit": 2}).auto_paging_iter()]
    assert paged == full
    first = stripe_client.v1.events.list(params={**params, "limit": 2})
    assert first.has_more is True
    second = stripe_client.v1.events.list(params={**params, "limit": 2, "starting_after": first.data[-1].id})
    assert [e.id for e in second.data] == full[2:4]
    back = stripe_client.v1.events.list(params={**params, "limit": 2, "ending_before": second.data[0].id})
    assert [e.id for e in back.data] == full[:2]


def test_created_filter_and_plain_pagination(driven):
    stripe_client = driven.client
    pay(stripe_client)
    driven.clock.advance(1)  # the next second: events carry whole seconds
    boundary = int(driven.clock())
    pi = pay(stripe_client)
    after = stripe_client.v1.events.list(params={"created": {"gte": boundary}, "limit": 100}).data
    assert after and all(e.created >= boundary for e in after)
    assert any(e.data.object.id == pi.id for e in after)
    before = stripe_client.v1.events.list(params={"created": {"lt": boundary}, "limit": 5}).data
    assert before and all(e.created < boundary for e in before)
    page = stripe_client.v1.events.list(params={"limit": 3})
    assert len(page.data) == 3 and page.has_more is True and page.url == "/v1/events"
    nxt = stripe_client.v1.events.list(params={"limit": 3, "starting_after": page.data[-1].id})
    assert not {e.id for e in page.data} & {e.id for e in nxt.data}
    assert page.data[-1].created >= nxt.data[0].created


def test_event_list_errors(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.events.list(params={"type": "charge.succeeded", "types": ["charge.failed"]})
    assert exc.value.code == "parameters_exclusive"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.events.list(params={"object_id": "pi_123"})
    assert exc.value.code == "parameter_unknown"  # a sandbox-only filter, not on /v1/events
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.events.retrieve("evt_doesnotexist")
    assert exc.value.http_status == 404 and exc.value.code == "resource_missing"


def test_sandbox_events_by_object_id(stripe_client, sandbox):
    pi = pay(stripe_client)
    resp = requests.get(sandbox.url + "/_sandbox/events", params={"object_id[]": [pi.id, pi.latest_charge]},
                        headers=auth(), timeout=10)
    assert resp.status_code == 200
    assert [e["type"] for e in reversed(resp.json()["data"])][:3] == [
        "payment_intent.created", "charge.succeeded", "payment_intent.succeeded"]
    assert requests.get(sandbox.url + "/_sandbox/events", params={"object_id": pi.id}, timeout=10).status_code == 401


# --- webhook endpoints ---------------------------------------------------------------------------
def test_webhook_endpoint_crud(stripe_client, endpoints):
    we = endpoints("http://127.0.0.1:9/hook", ("charge.succeeded", "charge.failed"), description="Mine",
                   metadata={"team": "payments"})
    assert we.id.startswith("we_") and we.object == "webhook_endpoint"
    assert we.secret.startswith("whsec_") and len(we.secret) > 20
    assert (we.status, we.url, we.enabled_events, we.livemode) == ("enabled", "http://127.0.0.1:9/hook",
                                                                   ["charge.succeeded", "charge.failed"], False)
    got = stripe_client.v1.webhook_endpoints.retrieve(we.id).to_dict()
    assert "secret" not in got and got["description"] == "Mine" and got["metadata"] == {"team": "payments"}
    assert we.id in [e.id for e in stripe_client.v1.webhook_endpoints.list().data]
    updated = stripe_client.v1.webhook_endpoints.update(we.id, params={"disabled": True, "enabled_events": ["*"],
                                                                      "url": "http://localhost:9/other"})
    assert (updated.status, updated.enabled_events, updated.url) == ("disabled", ["*"], "http://localhost:9/other")
    deleted = stripe_client.v1.webhook_endpoints.delete(we.id)
    assert deleted.deleted is True and deleted.id == we.id
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.webhook_endpoints.retrieve(we.id)
    assert exc.value.http_status == 404


def test_webhook_endpoint_validation(stripe_client, endpoints):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.webhook_endpoints.create(params={"url": "http://127.0.0.1:9/x"})
    assert exc.value.code == "parameter_missing" and exc.value.param == "enabled_events"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        endpoints("http://127.0.0.1:9/x", ("charge.succeeded", "charge.exploded"))
    assert exc.value.param == "enabled_events[1]"
    with pytest.raises(stripe.InvalidRequestError) as exc:
        endpoints("ftp://127.0.0.1/x")
    assert exc.value.param == "url"


def test_non_loopback_urls_are_refused(stripe_client, endpoints):
    for url in ("https://example.com/webhooks", "http://10.0.0.5:8000/hook", "http://192.168.1.2/x"):
        with pytest.raises(stripe.InvalidRequestError) as exc:
            endpoints(url)
        assert exc.value.http_status == 400 and exc.value.param == "url"
        assert "--allow-remote-webhooks" in exc.value.user_message and "localhost" in exc.value.user_message
    for url in ("http://localhost:9/a", "http://127.0.0.2:9/b", "http://[::1]:9/c"):
        assert endpoints(url).status == "enabled"
    we = endpoints("http://127.0.0.1:9/d")
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.webhook_endpoints.update(we.id, params={"url": "https://example.com/x"})


# --- deliveries ----------------------------------------------------------------------------------
def test_every_delivery_is_signed_and_verifies(stripe_client, sandbox, endpoints):
    with Receiver() as rx:
        we = endpoints(rx.url)
        pi = pay(stripe_client)
        with pytest.raises(stripe.CardError):
            pay(stripe_client, "pm_card_visa_chargeDeclined")
        received = rx.wait_for(6)
        events = verify_all(received, we.secret)
        mine = [e for e in events if e.data.object.id in (pi.id, pi.latest_charge)]
        assert [e.type for e in mine][:3] == ["payment_intent.created", "charge.succeeded",
                                              "payment_intent.succeeded"]
        delivered = mine[0]
        assert delivered.pending_webhooks == 1  # as sent: this endpoint had not answered yet
        api_copy = stripe_client.v1.events.retrieve(delivered.id)
        assert api_copy.data.object.to_dict() == delivered.data.object.to_dict()
        wait_log(sandbox, lambda rows: all(r["status"] == "succeeded" for r in rows) and len(rows) >= 6,
                 endpoint=we.id)
        assert stripe_client.v1.events.retrieve(delivered.id).pending_webhooks == 0
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(received[0].body.decode(), received[0].headers["Stripe-Signature"],
                                           "whsec_not_the_right_secret")


def test_only_subscribed_types_in_creation_order(driven, driven_endpoints):
    with Receiver() as rx:
        we = driven_endpoints(rx.url, ("payment_intent.created", "payment_intent.succeeded"))
        pis = [pay(driven.client, amount=1000 + i) for i in range(4)]
        assert driven.deliver() == 8
        received = rx.received()
        events = verify_all(received, we.secret)
        assert {e.type for e in events} == {"payment_intent.created", "payment_intent.succeeded"}
        mine = [(e.data.object.id, e.type) for e in events if e.data.object.id in {p.id for p in pis}]
        expected = [(p.id, t) for p in pis for t in ("payment_intent.created", "payment_intent.succeeded")]
        assert mine == expected
        assert len(received) >= 8


def test_failing_receiver_is_retried_and_logged(driven, driven_endpoints):
    stripe_client = driven.client
    with Receiver(statuses=[500]) as rx:
        we = driven_endpoints(rx.url, ("payment_intent.created",))
        pi = stripe_client.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})
        assert driven.deliver() == 1  # the first attempt; its retry is not due yet
        driven.clock.advance(0.19)
        assert driven.deliver() == 0
        driven.clock.advance(0.01)  # backoff: max(0.2, async_delay) * 4**0
        assert driven.deliver() == 1
        received = rx.received()
        events = verify_all(received, we.secret)
        assert [e.id for e in events][0] == events[1].id and events[0].type == "payment_intent.created"
        assert [d.answered for d in received] == [500, 200]
        rows = deliveries(driven, endpoint=we.id)
        first, second = rows[-1], rows[-2]
        assert (first["attempt"], first["status"], first["http_status"]) == (1, "failed", 500)
        assert "500" in first["error"] and first["next_at"] == pytest.approx(first["attempted_at"] + 0.2)
        assert (second["attempt"], second["status"], second["http_status"], second["error"]) == (
            2, "succeeded", 200, None)
        assert second["attempted_at"] - first["attempted_at"] == pytest.approx(0.2)
        assert all(r["event_id"] == events[0].id and isinstance(r["latency_ms"], float) for r in (first, second))
        by_event = deliveries(driven, event=events[0].id)
        assert [r["id"] for r in by_event] == [second["id"], first["id"]]
        assert events[0].data.object.id == pi.id
        assert stripe_client.v1.events.retrieve(events[0].id).pending_webhooks == 0


def test_unreachable_endpoint_gets_three_retries_then_stops(driven, driven_endpoints):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    we = driven_endpoints(f"http://127.0.0.1:{port}/nobody", ("payment_intent.created",))
    driven.client.v1.payment_intents.create(params={"amount": 700, "currency": "usd"})
    assert driven.deliver() == 1
    for backoff in (0.2, 0.8, 3.2):  # max(0.2, async_delay) * 4 ** (n - 1)
        driven.clock.advance(backoff)
        assert driven.deliver() == 1
    rows = deliveries(driven, endpoint=we.id)
    assert [r["attempt"] for r in reversed(rows)] == [1, 2, 3, 4]
    assert all(r["status"] == "failed" and r["http_status"] is None and "refused" in r["error"].lower()
               for r in rows)
    gaps = [b["attempted_at"] - a["attempted_at"] for a, b in zip(reversed(rows[1:]), reversed(rows[:-1]))]
    assert gaps == pytest.approx([0.2, 0.8, 3.2])
    assert rows[0]["next_at"] is None  # no fifth attempt
    driven.clock.advance(3600)
    assert driven.deliver() == 0
    assert len(deliveries(driven, endpoint=we.id)) == 4
    assert driven.client.v1.events.retrieve(rows[0]["event_id"]).pending_webhooks == 1


def test_pending_webhooks_counts_endpoints_not_yet_delivered(driven, driven_endpoints):
    with Receiver(statuses=[500, 500, 500, 500]) as bad, Receiver() as good:
        ok = driven_endpoints(good.url, ("payment_intent.created",))
        driven_endpoints(bad.url, ("payment_intent.created",))
        pi = driven.client.v1.payment_intents.create(params={"amount": 900, "currency": "usd"})
        assert driven.deliver() == 2
        event = next(e for e in verify_all(good.received(), ok.secret) if e.data.object.id == pi.id)
        assert event.pending_webhooks == 2
        assert [r["status"] for r in deliveries(driven, endpoint=ok.id)] == ["succeeded"]
        assert driven.client.v1.events.retrieve(event.id).pending_webhooks == 1


def test_disabled_endpoint_receives_nothing(driven, driven_endpoints):
    with Receiver() as rx:
        we = driven_endpoints(rx.url)
        driven.client.v1.webhook_endpoints.update(we.id, params={"disabled": True})
        pay(driven.client)
        assert driven.deliver() == 0
        assert rx.received() == [] and deliveries(driven, endpoint=we.id) == []


def test_resend_an_event(stripe_client, sandbox, endpoints):
    with Receiver() as rx:
        we = endpoints(rx.url, ("payment_intent.created",))
        pi = stripe_client.v1.payment_intents.create(params={"amount": 800, "currency": "usd"})
        first = verify_all(rx.wait_for(1), we.secret)[0]
        assert first.data.object.id == pi.id
        url = f"{sandbox.url}/_sandbox/events/{first.id}/resend"
        assert requests.post(url, params={"endpoint": we.id}, timeout=10).status_code == 401
        resp = requests.post(url, params={"endpoint": we.id}, headers=auth(), timeout=10)
        assert resp.status_code == 200, resp.text
        queued = resp.json()["data"]
        assert [(r["event_id"], r["endpoint_id"], r["manual"]) for r in queued] == [(first.id, we.id, True)]
        again = verify_all(rx.wait_for(2), we.secret)[1]
        assert again.id == first.id
        rows = wait_log(sandbox, lambda r: r[0]["status"] == "succeeded" and len(r) == 2, event=first.id)
        assert rows[0]["manual"] is True and rows[1]["manual"] is False
        missing = requests.post(f"{sandbox.url}/_sandbox/events/evt_nope/resend", headers=auth(), timeout=10)
        assert missing.status_code == 404


def test_delivery_body_is_the_raw_signed_event_json(driven, driven_endpoints):
    sandbox = driven
    with Receiver() as rx:
        we = driven_endpoints(rx.url, ("payment_intent.created",))
        driven.client.v1.payment_intents.create(params={"amount": 650, "currency": "usd"})
        driven.clock.advance(7)
        assert driven.deliver() == 1
        d = rx.received()[0]
        body = json.loads(d.body)
        assert body["object"] == "event" and body["type"] == "payment_intent.created"
        assert not any(k.startswith("_") for k in body) and not any(k.startswith("_") for k in body["data"]["object"])
        t = int(d.headers["Stripe-Signature"].split(",")[0][2:])
        assert t == int(driven.clock())  # signed when sent, by the sandbox's clock
        assert abs(t - time.time()) < 30
        sig = stripe.WebhookSignature._compute_signature(f"{t}.{d.body.decode()}", we.secret)
        assert d.headers["Stripe-Signature"] == f"t={t},v1={sig}"
        page = requests.get(sandbox.url + "/_sandbox/webhooks", timeout=10)
        assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
        assert we.id in page.text and we.secret not in page.text
