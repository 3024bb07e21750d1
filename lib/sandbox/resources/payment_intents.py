"""PaymentIntents: create, retrieve, update, confirm, capture, cancel, list.

Every status change goes through ``lib.stripe_facts.lifecycle`` — the one table of states, transitions and the
events that announce them, shared with the app's diagrams and walkthrough — so the sandbox cannot
drift from what the app teaches.
"""

from __future__ import annotations

import secrets

from lib.stripe_facts import cards, currencies
from lib.stripe_facts.lifecycle import (
    CANCELABLE,
    CAPTURABLE,
    CONFIRMABLE,
    STATUS_ORDER,
    UPDATABLE_AMOUNT,
    PIAction,
    PIStatus,
    allowed_actions,
    transition,
    unexpected_state_message,
)

from .. import params as fp
from ..engine import Ctx, private
from ..errors import InvalidRequest, StripeError, unexpected_state
from ..ids import new_id
from . import automatic_payment_methods as apm
from . import charges, intents, payment_methods
from . import three_d_secure as tds
from .customers import get_customer
from .listing import fetch, list_response, render

CONFIRM = {
    "payment_method": fp.string(255), "return_url": fp.string(2048), "off_session": fp.boolean,
    "error_on_requires_action": fp.boolean, "use_stripe_sdk": fp.boolean, "setup_future_usage":
    fp.enum("on_session", "off_session", ""), "payment_method_options": fp.hash_any, "receipt_email": fp.string(512),
    "capture_method": fp.enum("automatic", "automatic_async", "manual"), "client_secret": fp.string(255),
    "mandate_data": fp.hash_any, "shipping": fp.hash_any, "payment_method_data": fp.hash_any,
    "payment_method_types": fp.string_list, **fp.EXPAND,
}
CREATE = {
    **{k: v for k, v in CONFIRM.items() if k != "client_secret"},
    "amount": fp.integer(1), "currency": fp.currency, "confirm": fp.boolean, "customer": fp.string(255),
    "description": fp.string(1000, blank=True), "metadata": fp.metadata, "statement_descriptor": fp.string(22),
    "statement_descriptor_suffix": fp.string(22), "confirmation_method": fp.enum("automatic", "manual"),
    "automatic_payment_methods": apm.SPEC, "transfer_group": fp.string(255),
}
UPDATE = {k: CREATE[k] for k in ("amount", "currency", "customer", "description", "metadata", "payment_method",
                                 "receipt_email", "setup_future_usage", "capture_method", "shipping",
                                 "statement_descriptor", "statement_descriptor_suffix", "payment_method_options",
                                 "expand")}
CANCEL_REASONS = ("duplicate", "fraudulent", "requested_by_customer", "abandoned")


def get_pi(ctx: Ctx, pi_id: str, param: str = "intent") -> dict:
    return fetch(ctx, "payment_intent", pi_id, param)


def _check_amount(amount: int, currency: str) -> None:
    problem = currencies.amount_error(amount, currency)
    if problem:
        raise InvalidRequest(problem[1], code=problem[0], param="amount")


def _default_capture_method(ctx: Ctx) -> str:
    # automatic_async became the default at API version 2024-04-10.
    return "automatic_async" if ctx.api_version[:10] >= "2024-04-10" else "automatic"


def move(ctx: Ctx, pi: dict, action: PIAction, charge: dict | None = None) -> None:
    """Apply a lifecycle transition and emit its events, in the table's order."""
    tr = transition(PIStatus(pi["status"]) if pi.get("status") else None, action)
    pi["status"] = str(tr.target)
    ctx.store.insert(pi) if tr.source is None else ctx.store.update(pi)
    if charge is not None:
        ctx.store.update(charge)
    for event in tr.events:
        ctx.emit(event, charge if event.startswith("charge.") and charge is not None else pi)


def _state_error(pi: dict, verb: str, allowed: frozenset[PIStatus]) -> StripeError:
    """Stripe's payment_intent_unexpected_state error for ``verb`` on ``pi`` (allowed: the table's set)."""
    return unexpected_state(unexpected_state_message(verb, pi["status"], allowed), payment_intent=private(pi))


