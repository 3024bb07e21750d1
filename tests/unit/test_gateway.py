from __future__ import annotations

import dataclasses
import socket
import threading
import time
from types import SimpleNamespace

import pytest
import stripe

from lib import gateway
from lib.config import ReadOnlyError, settings_from_values
from lib.gateway import API_VERSION, SandboxUnavailableError, get_sandbox, make_client, open_connection
from lib.request_log import RequestLog
from tests.unit.fake_api import FakeApi

KEY = "sk_test_GatewayUnitTestKey_0123456789wxyz"
LIVE_KEY = "sk_live_GatewayUnitTestKey_0123456789live"


@pytest.fixture
def fake_api():
    api = FakeApi().start()
    yield api
    api.stop()


@pytest.fixture
def no_retry_sleep(monkeypatch):
    monkeypatch.setattr(stripe.RequestsClient, "_sleep_time_seconds", lambda self, n: 0)


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def custom_settings(api_base: str, key: str = KEY, **extra: str):
    return settings_from_values({"STRIPE_API_BASE": api_base, "STRIPE_SECRET_KEY": key, **extra})


def all_text(entry) -> str:
    return " ".join(str(value) for value in dataclasses.asdict(entry).values())


def test_api_version_is_the_sdk_pinned_version():
    from stripe._api_version import _ApiVersion

    assert API_VERSION == _ApiVersion.CURRENT


def test_post_is_logged_with_idempotency_key_and_request_id(fake_api):
    log = RequestLog()
    client = make_client(custom_settings(fake_api.url), request_log=log)
    client.v1.customers.create(params={"email": "jo@example.com", "metadata": {"order": "42"}})

    seen = fake_api.seen[0]
    assert seen.headers["Stripe-Version"] == API_VERSION
    assert seen.headers["Authorization"] == f"Bearer {KEY}"
    [entry] = log.entries()
    assert (entry.method, entry.path, entry.status, entry.attempt) == ("POST", "/v1/customers", 200, 1)
    assert entry.idempotency_key == seen.headers["Idempotency-Key"] and entry.idempotency_key
    assert entry.request_id == "req_fake1"
    assert entry.stripe_version == API_VERSION
    assert entry.api_base == fake_api.url
    assert "email=jo@example.com" in entry.request_body and "metadata[order]=42" in entry.request_body
    assert '"object": "balance"' in entry.response_body
    assert entry.latency_ms > 0
    assert KEY not in all_text(entry) and "Bearer" not in all_text(entry)


def test_get_query_is_logged(fake_api):
    log = RequestLog()
    make_client(custom_settings(fake_api.url), request_log=log).v1.customers.list(params={"limit": 3})
    assert log.latest().path == "/v1/customers?limit=3"
    assert log.latest().idempotency_key is None


def test_each_retry_attempt_is_logged_with_the_same_idempotency_key(fake_api, no_retry_sleep):
    fake_api.replies.extend([(500, {"error": {"type": "api_error", "message": "boom"}}, {}),
                             (200, {"id": "cus_1", "object": "customer"}, {"Idempotent-Replayed": "true"})])
    log = RequestLog()
    customer = make_client(custom_settings(fake_api.url), request_log=log).v1.customers.create()
    assert customer.id == "cus_1"
    first, second = log.entries()
    assert (first.status, first.attempt) == (500, 1)
    assert (second.status, second.attempt) == (200, 2)
    assert first.idempotency_key == second.idempotency_key
    assert second.idempotent_replayed and not first.idempotent_replayed


def test_connection_error_is_logged_and_raised_quickly(no_retry_sleep):
    log = RequestLog()
    client = make_client(custom_settings(closed_port_url()), request_log=log, max_network_retries=1)
    with pytest.raises(stripe.APIConnectionError):
        client.v1.balance.retrieve()
    entries = log.entries()
    assert [entry.attempt for entry in entries] == [1, 2]
    assert all(entry.status is None and "connection refused" in entry.error for entry in entries)


def test_logging_can_be_disabled(fake_api):
    make_client(custom_settings(fake_api.url), request_log=None).v1.balance.retrieve()
    assert len(fake_api.seen) == 1


# --- read-only guard -------------------------------------------------------------------------

@pytest.fixture
def readonly_client(fake_api):
    log = RequestLog()
    settings = custom_settings(fake_api.url, key=LIVE_KEY, STRIPE_LIVE_READONLY="1")
    assert settings.mode == "live_readonly"
    return make_client(settings, request_log=log), log


@pytest.mark.parametrize("write", [
    lambda c: c.v1.customers.create(params={"email": "a@b.c"}),
    lambda c: c.v1.payment_intents.create(params={"amount": 100, "currency": "usd"}),
    lambda c: c.v1.customers.delete("cus_1"),
    lambda c: c.raw_request("post", "/v1/refunds", charge="ch_1"),
])
def test_readonly_blocks_writes_before_sending(readonly_client, fake_api, write):
    client, log = readonly_client
    with pytest.raises(ReadOnlyError, match="Nothing was sent"):
        write(client)
    assert fake_api.seen == []
    entry = log.latest()
    assert entry.status is None and "Blocked" in entry.error


def test_readonly_allows_reads(readonly_client, fake_api):
    client, log = readonly_client
    client.v1.balance.retrieve()
    assert [seen.method for seen in fake_api.seen] == ["GET"]
    assert log.latest().status == 200


def test_readonly_async_path_cannot_send(readonly_client, fake_api):
    import asyncio

    client, _ = readonly_client
    with pytest.raises(NotImplementedError):
        asyncio.run(client.v1.customers.create_async(params={"email": "a@b.c"}))
    assert fake_api.seen == []


