"""AppTest: the Events & webhooks page — feed, the app's endpoint and deliveries, resend, signature demo."""

from __future__ import annotations

import time

import pytest

from lib import ui
from tests.app.conftest import open_page, rendered_text, texts
from tests.contract.money_helpers import CONFIRM

PAGE = "app_pages/build_events.py"


@pytest.fixture(autouse=True)
def isolated_merchant_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MERCHANT_DB_URL", str(tmp_path / "merchant.sqlite3"))


def pay() -> str:
    pi = ui.get_connection().client.v1.payment_intents.create(params={
        "amount": 1500, "currency": "usd", **CONFIRM, "payment_method": "pm_card_visa"})
    return pi.id


def words(column) -> set[str]:
    """A badge column's words (each cell is a one-item list)."""
    return {w for cell in column for w in cell}


def wait_for(at, predicate, timeout=15):
    deadline = time.time() + timeout
    while time.time() < deadline:
        at.run()
        if predicate(at):
            return at
        time.sleep(0.3)
    raise AssertionError("timed out")


def receiver_table(at) -> str:
    """The endpoint's log: the Markdown table whose header starts "| At | Type | HTTP | Verdict"."""
    return next(m for m in texts(at.markdown) if m.startswith("| At | Type | HTTP | Verdict"))


def test_feed_endpoint_and_verified_deliveries():
    at = open_page(PAGE)  # registers the app's endpoint with the sandbox
    assert not at.exception
    pi_id = pay()
    at = wait_for(at, lambda a: int({m.label: m.value for m in a.metric}.get("Verified", 0)) >= 3)
    endpoint = next(m for m in texts(at.markdown) if m.startswith("**Endpoint URL:**"))
    assert "/webhooks/stripe" in endpoint and "yes, as `we_" in endpoint and "`whsec_…" in endpoint
    feed = at.dataframe[0].value
    assert pi_id in set(feed["object id"])
    assert "payment_intent.succeeded" in set(feed["type"])
    feed = feed[feed["object id"] == pi_id]
    mine = {t: list(v) for t, v in zip(feed["type"], feed["status"]) if t.startswith("payment_intent.")}
    # The object's status when the event happened, in the Dashboard's words.
    assert mine["payment_intent.succeeded"] == ["Succeeded"]
    assert mine["payment_intent.created"] == ["Requires confirmation"]
    deliveries = at.dataframe[1].value
    assert words(deliveries["verdict"]) == {"Verified"} and words(deliveries["http"]) == {"200"}
    assert "#1f7a3a" in str(at.dataframe[1].proto.columns)  # 2xx and verified: green (lib.ui.BADGE_HEX)
    assert "payment_intent.succeeded" in set(deliveries["type"])
    receiver = receiver_table(at)
    assert "-badge[Verified]" in receiver  # the endpoint's own log, a wrapping Markdown table
    assert "sandbox-only" in rendered_text(at)


def test_object_filter_and_type_wildcard():
    pi_id = pay()
    at = open_page(PAGE)
    at.toggle(key="events_live").set_value(False)
    at.text_input(key="events_object").set_value(pi_id).run()
    types = list(at.dataframe[0].value["type"])
    assert types == ["payment_intent.succeeded", "charge.succeeded", "payment_intent.created"]  # its charge too
    at.text_input(key="events_type").set_value("*.created").run()
    assert list(at.dataframe[0].value["type"]) == ["payment_intent.created"]


def test_signature_demo_and_step_by_step():
    pay()
    at = open_page(PAGE)
    at.toggle(key="events_live").set_value(False).run()
    at.button(key="events_demo").click().run()
    assert not at.exception
    successes, errors = " ".join(texts(at.success)), " ".join(texts(at.error))
    assert "verified: construct_event returned" in successes
    assert "No signatures found matching the expected signature" in errors
    assert "Timestamp outside the tolerance zone" in errors
    text = rendered_text(at)
    assert "signed_payload" in text and "HMAC-SHA256" in text and "Stripe-Signature: t=" in text
    at.run()  # the endpoint's own log (rendered above the demo) now shows the rejected demo deliveries
    rows = receiver_table(at).split("\n")[2:]
    assert sum("-badge[Rejected]" in r for r in rows) == 2
    assert sum("-badge[400]" in r for r in rows) == 2
    assert any("timestamp too old" in r for r in rows)


def test_resend_queues_a_delivery():
    pay()
    at = open_page(PAGE)
    at.toggle(key="events_live").set_value(False).run()
    at.button(key="events_resend").click().run()
    assert not at.exception
    assert "Queued 1 delivery attempt" in " ".join(texts(at.success))
    wait_for(at, lambda a: "resend" in set(a.dataframe[1].value["attempt"]))
