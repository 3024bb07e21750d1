"""The PaymentIntent lifecycle table (lib.stripe_facts.lifecycle) against TEST_MODE.md §2.2, §2.5, §2.6."""

from __future__ import annotations

import pytest

from lib.stripe_facts import lifecycle as lc
from lib.stripe_facts.lifecycle import (
    CANCELABLE,
    CAPTURABLE,
    CONFIRMABLE,
    TRANSITIONS,
    UPDATABLE_AMOUNT,
    InvalidTransition,
    PIAction,
    PIStatus,
    allowed_actions,
    targets_from,
    transition,
    unexpected_state_message,
)

S, A = PIStatus, PIAction


def test_statuses_and_labels():
    assert {s.value for s in PIStatus} == {"requires_payment_method", "requires_confirmation", "requires_action",
                                          "processing", "requires_capture", "canceled", "succeeded"}
    assert S.REQUIRES_PAYMENT_METHOD.label == "Requires payment method"
    assert S.REQUIRES_CAPTURE.label == "Requires capture"
    assert {s for s in PIStatus if s.terminal} == {S.SUCCEEDED, S.CANCELED}
    assert all(len(s.explanation) > 30 for s in PIStatus)
    assert S("succeeded") == "succeeded"
    assert all(a.label for a in PIAction)


def test_no_transition_leaves_a_terminal_state():
    for row in TRANSITIONS:
        assert row.source is None or not row.source.terminal, row


