"""Reading a finished scenario's final state into flat facts (see ``lib.lab.scenarios.FACTS``).

Only what the scenario's expectations need is fetched: the PaymentIntent (with its latest charge and
balance transaction) and the SetupIntent always; the saved PaymentMethod, refunds, disputes and early
fraud warnings only when expected. A search step's result was kept by the step itself (``RunState.search``).
"""

from __future__ import annotations

from typing import Any

from ..eventlog import as_dict
from .state import RunState


def _get(obj: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def collect_facts(state: RunState) -> dict[str, Any]:
    """Read the final state of the scenario's objects and flatten it into facts (see scenarios.FACTS)."""
    client, keys = state.env.client, set(state.scenario.expected)
    facts: dict[str, Any] = {"next_action": state.next_action}
    pi = charge = None
    if state.pi:
        pi = state.set_pi(state.call(client.v1.payment_intents.retrieve, state.pi["id"],
                                     params={"expand": ["latest_charge.balance_transaction"]}))
        charge = pi.get("latest_charge") if isinstance(pi.get("latest_charge"), dict) else None
        facts.update(status=pi["status"], amount_received=pi.get("amount_received"),
                     amount_capturable=pi.get("amount_capturable"), cancellation_reason=pi.get("cancellation_reason"))
    elif state.charge:
        charge = as_dict(state.call(client.v1.charges.retrieve, state.charge["id"],
                                    params={"expand": ["balance_transaction"]}))
        state.charge = charge
        facts["status"] = charge["status"]
    else:
        facts["status"] = None
    si = None
    if state.si:
        si = state.set_si(state.call(client.v1.setup_intents.retrieve, state.si["id"]))
        facts.update({"setup.status": si["status"], "setup.usage": si.get("usage")})
    if pi:
        facts["automatic_payment_methods"] = (pi.get("automatic_payment_methods") or {}).get("enabled")
    if "pm.attached" in keys:
        pm = as_dict(state.call(client.v1.payment_methods.retrieve, state.pm)) if state.pm else {}
        facts["pm.attached"] = bool(state.customer) and pm.get("customer") == state.customer
    error = (state.last_error or (pi or {}).get("last_payment_error") or (si or {}).get("last_setup_error")
             or {})
    facts.update(code=error.get("code"), decline_code=error.get("decline_code"), error_type=error.get("type"),
                 http_status=(state.last_error or {}).get("http_status"), message=error.get("message"))
    if charge:
        card = _get(charge, "payment_method_details", "card") or {}
        facts.update({
            "charge.status": charge.get("status"), "charge.captured": charge.get("captured"),
            "charge.amount_captured": charge.get("amount_captured"),
            "charge.amount_refunded": charge.get("amount_refunded"), "charge.refunded": charge.get("refunded"),
            "charge.disputed": charge.get("disputed"), "charge.outcome.type": _get(charge, "outcome", "type"),
            "charge.outcome.risk_level": _get(charge, "outcome", "risk_level"),
            "charge.outcome.network_status": _get(charge, "outcome", "network_status"),
            "card.brand": card.get("brand"), "card.country": card.get("country"), "card.funding": card.get("funding"),
            "card.three_d_secure": _get(card, "three_d_secure", "result"),
            "card.cvc_check": _get(card, "checks", "cvc_check"),
            "card.address_postal_code_check": _get(card, "checks", "address_postal_code_check"),
            "card.address_line1_check": _get(card, "checks", "address_line1_check"),
            "balance_transaction.status": _get(charge, "balance_transaction", "status"),
        })
        if any(k.startswith("refund.") for k in keys):
            refunds = [as_dict(r) for r in state.call(client.v1.refunds.list,
                                                      params={"charge": charge["id"], "limit": 100}).data]
            facts["refund.count"] = len(refunds)
            latest = next((r for r in refunds if state.refund and r["id"] == state.refund["id"]),
                          refunds[0] if refunds else None)
            if latest:
                facts.update({"refund.status": latest.get("status"), "refund.reason": latest.get("reason"),
                              "refund.failure_reason": latest.get("failure_reason"),
                              "refund.initial_status": state.refund_initial_status})
        if any(k.startswith("dispute.") for k in keys):
            disputes = [as_dict(d) for d in state.call(client.v1.disputes.list,
                                                       params={"charge": charge["id"], "limit": 10}).data]
            facts["dispute.count"] = len(disputes)
            state.extra_ids.update(d["id"] for d in disputes)
            latest = next((d for d in disputes if state.dispute and d["id"] == state.dispute["id"]),
                          disputes[0] if disputes else None)
            if latest:
                state.dispute = latest
                facts.update({"dispute.status": latest.get("status"), "dispute.reason": latest.get("reason"),
                              "dispute.case_type": _get(latest, "payment_method_details", "card", "case_type")})
        if "early_fraud_warning" in keys:
            warnings = state.call(client.v1.radar.early_fraud_warnings.list, params={"charge": charge["id"]}).data
            facts["early_fraud_warning"] = bool(warnings)
    elif any(k.startswith("refund.") for k in keys):
        facts["refund.count"] = 0
    if state.search is not None:
        facts.update({"search.count": len(state.search["ids"]), "search.own": state.search["own"]})
    if state.replay_info:
        facts["replayed"] = state.replay_info.get("replayed")
        original = state.replay_info.get("original_id")
        facts["same_object"] = bool(original) and state.replay_info.get("id") == original
    return facts
