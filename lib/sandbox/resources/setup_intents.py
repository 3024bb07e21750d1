"""SetupIntents: save a card for later without charging it — create, retrieve, update, confirm, cancel,
list (filters ``customer`` and ``payment_method``), and the SetupAttempt each confirmation makes.

Statuses and events come from ``lib.stripe_facts.setup_lifecycle``; which cards need 3-D Secure on
setup and which cannot be saved, from ``lib.stripe_facts.cards`` (TEST_MODE.md §1.1, §1.11). A card
that needs authentication stops at ``requires_action`` with a ``next_action`` pointing at the
sandbox's challenge page, exactly as a PaymentIntent does (resources/three_d_secure.py). On success
the PaymentMethod is attached to the SetupIntent's customer (``payment_method.attached``), and with
``usage=off_session`` (the default) the card counts as set up: off-session payments on
4000002500003155 then succeed without authentication (§1.11).

Confirming needs a ``return_url`` while ``automatic_payment_methods`` allows redirects (the default
since API 2023-08-16, resources/automatic_payment_methods.py).

Choices where the reference is silent [INF]: a refused setup answers 402 ``card_error`` with the
card's decline and ``error.setup_intent``; ``last_setup_error`` mirrors a PaymentIntent's
``last_payment_error``; a failed challenge sets ``setup_intent_authentication_failure`` with the
message Stripe's public event dumps show. The ``payment_method`` filter uses the store's indexed
``source`` column (``_object_id`` holds the SetupIntent's PaymentMethod), so it is a range, not a scan.
"""

from __future__ import annotations

import secrets

from lib.stripe_facts import cards
from lib.stripe_facts.setup_lifecycle import (
    CANCELABLE,
    CONFIRMABLE,
    UPDATABLE,
    SIAction,
    SIStatus,
    cancel_state_message,
    confirm_state_message,
    transition,
)

from .. import params as fp
from ..engine import Ctx, private
from ..errors import InvalidRequest
from ..ids import new_id
from . import automatic_payment_methods as apm
from . import charges, intents, payment_methods
from . import three_d_secure as tds
from .customers import get_customer
from .listing import fetch, list_response, render

CONFIRM = {
    "payment_method": fp.string(255), "payment_method_data": fp.hash_any, "return_url": fp.string(2048),
    "use_stripe_sdk": fp.boolean, "payment_method_options": fp.hash_any, "mandate_data": fp.hash_any,
    "client_secret": fp.string(255), **fp.EXPAND,
}
CREATE = {
    **{k: v for k, v in CONFIRM.items() if k != "client_secret"},
    "confirm": fp.boolean, "customer": fp.string(255), "description": fp.string(1000, blank=True),
    "metadata": fp.metadata, "usage": fp.enum("on_session", "off_session"), "payment_method_types": fp.string_list,
    "automatic_payment_methods": apm.SPEC, "flow_directions": fp.string_list, "attach_to_self": fp.boolean,
}
UPDATE = {k: CREATE[k] for k in ("customer", "description", "metadata", "payment_method", "payment_method_data",
                                 "payment_method_options", "flow_directions", "attach_to_self", "expand")}
CANCEL_REASONS = ("abandoned", "duplicate", "requested_by_customer")
AUTH_FAILURE = {"code": "setup_intent_authentication_failure",
                "doc_url": "https://stripe.com/docs/error-codes/setup-intent-authentication-failure",
                "message": "The latest attempt to set up the payment method has failed because authentication "
                           "failed."}


def get_si(ctx: Ctx, si_id: str, param: str = "intent") -> dict:
    return fetch(ctx, "setup_intent", si_id, param)


def new_si(ctx: Ctx, p: dict, methods: tuple[dict | None, list[str]]) -> dict:
    si_id = new_id("seti")
    si = {
        "id": si_id, "object": "setup_intent", "application": None,
        "automatic_payment_methods": methods[0], "cancellation_reason": None,
        "client_secret": f"{si_id}_secret_{secrets.token_urlsafe(24).replace('-', 'a').replace('_', 'b')}",
        "created": ctx.now, "customer": p.get("customer"), "customer_account": None,
        "description": p.get("description") or None, "excluded_payment_method_types": None,
        "flow_directions": p.get("flow_directions"), "last_setup_error": None, "latest_attempt": None,
        "livemode": False, "mandate": None, "metadata": p.get("metadata", {}), "next_action": None,
        "on_behalf_of": None, "payment_method": None, "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": methods[1], "single_use_mandate": None, "status": None,
        "usage": p.get("usage", "off_session"),
    }
    if "attach_to_self" in p:  # optional and never null in Stripe's schema: present only when it was set
        si["attach_to_self"] = p["attach_to_self"]
    return si


