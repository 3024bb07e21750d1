"""The Connection page in each mode, and with bad input (readable errors, never a traceback or hang)."""

from __future__ import annotations

import time

import pytest

from lib.gateway import API_VERSION
from tests.app.conftest import open_page, texts

CONNECTION = "app_pages/connection.py"
TEST_KEY = "sk_test_ConnectionPageKey_0123456789abcd"
LIVE_KEY = "sk_live_ConnectionPageKey_0123456789live"


def facts(at) -> dict[str, str]:
    frame = at.dataframe[0].value
    return dict(zip(frame["setting"], frame["value"]))


def sidebar_text(at) -> str:
    return " ".join(str(node.value) for node in at.sidebar.children.values() if hasattr(node, "value"))


def test_sandbox_mode_shows_badge_facts_health_and_counts():
    at = open_page(CONNECTION)
    assert not at.exception
    assert any("Offline sandbox" in text for text in texts(at.markdown))
    shown = facts(at)
    assert shown["Mode"] == "Offline sandbox"
    assert shown["API version"] == API_VERSION
    assert shown["API base"].startswith("http://127.0.0.1:")
    assert shown["Secret key"].startswith("sk_test_…")
    assert shown["Publishable key"] == "pk_test_…"
    assert shown["Writes"] == "allowed"
    # The secret the shop verifies with (the sandbox's, from registering the endpoint), as on Events.
    from lib import shop, ui
    status = shop.ensure_webhooks(ui.get_connection())
    assert shown["Webhook signing secret"].startswith(status.masked_secret) and status.masked_secret.startswith("whsec_")
    assert f"registered with the processor as {status.endpoint_id}" in shown["Webhook signing secret"]
    assert "API reachable" in texts(at.success)[0]
    metrics = {metric.label: metric.value for metric in at.metric}
    assert metrics["Status"] == "Up" and int(metrics["Port"]) > 0
    assert int(metrics["Objects stored"]) >= 0
    assert any("stripe listen --forward-to localhost:8502/webhooks/stripe" in code for code in texts(at.code))
    assert any("STRIPE_SECRET_KEY" in code for code in texts(at.code))


def test_check_again_button_reruns_health():
    at = open_page(CONNECTION)
    at.button(key="connection_recheck").click().run()
    assert not at.exception
    assert "API reachable" in texts(at.success)[0]


def test_custom_mode_against_a_sandbox(monkeypatch, sandbox):
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)
    at = open_page(CONNECTION)
    assert not at.exception
    shown = facts(at)
    assert shown["Mode"] == "Custom API" and shown["API base"] == sandbox.url
    assert "API reachable" in texts(at.success)[0]
    assert "Custom API" in sidebar_text(at)
    assert not at.metric  # no embedded-sandbox panel in custom mode


def test_malformed_key_is_a_clear_error_on_page_and_sidebar(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_tset_typo0123456789")
    at = open_page(CONNECTION)
    assert not at.exception
    assert "STRIPE_SECRET_KEY is malformed" in texts(at.error)[0]
    assert "Not connected" in sidebar_text(at) and "malformed" in sidebar_text(at)
    assert any("How to connect" in text for text in texts(at.subheader))


def test_live_key_without_readonly_flag_is_refused(monkeypatch):
    monkeypatch.setenv("STRIPE_SECRET_KEY", LIVE_KEY)
    at = open_page(CONNECTION)
    assert not at.exception
    message = texts(at.error)[0]
    assert "refuses live keys" in message and "STRIPE_LIVE_READONLY=1" in message
    assert "Not connected" in sidebar_text(at)


def test_live_readonly_mode_is_labelled_and_blocks_writes(monkeypatch, sandbox):
    monkeypatch.setenv("STRIPE_SECRET_KEY", LIVE_KEY)
    monkeypatch.setenv("STRIPE_LIVE_READONLY", "1")
    monkeypatch.setenv("STRIPE_API_BASE", sandbox.url)  # never talk to the real API from tests
    at = open_page(CONNECTION)
    assert not at.exception
    assert facts(at)["Writes"] == "blocked (read-only)"
    assert "Live (read-only)" in sidebar_text(at)


def test_unreachable_api_base_is_reported_quickly(monkeypatch, closed_port_url):
    monkeypatch.setenv("STRIPE_API_BASE", closed_port_url)
    monkeypatch.setenv("STRIPE_SECRET_KEY", TEST_KEY)
    start = time.perf_counter()
    at = open_page(CONNECTION)
    assert time.perf_counter() - start < 15
    assert not at.exception
    message = texts(at.error)[0]
    assert "API unreachable" in message and "connection refused" in message
    assert "API unreachable" in sidebar_text(at)


@pytest.mark.parametrize("page", ["app_pages/build_explorer.py", "app_pages/finance_dashboard.py"])
def test_other_pages_still_render_when_misconfigured(monkeypatch, page):
    monkeypatch.setenv("STRIPE_API_BASE", "not a url")
    at = open_page(page)
    assert not at.exception
    assert "Not connected" in sidebar_text(at)


def test_warnings_are_shown(monkeypatch):
    monkeypatch.setenv("STRIPE_PUBLISHABLE_KEY", "pk_test_IgnoredInSandboxMode_12345678")
    at = open_page(CONNECTION)
    assert any("is ignored" in text for text in texts(at.warning))
