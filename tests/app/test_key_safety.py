"""Canary keys must never appear in anything the app renders, logs or records.

Each scenario configures canary keys, renders every page through AppTest and makes real requests,
then searches all rendered elements (main and sidebar), every captured log record, stdout/stderr and
the request log for the canaries — in full and for their hidden middle part.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets

import pytest
import stripe

from lib.config import load_settings
from lib.gateway import open_connection
from lib.redaction import install_log_redaction
from lib.request_log import REQUEST_LOG
from tests.app.conftest import PAGES, open_page, rendered_text


def canary(prefix: str) -> str:
    return f"{prefix}CANARY{secrets.token_hex(16)}"


SK_TEST = canary("sk_test_")
SK_LIVE = canary("sk_live_")
PK_TEST = canary("pk_test_")
WHSEC = canary("whsec_")
ALL_CANARIES = (SK_TEST, SK_LIVE, PK_TEST, WHSEC)


def leaks(text: str) -> list[str]:
    """Canaries (or their hidden middles) found in ``text``."""
    found = []
    for value in ALL_CANARIES:
        hidden_middle = value[value.index("CANARY"):-4]
        if value in text or hidden_middle in text:
            found.append(value[:14] + "…")
    return found


@pytest.fixture
def capture_everything(caplog):
    """Capture every log record at DEBUG, including the stripe SDK's request/response bodies.

    (stripe.log / STRIPE_LOG=debug would additionally *print* those bodies straight to stderr,
    bypassing logging filters; the app never enables that.)"""
    install_log_redaction()
    caplog.set_level(logging.DEBUG)
    return caplog


def render_all_pages() -> str:
    rendered = []
    for page_path, _ in PAGES:
        at = open_page(page_path)
        assert not at.exception, (page_path, [e.value for e in at.exception])
        rendered.append(rendered_text(at))
        for frame in at.dataframe:
            rendered.append(frame.value.to_string())
    return "\n".join(rendered)


def exercise_client() -> None:
    """Make real requests (success and failure) so the request log and SDK logs have content."""
    try:
        conn = open_connection(load_settings())
    except Exception:
        return  # bad-config scenarios: nothing to call
    conn.health()
    calls = (
        lambda: conn.client.v1.customers.create(params={"email": "canary@example.com",
                                                        "metadata": {"note": SK_TEST}}),
        lambda: conn.client.v1.payment_intents.create(params={"amount": 1000, "currency": "usd"}),
        lambda: conn.client.v1.payment_intents.retrieve("pi_does_not_exist"),
    )
    for call in calls:
        try:
            call()
        except (stripe.StripeError, RuntimeError):
            pass


def scenario_env(name: str, sandbox_url: str, closed_url: str) -> dict[str, str]:
    return {
        "custom_with_all_keys": {"STRIPE_API_BASE": sandbox_url, "STRIPE_SECRET_KEY": SK_TEST,
                                 "STRIPE_PUBLISHABLE_KEY": PK_TEST, "STRIPE_WEBHOOK_SECRET": WHSEC},
        "unreachable_api": {"STRIPE_API_BASE": closed_url, "STRIPE_SECRET_KEY": SK_TEST},
        "live_key_refused": {"STRIPE_SECRET_KEY": SK_LIVE, "STRIPE_PUBLISHABLE_KEY": PK_TEST},
        "live_readonly": {"STRIPE_SECRET_KEY": SK_LIVE, "STRIPE_LIVE_READONLY": "1",
                          "STRIPE_API_BASE": sandbox_url},
        "quoted_key": {"STRIPE_SECRET_KEY": f'"{SK_TEST}"'},
        "key_with_space": {"STRIPE_SECRET_KEY": SK_TEST[:20] + " " + SK_TEST[20:]},
        "secret_key_in_publishable_slot": {"STRIPE_SECRET_KEY": SK_TEST, "STRIPE_PUBLISHABLE_KEY": SK_TEST},
        "publishable_key_in_secret_slot": {"STRIPE_SECRET_KEY": PK_TEST},
        "webhook_secret_in_secret_slot": {"STRIPE_SECRET_KEY": WHSEC},
        "malformed_webhook_secret": {"STRIPE_API_BASE": sandbox_url, "STRIPE_WEBHOOK_SECRET": WHSEC + "!"},
    }[name]


SCENARIOS = ["custom_with_all_keys", "unreachable_api", "live_key_refused", "live_readonly", "quoted_key",
             "key_with_space", "secret_key_in_publishable_slot", "publishable_key_in_secret_slot",
             "webhook_secret_in_secret_slot", "malformed_webhook_secret"]


@pytest.mark.parametrize("scenario", SCENARIOS)
def test_canary_keys_never_rendered_logged_or_recorded(scenario, monkeypatch, sandbox, closed_port_url,
                                                       capture_everything, capfd):
    for name, value in scenario_env(scenario, sandbox.url, closed_port_url).items():
        monkeypatch.setenv(name, value)
    REQUEST_LOG.clear()

    rendered = render_all_pages()
    exercise_client()

    assert leaks(rendered) == [], f"rendered elements leak a key in {scenario}"
    log_text = "\n".join(f"{r.name} {r.getMessage()} {r.exc_text or ''}" for r in capture_everything.records)
    assert leaks(log_text) == [], f"log records leak a key in {scenario}"
    out, err = capfd.readouterr()
    assert leaks(out + err) == [], f"stdout/stderr leak a key in {scenario}"
    recorded = "\n".join(str(dataclasses.asdict(entry)) for entry in REQUEST_LOG.entries())
    assert leaks(recorded) == [], f"request log leaks a key in {scenario}"
    assert "Bearer" not in recorded


def test_canary_in_secrets_toml_is_not_rendered(monkeypatch, tmp_path, sandbox, capture_everything):
    secrets_file = tmp_path / "secrets.toml"
    secrets_file.write_text(f'STRIPE_SECRET_KEY = "{SK_TEST}"\nSTRIPE_API_BASE = "{sandbox.url}"\n'
                            f'STRIPE_WEBHOOK_SECRET = "{WHSEC}"\n')
    monkeypatch.setenv("PFL_SECRETS_FILE", str(secrets_file))
    rendered = render_all_pages()
    assert "Custom API" in rendered  # the file was really used
    assert leaks(rendered) == []
    assert leaks(capture_everything.text) == []


def test_the_canary_search_itself_works():
    """Guard against a vacuous test: the helpers must find a canary when one is present."""
    assert leaks(f"x {SK_TEST} y") and leaks(f"Bearer {WHSEC}")
    assert leaks(SK_LIVE[SK_LIVE.index("CANARY"):])
    assert leaks("sk_test_…" + SK_TEST[-4:]) == []
