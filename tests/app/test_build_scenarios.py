"""AppTest: the Scenario catalog page on the embedded sandbox."""

from __future__ import annotations

import pytest

from lib.lab import scenarios
from tests.app.conftest import open_page, rendered_text, texts

PAGE = "app_pages/build_scenarios.py"


@pytest.fixture(autouse=True)
def isolated_merchant_db(tmp_path, monkeypatch):
    monkeypatch.setenv("MERCHANT_DB_URL", str(tmp_path / "merchant.sqlite3"))


def test_catalog_lists_the_first_group_with_run_buttons():
    at = open_page(PAGE)
    assert not at.exception
    group = scenarios.in_group(scenarios.GROUPS[0])
    run_buttons = [b for b in at.button if b.key and b.key.startswith("scen_run_") and b.key != "scen_run_all_button"]
    assert [b.key for b in run_buttons] == [f"scen_run_{s.id}" for s in group]
    text = rendered_text(at)
    assert "pm_card_visa" in text and "Run all" in text


def test_run_one_decline_shows_actual_beside_expected():
    at = open_page(PAGE)
    at.text_input(key="scen_search").set_value("insufficient").run()
    at.button(key="scen_run_decline-insufficient-funds").click().run()
    assert not at.exception
    assert "✓ pass" in rendered_text(at)
    checks = at.table[-1].value
    row = checks[checks["fact"] == "decline_code"].iloc[0]
    assert row["expected (Stripe docs)"] == row["actual"] == "insufficient_funds" and row.name == "✓"
    text = rendered_text(at)
    assert "charge.failed" in text and "payment_intent.payment_failed" in text
    requests = next(d.value for d in at.dataframe if d.key and d.key.startswith("scen_out_decline-insufficient-funds"))
    assert ("POST", "/v1/payment_intents") in set(zip(requests["method"], requests["path"]))  # the request slice
    assert ["402"] in [list(s) for s in requests["status"]]  # the decline, as an HTTP status badge


def test_3ds_run_pauses_for_the_customer_then_answers():
    at = open_page(PAGE)
    at.text_input(key="scen_search").set_value("3DS2 required: customer completes").run()
    at.button(key="scen_run_3ds2-required-complete").click().run()
    assert not at.exception
    assert "Waiting for the customer" in " ".join(texts(at.info))
    assert "/_sandbox/3ds/" in rendered_text(at)  # the challenge page iframe
    at.button(key="scen_pause_3ds2-required-complete_cont").click().run()
    assert "still requires_action" in " ".join(texts(at.warning))
    at.button(key="scen_pause_3ds2-required-complete_auto_ok").click().run()
    assert not at.exception
    checks = at.table[-1].value
    assert set(checks.index) == {"✓"}


def test_run_all_on_the_sandbox_has_zero_mismatches():
    at = open_page(PAGE)
    at.button(key="scen_run_all_button").click().run(timeout=180)
    assert not at.exception
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Scenarios"] == "229"
    assert metrics["Mismatch"] == "0" and metrics["Errors"] == "0"
    assert metrics["Pass"] == metrics["Scenarios"]
    assert any("Zero mismatches" in s for s in texts(at.success))
    assert "scenarios/s" in " ".join(texts(at.caption))
    # Every result is listed, 25 a page, the verdict as a badge.
    table = at.dataframe[0].value
    assert len(table) == 25 and {tuple(r) for r in table["result"]} == {("Pass",)}
    assert "1–25 of 229 · page 1 of 10" in texts(at.caption)
    at.button(key="scen_results_all_page_next").click().run()
    assert "26–50 of 229 · page 2 of 10" in texts(at.caption)
    assert list(at.dataframe[0].value["scenario"]) != list(table["scenario"])


def test_search_spans_groups():
    at = open_page(PAGE)
    at.text_input(key="scen_search").set_value("winning_evidence").run()
    keys = {b.key for b in at.button if b.key and b.key.startswith("scen_run_")} - {"scen_run_all_button"}
    assert keys == {"scen_run_dispute-won", "scen_run_dispute-inquiry-won"}


def test_search_finds_a_card_by_its_number():
    """Learn offers 4000 0027 6000 3184 (TEST_MODE.md: Always authenticate, pm_card_authenticationRequired)."""
    at = open_page(PAGE)
    for query in ("3184", "4000 0027 6000 3184"):
        at.text_input(key="scen_search").set_value(query).run()
        keys = {b.key for b in at.button if b.key and b.key.startswith("scen_run_")} - {"scen_run_all_button"}
        assert keys == {"scen_run_3ds-always-authenticate", "scen_run_3ds-off-session-required",
                        "scen_run_3ds-error-on-requires-action", "scen_run_legacy-charge-3ds-card",
                        "scen_run_off-session-authentication-required"}, query
        assert f"5 scenario(s) match “{query}” in all groups." in texts(at.caption)
