"""Refunds: POST/GET /v1/refunds, update, cancel, and the legacy charge-scoped endpoints.

Rules from TEST_MODE.md §3 (messages are the recorded ones where §3.3 / the probes give them):

* A refund takes ``charge`` or ``payment_intent`` (its latest charge); ``amount`` defaults to what
  is left, and partial refunds may repeat up to the **captured** amount. ``charge.amount_refunded``
  accumulates; ``charge.refunded`` turns true only when nothing is left.
* Each refund writes a ``refund`` balance transaction: negative, ``fee: 0`` (Stripe keeps the
  processing fee), ``description: "REFUND FOR CHARGE (<charge description>)"`` — the charge id
  stands in when the charge has no description [INF]. Converted charges are valued at the
  original charge's rate (see balance_transactions.settle_share).
* Events: ``refund.created`` then ``charge.refunded`` (with ``previous_attributes``).
* Async refund cards (§1.9, §9 — all three events are emitted):
  ``pending`` → the refund starts ``pending`` (``pending_reason: processing``) and a job later
  makes it ``succeeded`` (``refund.updated``, ``charge.refund.updated``);
  ``fail`` → the refund starts ``succeeded`` and a job later makes it ``failed`` with
  ``failure_reason: expired_or_canceled_card``, a ``refund_failure`` balance transaction giving
  the money back and ``failure_balance_transaction`` set (``refund.failed``, ``refund.updated``,
  ``charge.refund.updated``).
* Decisions [INF]: a pending refund counts in ``charge.amount_refunded`` and books its balance
  transaction at creation (the money is committed, and the charge cannot be over-refunded while
  it is in flight). When a refund fails, ``charge.amount_refunded`` is reduced by its amount again
  (and ``refunded`` recomputed), so the charge can be refunded anew; no extra ``charge.updated``
  is emitted for that. A pending refund on a charge whose inquiry escalates to a chargeback fails
  with ``charge_for_pending_refund_disputed`` (§4.3), through the same path.
* Cancel: every sandbox refund is a card refund, and card refunds cannot be canceled through the
  API → 400 "Canceling this refund is unsupported." (§3.3).
* Uncaptured charges of a legacy (non-PaymentIntent) charge are refused with our own wording
  [INF]; the PaymentIntent case uses the recorded message.
"""

from __future__ import annotations

from lib.stripe_facts import cards, currencies
from lib.stripe_facts.lifecycle import PIStatus

from .. import params as fp
from ..engine import Ctx
from ..errors import InvalidRequest, NotFound, ParamError
from ..ids import body_of, new_id, random_body
from . import ledger
from .balance_transactions import settle_share
from .charges import get_charge
from .listing import list_response, render

REASONS = ("duplicate", "fraudulent", "requested_by_customer")
COMMON = {"amount": fp.integer(1), "reason": fp.enum(*REASONS), "metadata": fp.metadata,
          "refund_application_fee": fp.boolean, "reverse_transfer": fp.boolean, **fp.EXPAND}
CREATE = {**COMMON, "charge": fp.string(255), "payment_intent": fp.string(255),
          "instructions_email": fp.string(512)}
UPDATE = {"metadata": fp.metadata, **fp.EXPAND}
UNCAPTURED = ("This uncaptured Charge was created by a PaymentIntent ({pi}). You must cancel the PaymentIntent to "
              "reverse the authorization instead of refunding the Charge directly. For more information, see "
              "https://stripe.com/docs/payments/place-a-hold-on-a-payment-method")
NO_SUCCESSFUL_CHARGE = "This PaymentIntent ({pi}) does not have a successful charge to refund."


def get_refund(ctx: Ctx, refund_id: str) -> dict:
    refund = ctx.store.get(refund_id, "refund")
    if refund is None:
        raise NotFound("refund", refund_id, "refund")
    return refund


def _resolve(ctx: Ctx, p: dict) -> dict:
    """The charge a create request refunds, with the PaymentIntent-level refusals."""
    if not p.get("charge") and not p.get("payment_intent"):
        raise ParamError("One of the following params should be provided for this request: payment_intent or charge.")
    charge = get_charge(ctx, p["charge"], "id") if p.get("charge") else None
    if p.get("payment_intent"):
        pi = ctx.store.get(p["payment_intent"], "payment_intent")
        if pi is None:
            raise NotFound("payment_intent", p["payment_intent"], "payment_intent")
        if charge is not None and charge.get("payment_intent") != pi["id"]:
            raise InvalidRequest(f"The charge {charge['id']} does not belong to the PaymentIntent {pi['id']}.",
                                 param="charge")
        if charge is None:
            if pi["status"] == PIStatus.REQUIRES_CAPTURE:
                raise InvalidRequest(UNCAPTURED.format(pi=pi["id"]))
            if not pi.get("latest_charge"):
                raise InvalidRequest(NO_SUCCESSFUL_CHARGE.format(pi=pi["id"]))
            charge = get_charge(ctx, pi["latest_charge"], "payment_intent")
    return charge


