"""The scenario format: :class:`Scenario` and :class:`Step`, the fact names, the event sequences
and the step constructors the catalog's data modules are written with.

A :class:`Scenario` names the card (``pm_card_*``, ``tok_*`` or a raw number), says in plain words
what Stripe documents will happen, lists the API steps that perform it, and gives the expected
facts. :mod:`lib.lab.runner` performs the steps against any Stripe-compatible API (Stripe test
mode or the offline sandbox) and compares the facts it observes with ``expected``.

``expected`` keys are fact names (see :data:`FACTS`). A key that is absent is not checked; a value
of ``None`` means "must be null"; a tuple means "any of these". ``events`` lists event types that
must all be among the events emitted for the scenario's objects (a multiset: listing a type twice
needs two events); ``events_exact`` makes the check exact for the event types it names;
``no_events`` lists event types that must not be emitted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

GROUPS: tuple[str, ...] = (
    "Success by brand", "Success by country", "Declines", "Radar", "3-D Secure", "Manual & partial capture",
    "Cancel", "Refunds", "Disputes", "Idempotency", "Legacy Charges", "Balance & pricing", "API errors",
    "Saved cards", "Automatic payment methods", "Search",
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
    "message": "message of the last API error",
    "setup.status": "SetupIntent status (a \"save a card\" step)",
    "setup.usage": "SetupIntent usage (on_session / off_session)",
    "pm.attached": "the saved PaymentMethod is attached to the scenario's customer",
    "automatic_payment_methods": "the PaymentIntent's automatic_payment_methods.enabled (None when off)",
    "replayed": "the last response carried Idempotent-Replayed: true",
    "same_object": "the replayed response returned the same object id as the original",
    "search.count": "objects the last search step found (all pages)",
    "search.own": "every object the last search step found was one this scenario made",
}

# Event sequences (TEST_MODE.md §2.5; SetupIntents: §2.1 and the event list there).
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
SETUP_CREATED = ("setup_intent.created",)
SAVED = (*SETUP_CREATED, "payment_method.attached", "setup_intent.succeeded")
SETUP_NEEDS_ACTION = (*SETUP_CREATED, "setup_intent.requires_action")

DEFAULT_AMOUNT = 2000
VISA = "pm_card_visa"  # the card most scenarios pay with
DEFAULT_CURRENCY = "usd"
# Stands for "a return_url": the runner sends Env.return_url (the app's own return page when it runs).
RETURN_URL = "http://localhost:8501/return"

# Shared by the data modules.
MANUAL = {"capture_method": "manual"}
INVALID = "invalid_request_error"
CLOSED_WON = ("charge.dispute.updated", "charge.dispute.funds_reinstated", "charge.dispute.closed")


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


def setup(pm: str, may_fail: bool = False, **kw: Any) -> Step:
    """Save a card: create and confirm a SetupIntent (``customer=True``: for the scenario's customer)."""
    return step("setup", may_fail, pm=pm, **kw)


def authenticate(result: str = "complete") -> Step:
    return step("authenticate", result=result)


def raw_pm(number: str, **card: Any) -> Step:
    return step("raw_pm", number=number, **card)
