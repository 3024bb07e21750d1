"""The 3-D Secure test challenge page, ``/_sandbox/3ds/{intent}`` (sandbox-only, clearly namespaced).

Stripe's test-mode page (served from testmode-acs.stripe.com) has two buttons, COMPLETE and FAIL.
Ours is linked from the ``next_action`` of a PaymentIntent (``pi_…``) or a SetupIntent (``seti_…``,
3DS on saving a card; resources/three_d_secure.py): each button POSTs ``action=complete`` or
``action=fail`` to the same URL; the intent then moves as Stripe's does, and the page redirects to
``return_url`` with Stripe's query parameters when given (``payment_intent`` /
``payment_intent_client_secret``, or ``setup_intent`` / ``setup_intent_client_secret``, and
``redirect_status``).
"""

from __future__ import annotations

import html
from urllib.parse import urlencode

from lib.stripe_facts import currencies
from lib.stripe_facts.lifecycle import AUTHENTICATED, PIStatus
from lib.stripe_facts.setup_lifecycle import SIStatus

from ..engine import Ctx
from ..errors import InvalidRequest
from ..resources import payment_intents, setup_intents

PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>3D Secure 2 Test Page</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>body{{font-family:system-ui,sans-serif;background:#f6f9fc;margin:0;display:flex;justify-content:center}}
.box{{background:#fff;margin:24px;padding:24px 28px;border-radius:10px;box-shadow:0 2px 12px #0002;max-width:420px}}
h1{{font-size:18px;margin:0 0 4px}} .muted{{color:#6b7280;font-size:13px}} .amt{{font-size:22px;margin:14px 0}}
button{{font-size:15px;padding:10px 22px;margin:8px 8px 0 0;border-radius:6px;border:1px solid #ccc;cursor:pointer}}
.ok{{background:#635bff;color:#fff;border-color:#635bff}} .fail{{background:#fff;color:#b42318}}</style></head>
<body><div class="box"><h1>3D Secure 2 Test Page</h1>
<div class="muted">Offline sandbox — this stands in for your bank's authentication screen.</div>
<div class="amt">{amount} &middot; {brand} &bull;&bull;&bull;&bull; {last4}</div>
<div>{message}</div>{form}</div></body></html>"""


def _is_setup(intent: dict) -> bool:
    return intent["object"] == "setup_intent"


def _page(pi: dict, pm: dict | None, message: str, buttons: bool) -> bytes:
    form = ""
    if buttons:
        form = ('<form method="post"><button class="ok" name="action" value="complete" id="complete">Complete'
                '</button><button class="fail" name="action" value="fail" id="fail">Fail</button></form>')
    card = (pm or {}).get("card") or {}
    amount = ("Save card for later" if _is_setup(pi) else currencies.format_amount(pi["amount"], pi["currency"]))
    return PAGE.format(amount=html.escape(amount),
                       brand=html.escape(str(card.get("brand", "card")).title()),
                       last4=html.escape(str(card.get("last4", "????"))), message=message, form=form).encode()


def _load(ctx: Ctx, pi_id: str, params: dict) -> dict:
    pi = setup_intents.get_si(ctx, pi_id) if pi_id.startswith("seti_") else payment_intents.get_pi(ctx, pi_id)
    if params.get("client_secret") != pi["client_secret"]:
        raise InvalidRequest("The client_secret provided does not match this intent.", param="client_secret")
    return pi


def _noun(intent: dict) -> str:
    return "card setup" if _is_setup(intent) else "payment"


def show(ctx: Ctx, params: dict, pi_id: str) -> tuple[int, dict, bytes]:
    """GET: the page, with its two buttons while the intent waits for authentication."""
    with ctx.store.tx():
        pi = _load(ctx, pi_id, params)
        pm = ctx.store.get(pi["payment_method"]) if pi.get("payment_method") else None
    waiting = pi["status"] == PIStatus.REQUIRES_ACTION
    what = "saving this card" if _is_setup(pi) else "this payment"
    message = (f"Complete the authentication to approve {what}, or fail it to see what your customer sees "
               "when authentication does not succeed." if waiting else
               f"This authentication is finished. The {_noun(pi)} is now <b>{html.escape(pi['status'])}</b>.")
    return 200, {"Content-Type": "text/html; charset=utf-8"}, _page(pi, pm, message, waiting)


def answer(ctx: Ctx, params: dict, pi_id: str) -> tuple[int, dict, bytes]:
    """POST: the customer's answer; redirects to ``return_url`` when the intent has one."""
    action = params.get("action")
    if action not in ("complete", "fail"):
        raise InvalidRequest("action must be complete or fail", param="action")
    with ctx.store.tx():
        pi = _load(ctx, pi_id, params)
        if pi["status"] == PIStatus.REQUIRES_ACTION:
            module = setup_intents if _is_setup(pi) else payment_intents
            pi = module.authenticate(ctx, pi, success=action == "complete")
        error = pi.get("last_setup_error" if _is_setup(pi) else "last_payment_error") or {}
        pm_id = pi.get("payment_method") or (error.get("payment_method") or {}).get("id")
        pm = ctx.store.get(pm_id) if pm_id else None
    ok = pi["status"] == SIStatus.SUCCEEDED if _is_setup(pi) else pi["status"] in AUTHENTICATED
    return_url = pi.get("_return_url")
    if return_url:
        sep = "&" if "?" in return_url else "?"
        name = pi["object"]
        target = return_url + sep + urlencode({name: pi["id"], f"{name}_client_secret": pi["client_secret"],
                                               "redirect_status": "succeeded" if ok else "failed"})
        return 303, {"Location": target, "Content-Type": "text/plain"}, b""
    verdict = "Authentication complete" if action == "complete" else "Authentication failed"
    message = (f"{verdict}. The {_noun(pi)} is now <b>{html.escape(pi['status'])}</b>. You can close this "
               "window.")
    return 200, {"Content-Type": "text/html; charset=utf-8"}, _page(pi, pm, message, False)