def _save(ctx: Ctx, si: dict, new: bool = False) -> None:
    si["_object_id"] = si.get("payment_method")  # indexed (``source``): the list's payment_method filter
    ctx.store.insert(si) if new else ctx.store.update(si)


def move(ctx: Ctx, si: dict, action: SIAction) -> None:
    """Apply a lifecycle transition and emit its events."""
    tr = transition(si["status"], action)
    si["status"] = str(tr.target)
    _save(ctx, si, new=tr.source is None)
    for event in tr.events:
        ctx.emit(event, si)


def _new_attempt(ctx: Ctx, si: dict, pm: dict) -> dict:
    """The SetupAttempt of this confirmation (``latest_attempt``, expandable)."""
    card = pm["card"]
    attempt = {
        "id": new_id("setatt"), "object": "setup_attempt", "application": None,
        **({"attach_to_self": si["attach_to_self"]} if "attach_to_self" in si else {}),
        "created": ctx.now, "customer": si.get("customer"),
        "customer_account": None, "flow_directions": si.get("flow_directions"), "livemode": False,
        "on_behalf_of": None, "payment_method": pm["id"],
        "payment_method_details": {"card": {"brand": card["brand"], "checks": None, "country": card["country"],
                                            "exp_month": card["exp_month"], "exp_year": card["exp_year"],
                                            "fingerprint": card["fingerprint"], "funding": card["funding"],
                                            "last4": card["last4"], "network": card["brand"],
                                            "three_d_secure": None, "wallet": None}, "type": "card"},
        "setup_error": None, "setup_intent": si["id"], "status": "requires_confirmation", "usage": si["usage"],
    }
    ctx.store.insert(attempt)
    si["latest_attempt"] = attempt["id"]
    return attempt


def _finish_attempt(ctx: Ctx, si: dict, status: str, three_ds: str | None = None, error: dict | None = None) -> None:
    attempt = ctx.store.get(si["latest_attempt"], "setup_attempt") if si.get("latest_attempt") else None
    if attempt is None:
        return
    attempt["status"] = status
    attempt["setup_error"] = error
    if three_ds:
        attempt["payment_method_details"]["card"]["three_d_secure"] = {
            "authentication_flow": "challenge", "result": three_ds, "result_reason": None, "version": "2.2.0"}
    ctx.store.update(attempt)


def confirm(ctx: Ctx, si: dict, p: dict) -> dict:
    """Confirm ``si`` with the params of a create-with-confirm or a confirm call."""
    if si["status"] not in CONFIRMABLE:
        raise InvalidRequest(confirm_state_message(si["status"]), code="setup_intent_unexpected_state",
                             setup_intent=private(si))
    apm.check_confirm(si, p, "Setup Intent")
    pm = payment_methods.given(ctx, p)
    if pm is None and si.get("payment_method"):
        pm = payment_methods.resolve(ctx, si["payment_method"])
    if pm is None:
        raise InvalidRequest("You cannot confirm this SetupIntent because it's missing a payment method. Update "
                             "the SetupIntent with a payment_method and then confirm it again.",
                             code="setup_intent_unexpected_state", setup_intent=private(si))
    payment_methods.check_usable(pm, si.get("customer"), "SetupIntent")
    si.update(payment_method=pm["id"], next_action=None, last_setup_error=None)
    requested = tds.requested(p, si)
    card = payment_methods.card_of(pm)
    _new_attempt(ctx, si, pm)
    decline = cards.setup_decline(card, requested)
    if decline is not None:
        return _decline(ctx, si, pm, decline)
    if cards.needs_authentication_on_setup(card, requested):
        si["next_action"] = tds.next_action_for(ctx, si, card, p.get("return_url"), bool(p.get("use_stripe_sdk")))
        _finish_attempt(ctx, si, "requires_action")
        move(ctx, si, SIAction.CONFIRM_NEEDS_ACTION)
        return si
    return _succeed(ctx, si, pm, SIAction.CONFIRM_SUCCESS)


def _succeed(ctx: Ctx, si: dict, pm: dict, action: SIAction, three_ds: str | None = None) -> dict:
    payment_methods.save_after_success(ctx, si, pm, si["usage"])
    si["next_action"] = None
    _finish_attempt(ctx, si, "succeeded", three_ds)
    move(ctx, si, action)
    return si