# --- connection ------------------------------------------------------------------------------

def test_health_ok(fake_api):
    conn = open_connection(custom_settings(fake_api.url), request_log=None)
    health = conn.health()
    assert health.ok and "GET /v1/balance answered" in health.detail
    assert fake_api.seen[0].path == "/v1/balance"


def test_health_reports_unreachable_server_fast():
    conn = open_connection(custom_settings(closed_port_url()))
    start = time.perf_counter()
    health = conn.health()
    assert time.perf_counter() - start < 5
    assert not health.ok and "Cannot reach the API" in health.detail


def test_health_reports_auth_error_without_the_key(fake_api):
    fake_api.replies.append((401, {"error": {"type": "invalid_request_error",
                                             "message": f"Invalid API Key provided: {KEY}"}}, {}))
    health = open_connection(custom_settings(fake_api.url)).health()
    assert not health.ok and "Authentication failed" in health.detail
    assert KEY not in health.detail and "sk_test_…wxyz" in health.detail


def test_health_is_not_logged(fake_api):
    log = RequestLog()
    open_connection(custom_settings(fake_api.url), request_log=log).health()
    assert len(log) == 0


def test_connection_facts_are_masked(fake_api):
    settings = custom_settings(fake_api.url, STRIPE_WEBHOOK_SECRET="whsec_abcdefghijklmnopqrstuvwxyz",
                               STRIPE_PUBLISHABLE_KEY="pk_test_PublishableUnitKey_12345678pkpk")
    conn = open_connection(settings)
    facts = {row["setting"]: row["value"] for row in conn.facts()}
    assert facts["Secret key"] == "sk_test_…wxyz"
    assert facts["Publishable key"] == "pk_test_…pkpk"
    assert facts["Webhook signing secret"] == "whsec_…wxyz"
    assert facts["API base"] == fake_api.url and facts["API version"] == API_VERSION
    assert facts["Mode"] == "Custom API" and facts["Writes"] == "allowed"
    assert KEY not in repr(conn.settings)


def test_test_mode_uses_api_stripe_com_without_sending_anything():
    conn = open_connection(settings_from_values({"STRIPE_SECRET_KEY": KEY}))
    assert conn.api_base == stripe.DEFAULT_API_BASE and conn.mode_label == "Stripe test mode"
    assert conn.publishable_key is None and conn.sandbox is None


# --- embedded sandbox singleton --------------------------------------------------------------

@pytest.fixture
def fake_sandbox_start(monkeypatch):
    """Replace lib.sandbox.start_sandbox with a slow fake and reset the gateway singleton."""
    import lib.sandbox

    calls = []

    def fake_start(data_dir=None, **kwargs):
        calls.append(data_dir)
        time.sleep(0.05)  # widen the race window
        return SimpleNamespace(url="http://127.0.0.1:1", port=1, data_dir=data_dir,
                               stats=lambda: {}, stop=lambda: None)

    monkeypatch.setattr(lib.sandbox, "start_sandbox", fake_start)
    monkeypatch.setattr(gateway, "_sandbox", None)
    monkeypatch.setattr(gateway, "_sandbox_dir", None)
    return calls


def test_get_sandbox_starts_once_across_threads(fake_sandbox_start, tmp_path):
    handles = []
    threads = [threading.Thread(target=lambda: handles.append(get_sandbox(tmp_path))) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(fake_sandbox_start) == 1 and fake_sandbox_start[0] == str(tmp_path.resolve())
    assert len({id(handle) for handle in handles}) == 1
    assert get_sandbox(tmp_path / "other") is handles[0]  # first data dir wins
    assert gateway.sandbox_running() is handles[0]


def test_sandbox_mode_connection_uses_the_embedded_sandbox(fake_sandbox_start, tmp_path):
    settings = settings_from_values({"SANDBOX_DATA_DIR": str(tmp_path)})
    conn = open_connection(settings)
    assert conn.sandbox is not None and conn.api_base == "http://127.0.0.1:1"
    assert conn.publishable_key == "pk_test_sandbox"
    assert conn.mode_label == "Offline sandbox"
    assert any(row["setting"] == "Sandbox data dir" for row in conn.facts())


def test_unwritable_data_dir_is_a_clear_error(fake_sandbox_start, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(SandboxUnavailableError, match="SANDBOX_DATA_DIR"):
        get_sandbox(blocker / "sub")
    assert fake_sandbox_start == []


def test_sandbox_start_failure_is_wrapped_and_redacted(monkeypatch, tmp_path):
    import lib.sandbox

    def broken_start(**kwargs):
        raise OSError("disk full while using sk_test_ShouldNotAppearAnywhere_1234")

    monkeypatch.setattr(lib.sandbox, "start_sandbox", broken_start)
    monkeypatch.setattr(gateway, "_sandbox", None)
    with pytest.raises(SandboxUnavailableError) as info:
        get_sandbox(tmp_path)
    assert "failed to start" in str(info.value) and "ShouldNotAppear" not in str(info.value)
    assert gateway._sandbox is None  # a later call may try again


def test_multipart_uploads_are_summarised_not_dumped(fake_api):
    import io

    log = RequestLog()
    client = make_client(custom_settings(fake_api.url), request_log=log)
    client.v1.files.create(params={"purpose": "dispute_evidence",
                                   "file": io.BytesIO(b"%PDF-1.4 secret document body")})
    entry = log.latest()
    assert entry.path == "/v1/files" and entry.request_body.startswith("<multipart upload, ")
    assert "secret document" not in entry.request_body
