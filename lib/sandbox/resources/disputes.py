"""Disputes: opened by the dispute test cards, then evidence, close, and the magic outcomes.

TEST_MODE.md §1.8 and §4. A charge-captured listener (``on_charge_captured``, wired in app.py)
schedules, for a card with ``TestCard.dispute`` set, one job per entry of ``cards.dispute_plan(card)`` (weight 0.5; the second
of "multiple" at 0.6), so disputes open about a second after the capture, as observed (§4.1); under
manual capture nothing happens until the capture.

* **Chargeback** (fraudulent 10.4, product_not_received 13.1, …): ``needs_response``,
  ``is_charge_refundable: false``, ``charge.disputed: true``, a withdrawal balance transaction
  (``adjustment`` / ``dispute``, ``amount −disputed``, ``fee 1500`` "Dispute fee",
  "Chargeback withdrawal for ch_…", ``source du_…``, available at once), events
  ``charge.dispute.created`` then ``charge.dispute.funds_withdrawn``.
* **Inquiry**: ``warning_needs_response``, no money, ``is_charge_refundable: true``,
  ``charge.dispute.created`` only.
* ``POST /v1/disputes/{id}``: ``evidence[...]``, ``metadata``, ``submit`` (default true). Any update
  fires ``charge.dispute.updated`` (with ``previous_attributes``). Evidence sets ``has_evidence``
  (also when only staged with ``submit=false``); submitting moves ``needs_response → under_review``
  (inquiry: ``warning_needs_response → warning_under_review``) and counts ``submission_count``. ``evidence[uncategorized_text]`` magic
  values settle in a job later (§4.3): ``winning_evidence`` → ``won`` with a ``dispute_reversal``
  balance transaction (+amount; the $15 fee comes back only if ``fees.REFUND_DISPUTE_FEE_ON_WIN``,
  default False → ``fee 0``), ``is_charge_refundable: true``, events
  ``charge.dispute.funds_reinstated`` then ``charge.dispute.closed``; ``losing_evidence`` →
  ``lost``; ``escalate_inquiry_evidence`` on an inquiry → a ``needs_response`` chargeback with its
  withdrawal (``charge.dispute.updated``, ``charge.dispute.funds_withdrawn``). Plain evidence stays
  under review. Inquiries never reach won/lost: a win or loss closes them as ``warning_closed``.
* Nobody answers: at ``evidence_details.due_by`` (job ``dispute.expire``, on the engine's clock,
  not the compressed async delay) a dispute still waiting for a response closes as ``lost``
  (inquiry: ``warning_closed``) with ``charge.dispute.closed``, as Stripe's do.
* ``POST /v1/disputes/{id}/close`` accepts the dispute: ``lost`` (inquiry: ``warning_closed``) at
  once, ``charge.dispute.closed``. Updating or closing a closed dispute → 400 "This dispute is
  already closed".

Decisions [INF]: a metadata-only update does not submit anything; evidence cannot be submitted
again once under review (400); the disputed amount is what is left unrefunded of the capture when
the dispute opens (a fully refunded charge opens no dispute, and an escalation with nothing left
closes the inquiry instead); pending refunds fail with ``charge_for_pending_refund_disputed`` when
an inquiry escalates (§4.3).
"""

from __future__ import annotations

from lib.stripe_facts import cards, fees

from .. import params as fp
from ..engine import Ctx, private
from ..errors import InvalidRequest, NotFound
from ..ids import body_of, new_id
from . import ledger
from .balance_transactions import settle_share
from .charges import get_charge
from .listing import list_response, render
from .refunds import fail_pending_refunds

TEXT_EVIDENCE = ("access_activity_log", "billing_address", "cancellation_policy_disclosure", "cancellation_rebuttal",
                 "customer_email_address", "customer_name", "customer_purchase_ip", "duplicate_charge_explanation",
                 "duplicate_charge_id", "product_description", "refund_policy_disclosure",
                 "refund_refusal_explanation", "service_date", "shipping_address", "shipping_carrier",
                 "shipping_date", "shipping_tracking_number", "uncategorized_text")