def _listed(statuses: frozenset[PIStatus]) -> str:
    """``a, b or c`` in Stripe's order (STATUS_ORDER)."""
    names = [s.value for s in STATUS_ORDER if s in statuses]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def new_pi(ctx: Ctx, p: dict, methods: tuple[dict | None, list[str]] = (None, ["card"])) -> dict:
    """A new PaymentIntent (not stored); ``methods`` is (automatic_payment_methods, payment_method_types)."""
    pi_id = new_id("pi")
    return {
        "id": pi_id, "object": "payment_intent", "amount": p["amount"], "amount_capturable": 0,
        "amount_details": {"tip": {}}, "amount_received": 0, "application": None, "application_fee_amount": None,
        "automatic_payment_methods": methods[0], "canceled_at": None, "cancellation_reason": None,
        "capture_method": p.get("capture_method") or _default_capture_method(ctx),
        "client_secret": f"{pi_id}_secret_{secrets.token_urlsafe(18).replace('-', 'a').replace('_', 'b')}",
        "confirmation_method": p.get("confirmation_method", "automatic"), "created": ctx.now,
        "currency": p["currency"], "customer": p.get("customer"), "customer_account": None,
        "description": p.get("description") or None, "excluded_payment_method_types": None,
        "last_payment_error": None, "latest_charge": None, "livemode": False, "managed_payments": None,
        "metadata": p.get("metadata", {}), "next_action": None, "on_behalf_of": None, "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"installments": None, "mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        "payment_method_types": methods[1], "processing": None, "receipt_email": p.get("receipt_email"),
        "review": None, "setup_future_usage": p.get("setup_future_usage") or None, "shipping": p.get("shipping"),
        "source": None, "statement_descriptor": p.get("statement_descriptor"),
        "statement_descriptor_suffix": p.get("statement_descriptor_suffix"), "status": None,
        "transfer_data": None, "transfer_group": p.get("transfer_group"),
    }


def confirm(ctx: Ctx, pi: dict, p: dict) -> dict:
    """Confirm ``pi`` with the params of a create-with-confirm or a confirm call."""
    if pi["status"] not in CONFIRMABLE:
        raise unexpected_state(f"This PaymentIntent's status is {pi['status']}, so it cannot be confirmed. Only a "
                               f"PaymentIntent with status {_listed(CONFIRMABLE)} can be confirmed.",
                               payment_intent=private(pi))
    apm.check_confirm(pi, p, "Payment Intent")
    pi["next_action"] = None
    for key in ("setup_future_usage", "receipt_email", "capture_method", "shipping"):
        if key in p:
            pi[key] = p[key] or None
    if p.get("payment_method") or p.get("payment_method_data"):
        pm = payment_methods.given(ctx, p)
        pi["payment_method"] = pm["id"]
    elif pi.get("payment_method"):
        pm = payment_methods.resolve(ctx, pi["payment_method"])
    else:
        raise InvalidRequest("You cannot confirm this PaymentIntent because it's missing a payment method. Update "
                             "the PaymentIntent with a payment_method and then confirm it again.",
                             code="payment_intent_unexpected_state", payment_intent=private(pi))
    payment_methods.check_usable(pm, pi.get("customer"), "PaymentIntent")
    card = payment_methods.card_of(pm)
    off_session = bool(p.get("off_session"))
    pi["last_payment_error"] = None
    pi["_off_session"] = off_session
    requested = tds.requested(p, pi)
    lookup_fails = card.three_ds_lookup_error and (card.three_ds == "required" or requested in ("any", "challenge"))
    if lookup_fails:
        return _charge(ctx, pi, pm, card, three_ds="processing_error", decline=card.decline or charges.LOOKUP_ERROR)
    if tds.needs_authentication(card, pm, requested, off_session):
        if off_session:
            return _charge(ctx, pi, pm, card, three_ds=None, decline=charges.AUTH_REQUIRED)
        if p.get("error_on_requires_action"):
            return _charge(ctx, pi, pm, card, three_ds=None, decline=cards.AUTHENTICATION_NOT_HANDLED)
        pi["next_action"] = tds.next_action_for(ctx, pi, card, p.get("return_url"), bool(p.get("use_stripe_sdk")))
        move(ctx, pi, PIAction.CONFIRM_NEEDS_ACTION)
        return pi
    three_ds = "attempt_acknowledged" if requested in ("any", "challenge") and card.three_ds != "not_supported" \
        else None
    if card.three_ds == "frictionless":
        three_ds = "frictionless"  # 3DS ran, the issuer approved without a challenge
    # The decline-after-attach card (4000000000000341) declines every charge, attached or not (TEST_MODE
    # §1.5: attaching succeeds, charges fail); fail_on_charge_after_attach only lets it be attached.
    return _charge(ctx, pi, pm, card, three_ds=three_ds, decline=card.decline)