def test_table_keys_unique():
    keys = [(r.source, r.action) for r in TRANSITIONS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("source,action,target,events", [
    (None, A.CREATE, S.REQUIRES_PAYMENT_METHOD, ("payment_intent.created",)),
    (None, A.CREATE_WITH_PM, S.REQUIRES_CONFIRMATION, ("payment_intent.created",)),
    (S.REQUIRES_CONFIRMATION, A.CONFIRM_SUCCESS, S.SUCCEEDED, ("charge.succeeded", "payment_intent.succeeded")),
    (S.REQUIRES_PAYMENT_METHOD, A.CONFIRM_SUCCESS_MANUAL, S.REQUIRES_CAPTURE,
     ("charge.succeeded", "payment_intent.amount_capturable_updated")),
    (S.REQUIRES_PAYMENT_METHOD, A.CONFIRM_NEEDS_ACTION, S.REQUIRES_ACTION, ("payment_intent.requires_action",)),
    (S.REQUIRES_CONFIRMATION, A.DECLINE, S.REQUIRES_PAYMENT_METHOD,
     ("charge.failed", "payment_intent.payment_failed")),
    (S.REQUIRES_ACTION, A.AUTH_SUCCESS, S.SUCCEEDED, ("charge.succeeded", "payment_intent.succeeded")),
    (S.REQUIRES_ACTION, A.AUTH_SUCCESS_MANUAL, S.REQUIRES_CAPTURE,
     ("charge.succeeded", "payment_intent.amount_capturable_updated")),
    (S.REQUIRES_ACTION, A.AUTH_FAIL, S.REQUIRES_PAYMENT_METHOD, ("payment_intent.payment_failed",)),
    (S.REQUIRES_ACTION, A.AUTH_DECLINE, S.REQUIRES_PAYMENT_METHOD,
     ("charge.failed", "payment_intent.payment_failed")),
    (S.REQUIRES_CAPTURE, A.CAPTURE, S.SUCCEEDED, ("charge.captured", "payment_intent.succeeded")),
    (S.REQUIRES_CAPTURE, A.CANCEL, S.CANCELED, ("payment_intent.canceled",)),
    (S.REQUIRES_CAPTURE, A.EXPIRE, S.CANCELED, ("charge.expired", "payment_intent.canceled")),
    (S.PROCESSING, A.ASYNC_SUCCEEDED, S.SUCCEEDED, ("charge.succeeded", "payment_intent.succeeded")),
    (S.PROCESSING, A.ASYNC_FAILED, S.REQUIRES_PAYMENT_METHOD, ("charge.failed", "payment_intent.payment_failed")),
])
def test_transitions(source, action, target, events):
    row = transition(source, action)
    assert row.target is target and row.events == events and row.explanation


def test_transition_accepts_strings():
    assert transition("requires_capture", "capture").target is S.SUCCEEDED


def test_invalid_transitions():
    with pytest.raises(InvalidTransition) as exc:
        transition(S.SUCCEEDED, A.CANCEL)
    assert exc.value.allowed == (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CAPTURE, S.REQUIRES_CONFIRMATION,
                                 S.REQUIRES_ACTION)
    with pytest.raises(InvalidTransition) as exc:
        transition(S.REQUIRES_PAYMENT_METHOD, A.CAPTURE)
    assert exc.value.allowed == (S.REQUIRES_CAPTURE,)
    with pytest.raises(InvalidTransition):
        transition(S.CANCELED, A.CONFIRM_SUCCESS)
    with pytest.raises(ValueError):
        transition(S.PROCESSING, A.CANCEL)


def test_sets_agree_with_table():
    """The derived sets are the table's own view (consistency, not facts: see the next test)."""
    assert CANCELABLE == {r.source for r in TRANSITIONS if r.action is A.CANCEL}
    assert CAPTURABLE == {r.source for r in TRANSITIONS if r.action is A.CAPTURE}
    assert CONFIRMABLE == {r.source for r in TRANSITIONS if r.action is A.CONFIRM_SUCCESS}


def test_sets_are_stripes():
    """TEST_MODE.md §2.2, written out by hand: who may be canceled, captured, confirmed, re-priced.
    Cancel from processing is "rare" on Stripe; the sandbox refuses it (§2.6's state error)."""
    assert {str(s) for s in CANCELABLE} == {"requires_payment_method", "requires_confirmation", "requires_action",
                                           "requires_capture"}
    assert {str(s) for s in CAPTURABLE} == {"requires_capture"}
    # §2.2 lists requires_payment_method / requires_confirmation; a requires_action PaymentIntent may
    # also be confirmed again (with another PaymentMethod), as Stripe.js does after a failed challenge.
    assert {str(s) for s in CONFIRMABLE} == {"requires_payment_method", "requires_confirmation", "requires_action"}
    assert {str(s) for s in UPDATABLE_AMOUNT} == {"requires_payment_method", "requires_confirmation",
                                                 "requires_action"}


def test_allowed_actions_and_targets():
    assert allowed_actions(None) == [A.CREATE, A.CREATE_WITH_PM]
    assert set(allowed_actions(S.REQUIRES_CAPTURE)) == {A.CAPTURE, A.CANCEL, A.EXPIRE}
    assert allowed_actions(S.SUCCEEDED) == [] and allowed_actions("canceled") == []
    assert targets_from(S.REQUIRES_CAPTURE) == {S.SUCCEEDED, S.CANCELED}
    assert targets_from(S.REQUIRES_ACTION) >= {S.SUCCEEDED, S.REQUIRES_CAPTURE, S.PROCESSING,
                                               S.REQUIRES_PAYMENT_METHOD, S.CANCELED}
    # every non-terminal status can reach a terminal one
    for s in PIStatus:
        if not s.terminal:
            assert targets_from(s), s


def test_unexpected_state_message_exact():
    assert unexpected_state_message("cancel", "succeeded", CANCELABLE) == (
        "You cannot cancel this PaymentIntent because it has a status of succeeded. Only a PaymentIntent "
        "with one of the following statuses may be canceled: requires_payment_method, requires_capture, "
        "requires_confirmation, requires_action.")
    assert unexpected_state_message("capture", S.REQUIRES_PAYMENT_METHOD, CAPTURABLE).endswith(
        "may be captured: requires_capture.")
    assert unexpected_state_message("confirm", "canceled", [S.REQUIRES_CONFIRMATION, S.REQUIRES_PAYMENT_METHOD]) \
        .endswith("may be confirmed: requires_confirmation, requires_payment_method.")


def test_diagrams_highlight_current_and_path():
    m = lc.mermaid_state_diagram("requires_action", ["requires_payment_method", "requires_action"])
    assert m.startswith("stateDiagram-v2")
    assert "requires_payment_method --> requires_action: confirm, 3DS needed" in m
    assert "class requires_action current" in m and "class requires_payment_method visited" in m
    assert "class" not in lc.mermaid_state_diagram().split("classDef visited")[1]
    dot = lc.graphviz_dot("succeeded", ["requires_payment_method", "requires_capture", "succeeded"])
    assert dot.startswith("digraph PaymentIntent {") and dot.rstrip().endswith("}")
    line = next(x for x in dot.splitlines() if x.strip().startswith('"succeeded" ['))
    assert 'fillcolor="#635bff"' in line
    edge = next(x for x in dot.splitlines() if '"requires_payment_method" -> "requires_capture"' in x)
    assert "penwidth=2.5" in edge
    other = next(x for x in dot.splitlines() if '"requires_capture" -> "canceled"' in x)
    assert "penwidth" not in other
    for s in PIStatus:
        assert f'"{s.value}" [' in dot


def test_other_enums():
    assert lc.DisputeStatus.WARNING_NEEDS_RESPONSE.is_inquiry
    assert not lc.DisputeStatus.NEEDS_RESPONSE.is_inquiry
    assert {d for d in lc.DisputeStatus if d.terminal} == {lc.DisputeStatus.WON, lc.DisputeStatus.LOST,
                                                           lc.DisputeStatus.WARNING_CLOSED,
                                                           lc.DisputeStatus.PREVENTED}
    assert len(lc.DisputeReason) == 15 and lc.DisputeReason.PRODUCT_NOT_RECEIVED.label == "Product not received"
    assert {r.value for r in lc.RefundStatus} == {"pending", "requires_action", "succeeded", "failed", "canceled"}
    assert not lc.RefundReason.EXPIRED_UNCAPTURED_CHARGE.user_settable
    assert {c.value for c in lc.CancellationReason if c.user_settable} == {
        "duplicate", "fraudulent", "requested_by_customer", "abandoned"}
    assert lc.CancellationReason.choices()[0] == ("duplicate", "Duplicate")


def test_decline_explanations():
    generic_customer = lc.DECLINE_EXPLANATIONS["generic_decline"][1]
    for code in ("lost_card", "stolen_card", "fraudulent"):
        merchant, customer = lc.DECLINE_EXPLANATIONS[code]
        assert customer == generic_customer == "Your card was declined."
        assert merchant
    from lib.stripe_facts.cards import all_cards
    codes = {c.decline.decline_code or c.decline.code for c in all_cards() if c.decline}
    codes |= {c.decline_after_auth.decline_code for c in all_cards() if c.decline_after_auth}
    assert codes <= set(lc.DECLINE_EXPLANATIONS)
    assert "insufficient" in lc.decline_explanation("insufficient_funds")[1]
    assert lc.decline_explanation("something_new") == lc.DECLINE_EXPLANATIONS["generic_decline"]


def test_focused_diagram_shows_the_path_and_the_next_moves_only():
    """TEST_MODE.md §2.2: from requires_action a PaymentIntent can be authenticated (succeeded,
    requires_capture, processing), fail authentication (requires_payment_method) or be canceled."""
    import re

    dot = lc.graphviz_dot("requires_action", ["requires_confirmation", "requires_action"], focus=True)
    edges = set(re.findall(r'"([\w*\[\]]+)" -> "(\w+)"', dot))
    assert ("requires_confirmation", "requires_action") in edges           # the path taken
    assert {dst for src, dst in edges if src == "requires_action"} >= {
        "succeeded", "requires_capture", "processing", "requires_payment_method", "canceled"}
    assert not any(src in ("succeeded", "processing", "requires_capture") for src, _ in edges)  # no other moves
    full = lc.graphviz_dot("requires_action", ["requires_confirmation", "requires_action"])
    assert len(set(re.findall(r'" -> "', full))) and full.count(" -> ") > dot.count(" -> ")
    assert 'fontsize=13' in dot and 'fontsize=12' in dot   # legible labels
    before = lc.graphviz_dot(None, [], focus=True)          # before a payment: where one starts
    assert '"[*]" -> "requires_payment_method"' in before and '"[*]" -> "requires_confirmation"' in before
