"""The scenario catalog: every test-mode behaviour in TEST_MODE.md as data.

A :class:`Scenario` names the card (``pm_card_*``, ``tok_*`` or a raw number), says in plain words
what Stripe documents will happen, lists the API steps that perform it, and gives the expected
facts. :mod:`lib.lab.runner` performs the steps against any Stripe-compatible API (Stripe test
mode or the offline sandbox) and compares the facts it observes with ``expected``.

``expected`` keys are fact names (see :data:`FACTS`). A key that is absent is not checked; a value
of ``None`` means "must be null"; a tuple means "any of these". ``events`` lists event types that
must all be among the events emitted for the scenario's objects (a multiset: listing a type twice
needs two events); ``events_exact`` makes the check exact for the event types it names.

Rows derived from the test-card table (brands, countries, Radar, balance cards …) are built here;
the hand-written rows (declines, 3-D Secure, capture, cancel, refunds, disputes, idempotency, legacy
Charges, API errors) live in :mod:`lib.lab.scenario_data`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from lib.stripe_facts.cards import all_cards

GROUPS: tuple[str, ...] = (
    "Success by brand", "Success by country", "Declines", "Radar", "3-D Secure", "Manual & partial capture",
    "Cancel", "Refunds", "Disputes", "Idempotency", "Legacy Charges", "Balance & pricing", "API errors",
)

# Fact name -> what it is. The runner fills these in; expectations may use any of them.
FACTS: dict[str, str] = {
    "status": "PaymentIntent status (a legacy Charge's status when the scenario has no PaymentIntent)",
    "code": "error code of the last failure (API error, or the PaymentIntent's last_payment_error)",
    "decline_code": "decline code of the last failure",
    "error_type": "error type of the last API error (card_error, invalid_request_error, idempotency_error)",
    "http_status": "HTTP status of the last API error",
    "next_action": "next_action.type when the PaymentIntent asked for customer action",
    "amount_received": "PaymentIntent amount_received",
    "amount_capturable": "PaymentIntent amount_capturable",
    "cancellation_reason": "PaymentIntent cancellation_reason",
    "charge.status": "latest Charge status", "charge.captured": "latest Charge captured",
    "charge.amount_captured": "latest Charge amount_captured",
    "charge.amount_refunded": "latest Charge amount_refunded", "charge.refunded": "latest Charge refunded",
    "charge.disputed": "latest Charge disputed", "charge.outcome.type": "Charge outcome.type",
    "charge.outcome.risk_level": "Charge outcome.risk_level",
    "charge.outcome.network_status": "Charge outcome.network_status",
    "card.brand": "payment_method_details.card.brand", "card.country": "payment_method_details.card.country",
    "card.funding": "payment_method_details.card.funding",
    "card.three_d_secure": "payment_method_details.card.three_d_secure.result",
    "card.cvc_check": "card checks.cvc_check", "card.address_postal_code_check": "checks.address_postal_code_check",
    "card.address_line1_check": "checks.address_line1_check",
    "balance_transaction.status": "the Charge's balance transaction status (pending / available)",
    "refund.status": "last Refund status", "refund.initial_status": "last Refund status when created",
    "refund.failure_reason": "last Refund failure_reason", "refund.reason": "last Refund reason",
    "refund.count": "number of Refunds on the Charge",
    "dispute.status": "Dispute status", "dispute.reason": "Dispute reason",
    "dispute.case_type": "Dispute payment_method_details.card.case_type", "dispute.count": "Disputes on the Charge",
    "early_fraud_warning": "an early fraud warning exists for the Charge",
    "replayed": "the last response carried Idempotent-Replayed: true",
    "same_object": "the replayed response returned the same object id as the original",
}

# Event sequences (TEST_MODE.md §2.5).
CREATED = ("payment_intent.created",)
SUCCEEDED = (*CREATED, "charge.succeeded", "payment_intent.succeeded")
DECLINED = (*CREATED, "charge.failed", "payment_intent.payment_failed")
AUTHORIZED = (*CREATED, "charge.succeeded", "payment_intent.amount_capturable_updated")
NEEDS_ACTION = (*CREATED, "payment_intent.requires_action")
AUTH_OK = (*NEEDS_ACTION, "charge.succeeded", "payment_intent.succeeded")
AUTH_FAILED = (*NEEDS_ACTION, "payment_intent.payment_failed")
CAPTURED = ("charge.captured", "payment_intent.succeeded")
REFUNDED = ("refund.created", "charge.refunded")
DISPUTE_OPENED = ("charge.dispute.created", "charge.dispute.funds_withdrawn")

DEFAULT_AMOUNT = 2000
DEFAULT_CURRENCY = "usd"
# Stands for "a return_url": the runner sends Env.return_url (the app's own return page when it runs).
RETURN_URL = "http://localhost:8501/return"


@dataclass(frozen=True)
class Step:
    """One API step. ``op`` names a runner operation; ``may_fail`` lets the scenario go on after an
    API error (the error is still recorded as a fact)."""

    op: str
    args: dict[str, Any] = field(default_factory=dict)
    may_fail: bool = False

    def describe(self) -> str:
        shown = ", ".join(f"{k}={v}" for k, v in self.args.items() if v not in (None, False))
        return f"{self.op}({shown})"


@dataclass(frozen=True)
class Scenario:
    id: str
    group: str
    title: str
    card: str                     # the pm_card_* / tok_* id or raw number the scenario uses
    documented: str               # what Stripe documents will happen
    steps: tuple[Step, ...]
    expected: dict[str, Any]
    source: str = ""              # TEST_MODE.md section
    events_exact: bool = False
    account_dependent: bool = False   # real accounts may differ (Radar rules, Radar for Fraud Teams…)
    note: str = ""                # sandbox-only bits, inferences, caveats

    @property
    def needs_person(self) -> bool:
        """A 3-D Secure challenge must be answered (automatic only on the sandbox's challenge page)."""
        return any(step.op == "authenticate" for step in self.steps)

    @property
    def needs_publishable_key(self) -> bool:
        """Raw card numbers go through POST /v1/payment_methods with the publishable key, as Stripe.js does."""
        return any(step.op == "raw_pm" for step in self.steps)

    @property
    def async_wait(self) -> bool:
        return any(step.op.startswith("wait_") for step in self.steps)

    def expected_text(self) -> str:
        parts = []
        for key, value in self.expected.items():
            if key == "events":
                continue
            shown = " | ".join(map(str, value)) if isinstance(value, tuple) else str(value)
            parts.append(f"{key}={shown}")
        return ", ".join(parts)


# --- step constructors (short, so the data reads like a script) ----------------------------------
def step(op: str, may_fail: bool = False, **args: Any) -> Step:
    return Step(op, {k: v for k, v in args.items() if v is not None}, may_fail)


def pay(pm: str, may_fail: bool = False, **kw: Any) -> Step:
    """Create and confirm a PaymentIntent (``confirm=true``)."""
    return step("pay", may_fail, pm=pm, **kw)


def authenticate(result: str = "complete") -> Step:
    return step("authenticate", result=result)


def raw_pm(number: str, **card: Any) -> Step:
    return step("raw_pm", number=number, **card)


# --- rows derived from the test-card table --------------------------------------------------------
def _card_id(card) -> str:
    return card.primary_pm_id or card.number


def _pay_with(card, **kw: Any) -> tuple[Step, ...]:
    if card.primary_pm_id:
        return (pay(card.primary_pm_id, **kw),)
    return (raw_pm(card.number), pay("@pm", **kw))


def _slug(text: str) -> str:
    return "".join(ch if ch.isalnum() else "-" for ch in text.lower()).strip("-").replace("--", "-")


def _success_rows(category: str, group: str, prefix: str) -> list[Scenario]:
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


def _radar_rows() -> list[Scenario]:
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


def _balance_rows() -> list[Scenario]:
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


def _mobile_3ds_rows() -> list[Scenario]:
    rows = []
    for card in all_cards():
        if card.category != "threeds" or card.primary_pm_id or card.three_ds != "required":
            continue
        rows.append(Scenario(
            f"3ds-number-{card.number}", "3-D Secure", card.label, card.number,
            "Needs 3-D Secure; through the API it behaves like 4000000000003220: requires_action, then "
            "succeeded once the customer completes the challenge.",
            (raw_pm(card.number), pay("@pm", return_url=RETURN_URL), authenticate("complete")),
            {"status": "succeeded", "next_action": "redirect_to_url", "events": AUTH_OK}, source="1.11",
            note="No pm_card_ id: the number goes through POST /v1/payment_methods with the publishable key."))
    return rows


@lru_cache(maxsize=1)
def catalog() -> tuple[Scenario, ...]:
    """Every scenario, in group order."""
    from lib.lab import scenario_data, scenario_data2

    rows = [
        *_success_rows("brand", "Success by brand", "brand"),
        *_success_rows("cobranded", "Success by brand", "cobranded"),
        *_success_rows("country", "Success by country", "country"),
        *scenario_data.declines(),
        *_radar_rows(),
        *scenario_data.three_d_secure(),
        *_mobile_3ds_rows(),
        *scenario_data.capture(),
        *scenario_data.cancel(),
        *scenario_data2.refunds(),
        *scenario_data2.disputes(),
        *scenario_data2.idempotency(),
        *scenario_data2.legacy(),
        *_balance_rows(),
        *scenario_data2.api_errors(),
    ]
    order = {g: i for i, g in enumerate(GROUPS)}
    return tuple(sorted(rows, key=lambda s: order[s.group]))


def by_id(scenario_id: str) -> Scenario:
    for scenario in catalog():
        if scenario.id == scenario_id:
            return scenario
    raise KeyError(f"No scenario with id {scenario_id!r}")


def in_group(group: str) -> list[Scenario]:
    return [s for s in catalog() if s.group == group]