FILE_EVIDENCE = ("cancellation_policy", "customer_communication", "customer_signature",
                 "duplicate_charge_documentation", "receipt", "refund_policy", "service_documentation",
                 "shipping_documentation", "uncategorized_file")
MAX_EVIDENCE_TEXT = 150_000
CLOSED = ("won", "lost", "warning_closed")
CE3_CARD = "4000000404000038"
EVIDENCE_SPEC = {**{k: fp.string(20_000, blank=True) for k in TEXT_EVIDENCE},
                 **{k: fp.string(255, blank=True) for k in FILE_EVIDENCE}, "enhanced_evidence": fp.anything}
UPDATE = {"evidence": fp.hash_of(EVIDENCE_SPEC), "metadata": fp.metadata, "submit": fp.boolean, **fp.EXPAND}


def get_dispute(ctx: Ctx, dispute_id: str) -> dict:
    dispute = ctx.store.get(dispute_id, "dispute")
    if dispute is None:
        raise NotFound("dispute", dispute_id, "dispute")
    return dispute


def _due_by(created: int) -> int:
    """The end of the UTC day, 8 days after ``created`` (§4.3 [OBS])."""
    return (created // 86400 + 9) * 86400 - 1


def _emit(ctx: Ctx, event_type: str, dispute: dict, previous: dict | None = None) -> None:
    """Events carry the dispute as the API renders it (balance transactions expanded)."""
    ctx.emit(event_type, render(ctx, dispute), previous)


def render_balance_transactions(ctx: Ctx, out: dict) -> None:
    """Renderer: a dispute shows its balance transactions expanded, as Stripe's does."""
    out["balance_transactions"] = [
        private(txn) for txn in (ctx.store.get(t, "balance_transaction") for t in out.get("balance_transactions", []))
        if txn is not None]



# --- opening -----------------------------------------------------------------------------------
def on_charge_captured(ctx: Ctx, charge: dict, card: cards.TestCard) -> None:
    """Charge-captured listener: a dispute card's disputes open a little later (job ``dispute.open``)."""
    for index, _ in enumerate(cards.dispute_plan(card)):
        ctx.schedule(0.5 + 0.1 * index, "dispute.open", {"charge": charge["id"], "index": index})


def _withdraw(ctx: Ctx, dispute: dict, charge: dict) -> dict:
    """The chargeback withdrawal: disputed amount plus the dispute fee, out of the available balance."""
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    settled, rate = settle_share(ctx, charge, dispute["amount"], already_out=charge.get("_refunded_settled", 0),
                                 remaining=remaining)
    fee, details = fees.dispute_fee_details()
    txn = ledger.new_balance_transaction(
        ctx, amount=-settled, fee=fee, fee_details=details, type_="adjustment", category="dispute",
        source=dispute["id"], description=f"Chargeback withdrawal for {charge['id']}", exchange_rate=rate,
        body=body_of(dispute["id"]), available_now=True)
    dispute["balance_transactions"].append(txn["id"])
    dispute["_withdrawn"] = settled
    dispute["is_charge_refundable"] = False
    return txn


def open_dispute(ctx: Ctx, payload: dict) -> dict | None:
    """Job ``dispute.open``: entry ``index`` of the card's dispute plan opens on the charge."""
    charge = ctx.store.get(payload["charge"], "charge")
    if charge is None:
        return None
    plan = cards.dispute_plan(cards.card_for_number(charge["_card"]))[payload["index"]]
    amount = charge["amount_captured"] - charge["amount_refunded"]
    if amount <= 0:
        return None  # fully refunded before the dispute arrived: nothing left to dispute
    chargeback = plan["case_type"] == "chargeback"
    dispute = {
        "id": new_id("du"), "object": "dispute", "amount": amount, "balance_transactions": [],
        "charge": charge["id"], "created": ctx.now, "currency": charge["currency"],
        "enhanced_eligibility_types": ["visa_compelling_evidence_3"] if charge["_card"] == CE3_CARD else [],
        "evidence": {**{k: None for k in TEXT_EVIDENCE + FILE_EVIDENCE}, "enhanced_evidence": {}},
        "evidence_details": {"due_by": _due_by(ctx.now), "enhanced_eligibility": {}, "has_evidence": False,
                             "past_due": False, "submission_count": 0, "submission_method": "not_submitted"},
        "is_charge_refundable": True, "livemode": False, "metadata": {},
        "payment_intent": charge.get("payment_intent"),
        "payment_method_details": {"card": {
            "brand": charge["payment_method_details"]["card"]["brand"], "case_type": plan["case_type"],
            "network": charge["payment_method_details"]["card"]["network"],
            "network_reason_code": plan["network_reason_code"]}, "type": "card"},
        "reason": plan["reason"], "status": plan["status"],
    }
    if chargeback:
        _withdraw(ctx, dispute, charge)
    ctx.store.insert(dispute)
    ctx.schedule_at(dispute["evidence_details"]["due_by"], "dispute.expire", {"dispute": dispute["id"]})
    charge["disputed"] = True
    ctx.store.update(charge)
    _emit(ctx, "charge.dispute.created", dispute)
    if chargeback:
        _emit(ctx, "charge.dispute.funds_withdrawn", dispute)
    return dispute


# --- settling ----------------------------------------------------------------------------------
def _close(ctx: Ctx, dispute: dict, won: bool) -> None:
    previous = {"status": dispute["status"]}
    inquiry = dispute["payment_method_details"]["card"]["case_type"] == "inquiry"
    if inquiry:
        dispute["status"] = "warning_closed"
    elif won:
        charge = get_charge(ctx, dispute["charge"])
        fee, details = fees.dispute_reversal_fee()
        withdrawal = ctx.store.get(dispute["balance_transactions"][0], "balance_transaction") or {}
        txn = ledger.new_balance_transaction(
            ctx, amount=dispute["_withdrawn"], fee=fee, fee_details=details, type_="adjustment",
            category="dispute_reversal", source=dispute["id"], description=f"Chargeback reversal for {charge['id']}",
            exchange_rate=withdrawal.get("exchange_rate"))
        dispute["balance_transactions"].append(txn["id"])
        previous["is_charge_refundable"] = dispute["is_charge_refundable"]
        dispute.update(status="won", is_charge_refundable=True)
    else:
        dispute["status"] = "lost"
    ctx.store.update(dispute)
    if dispute["status"] == "won":
        _emit(ctx, "charge.dispute.funds_reinstated", dispute)
    _emit(ctx, "charge.dispute.closed", dispute, previous)


def _escalate(ctx: Ctx, dispute: dict) -> None:
    charge = get_charge(ctx, dispute["charge"])
    fail_pending_refunds(ctx, charge["id"], "charge_for_pending_refund_disputed")
    charge = get_charge(ctx, dispute["charge"])
    remaining = charge["amount_captured"] - charge["amount_refunded"]
    if remaining <= 0:
        _close(ctx, dispute, won=False)
        return
    details = dispute["evidence_details"]
    previous = {"status": dispute["status"], "is_charge_refundable": True, "amount": dispute["amount"],
                "payment_method_details": {"card": dict(dispute["payment_method_details"]["card"]), "type": "card"},
                "evidence_details": dict(details)}
    dispute["amount"] = min(dispute["amount"], remaining)
    dispute["status"] = "needs_response"
    dispute["payment_method_details"]["card"]["case_type"] = "chargeback"
    details.update(due_by=_due_by(ctx.now), has_evidence=False, submission_count=0)
    _withdraw(ctx, dispute, charge)
    ctx.store.update(dispute)
    ctx.schedule_at(details["due_by"], "dispute.expire", {"dispute": dispute["id"]})
    _emit(ctx, "charge.dispute.updated", dispute, previous)
    _emit(ctx, "charge.dispute.funds_withdrawn", dispute)


def settle(ctx: Ctx, payload: dict) -> None:
    """Job ``dispute.settle``: the outcome the evidence asked for (won, lost, escalated)."""
    dispute = ctx.store.get(payload["dispute"], "dispute")
    if dispute is None or dispute["status"] not in ("under_review", "warning_under_review"):
        return  # closed or changed meanwhile
    outcome = payload["outcome"]
    if outcome == "escalate":
        if dispute["status"] == "warning_under_review":
            _escalate(ctx, dispute)
    else:
        _close(ctx, dispute, won=outcome == "won")


def expire(ctx: Ctx, payload: dict) -> None:
    """Job ``dispute.expire``, at the evidence due date: a dispute still waiting for a response
    closes as Stripe's do when nobody answers — a chargeback as ``lost`` (the funds stay withdrawn),
    an inquiry as ``warning_closed`` — with ``charge.dispute.closed``. A dispute that was answered,
    accepted or escalated meanwhile is left alone (an escalation schedules its own due date)."""
    dispute = ctx.store.get(payload["dispute"], "dispute")
    if dispute is None or dispute["status"] not in ("needs_response", "warning_needs_response"):
        return
    if dispute["evidence_details"]["due_by"] > ctx.now:
        return  # an escalation moved the due date: its own job closes it
    _close(ctx, dispute, won=False)


MAGIC = {"winning_evidence": "won", "losing_evidence": "lost", "escalate_inquiry_evidence": "escalate"}


# --- endpoints ---------------------------------------------------------------------------------
def retrieve(ctx: Ctx, params: dict, did: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, get_dispute(ctx, did), p.get("expand"))


def update(ctx: Ctx, params: dict, did: str) -> dict:
    p = fp.validate(params, UPDATE)
    dispute = get_dispute(ctx, did)
    if dispute["status"] in CLOSED:
        raise InvalidRequest("This dispute is already closed")
    evidence = p.get("evidence")
    submitting = evidence is not None and p.get("submit", True) or p.get("submit") is True
    if (evidence is not None or submitting) and dispute["status"] in ("under_review", "warning_under_review"):
        raise InvalidRequest("This dispute is already under review; its evidence can no longer be changed.")
    previous: dict = {}
    if "metadata" in p:
        previous["metadata"] = dict(dispute["metadata"])
        dispute["metadata"] = {k: v for k, v in {**dispute["metadata"], **p["metadata"]}.items() if v != ""}
    if evidence is not None:
        merged = {**dispute["evidence"], **{k: (v if v != "" else None) for k, v in evidence.items()}}
        if sum(len(merged[k] or "") for k in TEXT_EVIDENCE) > MAX_EVIDENCE_TEXT:
            raise InvalidRequest(f"The combined length of the text evidence fields may not exceed "
                                 f"{MAX_EVIDENCE_TEXT} characters.", param="evidence")
        previous["evidence"] = {k: dispute["evidence"][k] for k in evidence}
        dispute["evidence"] = merged
    details = dispute["evidence_details"]
    if evidence is not None or submitting:
        previous["evidence_details"] = dict(details)
        # has_evidence: evidence is staged (submitted or not).
        details["has_evidence"] = any(v for k, v in dispute["evidence"].items() if k != "enhanced_evidence")
    if submitting:
        previous["status"] = dispute["status"]
        details["submission_count"] += 1
        details["submission_method"] = "manual"  # evidence sent through the API (not Smart Disputes)
        dispute["status"] = "warning_under_review" if dispute["status"].startswith("warning_") else "under_review"
    ctx.store.update(dispute)
    if previous:
        _emit(ctx, "charge.dispute.updated", dispute, previous)
    outcome = MAGIC.get(dispute["evidence"].get("uncategorized_text") or "") if submitting else None
    if outcome is not None:  # scheduled last: a seeding context runs the job at once, on the stored dispute
        ctx.schedule(1.0, "dispute.settle", {"dispute": dispute["id"], "outcome": outcome})
        dispute = get_dispute(ctx, did)
    return render(ctx, dispute, p.get("expand"))


def close(ctx: Ctx, params: dict, did: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    dispute = get_dispute(ctx, did)
    if dispute["status"] in CLOSED:
        raise InvalidRequest("This dispute is already closed")
    _close(ctx, dispute, won=False)
    return render(ctx, dispute, p.get("expand"))


LIST_EXTRA = {"charge": fp.string(255), "payment_intent": fp.string(255)}


def list_(ctx: Ctx, params: dict) -> dict:
    filters = {k: params[k] for k in LIST_EXTRA if isinstance(params.get(k), str)}
    return list_response(ctx, "dispute", "/v1/disputes", params, LIST_EXTRA, filters)
