"""lib.gateway's client against the real sandbox over HTTP."""

from __future__ import annotations

import pytest
import stripe

from lib.config import ReadOnlyError, load_settings, settings_from_values
from lib.gateway import API_VERSION, get_sandbox, make_client, open_connection
from lib.request_log import RequestLog
from tests.contract.money_helpers import CONFIRM

PI_PARAMS = {"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa"}


@pytest.fixture
def logged_client(sandbox):
    log = RequestLog()
    client = make_client(settings_from_values({"STRIPE_API_BASE": sandbox.url}), request_log=log)
    return client, log


def test_plain_sdk_fixture_talks_to_the_sandbox(stripe_client):
    customer = stripe_client.v1.customers.create(params={"email": "fixture@example.com"})
    assert customer.id.startswith("cus_")


def test_create_is_logged_with_sandbox_request_id(logged_client):
    client, log = logged_client
    intent = client.v1.payment_intents.create(params=PI_PARAMS)
    entry = log.latest()
    assert (entry.method, entry.path, entry.status) == ("POST", "/v1/payment_intents", 200)
    assert entry.request_id and entry.request_id.startswith("req_")
    assert entry.stripe_version == API_VERSION
    assert intent.id in entry.response_body
    assert "amount=2000" in entry.request_body and "payment_method=pm_card_visa" in entry.request_body


def test_idempotent_replay_is_visible_in_the_log(logged_client):
    client, log = logged_client
    options = {"idempotency_key": "contract-replay-1"}
    first = client.v1.payment_intents.create(params=PI_PARAMS, options=options)
    second = client.v1.payment_intents.create(params=PI_PARAMS, options=options)
    assert first.id == second.id
    original, replay = log.entries()[-2:]
    assert original.idempotency_key == replay.idempotency_key == "contract-replay-1"
    assert not original.idempotent_replayed and replay.idempotent_replayed


def test_decline_is_logged_and_raised_as_card_error(logged_client):
    client, log = logged_client
    with pytest.raises(stripe.CardError) as info:
        client.v1.payment_intents.create(params={**PI_PARAMS, "payment_method": "pm_card_chargeDeclined",
                                                 **CONFIRM})
    assert info.value.code == "card_declined"
    entry = log.latest()
    assert entry.status == 402 and "card_declined" in entry.response_body


def test_readonly_client_sends_nothing_to_the_sandbox(sandbox):
    settings = settings_from_values({"STRIPE_API_BASE": sandbox.url, "STRIPE_LIVE_READONLY": "1",
                                     "STRIPE_SECRET_KEY": "sk_live_ContractReadOnly_0123456789"})
    before = sandbox.stats()
    with pytest.raises(ReadOnlyError):
        make_client(settings, request_log=None).v1.customers.create(params={"email": "x@example.com"})
    assert sandbox.stats() == before


def test_health_against_the_sandbox(sandbox):
    health = open_connection(settings_from_values({"STRIPE_API_BASE": sandbox.url})).health()
    assert health.ok, health.detail


def test_embedded_sandbox_persists_to_the_configured_data_dir():
    settings = load_settings()  # the test session's temp SANDBOX_DATA_DIR
    conn = open_connection(settings, request_log=None)
    assert conn.sandbox is get_sandbox(settings.sandbox_data_dir)
    assert conn.health().ok
    conn.client.v1.customers.create(params={"email": "persist@example.com"})
    assert conn.sandbox.stats().get("customer", 0) >= 1
    assert any(settings.sandbox_data_dir.iterdir()), "the sandbox wrote nothing to its data dir"
