"""3-D Secure on a PaymentIntent or a SetupIntent: whether a payment needs the customer to
authenticate, and the ``next_action`` that sends them to the challenge page (served by
admin/challenge_page.py at ``/_sandbox/3ds/{pi_… or seti_…}``; Stripe's test page lives on
testmode-acs.stripe.com). Which cards need it on setup is ``cards.needs_authentication_on_setup``.
"""

from __future__ import annotations

import uuid
from urllib.parse import urlencode

from lib.stripe_facts import cards

from ..engine import Ctx
from ..ids import new_id

CHALLENGE_PATH = "/_sandbox/3ds/{pi_id}"


def challenge_url(ctx: Ctx, pi: dict) -> str:
    return f"{ctx.base_url}{CHALLENGE_PATH.format(pi_id=pi['id'])}?" + urlencode({"client_secret": pi["client_secret"]})


def next_action_for(ctx: Ctx, pi: dict, card: cards.TestCard, return_url: str | None, use_sdk: bool) -> dict:
    url = challenge_url(ctx, pi)
    pi["_return_url"] = return_url
    if return_url and not use_sdk:
        return {"type": "redirect_to_url", "redirect_to_url": {"url": url, "return_url": return_url}}
    return {"type": "use_stripe_sdk", "use_stripe_sdk": {
        "type": "stripe_3ds2_fingerprint", "merchant": "acct_sandbox", "three_d_secure_2_source": new_id("payatt"),
        "directory_server_name": card.brand, "server_transaction_id": str(uuid.uuid4()), "three_ds_method_url": "",
        "three_ds_optimizations": "kf", "one_click_authn": None,
        # Not in Stripe's payload: where a sandbox-aware client (our app) shows the challenge.
        "stripe_js": url}}


def requested(p: dict, pi: dict) -> str:
    """``payment_method_options[card][request_three_d_secure]`` from the params (kept on ``pi``), or
    what ``pi`` already asks for."""
    opts = p.get("payment_method_options") or {}
    card_opts = opts.get("card") if isinstance(opts, dict) else None
    value = card_opts.get("request_three_d_secure") if isinstance(card_opts, dict) else None
    if value in ("any", "challenge", "automatic"):
        pi["payment_method_options"]["card"]["request_three_d_secure"] = value
    return pi["payment_method_options"]["card"]["request_three_d_secure"]


def needs_authentication(card: cards.TestCard, pm: dict, requested: str, off_session: bool) -> bool:
    mode = card.three_ds
    if mode == "required":
        return True
    if mode == "required_on_setup":
        return not (off_session and pm.get("_setup_off_session"))
    if mode == "setup_off_session":
        return not off_session
    if mode == "optional":
        return requested in ("any", "challenge")
    return False
