"""The SetupIntent lifecycle as data: statuses, transitions and the events each step emits — the
SetupIntent counterpart of :mod:`.lifecycle` (same style: one table, read by the sandbox's guards
and by anything that explains saving a card).

Facts: statuses ``requires_payment_method | requires_confirmation | requires_action | processing |
canceled | succeeded`` and events ``setup_intent.{created, requires_action, setup_failed,
succeeded, canceled}`` (TEST_MODE.md §2.5 [SDK]); cancel is allowed from requires_payment_method,
requires_confirmation and requires_action (the SetupIntent API reference). A successful setup with
a ``customer`` attaches the PaymentMethod to it (``payment_method.attached``, §2.1).

Choices where the reference is silent [INF]:

* A declined setup and a failed 3-D Secure challenge both go back to requires_payment_method with
  ``setup_intent.setup_failed`` (Stripe's event for "the setup attempt failed").
* Confirming is allowed from requires_payment_method, requires_confirmation and requires_action, as
  for PaymentIntents. ``processing`` (bank debits) is a status, but no card reaches it.
* The unexpected-state messages follow the PaymentIntent wording (§2.6) with "SetupIntent".
"""

from __future__ import annotations

from .labels import LabelledEnum
from .lifecycle import Transition


class SIStatus(LabelledEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"


class SIAction(LabelledEnum):
    CREATE = "create"
    CREATE_WITH_PM = "create_with_pm"
    UPDATE_PAYMENT_METHOD = "update_payment_method"
    CONFIRM_SUCCESS = "confirm_success"
    CONFIRM_NEEDS_ACTION = "confirm_needs_action"
    DECLINE = "decline"
    AUTH_SUCCESS = "auth_success"
    AUTH_FAIL = "auth_fail"
    CANCEL = "cancel"


SITransition = Transition[SIStatus, SIAction]  # the same row type as the PaymentIntent table's


S, A = SIStatus, SIAction
# Stripe's order when it lists statuses (the cancel endpoint's reference).
STATUS_ORDER: tuple[SIStatus, ...] = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION,
                                      S.PROCESSING, S.CANCELED, S.SUCCEEDED)
OPEN: tuple[SIStatus, ...] = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION)
CONFIRMABLE: frozenset[SIStatus] = frozenset(OPEN)
CANCELABLE: frozenset[SIStatus] = frozenset(OPEN)
UPDATABLE: frozenset[SIStatus] = frozenset(OPEN)


def _rows() -> tuple[SITransition, ...]:
    t = Transition
    rows = [
        t(None, A.CREATE, S.REQUIRES_PAYMENT_METHOD, ("setup_intent.created",),
          "Created without a payment method: it waits for the customer's card."),
        t(None, A.CREATE_WITH_PM, S.REQUIRES_CONFIRMATION, ("setup_intent.created",),
          "Created with a payment method but not confirmed: it waits for confirmation."),
        t(S.REQUIRES_PAYMENT_METHOD, A.UPDATE_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, (),
          "A payment method was set by an update; it now waits for confirmation."),
    ]
    for src in OPEN:
        rows += [
            t(src, A.CONFIRM_SUCCESS, S.SUCCEEDED, ("setup_intent.succeeded",),
              "The card is set up for future payments (and attached to the customer, if there is one)."),
            t(src, A.CONFIRM_NEEDS_ACTION, S.REQUIRES_ACTION, ("setup_intent.requires_action",),
              "The bank wants the customer to authenticate (3D Secure) before the card is saved."),
            t(src, A.DECLINE, S.REQUIRES_PAYMENT_METHOD, ("setup_intent.setup_failed",),
              "The bank refused the card (402); nothing is saved and another card can be tried."),
            t(src, A.CANCEL, S.CANCELED, ("setup_intent.canceled",),
              "You canceled the SetupIntent; it can no longer be confirmed."),
        ]
    rows += [
        t(S.REQUIRES_ACTION, A.AUTH_SUCCESS, S.SUCCEEDED, ("setup_intent.succeeded",),
          "The customer passed 3D Secure: the card is set up, and later off-session payments can use it."),
        t(S.REQUIRES_ACTION, A.AUTH_FAIL, S.REQUIRES_PAYMENT_METHOD, ("setup_intent.setup_failed",),
          "3D Secure failed (setup_intent_authentication_failure); nothing is saved."),
    ]
    return tuple(rows)


TRANSITIONS: tuple[SITransition, ...] = _rows()
_TABLE = {(r.source, r.action): r for r in TRANSITIONS}


class InvalidSetupTransition(ValueError):
    """No row for (status, action)."""


def transition(source: SIStatus | str | None, action: SIAction | str) -> SITransition:
    """The row for (status, action); raises :class:`InvalidSetupTransition` if there is none."""
    src = None if source is None else SIStatus(source)
    row = _TABLE.get((src, SIAction(action)))
    if row is None:
        raise InvalidSetupTransition(f"{SIAction(action).value} is not possible from "
                                     f"{src.value if src else '(none)'}")
    return row


def listed(statuses: frozenset[SIStatus]) -> str:
    """``a, b, c`` in Stripe's order."""
    return ", ".join(s.value for s in STATUS_ORDER if s in statuses)


def cancel_state_message(status: str) -> str:
    return (f"You cannot cancel this SetupIntent because it has a status of {SIStatus(status).value}. Only a "
            f"SetupIntent with one of the following statuses may be canceled: {listed(CANCELABLE)}.")


def confirm_state_message(status: str) -> str:
    if status == S.SUCCEEDED:
        return ("You cannot confirm this SetupIntent because it has already succeeded after being previously "
                "confirmed.")
    return (f"You cannot confirm this SetupIntent because it has a status of {SIStatus(status).value}. Only a "
            f"SetupIntent with one of the following statuses may be confirmed: {listed(CONFIRMABLE)}.")


__all__ = ["SIStatus", "SIAction", "SITransition", "TRANSITIONS", "CONFIRMABLE", "CANCELABLE", "UPDATABLE",
           "STATUS_ORDER", "InvalidSetupTransition", "transition", "listed", "cancel_state_message",
           "confirm_state_message"]
