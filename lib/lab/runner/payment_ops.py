"""The step operations on payments and saved cards: ``pay`` (create + confirm), ``create``,
``confirm``, ``setup`` (save a card with a SetupIntent), ``capture``, ``cancel``, ``customer``,
``replay``, the legacy Charges calls and ``raw_pm``; and the rule every confirm follows on today's
Stripe (a ``return_url`` unless card-only, redirect-free or off-session, TEST_MODE §2.1).

Every call goes through the SDK client of the run's :class:`~.state.Env`, so it works the same on
Stripe test mode and on the sandbox, and lands in the request log.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

import stripe

from lib.stripe_facts.cards import detect_brand

from ..eventlog import as_dict
from ..scenarios import DEFAULT_AMOUNT, DEFAULT_CURRENCY, RETURN_URL
from .search_step import fill
from .state import RunState, StepFailed

# Errors that are part of a scenario's outcome; anything else (auth, rate limit, network, 5xx) aborts it.
RECORDED_ERRORS = (stripe.CardError, stripe.InvalidRequestError, stripe.IdempotencyError)


def confirmable_without_return_url(params: dict) -> bool:
    """Whether Stripe lets this create-with-confirm or confirm go without a ``return_url``
    (TEST_MODE §2.1): card-only (``payment_method_types``), redirects refused
    (``automatic_payment_methods[allow_redirects]=never``) or off-session."""
    apm = params.get("automatic_payment_methods") or {}
    return bool(params.get("payment_method_types") or params.get("off_session")
                or apm.get("allow_redirects") == "never")


def _with_return_url(state: RunState, params: dict, a: dict) -> dict:
    """``params`` as the app sends them: with the run's return page unless the step names its own
    (``return_url``), sends none (``omit``) or needs none (:func:`confirmable_without_return_url`)."""
    if "return_url" in a:
        params["return_url"] = state.env.return_url if a["return_url"] == RETURN_URL else a["return_url"]
    elif not confirmable_without_return_url(params):
        params["return_url"] = state.env.return_url
    return params


def pi_id(state: RunState) -> str:
    if not state.pi:
        raise StepFailed("There is no PaymentIntent to act on (an earlier step failed).")
    return state.pi["id"]


def charge_id(state: RunState) -> str | None:
    if state.pi:
        latest = state.pi.get("latest_charge")
        return latest["id"] if isinstance(latest, dict) else latest
    return state.charge["id"] if state.charge else None


def op_pay(state: RunState, a: dict) -> str:
    params: dict[str, Any] = {"amount": a.get("amount", DEFAULT_AMOUNT), "currency": a.get("currency",
                              DEFAULT_CURRENCY), "confirm": True,
                              "payment_method": state.pm if a["pm"] == "@pm" else a["pm"]}
    if a.get("customer"):
        params["customer"] = state.customer
    for key in ("capture_method", "off_session", "error_on_requires_action", "setup_future_usage",
                "payment_method_types"):
        if key in a:
            params[key] = a[key]
    if a.get("three_ds"):
        params["payment_method_options"] = {"card": {"request_three_d_secure": a["three_ds"]}}
    params.update(a.get("extra", {}))
    _with_return_url(state, params, a)
    for key in a.get("omit", ()):
        params.pop(key, None)
    options = {"idempotency_key": f"pfl-{state.scenario.id}-{uuid.uuid4().hex[:12]}"} if a.get("idempotent") else {}
    state.last_call = ("pay", params, options)
    state.acting_on = "payment_intent"
    pi = state.set_pi(state.call(state.env.client.v1.payment_intents.create, params=params, options=options))
    if a.get("setup_future_usage") and isinstance(pi.get("payment_method"), str):
        state.pm = pi["payment_method"]  # saved for later: the next "@pm" step pays with it
        state.extra_ids.add(state.pm)
    return intent_text(pi)


def op_create(state: RunState, a: dict) -> str:
    params: dict[str, Any] = {"amount": a.get("amount", DEFAULT_AMOUNT), "currency": DEFAULT_CURRENCY}
    if a.get("pm"):
        params["payment_method"] = a["pm"]
    return intent_text(state.set_pi(state.call(state.env.client.v1.payment_intents.create, params=params)))


def op_confirm(state: RunState, a: dict) -> str:
    # The PaymentIntent was created without payment_method_types (op_create), so it needs a return_url.
    params = _with_return_url(state, {"payment_method": a["pm"]}, a)
    pi = state.call(state.env.client.v1.payment_intents.confirm, pi_id(state), params=params)
    state.acting_on = "payment_intent"
    return intent_text(state.set_pi(pi))


def op_setup(state: RunState, a: dict) -> str:
    """Save a card: create and confirm a SetupIntent (for the run's customer with ``customer=True``)."""
    params: dict[str, Any] = {"payment_method": state.pm if a["pm"] == "@pm" else a["pm"], "confirm": True}
    if a.get("customer"):
        params["customer"] = state.customer
    if "usage" in a:
        params["usage"] = a["usage"]
    if a.get("three_ds"):
        params["payment_method_options"] = {"card": {"request_three_d_secure": a["three_ds"]}}
    _with_return_url(state, params, a)
    for key in a.get("omit", ()):
        params.pop(key, None)
    state.acting_on = "setup_intent"
    return intent_text(state.set_si(state.call(state.env.client.v1.setup_intents.create, params=params)))


def op_capture(state: RunState, a: dict) -> str:
    params = {"amount_to_capture": a["amount"]} if "amount" in a else {}
    return intent_text(state.set_pi(state.call(state.env.client.v1.payment_intents.capture, pi_id(state),
                                            params=params)))


def op_cancel(state: RunState, a: dict) -> str:
    params = {"cancellation_reason": a["reason"]} if "reason" in a else {}
    return intent_text(state.set_pi(state.call(state.env.client.v1.payment_intents.cancel, pi_id(state),
                                            params=params)))


def op_retrieve_pi(state: RunState, a: dict) -> str:
    return intent_text(state.set_pi(state.call(state.env.client.v1.payment_intents.retrieve, a["id"])))


def op_customer(state: RunState, a: dict) -> str:
    params = {"description": f"Payment Flow Lab scenario {state.scenario.id}",
              **{key: fill(state, a[key]) for key in ("email", "name") if key in a}}
    customer = as_dict(state.call(state.env.client.v1.customers.create, params=params))
    state.customer = customer["id"]
    state.extra_ids.add(customer["id"])
    if "attach" not in a:
        return customer["id"]
    pm = as_dict(state.call(state.env.client.v1.payment_methods.attach, a["attach"],
                            params={"customer": customer["id"]}))
    state.pm = pm["id"]
    return f"{customer['id']}; attached {pm['id']}"


def op_replay(state: RunState, a: dict) -> str:
    if state.last_call is None:
        raise StepFailed("Nothing to replay.")
    _, params, options = state.last_call
    state.replay_info["original_id"] = state.pi["id"] if state.pi else None
    try:
        pi = state.call(state.env.client.v1.payment_intents.create, params={**params, **a}, options=options)
    except RECORDED_ERRORS as exc:
        headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
        state.replay_info["replayed"] = headers.get("idempotent-replayed") == "true"
        err_pi = getattr(exc.error, "payment_intent", None) if exc.error is not None else None
        state.replay_info["id"] = getattr(err_pi, "id", None)
        raise
    headers = {k.lower(): v for k, v in (pi.last_response.headers if pi.last_response else {}).items()}
    state.replay_info.update(replayed=headers.get("idempotent-replayed") == "true", id=pi.id)
    return f"{pi.id} (Idempotent-Replayed: {headers.get('idempotent-replayed', 'false')})"


def op_legacy_charge(state: RunState, a: dict) -> str:
    params = {"amount": DEFAULT_AMOUNT, "currency": DEFAULT_CURRENCY, "source": a["source"],
              "capture": a.get("capture", True)}
    try:
        charge = as_dict(state.call(state.env.client.v1.charges.create, params=params))
    except RECORDED_ERRORS as exc:
        charge_id = getattr(exc.error, "charge", None) if exc.error is not None else None
        if isinstance(charge_id, str):
            state.charge = as_dict(state.call(state.env.client.v1.charges.retrieve, charge_id))
            state.note_start(state.charge)
        raise
    state.charge = charge
    state.note_start(charge)
    return f"{charge['id']} {charge['status']}"


def op_legacy_capture(state: RunState, a: dict) -> str:
    if not state.charge:
        raise StepFailed("There is no charge to capture.")
    state.charge = as_dict(state.call(state.env.client.v1.charges.capture, state.charge["id"]))
    return f"{state.charge['id']} captured={state.charge['captured']}"


def op_raw_pm(state: RunState, a: dict) -> str:
    card = {"number": a["number"], "exp_month": a.get("exp_month", 12),
            "exp_year": a.get("exp_year", time.gmtime().tm_year + 3),
            "cvc": a.get("cvc", "1234" if detect_brand(a["number"]) == "amex" else "123")}
    pm = as_dict(state.call(state.env.client.v1.payment_methods.create, params={"type": "card", "card": card},
                            options={"api_key": state.env.publishable_key}))
    state.pm = pm["id"]
    return f"{pm['id']} ({pm['card']['brand']} •••• {pm['card']['last4']}, publishable key)"


def noun(intent: dict) -> str:
    return "SetupIntent" if intent.get("object") == "setup_intent" else "PaymentIntent"


def intent_text(intent: dict) -> str:
    text = f"{intent['id']} {intent['status']}"
    if intent.get("next_action"):
        text += f" (next_action: {intent['next_action'].get('type')})"
    return text
