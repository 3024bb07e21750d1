"""What PaymentIntents and SetupIntents share: creating one and the publishable-key guard.

Both follow the same steps on create (Stripe's API reference for each lists the same parameters:
``customer``, ``payment_method``, ``automatic_payment_methods``, ``confirm``), and both let a
publishable key read or confirm one only with its ``client_secret``. The differences — how the
object is built, its lifecycle actions, what confirming does — are passed in.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

from .. import params as fp
from ..engine import Ctx
from ..errors import InvalidRequest
from . import automatic_payment_methods as apm
from . import payment_methods
from . import three_d_secure as tds
from .customers import get_customer
from .listing import render

RETRIEVE = {"client_secret": fp.string(255), **fp.EXPAND}


def create(ctx: Ctx, p: dict, noun: str, build: Callable[[Ctx, dict, Any], dict],
           move: Callable[[Ctx, dict, Any], None], created: tuple[Enum, Enum],
           confirm: Callable[[Ctx, dict, dict], Any], confirm_only: tuple[str, ...] = ("return_url",)) -> dict:
    """Create the intent described by validated params ``p``: the ``confirm_only`` parameters need
    ``confirm=true`` (Stripe's 400 otherwise), the customer must exist, automatic
    payment methods are settled (a confirm at create is checked against them), the object is
    built with its payment method and 3DS request, moved by ``created`` (without, with a payment
    method), and confirmed at once when ``confirm=true``. ``noun``: "Payment Intent" or
    "Setup Intent", as Stripe's messages say it."""
    for flag in confirm_only:
        if flag in p and not p.get("confirm"):
            raise InvalidRequest(f"You can only pass `{flag}` when `confirm=true`.", param=flag)
    if p.get("customer"):
        get_customer(ctx, p["customer"], "customer")
    methods = apm.settings(ctx, p)
    if p.get("confirm"):
        apm.check_confirm({"automatic_payment_methods": methods[0]}, p, noun)
    intent = build(ctx, p, methods)
    pm = payment_methods.given(ctx, p)
    if pm is not None:
        intent["payment_method"] = pm["id"]
    tds.requested(p, intent)
    move(ctx, intent, created[1] if pm else created[0])
    if p.get("confirm"):
        confirm(ctx, intent, {**p, "payment_method": pm["id"] if pm else None, "payment_method_data": None})
    return intent


def readable(ctx: Ctx, intent: dict, p: dict) -> dict:
    """``intent``, if this caller may see it: a publishable key must give its ``client_secret``."""
    if ctx.publishable and p.get("client_secret") != intent["client_secret"]:
        noun = "PaymentIntent" if intent["object"] == "payment_intent" else "SetupIntent"
        raise InvalidRequest(f"The client_secret provided does not match the client_secret associated with the "
                             f"{noun}.", param="client_secret")
    return intent


def retriever(get: Callable[[Ctx, str], dict]) -> Callable[..., dict]:
    """The GET endpoint of one intent kind (``get`` fetches it by id, after the parameters are
    checked: a bad parameter is reported before a missing object, as on Stripe)."""
    def retrieve(ctx: Ctx, params: dict, **path: str) -> dict:  # path: the route's one id ({pid} or {sid})
        p = fp.validate(params, RETRIEVE)
        return render(ctx, readable(ctx, get(ctx, *path.values()), p), p.get("expand"))
    return retrieve


def confirmer(spec: dict, get: Callable[[Ctx, str], dict],
              confirm: Callable[[Ctx, dict, dict], Any]) -> Callable[..., dict]:
    """The POST …/confirm endpoint of one intent kind: ``spec``'s parameters checked, the intent
    fetched and readable by this key, then ``confirm`` (the resource's own) applied."""
    def confirm_endpoint(ctx: Ctx, params: dict, **path: str) -> dict:
        p = fp.validate(params, spec)
        intent = readable(ctx, get(ctx, *path.values()), p)
        confirm(ctx, intent, p)
        return render(ctx, intent, p.get("expand"))
    return confirm_endpoint
