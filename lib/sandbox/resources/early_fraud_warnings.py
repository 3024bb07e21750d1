"""Radar early fraud warnings: raised by the ``createIssuerFraudRecord`` card (4000000000005423).

TEST_MODE.md §1.8: the charge succeeds, then ``radar.early_fraud_warning.created`` fires and no
dispute opens. ``on_charge_captured`` (a charge-captured listener, wired in app.py) schedules the
job below. The
warning's ``fraud_type`` is not documented for the test card; we use ``misc`` (the fixture's
value) [INF]. ``actionable`` is true (the charge is neither refunded nor disputed).
"""

from __future__ import annotations

from lib.stripe_facts import cards

from .. import params as fp
from ..engine import Ctx
from ..errors import NotFound
from ..ids import new_id
from .listing import list_response, render

KIND = "radar.early_fraud_warning"


def on_charge_captured(ctx: Ctx, charge: dict, card: cards.TestCard) -> None:
    """Charge-captured listener: the early-fraud-warning card raises its warning a little later."""
    if card.early_fraud_warning:
        ctx.schedule(0.5, "radar.early_fraud_warning.create", {"charge": charge["id"]})


def create_warning(ctx: Ctx, payload: dict) -> None:
    """Job ``radar.early_fraud_warning.create``."""
    charge = ctx.store.get(payload["charge"], "charge")
    if charge is None:
        return
    warning = {"id": new_id("issfr"), "object": KIND, "actionable": not (charge["refunded"] or charge["disputed"]),
               "charge": charge["id"], "created": ctx.now, "fraud_type": "misc", "livemode": False,
               "payment_intent": charge.get("payment_intent")}
    ctx.store.insert(warning)
    ctx.emit("radar.early_fraud_warning.created", warning)


def retrieve(ctx: Ctx, params: dict, wid: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    warning = ctx.store.get(wid, KIND)
    if warning is None:
        raise NotFound("early fraud warning", wid, "early_fraud_warning")
    return render(ctx, warning, p.get("expand"))


LIST_EXTRA = {"charge": fp.string(255), "payment_intent": fp.string(255)}


def list_(ctx: Ctx, params: dict) -> dict:
    filters = {k: params[k] for k in LIST_EXTRA if isinstance(params.get(k), str)}
    return list_response(ctx, KIND, "/v1/radar/early_fraud_warnings", params, LIST_EXTRA, filters)
