"""Radar early fraud warnings: raised by the ``createIssuerFraudRecord`` card (4000000000005423).

TEST_MODE.md §1.8: the charge succeeds, then ``radar.early_fraud_warning.created`` fires and no
dispute opens. disputes.py schedules the job below from its charge-captured listener. The
warning's ``fraud_type`` is not documented for the test card; we use ``misc`` (the fixture's
value) [INF]. ``actionable`` is true (the charge is neither refunded nor disputed).
"""

from __future__ import annotations

from .. import formparse as fp
from ..core import Ctx, job
from ..errors import NotFound
from ..ids import new_id
from ..listing import list_response, render
from ..router import route

KIND = "radar.early_fraud_warning"


@job("radar.early_fraud_warning.create")
def create_warning(ctx: Ctx, payload: dict) -> None:
    charge = ctx.store.get(payload["charge"], "charge")
    if charge is None:
        return
    warning = {"id": new_id("issfr"), "object": KIND, "actionable": not (charge["refunded"] or charge["disputed"]),
               "charge": charge["id"], "created": ctx.now, "fraud_type": "misc", "livemode": False,
               "payment_intent": charge.get("payment_intent")}
    ctx.store.insert(warning)
    ctx.emit("radar.early_fraud_warning.created", warning)


@route("GET", "/v1/radar/early_fraud_warnings/{wid}")
def retrieve(ctx: Ctx, params: dict, wid: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    warning = ctx.store.get(wid, KIND)
    if warning is None:
        raise NotFound("early fraud warning", wid, "early_fraud_warning")
    return render(ctx, warning, p.get("expand"))


LIST_EXTRA = {"charge": fp.string(255), "payment_intent": fp.string(255)}


@route("GET", "/v1/radar/early_fraud_warnings")
def list_(ctx: Ctx, params: dict) -> dict:
    filters = {k: params[k] for k in LIST_EXTRA if isinstance(params.get(k), str)}
    return list_response(ctx, KIND, "/v1/radar/early_fraud_warnings", params, LIST_EXTRA, filters)
