"""Every operation scenario steps name (:data:`OPS`: the payment ones of :mod:`.payment_ops`, ``search``
from :mod:`.search_step`, and here ``refund``, ``wait_dispute``, ``authenticate`` …), and :func:`perform`,
which runs one step and records its result or error in the :class:`~.state.RunState`.

Every call goes through the SDK client of the run's :class:`~.state.Env`, so it works the same on
Stripe test mode and on the sandbox, and lands in the request log. The one exception is answering
the sandbox's own 3-D Secure page (``/_sandbox/3ds/…``), a plain form POST that the app logs itself.
"""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import urlsplit

import requests
import stripe

from lib.request_log import mask_form_body, now_utc, path_of

from ..challenge import challenge_url, is_sandbox_challenge, post_answer
from ..eventlog import as_dict
from ..scenarios import Step
from . import payment_ops
from .payment_ops import RECORDED_ERRORS, charge_id, noun, pi_id
from .search_step import op_search
from .state import NeedsPerson, RunState, StepFailed, StepLog, poll


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
    si = getattr(err, "setup_intent", None) if err is not None else None
    if si is not None:
        state.set_si(si)
    charge = getattr(err, "charge", None) if err is not None else None
    if isinstance(charge, str):
        state.extra_ids.add(charge)


def op_refund(state: RunState, a: dict) -> str:
    params: dict[str, Any] = {"payment_intent": state.pi["id"]} if state.pi else {"charge": charge_id(state)}
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
    params = {"payment_intent": state.pi["id"]} if state.pi else {"charge": charge_id(state)}

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
    charge = charge_id(state)

    def probe() -> list[dict] | None:
        data = state.call(state.env.client.v1.radar.early_fraud_warnings.list, params={"charge": charge}).data
        return [as_dict(w) for w in data] or None

    warnings = poll(state, "an early fraud warning", probe)
    state.extra_ids.update(w["id"] for w in warnings)
    return warnings[0]["id"]


def op_wait_balance_transaction(state: RunState, a: dict) -> str:
    def probe() -> dict | None:
        pi = as_dict(state.call(state.env.client.v1.payment_intents.retrieve, pi_id(state),
                                params={"expand": ["latest_charge"]}))
        return pi if (pi.get("latest_charge") or {}).get("balance_transaction") else None

    pi = poll(state, "the charge's balance transaction", probe)
    return str(pi["latest_charge"]["balance_transaction"])


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


def _refresh_intent(state: RunState) -> dict:
    """The intent the 3-D Secure challenge is for (the run's PaymentIntent or SetupIntent), fetched again."""
    if state.acting_on == "setup_intent":
        if not state.si:
            raise StepFailed("There is no SetupIntent to act on (an earlier step failed).")
        return state.set_si(state.call(state.env.client.v1.setup_intents.retrieve, state.si["id"]))
    return state.set_pi(state.call(state.env.client.v1.payment_intents.retrieve, pi_id(state)))


def op_authenticate(state: RunState, a: dict, interactive: bool) -> str:
    intent = _refresh_intent(state)
    if intent["status"] != "requires_action":
        raise StepFailed(f"The {noun(intent)} is {intent['status']}, not waiting for authentication.")
    url = challenge_url(intent)
    if interactive or not is_sandbox_challenge(url):
        raise NeedsPerson(url)
    answer_challenge(state, url, a.get("result", "complete"))
    intent = _refresh_intent(state)
    return (f"answered {a.get('result', 'complete')} on the sandbox's challenge page (sandbox-only) → "
            f"{intent['status']}")


def after_person(state: RunState, answer: str | None) -> None:
    """Called when a paused run resumes: the person answered (or asks us to answer on the sandbox)."""
    step = state.scenario.steps[state.step_index]
    if answer:
        answer_challenge(state, state.challenge_url or "", answer)
    intent = _refresh_intent(state)
    if intent["status"] == "requires_action":
        raise NeedsPerson(state.challenge_url)
    who = f"answered {answer} for you (sandbox-only)" if answer else "answered by you"
    state.steps.append(StepLog(step.describe(), f"{who} → {intent['status']}"))


OPS = {**{name.removeprefix("op_"): fn for module in (vars(payment_ops), globals()) for name, fn in module.items()
          if name.startswith("op_")}, "search": op_search}


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
