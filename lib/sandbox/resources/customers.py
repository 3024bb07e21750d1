"""Customers: create, retrieve, update, list (filtered by ``email``: exact and case-sensitive, as
Stripe's), delete (deleted ones stay retrievable as stubs), and their payment methods: attach (POST
/v1/payment_methods/{pm}/attach, or ``payment_method`` at creation) and GET
/v1/customers/{id}/payment_methods.

``invoice_settings[default_payment_method]`` must name a PaymentMethod attached to the customer
(Stripe's error otherwise); at creation it may name the ``payment_method`` being attached.
``expand[]=invoice_settings.default_payment_method`` then renders that PaymentMethod."""

from __future__ import annotations

from .. import params as fp
from ..engine import Ctx
from ..errors import InvalidRequest, NotFound
from ..ids import new_id, random_body
from . import payment_methods
from .listing import list_response, render

FIELDS = {
    "email": fp.string(512, blank=True), "name": fp.string(256, blank=True), "description": fp.string(350, blank=True),
    "phone": fp.string(20, blank=True), "metadata": fp.metadata, "payment_method": fp.string(255),
    "address": fp.hash_any, "shipping": fp.hash_any, "preferred_locales": fp.string_list,
    "invoice_settings": fp.hash_of({
        "custom_fields": fp.anything, "default_payment_method": fp.string(255, blank=True),
        "footer": fp.string(5000, blank=True), "rendering_options": fp.anything,
    }), **fp.EXPAND,
}
DEFAULT_PM_PARAM = "invoice_settings[default_payment_method]"


def get_customer(ctx: Ctx, cus_id: str, param: str = "id") -> dict:
    obj = ctx.store.get(cus_id, "customer")
    if obj is None or obj.get("deleted"):
        raise NotFound("customer", cus_id, param)
    return obj


def new_customer(ctx: Ctx, p: dict) -> dict:
    cus = {
        "id": new_id("cus", None)[:18], "object": "customer", "address": p.get("address") or None, "balance": 0,
        "created": ctx.now, "currency": None, "default_source": None, "delinquent": False,
        "description": p.get("description") or None, "discount": None, "email": p.get("email") or None,
        "invoice_prefix": random_body(8).upper(),
        "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                             "rendering_options": None},
        "livemode": False, "metadata": p.get("metadata", {}), "name": p.get("name") or None,
        "next_invoice_sequence": 1, "phone": p.get("phone") or None, "preferred_locales": p.get("preferred_locales", []),
        "shipping": p.get("shipping") or None, "tax_exempt": "none", "test_clock": None, "customer_account": None,
    }
    ctx.store.insert(cus)
    ctx.emit("customer.created", cus)
    return cus


def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, FIELDS)
    settings = dict(p.get("invoice_settings") or {})
    default_pm = settings.pop("default_payment_method", None)
    cus = new_customer(ctx, p)
    attached = attach_payment_method(ctx, p["payment_method"], cus["id"]) if p.get("payment_method") else None
    if settings or default_pm:
        if default_pm and attached is not None and default_pm in (p["payment_method"], attached["id"]):
            settings["default_payment_method"] = attached["id"]
        elif default_pm:
            settings["default_payment_method"] = attached_payment_method(ctx, default_pm, cus["id"])
        cus["invoice_settings"] = {**cus["invoice_settings"], **{k: v or None for k, v in settings.items()}}
        ctx.store.update(cus)
    return render(ctx, cus, p.get("expand"))


def attached_payment_method(ctx: Ctx, pm_id: str, customer_id: str) -> str:
    """``pm_id`` if it is a PaymentMethod attached to ``customer_id`` (a default may be nothing else)."""
    pm = ctx.store.get(pm_id, "payment_method")
    if pm is None and not pm_id.startswith(("pm_card_", "tok_")):  # Stripe's shared test PMs exist, unattached
        raise NotFound("PaymentMethod", pm_id, DEFAULT_PM_PARAM)
    if pm is None or pm.get("customer") != customer_id:
        raise InvalidRequest(f"The customer does not have a payment method with the ID {pm_id}. The payment method "
                             "must be attached to the customer.", param=DEFAULT_PM_PARAM)
    return pm_id


def retrieve(ctx: Ctx, params: dict, cid: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    obj = ctx.store.get(cid, "customer")
    if obj is None:
        raise NotFound("customer", cid)
    if obj.get("deleted"):
        return {"id": cid, "object": "customer", "deleted": True}
    return render(ctx, obj, p.get("expand"))


def update(ctx: Ctx, params: dict, cid: str) -> dict:
    p = fp.validate(params, {k: v for k, v in FIELDS.items() if k != "payment_method"})
    cus = get_customer(ctx, cid)
    previous = {}
    for key, value in p.items():
        if key == "expand":
            continue
        if key == "metadata":
            merged = {**cus["metadata"], **value}
            merged = {k: v for k, v in merged.items() if v != ""}
            if merged != cus["metadata"]:
                previous["metadata"] = cus["metadata"]
            cus["metadata"] = merged
        elif key == "invoice_settings":
            settings = {k: v or None for k, v in value.items()}
            if settings.get("default_payment_method"):
                attached_payment_method(ctx, settings["default_payment_method"], cid)
            if {**cus[key], **settings} != cus[key]:
                previous[key] = cus[key]
            cus[key] = {**cus[key], **settings}
        else:
            new = value or None
            if cus.get(key) != new:
                previous[key] = cus.get(key)
            cus[key] = new
    ctx.store.update(cus)
    if previous:
        ctx.emit("customer.updated", cus, previous)
    return render(ctx, cus, p.get("expand"))


def delete(ctx: Ctx, params: dict, cid: str) -> dict:
    cus = get_customer(ctx, cid)
    cus["deleted"] = True
    ctx.store.update(cus)
    ctx.emit("customer.deleted", {k: v for k, v in cus.items() if k != "deleted"})
    return {"id": cid, "object": "customer", "deleted": True}


def list_(ctx: Ctx, params: dict) -> dict:
    filters = {"email": params["email"]} if isinstance(params.get("email"), str) else None
    return list_response(ctx, "customer", "/v1/customers", params, {"email": fp.string(512)}, filters,
                         exclude_status="deleted")


# --- a customer's payment methods --------------------------------------------------------------
def attach_payment_method(ctx: Ctx, pm_id: str, customer_id: str) -> dict:
    pm = payment_methods.resolve(ctx, pm_id)
    get_customer(ctx, customer_id, "customer")
    return payment_methods.attach_to(ctx, pm, customer_id)


def attach(ctx: Ctx, params: dict, pm_id: str) -> dict:
    """POST /v1/payment_methods/{pm_id}/attach"""
    p = fp.validate(params, {"customer": fp.string(255), **fp.EXPAND}, required=("customer",))
    return render(ctx, attach_payment_method(ctx, pm_id, p["customer"]), p.get("expand"))


def list_payment_methods(ctx: Ctx, params: dict, cid: str) -> dict:
    """GET /v1/customers/{cid}/payment_methods"""
    get_customer(ctx, cid)
    params = dict(params)
    params.pop("type", None)
    return list_response(ctx, "payment_method", f"/v1/customers/{cid}/payment_methods", params,
                         filters={"customer": cid})
