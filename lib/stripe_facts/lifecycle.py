"""The PaymentIntent lifecycle: one table shared by the sandbox, the diagrams and the walkthrough.

Statuses, transitions and the webhook events each step emits, per TEST_MODE.md §2.2 and §2.5,
plus readable labels for the other enums newcomers meet (disputes, refunds, cancellation
reasons) and plain-English decline explanations.

Choices where the reference is silent or inferred:

* Events are listed in Stripe's order with the Charge event first (decline: ``charge.failed``
  then ``payment_intent.payment_failed``). For the async start (``charge.pending`` +
  ``payment_intent.processing``) and auth expiry (``charge.expired`` +
  ``payment_intent.canceled``) the reference gives no order; we keep the Charge-first pattern.
* ``charge.updated`` after ``automatic_async`` fills in ``balance_transaction`` is not a
  status transition, so it is not in the table; the sandbox emits it separately.
* Cancel is allowed from requires_payment_method, requires_capture, requires_confirmation and
  requires_action (the statuses Stripe's error message lists). Cancelling ``processing`` is
  rare (some async methods only) and not modelled. Since API 2025-03-31.basil cancelling
  ``requires_capture`` sends no ``charge.refunded``.
* Confirming is allowed from requires_payment_method, requires_confirmation and
  requires_action (re-confirming, e.g. with a new payment method).
* The "confirmation limit reached → canceled" decline path (§2.2) is not modelled.
* :func:`unexpected_state_message` uses the one format Stripe documents (§2.6) for every verb.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Generic, TypeVar

from .labels import (
    DECLINE_EXPLANATIONS,
    CancellationReason,
    DisputeReason,
    DisputeStatus,
    LabelledEnum,
    RefundReason,
    RefundStatus,
    decline_explanation,
)


class PIStatus(LabelledEnum):
    REQUIRES_PAYMENT_METHOD = "requires_payment_method"
    REQUIRES_CONFIRMATION = "requires_confirmation"
    REQUIRES_ACTION = "requires_action"
    PROCESSING = "processing"
    REQUIRES_CAPTURE = "requires_capture"
    CANCELED = "canceled"
    SUCCEEDED = "succeeded"

    @property
    def explanation(self) -> str:
        return _STATUS_EXPLANATIONS[self]

    @property
    def terminal(self) -> bool:
        return self in (PIStatus.SUCCEEDED, PIStatus.CANCELED)


_STATUS_EXPLANATIONS = {
    PIStatus.REQUIRES_PAYMENT_METHOD: "Waiting for a card or other payment method. Every PaymentIntent "
    "starts here, and comes back here after a decline or a failed 3D Secure check, ready for another try.",
    PIStatus.REQUIRES_CONFIRMATION: "A payment method is attached, but nobody has said \"go\" yet. "
    "Confirming it starts the payment attempt.",
    PIStatus.REQUIRES_ACTION: "The customer has to do something first, usually 3D Secure authentication "
    "with their bank. See next_action for what to show them.",
    PIStatus.PROCESSING: "The payment was submitted and the result is not known yet. Bank debits sit "
    "here for days; cards normally skip it.",
    PIStatus.REQUIRES_CAPTURE: "The card was authorized and the money is held, but not taken yet. "
    "Capture it (within 7 days) to collect, or cancel to release the hold.",
    PIStatus.CANCELED: "Stopped for good. No money moves (any hold is released). Create a new "
    "PaymentIntent to try again.",
    PIStatus.SUCCEEDED: "Paid. The money is captured and on its way to your balance. Refunds and "
    "disputes happen on the Charge from here on.",
}


class PIAction(LabelledEnum):
    CREATE = "create"
    CREATE_WITH_PM = "create_with_pm"
    UPDATE_PAYMENT_METHOD = "update_payment_method"
    CONFIRM_SUCCESS = "confirm_success"
    CONFIRM_SUCCESS_MANUAL = "confirm_success_manual"
    CONFIRM_NEEDS_ACTION = "confirm_needs_action"
    CONFIRM_PROCESSING = "confirm_processing"
    AUTH_SUCCESS = "auth_success"
    AUTH_SUCCESS_MANUAL = "auth_success_manual"
    AUTH_PROCESSING = "auth_processing"
    AUTH_FAIL = "auth_fail"
    AUTH_DECLINE = "auth_decline"
    DECLINE = "decline"
    CAPTURE = "capture"
    CANCEL = "cancel"
    ASYNC_SUCCEEDED = "async_succeeded"
    ASYNC_FAILED = "async_failed"
    EXPIRE = "expire"


StatusT = TypeVar("StatusT")
ActionT = TypeVar("ActionT")


@dataclass(frozen=True)
class Transition(Generic[StatusT, ActionT]):
    """One row of a lifecycle table: from ``source`` (None: created), ``action`` leads to ``target``
    and emits ``events``. PaymentIntents' rows are below; SetupIntents' are in setup_lifecycle.py."""

    source: StatusT | None
    action: ActionT
    target: StatusT
    events: tuple[str, ...]
    explanation: str


class InvalidTransition(ValueError):
    """No row for (status, action). ``allowed`` holds the statuses the action is valid from."""

    def __init__(self, source: PIStatus | None, action: PIAction, allowed: Iterable[PIStatus]):
        self.source, self.action = source, action
        self.allowed = tuple(_ordered(allowed))
        where = source.value if source else "(none)"
        super().__init__(f"{action.value} is not possible from {where}; allowed from: "
                         + (", ".join(s.value for s in self.allowed) or "(create only)"))


S = PIStatus
A = PIAction
CANCELABLE: frozenset[PIStatus] = frozenset({S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CAPTURE,
                                             S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION})
CONFIRMABLE: frozenset[PIStatus] = frozenset({S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION,
                                              S.REQUIRES_ACTION})
CAPTURABLE: frozenset[PIStatus] = frozenset({S.REQUIRES_CAPTURE})
UPDATABLE_AMOUNT: frozenset[PIStatus] = frozenset({S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION,
                                                   S.REQUIRES_ACTION})
# Order Stripe uses when listing statuses in error messages (§2.6).
STATUS_ORDER: tuple[PIStatus, ...] = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CAPTURE, S.REQUIRES_CONFIRMATION,
                                      S.REQUIRES_ACTION, S.PROCESSING, S.SUCCEEDED, S.CANCELED)
# Order for diagrams and walkthroughs (the "happy path" reading order).
FLOW_ORDER: tuple[PIStatus, ...] = (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION,
                                    S.PROCESSING, S.REQUIRES_CAPTURE, S.SUCCEEDED, S.CANCELED)

_SUCCESS = ("charge.succeeded", "payment_intent.succeeded")
_AUTHORIZED = ("charge.succeeded", "payment_intent.amount_capturable_updated")
_FAILED = ("charge.failed", "payment_intent.payment_failed")


def _rows() -> tuple[Transition, ...]:
    t = Transition
    rows = [
        t(None, A.CREATE, S.REQUIRES_PAYMENT_METHOD, ("payment_intent.created",),
          "Created without a payment method: it waits for one."),
        t(None, A.CREATE_WITH_PM, S.REQUIRES_CONFIRMATION, ("payment_intent.created",),
          "Created with a payment method but not confirmed: it waits for confirmation."),
        t(S.REQUIRES_PAYMENT_METHOD, A.UPDATE_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, (),
          "A payment method was attached by an update; it now waits for confirmation."),
    ]
    for src in (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION):
        rows += [
            t(src, A.CONFIRM_SUCCESS, S.SUCCEEDED, _SUCCESS,
              "Confirmed and approved by the bank; captured at once (automatic capture)."),
            t(src, A.CONFIRM_SUCCESS_MANUAL, S.REQUIRES_CAPTURE, _AUTHORIZED,
              "Confirmed and authorized; with manual capture the money is only held until you capture."),
            t(src, A.CONFIRM_NEEDS_ACTION, S.REQUIRES_ACTION, ("payment_intent.requires_action",),
              "The bank wants the customer to authenticate (3D Secure) before it decides."),
            t(src, A.CONFIRM_PROCESSING, S.PROCESSING, ("charge.pending", "payment_intent.processing"),
              "Submitted, but the result arrives later (bank debits and other async methods)."),
            t(src, A.DECLINE, S.REQUIRES_PAYMENT_METHOD, _FAILED,
              "Declined (402). A failed Charge is kept and the PaymentIntent is ready for another card."),
        ]
    rows += [
        t(S.REQUIRES_ACTION, A.AUTH_SUCCESS, S.SUCCEEDED, _SUCCESS,
          "The customer passed 3D Secure and the payment went through."),
        t(S.REQUIRES_ACTION, A.AUTH_SUCCESS_MANUAL, S.REQUIRES_CAPTURE, _AUTHORIZED,
          "The customer passed 3D Secure; the money is held until you capture it."),
        t(S.REQUIRES_ACTION, A.AUTH_PROCESSING, S.PROCESSING, ("charge.pending", "payment_intent.processing"),
          "Authentication finished but the result is not final yet."),
        t(S.REQUIRES_ACTION, A.AUTH_FAIL, S.REQUIRES_PAYMENT_METHOD, ("payment_intent.payment_failed",),
          "3D Secure failed or was abandoned (payment_intent_authentication_failure); no charge is made."),
        t(S.REQUIRES_ACTION, A.AUTH_DECLINE, S.REQUIRES_PAYMENT_METHOD, _FAILED,
          "The customer authenticated, but the bank still declined the payment."),
        t(S.PROCESSING, A.ASYNC_SUCCEEDED, S.SUCCEEDED, _SUCCESS,
          "The delayed payment settled successfully."),
        t(S.PROCESSING, A.ASYNC_FAILED, S.REQUIRES_PAYMENT_METHOD, _FAILED,
          "The delayed payment failed; try another payment method."),
        t(S.REQUIRES_CAPTURE, A.CAPTURE, S.SUCCEEDED, ("charge.captured", "payment_intent.succeeded"),
          "You captured the held money (all of it, or part: the rest is released)."),
        t(S.REQUIRES_CAPTURE, A.EXPIRE, S.CANCELED, ("charge.expired", "payment_intent.canceled"),
          "Not captured within 7 days: the authorization expired and the hold was released."),
    ]
    for src in (S.REQUIRES_PAYMENT_METHOD, S.REQUIRES_CAPTURE, S.REQUIRES_CONFIRMATION, S.REQUIRES_ACTION):
        extra = " The held money is released." if src is S.REQUIRES_CAPTURE else ""
        rows.append(t(src, A.CANCEL, S.CANCELED, ("payment_intent.canceled",),
                      "You canceled the PaymentIntent; it can no longer be paid." + extra))
    return tuple(rows)


TRANSITIONS: tuple[Transition, ...] = _rows()
_TABLE: dict[tuple[PIStatus | None, PIAction], Transition] = {(r.source, r.action): r for r in TRANSITIONS}
# Where a PaymentIntent stands once the customer passed 3D Secure and the bank did not decline:
# the targets of the successful authentication rows (the sandbox's challenge page then sends the
# customer back with ``redirect_status=succeeded``).
AUTHENTICATED: frozenset[PIStatus] = frozenset(
    _TABLE[(S.REQUIRES_ACTION, a)].target for a in (A.AUTH_SUCCESS, A.AUTH_SUCCESS_MANUAL, A.AUTH_PROCESSING))


def _status(value) -> PIStatus | None:
    return None if value is None else PIStatus(value)


def _ordered(statuses: Iterable) -> list[PIStatus]:
    items = list(statuses)
    if isinstance(statuses, (set, frozenset)):
        return sorted((PIStatus(s) for s in items), key=STATUS_ORDER.index)
    return [PIStatus(s) for s in items]


def transition(source: PIStatus | str | None, action: PIAction | str) -> Transition:
    """The row for (status, action); raises :class:`InvalidTransition` if there is none."""
    src, act = _status(source), PIAction(action)
    row = _TABLE.get((src, act))
    if row is None:
        allowed = {r.source for r in TRANSITIONS if r.action is act and r.source is not None}
        raise InvalidTransition(src, act, frozenset(allowed))
    return row


def allowed_actions(status: PIStatus | str | None) -> list[PIAction]:
    src = _status(status)
    return [r.action for r in TRANSITIONS if r.source == src]


def targets_from(status: PIStatus | str | None) -> set[PIStatus]:
    src = _status(status)
    return {r.target for r in TRANSITIONS if r.source == src}


_PARTICIPLES = {"cancel": "canceled", "capture": "captured", "confirm": "confirmed", "update": "updated",
                "verify": "verified", "increment": "incremented", "apply": "applied"}


def unexpected_state_message(action_verb: str, status: str, allowed: Iterable[PIStatus]) -> str:
    """Stripe's ``payment_intent_unexpected_state`` wording (§2.6).

    Sets are listed in Stripe's order (requires_payment_method, requires_capture,
    requires_confirmation, requires_action, ...); lists and tuples keep their order.
    """
    verb = action_verb.strip().lower()
    done = _PARTICIPLES.get(verb) or (verb + "d" if verb.endswith("e") else verb + "ed")
    listed = ", ".join(s.value for s in _ordered(allowed))
    return (f"You cannot {verb} this PaymentIntent because it has a status of {PIStatus(status).value}. "
            f"Only a PaymentIntent with one of the following statuses may be {done}: {listed}.")


# ---------------------------------------------------------------- diagrams
def _edges() -> dict[tuple[str, str], list[str]]:
    edges: dict[tuple[str, str], list[str]] = {}
    for r in TRANSITIONS:
        key = (r.source.value if r.source else "[*]", r.target.value)
        label = _EDGE_LABELS.get(r.action, r.action.label)
        if label not in edges.setdefault(key, []):
            edges[key].append(label)
    return edges


def _path_pairs(path: Iterable[str]) -> set[tuple[str, str]]:
    p = [str(x) for x in path]
    return set(zip(p, p[1:]))


def mermaid_state_diagram(current: str | None = None, path: Iterable[str] = ()) -> str:
    """Mermaid ``stateDiagram-v2`` text; ``current`` is filled, states on ``path`` are outlined."""
    path = [str(p) for p in path]
    lines = ["stateDiagram-v2", "    direction LR"]
    for s in FLOW_ORDER:
        lines.append(f'    state "{s.label}" as {s.value}')
    for (src, dst), labels in _edges().items():
        lines.append(f"    {src} --> {dst}: {' / '.join(labels)}")
    for s in (S.SUCCEEDED, S.CANCELED):
        lines.append(f"    {s.value} --> [*]")
    lines.append("    classDef current fill:#635bff,color:#ffffff,stroke:#3d34c9,stroke-width:3px")
    lines.append("    classDef visited fill:#e3e1ff,stroke:#635bff,stroke-width:2px")
    visited = [p for p in dict.fromkeys(path) if p != current and p in PIStatus._value2member_map_]
    if visited:
        lines.append(f"    class {','.join(visited)} visited")
    if current:
        lines.append(f"    class {PIStatus(current).value} current")
    return "\n".join(lines)


def graphviz_dot(current: str | None = None, path: Iterable[str] = (), *, focus: bool = False,
                 rankdir: str = "LR") -> str:
    """Graphviz DOT text (for ``st.graphviz_chart``); highlights ``current`` and the ``path`` taken.

    ``focus=True`` draws only what a person needs now: the states on the path, the current state
    and the next possible moves from it (dashed, with their labels). Before any payment it shows
    where a PaymentIntent starts. The full graph (``focus=False``) has every transition.
    """
    path = [str(p) for p in path]
    on_path = _path_pairs(path)
    if path:
        on_path.add(("[*]", path[0]))
    edges = _edges()
    if focus:
        here = str(current) if current else None
        nexts = {(here or "[*]", t.value) for t in targets_from(here)}
        keep = on_path | nexts
        edges = {k: v for k, v in edges.items() if k in keep}
        states = {s for pair in edges for s in pair} | set(path) | ({here} if here else set())
    else:
        states = {s.value for s in FLOW_ORDER} | {"[*]"}
    out = ["digraph PaymentIntent {", f"  rankdir={rankdir}; nodesep=0.3; ranksep=0.45;",
           '  node [shape=box, style="rounded,filled", fillcolor="#ffffff", fontname="Helvetica", fontsize=13, '
           'margin="0.15,0.06"];',
           '  edge [fontname="Helvetica", fontsize=12, color="#8792a2", fontcolor="#425466"];',
           '  "[*]" [shape=point, width=0.15, fillcolor="#000000"];']
    for s in FLOW_ORDER:
        if s.value not in states:
            continue
        attrs = [f'label="{s.label}"']
        if s.terminal:
            attrs.append("peripheries=2")
        if current and s.value == str(current):
            attrs += ['fillcolor="#635bff"', 'fontcolor="#ffffff"', "penwidth=2"]
        elif s.value in path:
            attrs += ['fillcolor="#e3e1ff"', 'color="#635bff"', "penwidth=2"]
        elif focus:
            attrs += ['color="#a3acb9"', 'fontcolor="#425466"', 'style="rounded,filled,dashed"']
        out.append(f'  "{s.value}" [{", ".join(attrs)}];')
    for (src, dst), labels in edges.items():
        attrs = [f'label=" {" / ".join(labels)} "']
        if (src, dst) in on_path:
            attrs += ['color="#635bff"', 'fontcolor="#635bff"', "penwidth=2.5"]
        elif focus:
            attrs += ['style="dashed"']
        out.append(f'  "{src}" -> "{dst}" [{", ".join(attrs)}];')
    out.append("}")
    return "\n".join(out)


_EDGE_LABELS = {
    A.CREATE: "create", A.CREATE_WITH_PM: "create with PM", A.UPDATE_PAYMENT_METHOD: "attach PM",
    A.CONFIRM_SUCCESS: "confirm ✓", A.CONFIRM_SUCCESS_MANUAL: "confirm ✓ (manual capture)",
    A.CONFIRM_NEEDS_ACTION: "confirm, 3DS needed", A.CONFIRM_PROCESSING: "confirm (async)",
    A.AUTH_SUCCESS: "3DS ✓", A.AUTH_SUCCESS_MANUAL: "3DS ✓ (manual capture)", A.AUTH_PROCESSING: "3DS ✓ (async)",
    A.AUTH_FAIL: "3DS ✗", A.AUTH_DECLINE: "3DS ✓ then declined", A.DECLINE: "declined",
    A.CAPTURE: "capture", A.CANCEL: "cancel", A.ASYNC_SUCCEEDED: "settled", A.ASYNC_FAILED: "failed",
    A.EXPIRE: "7 days, not captured",
}

__all__ = [
    "PIStatus", "PIAction", "Transition", "InvalidTransition", "TRANSITIONS", "CANCELABLE", "CONFIRMABLE",
    "CAPTURABLE", "UPDATABLE_AMOUNT", "AUTHENTICATED", "STATUS_ORDER", "FLOW_ORDER", "transition", "allowed_actions",
    "targets_from", "unexpected_state_message", "mermaid_state_diagram", "graphviz_dot", "DisputeStatus",
    "DisputeReason", "RefundStatus", "RefundReason", "CancellationReason", "DECLINE_EXPLANATIONS",
    "decline_explanation", "LabelledEnum",
]
