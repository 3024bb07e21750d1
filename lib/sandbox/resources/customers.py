"""Customers: create, retrieve, update, list, delete (deleted ones stay retrievable as stubs), and
their payment methods: attach (POST /v1/payment_methods/{pm}/attach, or ``payment_method`` at
creation) and GET /v1/customers/{id}/payment_methods."""

from __future__ import annotations

from .. import params as fp
from ..engine import Ctx
from ..errors import NotFound
from ..ids import new_id, random_body
from . import payment_methods
from .listing import list_response, render

FIELDS = {
    "email": fp.string(512, blank=True), "name": fp.string(256, blank=True), "description": fp.string(350, blank=True),
    "phone": fp.string(20, blank=True), "metadata": fp.metadata, "payment_method": fp.string(255),
    "address": fp.hash_any, "shipping": fp.hash_any, "preferred_locales": fp.string_list,
    "invoice_settings": fp.hash_any, **fp.EXPAND,
}


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
    cus = new_customer(ctx, p)
    if p.get("payment_method"):
        attach_payment_method(ctx, p["payment_method"], cus["id"])
    return render(ctx, cus, p.get("expand"))


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
            previous[key] = cus[key]
            cus[key] = {**cus[key], **(value or {})}
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
    return list_response(ctx, "customer", "/v1/customers", params, exclude_status="deleted")


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
