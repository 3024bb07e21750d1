"""Scenarios about what a card does on its own: successes by brand and country, declines, Radar,
balance and pricing cards. Most rows are derived from the test-card table (``lib.stripe_facts.cards``);
the hand-written ones restate TEST_MODE.md §1.5–1.7 and §1.10."""

from __future__ import annotations

from typing import Any

from lib.stripe_facts.cards import all_cards

from .model import (
    DECLINED,
    SUCCEEDED,
    Scenario,
    Step,
    pay,
    raw_pm,
    step,
)


def declines() -> list[Scenario]:
    g = "Declines"
    rows = []
    for card in all_cards():
        if card.category != "decline" or not card.primary_pm_id or card.fail_on_charge_after_attach:
            continue
        d = card.decline
        rows.append(Scenario(
            f"decline-{d.decline_code or d.code}".replace("_", "-"), g, card.label, card.primary_pm_id,
            f"402 card_error: code {d.code}, decline_code {d.decline_code}. The PaymentIntent goes back to "
            "requires_payment_method with last_payment_error set; a failed Charge is kept.",
            (pay(card.primary_pm_id),),
            {"status": "requires_payment_method", "code": d.code, "decline_code": d.decline_code,
             "error_type": "card_error", "http_status": 402, "charge.status": "failed", "events": DECLINED},
            source="1.5", note="Docs list decline_code n/a for this card; live probes return the code's value."
            if d.code != "card_declined" else ""))
    rows += [
        Scenario("decline-fraudulent", g, "Declined: fraudulent", "pm_card_chargeDeclinedFraudulent",
                 "The same card as pm_card_radarBlock (4100000000000019): 402 card_declined; live probes return "
                 "decline_code fraudulent. Show the customer a generic decline message.",
                 (pay("pm_card_chargeDeclinedFraudulent"),),
                 {"status": "requires_payment_method", "code": "card_declined", "decline_code": "fraudulent",
                  "events": DECLINED}, source="1.5"),
        Scenario("decline-then-good-card", g, "Decline, then pay the same PaymentIntent with a good card",
                 "pm_card_visa_chargeDeclined → pm_card_visa",
                 "The first attempt is declined (failed Charge kept, PI back to requires_payment_method); "
                 "confirming the same PaymentIntent with a good card then succeeds.",
                 (pay("pm_card_visa_chargeDeclined", may_fail=True), step("confirm", pm="pm_card_visa")),
                 {"status": "succeeded", "code": "card_declined",
                  "events": (*DECLINED, "charge.succeeded", "payment_intent.succeeded")}, source="1.5"),
        Scenario("decline-after-attach", g, "Decline after attaching", "pm_card_chargeCustomerFail",
                 "Attaching the card to a Customer works; every charge on it is then declined (card_declined).",
                 (step("customer", attach="pm_card_chargeCustomerFail"), pay("@pm", customer=True)),
                 {"status": "requires_payment_method", "code": "card_declined", "events": DECLINED},
                 source="1.5"),
        Scenario("decline-cannot-attach", g, "Decline cards cannot be attached", "pm_card_chargeDeclined",
                 "Attaching a decline card to a Customer fails with a card_error (card_declined).",
                 (step("customer", attach="pm_card_chargeDeclined"),),
                 {"code": "card_declined", "error_type": "card_error"}, source="1.1"),
        Scenario("invalid-expiry-month", g, "Invalid data: expiry month 13", "4242424242424242, 13/2030",
                 "Creating the PaymentMethod fails with invalid_expiry_month.",
                 (raw_pm("4242424242424242", exp_month=13),), {"code": "invalid_expiry_month"}, source="1.7"),
        Scenario("invalid-expiry-year", g, "Invalid data: expiry year in the past", "4242424242424242, 12/2019",
                 "Creating the PaymentMethod fails with invalid_expiry_year.",
                 (raw_pm("4242424242424242", exp_year=2019),), {"code": "invalid_expiry_year"}, source="1.7"),
        Scenario("invalid-cvc", g, "Invalid data: 2-digit CVC", "4242424242424242, CVC 99",
                 "Creating the PaymentMethod fails with invalid_cvc.",
                 (raw_pm("4242424242424242", cvc="99"),), {"code": "invalid_cvc"}, source="1.7"),
        Scenario("invalid-number", g, "Invalid data: number fails the Luhn check", "4242424242424241",
                 "Creating the PaymentMethod fails with incorrect_number.",
                 (raw_pm("4242424242424241"),), {"code": "incorrect_number"}, source="1.5, 1.7"),
    ]
    return rows




# --- rows derived from the test-card table --------------------------------------------------------
def _card_id(card) -> str:
    return card.primary_pm_id or card.number


def _pay_with(card, **kw: Any) -> tuple[Step, ...]:
    if card.primary_pm_id:
        return (pay(card.primary_pm_id, **kw),)
    return (raw_pm(card.number), pay("@pm", **kw))


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-").replace("--", "-")