def _check_refundable(ctx: Ctx, charge: dict) -> int:
    """Refuse what §3.3 refuses; returns the amount still refundable."""
    pi = charge.get("payment_intent")
    if charge["status"] != "succeeded":
        raise InvalidRequest(NO_SUCCESSFUL_CHARGE.format(pi=pi) if pi else
                             f"Charge {charge['id']} did not succeed, so there is nothing to refund.")
    if not charge["captured"]:
        if pi:
            pi_obj = ctx.store.get(pi, "payment_intent") or {}
            template = UNCAPTURED if pi_obj.get("status") == PIStatus.REQUIRES_CAPTURE else NO_SUCCESSFUL_CHARGE
            raise InvalidRequest(template.format(pi=pi))
        raise InvalidRequest(f"Charge {charge['id']} has not been captured, so there is nothing to refund.")
    disputes, _ = ctx.store.list("dispute", filters={"charge": charge["id"]}, limit=100)
    if any(not d["is_charge_refundable"] for d in disputes):
        raise InvalidRequest(f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                             code="charge_disputed")
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        raise InvalidRequest(f"Charge {charge['id']} has already been refunded.", code="charge_already_refunded")
    return remaining


def _description(prefix: str, charge: dict) -> str:
    return f"{prefix} ({charge.get('description') or charge['id']})"


def _set_refunded(charge: dict, delta: int) -> dict:
    """Move ``amount_refunded`` by ``delta``; returns the previous values that changed."""
    previous = {"amount_refunded": charge["amount_refunded"]}
    charge["amount_refunded"] += delta
    refunded = charge["amount_refunded"] >= charge["amount_captured"] > 0
    if refunded != charge["refunded"]:
        previous["refunded"] = charge["refunded"]
        charge["refunded"] = refunded
    return previous


def create_refund(ctx: Ctx, p: dict) -> tuple[dict, dict]:
    """Create a refund from validated params (CREATE). Returns (refund, charge)."""
    charge = _resolve(ctx, p)
    remaining = _check_refundable(ctx, charge)
    amount = p.get("amount", remaining)
    if amount > remaining:
        cur = charge["currency"]
        raise InvalidRequest(f"Refund amount ({currencies.format_amount(amount, cur)}) is greater than unrefunded "
                             f"amount on charge ({currencies.format_amount(remaining, cur)})", param="amount")
    behaviour = cards.card_for_number(charge["_card"]).refund_behaviour if charge.get("_card") else None
    refund_id = new_id("re")
    settled, rate = settle_share(ctx, charge, amount, already_out=charge.get("_refunded_settled", 0),
                                 remaining=remaining)
    txn = ledger.new_balance_transaction(
        ctx, amount=-settled, fee=0, fee_details=[], type_="refund", category="refund", source=refund_id,
        description=_description("REFUND FOR CHARGE", charge), exchange_rate=rate, body=body_of(refund_id))
    refund = {
        "id": refund_id, "object": "refund", "amount": amount, "balance_transaction": txn["id"],
        "charge": charge["id"], "created": ctx.now, "currency": charge["currency"], "customer": charge.get("customer"),
        "customer_account": None,
        "destination_details": {"card": {"reference_status": "pending", "reference_type": "acquirer_reference_number",
                                         "type": "refund"}, "type": "card"},
        "metadata": p.get("metadata", {}), "payment_intent": charge.get("payment_intent"),
        "payment_method": charge.get("payment_method"), "reason": p.get("reason"), "receipt_number": None,
        "source_transfer_reversal": None, "status": "succeeded", "transfer_reversal": None,
        "_settled": settled,
    }
    if behaviour == "pending":
        refund.update(status="pending", pending_reason="processing")
    ctx.store.insert(refund)
    previous = _set_refunded(charge, amount)
    charge["_refunded_settled"] = charge.get("_refunded_settled", 0) + settled
    ctx.store.update(charge)
    ctx.emit("refund.created", refund)
    ctx.emit("charge.refunded", charge, previous)
    if behaviour == "pending":
        ctx.schedule(1.0, "refund.settle", {"refund": refund_id})
    elif behaviour == "fail":
        ctx.schedule(1.0, "refund.fail", {"refund": refund_id, "reason": "expired_or_canceled_card"})
    if ctx.inline_jobs and behaviour:  # seeding ran the job already: answer with the stored state
        refund, charge = get_refund(ctx, refund_id), get_charge(ctx, charge["id"])
    return refund, charge


def fail_refund(ctx: Ctx, refund: dict, reason: str) -> None:
    """A refund that already took money out fails: the money comes back (refund_failure BT)."""
    charge = get_charge(ctx, refund["charge"])
    previous = {"status": refund["status"], "failure_balance_transaction": None, "failure_reason": None}
    original = ctx.store.get(refund["balance_transaction"], "balance_transaction") or {}
    txn = ledger.new_balance_transaction(
        ctx, amount=refund["_settled"], fee=0, fee_details=[], type_="refund_failure", category="refund_failure",
        source=refund["id"], description=_description("REFUND FAILURE FOR CHARGE", charge),
        exchange_rate=original.get("exchange_rate"))
    if "pending_reason" in refund:
        previous["pending_reason"] = refund.pop("pending_reason")
    refund.update(status="failed", failure_reason=reason, failure_balance_transaction=txn["id"])
    ctx.store.update(refund)
    _set_refunded(charge, -refund["amount"])
    charge["_refunded_settled"] = charge.get("_refunded_settled", 0) - refund["_settled"]
    ctx.store.update(charge)
    ctx.emit("refund.failed", refund, previous)
    ctx.emit("refund.updated", refund, previous)
    ctx.emit("charge.refund.updated", refund, previous)


