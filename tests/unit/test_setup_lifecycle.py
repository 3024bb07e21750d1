"""The SetupIntent lifecycle table (lib.stripe_facts.setup_lifecycle) and what a test card does
when it is saved (cards.needs_authentication_on_setup / setup_decline), against facts written here
from TEST_MODE.md §1.1, §1.5, §1.11, §2.5 and Stripe's SetupIntent reference."""

from __future__ import annotations

import re

import pytest

from lib.stripe_facts import cards
from lib.stripe_facts.setup_lifecycle import (
    CANCELABLE,
    TRANSITIONS,
    InvalidSetupTransition,
    SIAction,
    SIStatus,
    cancel_state_message,
    transition,
)
from tests.reference import TEST_MODE_MD

# stripe-python 16.1.0's SetupIntent.status literal; the reference's cancelable statuses.
STATUSES = {"requires_payment_method", "requires_confirmation", "requires_action", "processing", "canceled",
            "succeeded"}
CANCELABLE_STATUSES = {"requires_payment_method", "requires_confirmation", "requires_action"}


def _documented_setup_events() -> set[str]:
    text = TEST_MODE_MD.read_text()
    names = re.search(r"setup_intent\.\{([a-z_,]+)\}", text).group(1).split(",")
    return {f"setup_intent.{n}" for n in names}


def test_statuses_and_cancelable_set():
    assert {s.value for s in SIStatus} == STATUSES
    assert {s.value for s in CANCELABLE} == CANCELABLE_STATUSES
    assert cancel_state_message("succeeded").endswith(
        "may be canceled: requires_payment_method, requires_confirmation, requires_action.")


def test_every_event_in_the_table_is_documented_and_every_documented_one_is_used():
    used = {e for t in TRANSITIONS for e in t.events}
    assert used == _documented_setup_events() == {"setup_intent.created", "setup_intent.requires_action",
                                                  "setup_intent.setup_failed", "setup_intent.succeeded",
                                                  "setup_intent.canceled"}


def test_the_paths_of_saving_a_card():
    assert transition(None, SIAction.CREATE).target == "requires_payment_method"
    assert transition(None, SIAction.CREATE_WITH_PM).target == "requires_confirmation"
    needs = transition("requires_confirmation", SIAction.CONFIRM_NEEDS_ACTION)
    assert (needs.target, needs.events) == ("requires_action", ("setup_intent.requires_action",))
    assert transition("requires_action", SIAction.AUTH_SUCCESS).target == "succeeded"
    failed = transition("requires_action", SIAction.AUTH_FAIL)
    assert (failed.target, failed.events) == ("requires_payment_method", ("setup_intent.setup_failed",))
    with pytest.raises(InvalidSetupTransition):
        transition("succeeded", SIAction.CANCEL)
    with pytest.raises(InvalidSetupTransition):
        transition("canceled", SIAction.CONFIRM_SUCCESS)


@pytest.mark.parametrize(("pm_id", "needs_auth"), [
    ("pm_card_authenticationRequiredOnSetup", True),   # §1.11: authenticates until set up — setting it up is that
    ("pm_card_authenticationRequired", True),          # §1.11: every transaction, however it was set up
    ("pm_card_threeDSecure2Required", True),           # §1.11: must authenticate to succeed
    ("pm_card_visa", False),                           # §1.11: supported, not enrolled: never prompts
    ("pm_card_threeDSecureOptional", False),           # §1.11: not requested by default
    ("pm_card_amex_threeDSecureNotSupported", False),  # §1.11: cannot be invoked
])
def test_which_cards_authenticate_on_setup(pm_id, needs_auth):
    assert cards.needs_authentication_on_setup(cards.card_by_pm_id(pm_id)) is needs_auth


def test_optional_3ds_on_setup_only_when_requested():
    card = cards.card_by_pm_id("pm_card_threeDSecureOptional")
    assert cards.needs_authentication_on_setup(card, "any") and cards.needs_authentication_on_setup(card, "challenge")


@pytest.mark.parametrize(("pm_id", "decline_code"), [
    ("pm_card_visa_chargeDeclined", "generic_decline"),             # §1.1: decline cards cannot be attached
    ("pm_card_visa_chargeDeclinedInsufficientFunds", "insufficient_funds"),
    ("pm_card_chargeCustomerFail", None),                           # §1.5: attaching works, charges fail
    ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", None),  # declines only when charged
    ("pm_card_visa", None),
])
def test_which_cards_cannot_be_saved(pm_id, decline_code):
    decline = cards.setup_decline(cards.card_by_pm_id(pm_id))
    assert (decline.decline_code if decline else None) == decline_code
