"""The operations scenario steps name (``pay``, ``capture``, ``wait_dispute`` …; ``search`` comes
from search_step.py), and :func:`perform`, which runs one step and records its result or error in
the :class:`~.state.RunState`.

Every call goes through the SDK client of the run's :class:`~.state.Env`, so it works the same on
Stripe test mode and on the sandbox, and lands in the request log. The one exception is answering
the sandbox's own 3-D Secure page (``/_sandbox/3ds/…``), a plain form POST that the app logs itself.
"""

from __future__ import annotations

import time
import uuid
from typing import Any
from urllib.parse import urlsplit

import requests
import stripe

from lib.request_log import mask_form_body, now_utc, path_of
from lib.stripe_facts.cards import detect_brand

from ..challenge import challenge_url, is_sandbox_challenge, post_answer
from ..eventlog import as_dict
from ..scenarios import DEFAULT_AMOUNT, DEFAULT_CURRENCY, RETURN_URL, Step
from .search_step import fill, op_search
from .state import NeedsPerson, RunState, StepFailed, StepLog, poll

# Errors that are part of a scenario's outcome; anything else (auth, rate limit, network, 5xx) aborts it.
RECORDED_ERRORS = (stripe.CardError, stripe.InvalidRequestError, stripe.IdempotencyError)


def _record_error(state: RunState, exc: stripe.StripeError) -> None:
    err = exc.error
    state.last_error = {
        "code": (getattr(err, "code", None) if err is not None else None) or exc.code,
        "decline_code": getattr(err, "decline_code", None) if err is not None else None,
        "type": getattr(err, "type", None) if err is not None else None,
        "http_status": exc.http_status, "message": exc.user_message, "headers": dict(exc.headers or {}),
    }
    pi = getattr(err, "payment_intent", None) if err is not None else None
    if pi is not None:
        state.set_pi(pi)
    charge = getattr(err, "charge", None) if err is not None else None
    if isinstance(charge, str):
        state.extra_ids.add(charge)


def _pi_id(state: RunState) -> str:
    if not state.pi:
        raise StepFailed("There is no PaymentIntent to act on (an earlier step failed).")
    return state.pi["id"]


def _charge_id(state: RunState) -> str | None:
    if state.pi:
        latest = state.pi.get("latest_charge")
        return latest["id"] if isinstance(latest, dict) else latest
    return state.charge["id"] if state.charge else None


# --- operations -----------------------------------------------------------------------------------
def op_pay(state: RunState, a: dict) -> str:
    params: dict[str, Any] = {"amount": a.get("amount", DEFAULT_AMOUNT), "currency": a.get("currency",
                              DEFAULT_CURRENCY), "confirm": True,
                              "payment_method": state.pm if a["pm"] == "@pm" else a["pm"]}
    if a.get("customer"):
        params["customer"] = state.customer
    for key in ("capture_method", "off_session", "error_on_requires_action", "setup_future_usage"):
        if key in a:
            params[key] = a[key]
    if "return_url" in a:
        params["return_url"] = state.env.return_url if a["return_url"] == RETURN_URL else a["return_url"]
    if a.get("three_ds"):
        params["payment_method_options"] = {"card": {"request_three_d_secure": a["three_ds"]}}
    params.update(a.get("extra", {}))
    for key in a.get("omit", ()):
        params.pop(key, None)
    options = {"idempotency_key": f"pfl-{state.scenario.id}-{uuid.uuid4().hex[:12]}"} if a.get("idempotent") else {}
    state.last_call = ("pay", params, options)
    pi = state.set_pi(state.call(state.env.client.v1.payment_intents.create, params=params, options=options))
    return _pi_text(pi)


def op_create(state: RunState, a: dict) -> str:
    params: dict[str, Any] = {"amount": a.get("amount", DEFAULT_AMOUNT), "currency": DEFAULT_CURRENCY}
    if a.get("pm"):
        params["payment_method"] = a["pm"]
    return _pi_text(state.set_pi(state.call(state.env.client.v1.payment_intents.create, params=params)))


def op_confirm(state: RunState, a: dict) -> str:
    pi = state.call(state.env.client.v1.payment_intents.confirm, _pi_id(state), params={"payment_method": a["pm"]})
    return _pi_text(state.set_pi(pi))