def _decline(ctx: Ctx, si: dict, pm: dict, d: cards.Decline) -> dict:
    error = {"type": "card_error", "code": d.code, "decline_code": d.decline_code, "advice_code": d.advice_code,
             "message": d.message, "doc_url": f"https://stripe.com/docs/error-codes/{d.code.replace('_', '-')}",
             "param": d.param, "payment_method": private(pm), "payment_method_type": "card"}
    si.update(last_setup_error=error, payment_method=None)
    _finish_attempt(ctx, si, "failed", error=error)
    move(ctx, si, SIAction.DECLINE)
    raise charges.card_error(d, setup_intent=private(si), payment_method=private(pm), payment_method_type="card")


def authenticate(ctx: Ctx, si: dict, success: bool) -> dict:
    """The customer answered the 3-D Secure challenge on setup (admin/challenge_page.py)."""
    pm = payment_methods.resolve(ctx, si["payment_method"])
    if success:
        return _succeed(ctx, si, pm, SIAction.AUTH_SUCCESS, three_ds="authenticated")
    error = {"type": "invalid_request_error", **AUTH_FAILURE, "payment_method": private(pm),
             "payment_method_type": "card"}
    si.update(next_action=None, payment_method=None, last_setup_error=error)
    _finish_attempt(ctx, si, "failed", three_ds="failed", error=error)
    move(ctx, si, SIAction.AUTH_FAIL)
    return si


# --- endpoints ---------------------------------------------------------------------------------
def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, CREATE)
    si = intents.create(ctx, p, "Setup Intent", new_si, move, (SIAction.CREATE, SIAction.CREATE_WITH_PM), confirm)
    return render(ctx, si, p.get("expand"))


def update(ctx: Ctx, params: dict, sid: str) -> dict:
    p = fp.validate(params, UPDATE)
    si = get_si(ctx, sid)
    if si["status"] not in UPDATABLE:
        raise InvalidRequest(f"You cannot update this SetupIntent because it has a status of {si['status']}.",
                             code="setup_intent_unexpected_state", setup_intent=private(si))
    if p.get("customer"):
        get_customer(ctx, p["customer"], "customer")
    for key, value in p.items():
        if key == "metadata":
            si["metadata"] = {k: v for k, v in {**si["metadata"], **value}.items() if v != ""}
        elif key in ("payment_method", "payment_method_data"):
            pm = (payment_methods.from_data(ctx, value) if key == "payment_method_data"
                  else payment_methods.resolve(ctx, value))
            si["payment_method"] = pm["id"]
            if si["status"] == SIStatus.REQUIRES_PAYMENT_METHOD:
                si["status"] = str(transition(si["status"], SIAction.UPDATE_PAYMENT_METHOD).target)
        elif key == "payment_method_options":
            tds.requested(p, si)
        elif key != "expand":
            si[key] = value if value != "" else None
    si["last_setup_error"] = None
    _save(ctx, si)
    return render(ctx, si, p.get("expand"))


def cancel(ctx: Ctx, params: dict, sid: str) -> dict:
    p = fp.validate(params, {"cancellation_reason": fp.enum(*CANCEL_REASONS), **fp.EXPAND})
    si = get_si(ctx, sid)
    if si["status"] not in CANCELABLE:
        raise InvalidRequest(cancel_state_message(si["status"]), code="setup_intent_unexpected_state",
                             setup_intent=private(si))
    si.update(cancellation_reason=p.get("cancellation_reason"), next_action=None)
    move(ctx, si, SIAction.CANCEL)
    return render(ctx, si, p.get("expand"))


def list_(ctx: Ctx, params: dict) -> dict:
    """GET /v1/setup_intents: newest first; ``customer`` and ``payment_method`` narrow it (indexed)."""
    extra = {"customer": fp.string(255), "payment_method": fp.string(255), "attach_to_self": fp.boolean}
    filters = {}
    if isinstance(params.get("customer"), str):
        filters["customer"] = params["customer"]
    if isinstance(params.get("payment_method"), str):
        filters["source"] = params["payment_method"]
    return list_response(ctx, "setup_intent", "/v1/setup_intents", params, extra, filters or None)


# GET /v1/setup_intents/{id} and POST …/confirm: the steps both intents share (intents.py).
retrieve = intents.retriever(get_si)
confirm_endpoint = intents.confirmer(CONFIRM, get_si, confirm)
