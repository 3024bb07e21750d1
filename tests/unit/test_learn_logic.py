"""The Learn page's pure logic: amounts, the test-card picker, the flow diagram, code snippets."""

from __future__ import annotations

import json
import re

import pytest

from lib.learn import amounts, flow, snippets, testcards
from lib.learn.ui_card_form import FORM_DIR, STRIPE_JS, UNAVAILABLE, processor_kind
from lib.shop.payments import create_params
from lib.stripe_facts import cards, currencies
from lib.stripe_facts.currencies import format_amount


@pytest.mark.parametrize(("text", "currency", "minor"), [
    ("25", "usd", 2500), ("25.5", "usd", 2550), (".50", "usd", 50), ("3500", "jpy", 3500),
    ("7.5", "kwd", 7500), ("3500", "isk", 350000), ("999999.99", "usd", 99_999_999), ("  12.00 ", "eur", 1200),
])
def test_valid_amounts(text, currency, minor):
    check = amounts.parse_amount(text, currency)
    assert check.ok and check.amount == minor and check.error is None
    assert currencies.amount_error(minor, currency) is None  # what we accept, the API accepts


@pytest.mark.parametrize(("text", "currency", "needle", "code"), [
    ("", "usd", "Enter an amount", None),
    ("0", "usd", "greater than zero", "parameter_invalid_integer"),
    ("0.00", "usd", "greater than zero", "parameter_invalid_integer"),
    ("-5", "usd", "cannot be negative", "parameter_invalid_integer"),
    ("0.30", "usd", "minimum", "amount_too_small"),
    ("40", "jpy", "¥75", "amount_too_small"),
    ("10.5", "jpy", "no decimal places", None),
    ("35.5", "isk", "no decimal places", None),
    ("1.234", "usd", "at most 2 decimal places", None),
    ("7.505", "kwd", "end in 0", "invalid_charge_amount"),
    ("1000000", "usd", "too many digits", "amount_too_large"),
    ("12345678901234567890123456", "usd", "too many digits", "amount_too_large"),
    ("1,000", "usd", "thousands separators", None),
    ("ten", "usd", "not a number", None),
    ("1e5", "usd", "not a number", None),
])
def test_invalid_amounts_are_explained(text, currency, needle, code):
    check = amounts.parse_amount(text, currency)
    assert not check.ok and check.amount is None
    assert needle in check.error and check.code == code


def test_zero_decimal_currencies_display_correctly():
    assert format_amount(3500, "jpy") == "¥3,500"
    assert format_amount(350000, "isk") == "ISK 3,500"
    assert format_amount(7500, "kwd") == "KWD 7.500"
    assert "no minor unit" in amounts.unit_note("jpy") and "divisible by 100" in amounts.unit_note("isk")
    for c in amounts.CURRENCIES:
        assert amounts.parse_amount(amounts.default_amount_text(c), c).ok, c


def test_refund_amounts():
    assert amounts.parse_refund("", "usd", 2500).amount == 2500
    assert amounts.parse_refund("0.01", "usd", 2500).amount == 1  # no charge minimum for refunds
    assert "at most $25.00" in amounts.parse_refund("30", "usd", 2500).error
    assert "more than zero" in amounts.parse_refund("0", "usd", 2500).error
    assert not amounts.parse_refund("5", "usd", 0).ok


def test_picker_covers_every_scenario_the_walkthrough_promises():
    picker = testcards.picker_cards()
    groups = {p.group for p in picker}
    assert groups == {g for g, _ in testcards.GROUPS}
    declines = {cards.card_by_number(p.number).decline.decline_code or cards.card_by_number(p.number).decline.code
                for p in picker if p.group == "decline"}
    assert {"generic_decline", "insufficient_funds", "lost_card", "stolen_card", "expired_card", "incorrect_cvc",
            "processing_error", "incorrect_number", "card_velocity_exceeded"} <= declines
    for p in picker:
        card = cards.card_by_number(p.number)
        assert card is not None and p.brand == card.brand
        if p.pm_id:
            assert cards.card_by_pm_id(p.pm_id).number == p.number
    assert any(cards.card_by_number(p.number).refund_behaviour == "fail" for p in picker if p.group == "refund")
    assert all(cards.card_by_number(p.number).decline_after_auth for p in picker if p.group == "threeds_decline")


def test_picker_keys_and_texts_hold_no_card_numbers():
    """Keys and labels reach the browser through Streamlit; numbers must not."""
    for p in testcards.picker_cards():
        for text in (p.key, p.label, p.outcome, testcards.option_label(p)):
            assert not re.search(r"\d{6,}", text), text
    assert len({p.key for p in testcards.picker_cards()}) == len(testcards.picker_cards())