def fail_pending_refunds(ctx: Ctx, charge_id: str, reason: str) -> int:
    """Fail every refund of ``charge_id`` still in flight (e.g. its inquiry escalated)."""
    pending, _ = ctx.store.list("refund", filters={"charge": charge_id, "status": "pending"}, limit=100)
    for refund in pending:
        fail_refund(ctx, refund, reason)
    return len(pending)


def settle_job(ctx: Ctx, payload: dict) -> None:
    """Job ``refund.settle``: a pending refund succeeds."""
    refund = ctx.store.get(payload["refund"], "refund")
    if refund is None or refund["status"] != "pending":
        return
    previous = {"status": "pending", "pending_reason": refund.pop("pending_reason", None),
                "destination_details": {"card": dict(refund["destination_details"]["card"]), "type": "card"}}
    refund["status"] = "succeeded"
    refund["destination_details"]["card"].update(reference=random_body(23).upper(), reference_status="available")
    ctx.store.update(refund)
    ctx.emit("refund.updated", refund, previous)
    ctx.emit("charge.refund.updated", refund, previous)


def fail_job(ctx: Ctx, payload: dict) -> None:
    """Job ``refund.fail``: a refund that succeeded at first fails (the refund-fail card)."""
    refund = ctx.store.get(payload["refund"], "refund")
    if refund is not None and refund["status"] == "succeeded":
        fail_refund(ctx, refund, payload.get("reason", "expired_or_canceled_card"))


def _update_metadata(ctx: Ctx, refund: dict, p: dict) -> dict:
    if "metadata" in p:
        previous = {"metadata": dict(refund["metadata"])}
        refund["metadata"] = {k: v for k, v in {**refund["metadata"], **p["metadata"]}.items() if v != ""}
        ctx.store.update(refund)
        ctx.emit("refund.updated", refund, previous)
    return render(ctx, refund, p.get("expand"))


# --- endpoints ---------------------------------------------------------------------------------
def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, CREATE)
    refund, _ = create_refund(ctx, p)
    return render(ctx, refund, p.get("expand"))


def retrieve(ctx: Ctx, params: dict, rid: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, get_refund(ctx, rid), p.get("expand"))


def update(ctx: Ctx, params: dict, rid: str) -> dict:
    p = fp.validate(params, UPDATE)
    return _update_metadata(ctx, get_refund(ctx, rid), p)


def cancel(ctx: Ctx, params: dict, rid: str) -> dict:
    fp.validate(params, fp.EXPAND)
    get_refund(ctx, rid)
    raise InvalidRequest("Canceling this refund is unsupported.")


LIST_EXTRA = {"charge": fp.string(255), "payment_intent": fp.string(255)}


def list_(ctx: Ctx, params: dict) -> dict:
    filters = {k: params[k] for k in LIST_EXTRA if isinstance(params.get(k), str)}
    return list_response(ctx, "refund", "/v1/refunds", params, LIST_EXTRA, filters)


# --- legacy, charge-scoped ----------------------------------------------------------------------
def create_for_charge(ctx: Ctx, params: dict, cid: str) -> dict:
    p = fp.validate(params, COMMON)
    refund, _ = create_refund(ctx, {**p, "charge": cid})
    return render(ctx, refund, p.get("expand"))


def refund_charge(ctx: Ctx, params: dict, cid: str) -> dict:
    """The oldest form: refund and answer with the **charge** (§3.3)."""
    p = fp.validate(params, COMMON)
    _, charge = create_refund(ctx, {**p, "charge": cid})
    return render(ctx, charge, p.get("expand"))


def list_for_charge(ctx: Ctx, params: dict, cid: str) -> dict:
    get_charge(ctx, cid, "charge")
    return list_response(ctx, "refund", f"/v1/charges/{cid}/refunds", params, None, {"charge": cid})


def _scoped(ctx: Ctx, cid: str, rid: str) -> dict:
    get_charge(ctx, cid, "charge")
    refund = get_refund(ctx, rid)
    if refund["charge"] != cid:
        raise NotFound("refund", rid, "refund")
    return refund


def retrieve_for_charge(ctx: Ctx, params: dict, cid: str, rid: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, _scoped(ctx, cid, rid), p.get("expand"))


def update_for_charge(ctx: Ctx, params: dict, cid: str, rid: str) -> dict:
    p = fp.validate(params, UPDATE)
    return _update_metadata(ctx, _scoped(ctx, cid, rid), p)