def _charge(ctx: Ctx, pi: dict, pm: dict, card: cards.TestCard, three_ds: str | None,
            decline: cards.Decline | None, authenticated: bool = False) -> dict:
    manual = pi["capture_method"] == "manual"
    charge, failed = charges.attempt(ctx, pm=pm, amount=pi["amount"], currency=pi["currency"], pi=pi,
                                     customer=pi.get("customer"), description=pi.get("description"),
                                     metadata=pi["metadata"], capture=not manual, three_ds=three_ds,
                                     decline=decline)
    pi["latest_charge"] = charge["id"]
    pi["next_action"] = None
    if failed is not None:
        pi["payment_method"] = None
        pi["last_payment_error"] = {
            "type": "card_error", "code": failed.code, "decline_code": failed.decline_code,
            "advice_code": failed.advice_code, "message": failed.message, "charge": charge["id"],
            "doc_url": f"https://stripe.com/docs/error-codes/{failed.code.replace('_', '-')}",
            "payment_method": private(pm), "payment_method_type": "card",
            **({"param": failed.param} if failed.param else {})}  # optional, never null (Stripe's schema)
        move(ctx, pi, PIAction.AUTH_DECLINE if authenticated else PIAction.DECLINE, charge)
        raise charges.card_error(failed, charge=charge["id"], payment_intent=private(pi),
                                 payment_method=private(pm), payment_method_type="card")
    payment_methods.save_after_success(ctx, pi, pm, pi.get("setup_future_usage"))
    if manual:
        pi["amount_capturable"] = pi["amount"]
        move(ctx, pi, PIAction.AUTH_SUCCESS_MANUAL if authenticated else PIAction.CONFIRM_SUCCESS_MANUAL, charge)
        return pi
    pi["amount_received"] = pi["amount"]
    move(ctx, pi, PIAction.AUTH_SUCCESS if authenticated else PIAction.CONFIRM_SUCCESS, charge)
    ctx.charge_captured(charge, card)
    return pi


def authenticate(ctx: Ctx, pi: dict, success: bool) -> dict:
    """The customer answered the 3-D Secure challenge (admin/challenge_page.py)."""
    pm = payment_methods.resolve(ctx, pi["payment_method"])
    card = payment_methods.card_of(pm)
    if not success:
        pi["next_action"] = None
        pi["payment_method"] = None
        pi["last_payment_error"] = {
            "type": "invalid_request_error", "code": "payment_intent_authentication_failure",
            "doc_url": "https://stripe.com/docs/error-codes/payment-intent-authentication-failure",
            "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data "
                       "or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
            "payment_method": private(pm), "payment_method_type": "card"}
        move(ctx, pi, PIAction.AUTH_FAIL)
        return pi
    try:
        return _charge(ctx, pi, pm, card, three_ds="authenticated", decline=card.decline_after_auth or card.decline,
                       authenticated=True)
    except StripeError:
        return pi  # declined after authentication: PI is back to requires_payment_method, state kept


# --- endpoints ---------------------------------------------------------------------------------
def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, CREATE, required=("amount", "currency"))
    _check_amount(p["amount"], p["currency"])
    pi = intents.create(ctx, p, "Payment Intent", new_pi, move, (PIAction.CREATE, PIAction.CREATE_WITH_PM), confirm,
                        confirm_only=("return_url", "off_session", "error_on_requires_action"))
    return render(ctx, pi, p.get("expand"))