def test_catalog_file_next_to_the_card_form_is_current():
    on_disk = json.loads((FORM_DIR / testcards.CATALOG_FILE).read_text())
    assert on_disk == json.loads(testcards.catalog_json())
    amex = next(p for p in testcards.picker_cards() if p.brand == "amex")
    assert on_disk[amex.key]["cvc_length"] == 4


def test_processor_kind():
    assert processor_kind("sandbox", "pk_test_sandbox") == "sandbox"
    assert processor_kind("custom", "pk_test_sandbox") == "sandbox"
    assert processor_kind("test", "pk_test_abc") == STRIPE_JS
    assert processor_kind("test", None) == UNAVAILABLE
    assert processor_kind("live_readonly", "pk_live_x") == UNAVAILABLE


def test_flow_pci_rule_and_svg():
    good = [flow.Message("browser", "processor", "POST /v1/payment_methods", "card"),
            flow.Message("processor", "browser", "200 pm_1", "id"),
            flow.Message("browser", "server", "pm_1", "id"),
            flow.Message("browser", "browser", "browser checks: incorrect_number", "error")]
    assert flow.check_pci(good) == []
    bad = flow.Message("browser", "server", "card number", "card")
    assert flow.check_pci([*good, bad]) == [bad]
    with pytest.raises(ValueError):
        flow.Message("browser", "bank", "x")
    svg = flow.render_svg(good)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    for lane in flow.LANE_LABELS.values():
        assert lane in svg
    assert "PCI boundary" in svg and "POST /v1/payment_methods" in svg
    many = [flow.Message("server", "database", f"row {i}", "db", float(i)) for i in range(40)]
    assert "earlier not shown" in flow.render_svg(many) and "row 39" in flow.render_svg(many)
    assert "<script" not in flow.render_svg([flow.Message("server", "database", "<script>x</script>", "db")])


def test_merge_orders_by_time():
    a = flow.Message("server", "database", "a", "db", 2.0)
    b = flow.Message("processor", "server", "b", "webhook", 1.0)
    assert [m.label for m in flow.merge([a], [b])] == ["b", "a"]


def test_snippets_use_real_values_and_a_masked_key():
    params = create_params("ord_1", 2500, "usd", "pm_123", "http://127.0.0.1:9/return")
    code = snippets.all_languages("POST", "/v1/payment_intents", params, key="sk_test_…abcd",
                                  api_base="http://127.0.0.1:12111", idempotency_key="pfl-ord_1-pay-x", order_id="ord_1")
    for text in code.values():
        assert "pm_123" in text and "2500" in text and "pfl-ord_1-pay-x" in text and "sk_test_…abcd" in text
    assert '"confirm": True' in code["Python"] and "db.create_order" in code["Python"]
    assert "-d \"metadata[order_id]=ord_1\"" in code["curl"] and "-H \"Idempotency-Key: pfl-ord_1-pay-x\"" in code["curl"]
    assert "stripe.paymentIntents.create" in code["Node"] and "idempotencyKey" in code["Node"]
    compile(code["Python"], "<snippet>", "exec")  # valid Python
    confirm = snippets.python("POST", "/v1/payment_intents/pi_1/confirm", {"payment_method": "pm_2"},
                              key="sk_test_…", api_base="https://api.stripe.com", idempotency_key="k")
    assert 'client.v1.payment_intents.confirm(\n    "pi_1"' in confirm and "base_addresses" not in confirm
    assert snippets.form_body({"a": 1, "metadata": {"order_id": "x"}, "flag": True}) == "a=1&metadata[order_id]=x&flag=true"


def test_key_fields_pick_what_matters_and_leave_out_the_rest():
    from lib.learn.key_fields import ERROR_FIELDS, key_fields

    pi = {"id": "pi_1", "object": "payment_intent", "status": "requires_action", "amount": 2500, "currency": "usd",
          "next_action": {"type": "redirect_to_url", "redirect_to_url": {"url": "http://x"}},
          "metadata": {"order_id": "ord_1"}, "automatic_payment_methods": {"enabled": True}, "shipping": None}
    rows = key_fields(pi)
    fields = [r["field"] for r in rows]
    assert fields == ["id", "status", "amount", "currency", "next_action.type", "metadata.order_id",
                      "automatic_payment_methods.enabled"]
    assert rows[4]["value"] == "redirect_to_url" and rows[-1]["value"] == "true"
    declined = {"error": {"type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds",
                          "payment_intent": {"id": "pi_2", "status": "requires_payment_method"}}}
    assert [(r["field"], r["value"]) for r in key_fields(declined, ERROR_FIELDS)] == [
        ("error.type", "card_error"), ("error.code", "card_declined"), ("error.decline_code", "insufficient_funds"),
        ("error.payment_intent.id", "pi_2"), ("error.payment_intent.status", "requires_payment_method")]