def successes(category: str, group: str, prefix: str) -> list[Scenario]:
    """One succeeding payment per card of ``category`` in the table (brand, cobranded, country)."""
    rows = []
    seen: set[str] = set()
    for card in all_cards():
        if card.category != category or not card.number_primary:
            continue
        sid = f"{prefix}-{_slug(card.primary_pm_id.removeprefix('pm_card_') if card.primary_pm_id else card.number)}"
        if sid in seen:
            continue
        seen.add(sid)
        where = {"US": "the United States"}.get(card.country, card.country)
        documented = (f"{card.description or 'The payment succeeds.'} Brand {card.brand}, {card.funding}, "
                      f"issued in {where}.")
        rows.append(Scenario(
            id=sid, group=group, title=card.label, card=_card_id(card), documented=documented,
            steps=_pay_with(card), source=card.section,
            expected={"status": "succeeded", "card.brand": card.brand, "card.country": card.country,
                      "card.funding": card.funding, "events": SUCCEEDED},
            note="" if card.primary_pm_id else "No pm_card_ id exists: the number goes through POST "
            "/v1/payment_methods with the publishable key, as Stripe.js sends it."))
    return rows


_RADAR_ROWS: dict[str, tuple[dict[str, Any], str, bool]] = {
    # pm id -> (expected, documented, account_dependent)
    "pm_card_riskLevelElevated": ({"status": "succeeded", "charge.outcome.risk_level": "elevated",
                                   "events": SUCCEEDED},
                                  "Risk level elevated; the payment succeeds (with Radar for Fraud Teams it may "
                                  "go to manual review instead).", True),
    "pm_card_cvcCheckFail": ({"status": ("succeeded", "requires_payment_method"), "card.cvc_check": ("fail", None)},
                             "The CVC check fails (the pm_card_ id carries a CVC). Succeeds unless your Radar "
                             "rules block failed CVC checks, which then decline with incorrect_cvc.", True),
    "pm_card_avsZipFail": ({"status": ("succeeded", "requires_payment_method")},
                           "The postal-code check fails if a ZIP is sent; succeeds unless your rules block it.",
                           True),
    "pm_card_avsLine1Fail": ({"status": "succeeded", "events": SUCCEEDED},
                             "address_line1_check fails if line 1 is sent; succeeds unless a custom rule blocks "
                             "it.", True),
    "pm_card_avsFail": ({"status": ("succeeded", "requires_payment_method")},
                        "ZIP and line-1 checks both fail when sent; may be blocked by your settings.", True),
    "pm_card_avsUnchecked": ({"status": "succeeded", "events": SUCCEEDED},
                             "Both address checks come back unavailable; the payment succeeds.", False),
}


def radar() -> list[Scenario]:
    rows = [
        Scenario("radar-always-blocked", "Radar", "Radar: always blocked", "pm_card_radarBlock",
                 "Radar blocks it whatever the rules: 402 card_declined, decline_code fraudulent, outcome "
                 "type blocked (not sent to the network).",
                 (pay("pm_card_radarBlock"),),
                 {"status": "requires_payment_method", "code": "card_declined", "decline_code": "fraudulent",
                  "charge.outcome.type": "blocked", "charge.outcome.network_status": "not_sent_to_network",
                  "events": DECLINED}, source="1.6"),
        Scenario("radar-highest-risk", "Radar", "Radar: highest risk", "pm_card_riskLevelHighest",
                 "Risk level highest: blocked under Radar's default rules (card_declined, outcome blocked).",
                 (pay("pm_card_riskLevelHighest"),),
                 {"status": "requires_payment_method", "code": "card_declined", "charge.outcome.type": "blocked",
                  "events": DECLINED}, source="1.6", account_dependent=True),
    ]
    for card in all_cards():
        if card.category != "radar" or not card.number_primary:
            continue
        pm = card.primary_pm_id
        if pm in ("pm_card_chargeDeclinedFraudulent", "pm_card_riskLevelHighest"):
            continue
        if pm in _RADAR_ROWS:
            expected, documented, dependent = _RADAR_ROWS[pm]
        else:
            expected = {"status": "succeeded", "events": SUCCEEDED}
            documented = (f"{card.description or card.label}. Through the API the payment succeeds unless a Radar "
                          "feature on your account acts on it.")
            dependent = True
        rows.append(Scenario(f"radar-{_slug(pm.removeprefix('pm_card_') if pm else card.number)}", "Radar",
                             card.label, _card_id(card), documented, _pay_with(card), expected, source=card.section,
                             account_dependent=dependent))
    return rows


def balance() -> list[Scenario]:
    rows = []
    for card in all_cards():
        if card.category != "balance" or not card.number_primary:
            continue
        expected: dict[str, Any] = {"status": "succeeded", "events": SUCCEEDED}
        steps = _pay_with(card)
        documented = card.description or "The payment succeeds."
        if card.bypass_pending:
            expected["balance_transaction.status"] = "available"
            steps = (*steps, step("wait_balance_transaction"))
        rows.append(Scenario(f"balance-{_slug(card.primary_pm_id.removeprefix('pm_card_'))}", "Balance & pricing",
                             card.label, _card_id(card), documented, steps, expected, source=card.section))
    return rows