def update(ctx: Ctx, params: dict, pid: str) -> dict:
    p = fp.validate(params, UPDATE)
    pi = get_pi(ctx, pid)
    money_fields = {"amount", "currency", "payment_method", "capture_method", "customer"}
    if money_fields & p.keys() and pi["status"] not in UPDATABLE_AMOUNT:
        raise unexpected_state(f"You cannot update this PaymentIntent's {sorted(money_fields & p.keys())[0]} "
                               f"because it has a status of {pi['status']}.", payment_intent=private(pi))
    if "amount" in p or "currency" in p:
        _check_amount(p.get("amount", pi["amount"]), p.get("currency", pi["currency"]))
    if p.get("customer"):
        get_customer(ctx, p["customer"], "customer")
    for key, value in p.items():
        if key == "expand":
            continue
        if key == "metadata":
            pi["metadata"] = {k: v for k, v in {**pi["metadata"], **value}.items() if v != ""}
        elif key == "payment_method":
            pi["payment_method"] = payment_methods.resolve(ctx, value)["id"]
            if PIAction.UPDATE_PAYMENT_METHOD in allowed_actions(pi["status"]):
                pi["status"] = str(transition(pi["status"], PIAction.UPDATE_PAYMENT_METHOD).target)
        elif key == "payment_method_options":
            tds.requested(p, pi)
        else:
            pi[key] = value if value != "" else None
    pi["last_payment_error"] = None
    ctx.store.update(pi)
    return render(ctx, pi, p.get("expand"))


def capture(ctx: Ctx, params: dict, pid: str) -> dict:
    p = fp.validate(params, {"amount_to_capture": fp.integer(1), "metadata": fp.metadata, "final_capture":
                             fp.boolean, "statement_descriptor": fp.string(22),
                             "statement_descriptor_suffix": fp.string(22), **fp.EXPAND})
    pi = get_pi(ctx, pid)
    if pi["status"] not in CAPTURABLE:
        raise _state_error(pi, "capture", CAPTURABLE)
    amount = p.get("amount_to_capture", pi["amount_capturable"])
    if amount > pi["amount_capturable"]:
        raise InvalidRequest(f"The amount to capture ({amount}) is greater than the amount capturable "
                             f"({pi['amount_capturable']}).", code="amount_too_large", param="amount_to_capture")
    if "metadata" in p:
        pi["metadata"] = {k: v for k, v in {**pi["metadata"], **p["metadata"]}.items() if v != ""}
    charge = charges.capture_charge(ctx, charges.get_charge(ctx, pi["latest_charge"]), amount)
    pi.update(amount_received=amount, amount_capturable=0)
    move(ctx, pi, PIAction.CAPTURE, charge)
    ctx.charge_captured(charge, cards.card_for_number(charge["_card"]))
    return render(ctx, pi, p.get("expand"))


def cancel(ctx: Ctx, params: dict, pid: str) -> dict:
    p = fp.validate(params, {"cancellation_reason": fp.enum(*CANCEL_REASONS), **fp.EXPAND})
    pi = get_pi(ctx, pid)
    if pi["status"] not in CANCELABLE:
        raise _state_error(pi, "cancel", CANCELABLE)
    pi.update(canceled_at=ctx.now, cancellation_reason=p.get("cancellation_reason"), next_action=None,
              amount_capturable=0)
    move(ctx, pi, PIAction.CANCEL)
    return render(ctx, pi, p.get("expand"))


def list_(ctx: Ctx, params: dict) -> dict:
    filters = {"customer": params["customer"]} if isinstance(params.get("customer"), str) else None
    return list_response(ctx, "payment_intent", "/v1/payment_intents", params, {"customer": fp.string(255)}, filters)


# GET /v1/payment_intents/{id} and POST …/confirm: the steps both intents share (intents.py).
retrieve = intents.retriever(get_pi)
confirm_endpoint = intents.confirmer(CONFIRM, get_pi, confirm)