def op_capture(state: RunState, a: dict) -> str:
    params = {"amount_to_capture": a["amount"]} if "amount" in a else {}
    return _pi_text(state.set_pi(state.call(state.env.client.v1.payment_intents.capture, _pi_id(state),
                                            params=params)))


def op_cancel(state: RunState, a: dict) -> str:
    params = {"cancellation_reason": a["reason"]} if "reason" in a else {}
    return _pi_text(state.set_pi(state.call(state.env.client.v1.payment_intents.cancel, _pi_id(state),
                                            params=params)))


def op_retrieve_pi(state: RunState, a: dict) -> str:
    return _pi_text(state.set_pi(state.call(state.env.client.v1.payment_intents.retrieve, a["id"])))


def op_refund(state: RunState, a: dict) -> str:
    params: dict[str, Any] = {"payment_intent": state.pi["id"]} if state.pi else {"charge": _charge_id(state)}
    if params.get("charge") is None and not state.pi:
        raise StepFailed("There is no payment to refund (an earlier step failed).")
    for key in ("amount", "reason"):
        if key in a:
            params[key] = a[key]
    refund = as_dict(state.call(state.env.client.v1.refunds.create, params=params))
    state.refund, state.refund_initial_status = refund, refund.get("status")
    state.extra_ids.add(refund["id"])
    return f"{refund['id']} {refund.get('status')}"


def op_cancel_refund(state: RunState, a: dict) -> str:
    if not state.refund:
        raise StepFailed("There is no refund to cancel.")
    refund = as_dict(state.call(state.env.client.v1.refunds.cancel, state.refund["id"]))
    state.refund = refund
    return f"{refund['id']} {refund.get('status')}"


def op_wait_refund(state: RunState, a: dict) -> str:
    if not state.refund:
        raise StepFailed("There is no refund to wait for.")

    def probe() -> dict | None:
        refund = as_dict(state.call(state.env.client.v1.refunds.retrieve, state.refund["id"]))
        return refund if refund.get("status") == a["status"] else None

    state.refund = poll(state, f"the refund to become {a['status']}", probe)
    return f"{state.refund['id']} {state.refund['status']}"


def op_wait_dispute(state: RunState, a: dict) -> str:
    count = a.get("count", 1)
    params = {"payment_intent": state.pi["id"]} if state.pi else {"charge": _charge_id(state)}

    def probe() -> list[dict] | None:
        data = [as_dict(d) for d in state.call(state.env.client.v1.disputes.list, params=params).data]
        mine = [d for d in data if d.get("status") == a["status"]]
        return data if len(mine) >= count else None

    disputes = poll(state, f"{count} dispute(s) in status {a['status']}", probe)
    state.dispute = disputes[0]
    state.extra_ids.update(d["id"] for d in disputes)
    return ", ".join(f"{d['id']} {d['status']}" for d in disputes)


def op_evidence(state: RunState, a: dict) -> str:
    if not state.dispute:
        raise StepFailed("There is no dispute to submit evidence for.")
    dispute = as_dict(state.call(state.env.client.v1.disputes.update, state.dispute["id"],
                                 params={"evidence": {"uncategorized_text": a["text"]}}))
    state.dispute = dispute
    return f"{dispute['id']} {dispute['status']}"


def op_close_dispute(state: RunState, a: dict) -> str:
    if not state.dispute:
        raise StepFailed("There is no dispute to close.")
    state.dispute = as_dict(state.call(state.env.client.v1.disputes.close, state.dispute["id"]))
    return f"{state.dispute['id']} {state.dispute['status']}"


def op_wait_efw(state: RunState, a: dict) -> str:
    charge = _charge_id(state)

    def probe() -> list[dict] | None:
        data = state.call(state.env.client.v1.radar.early_fraud_warnings.list, params={"charge": charge}).data
        return [as_dict(w) for w in data] or None

    warnings = poll(state, "an early fraud warning", probe)
    state.extra_ids.update(w["id"] for w in warnings)
    return warnings[0]["id"]


def op_wait_balance_transaction(state: RunState, a: dict) -> str:
    def probe() -> dict | None:
        pi = as_dict(state.call(state.env.client.v1.payment_intents.retrieve, _pi_id(state),
                                params={"expand": ["latest_charge"]}))
        return pi if (pi.get("latest_charge") or {}).get("balance_transaction") else None

    pi = poll(state, "the charge's balance transaction", probe)
    return str(pi["latest_charge"]["balance_transaction"])


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


def answer_challenge(state: RunState, url: str, action: str) -> int:
    """POST the sandbox's 3DS test page (sandbox-only) as the customer would; logged like API calls."""
    if not is_sandbox_challenge(url):
        raise StepFailed("Only the offline sandbox's challenge page can be answered automatically.")
    started, t0 = now_utc(), time.perf_counter()
    status, error = None, None
    try:
        status = post_answer(url, action)
    except requests.RequestException as exc:
        error = f"{type(exc).__name__}: could not reach the challenge page"
        raise StepFailed(error) from exc
    finally:
        log = state.env.request_log
        if log is not None:
            parts = urlsplit(url)
            log.record(started_at=started, method="POST", path=path_of(url), status=status,
                       latency_ms=(time.perf_counter() - t0) * 1000, api_base=f"{parts.scheme}://{parts.netloc}",
                       request_body=mask_form_body(f"action={action}"), response_body="(3DS test page, HTML)",
                       error=error)
    if status not in (200, 303):
        raise StepFailed(f"The challenge page answered HTTP {status}.")
    return status


def op_authenticate(state: RunState, a: dict, interactive: bool) -> str:
    pi = state.set_pi(state.call(state.env.client.v1.payment_intents.retrieve, _pi_id(state)))
    if pi["status"] != "requires_action":
        raise StepFailed(f"The PaymentIntent is {pi['status']}, not waiting for authentication.")
    url = challenge_url(pi)
    if interactive or not is_sandbox_challenge(url):
        raise NeedsPerson(url)
    answer_challenge(state, url, a.get("result", "complete"))
    pi = state.set_pi(state.call(state.env.client.v1.payment_intents.retrieve, pi["id"]))
    return f"answered {a.get('result', 'complete')} on the sandbox's challenge page (sandbox-only) → {pi['status']}"


def after_person(state: RunState, answer: str | None) -> None:
    """Called when a paused run resumes: the person answered (or asks us to answer on the sandbox)."""
    step = state.scenario.steps[state.step_index]
    if answer:
        answer_challenge(state, state.challenge_url or "", answer)
    pi = as_dict(state.call(state.env.client.v1.payment_intents.retrieve, _pi_id(state)))
    if pi["status"] == "requires_action":
        raise NeedsPerson(state.challenge_url)
    state.set_pi(pi)
    who = f"answered {answer} for you (sandbox-only)" if answer else "answered by you"
    state.steps.append(StepLog(step.describe(), f"{who} → {pi['status']}"))


OPS = {**{name.removeprefix("op_"): fn for name, fn in globals().items() if name.startswith("op_")},
       "search": op_search}


def perform(state: RunState, step: Step, *, interactive: bool) -> bool:
    """Run one step. Returns True when the scenario stops here (an error it does not go on after)."""
    fn = OPS.get(step.op)
    if fn is None:
        raise StepFailed(f"Unknown step {step.op!r}")
    try:
        result = fn(state, step.args, interactive) if step.op == "authenticate" else fn(state, step.args)
    except RECORDED_ERRORS as exc:
        _record_error(state, exc)
        code = state.last_error["code"] or state.last_error["type"]
        state.steps.append(StepLog(step.describe(), f"HTTP {exc.http_status} {code}: {exc.user_message}",
                                   ok=step.may_fail))
        return not step.may_fail
    except StepFailed as exc:
        state.steps.append(StepLog(step.describe(), str(exc), ok=False))
        return True
    except NeedsPerson:
        state.steps.append(StepLog(step.describe(), "waiting for a person to answer the 3-D Secure challenge"))
        raise
    state.steps.append(StepLog(step.describe(), result))
    return False


def _pi_text(pi: dict) -> str:
    text = f"{pi['id']} {pi['status']}"
    if pi.get("next_action"):
        text += f" (next_action: {pi['next_action'].get('type')})"
    return text
