"""Webhook endpoints: create, retrieve, update, list, delete (TEST_MODE.md §6, fixtures ``webhook_endpoint``).

* ``secret`` (``whsec_…``) is returned by create only, as at Stripe; the sandbox keeps it as the
  private ``_secret`` field and signs every delivery with it (events/webhooks.py).
* ``enabled_events`` is required: ``["*"]`` or known event types (webhooks.KNOWN_EVENT_TYPES);
  anything else is refused with Stripe's ``Invalid enabled_events[i]`` message.
* ``url`` must be http(s) and — unless the engine runs with ``allow_remote_webhooks`` — loopback
  (127.0.0.0/8, ``localhost``, ``::1``); otherwise 400 with a message saying how to allow it.
* ``disabled=true`` sets ``status: disabled``: no new deliveries and pending retries are canceled.
* ``api_version`` is stored and shown, but events are rendered at the sandbox's one version.
* Delete removes the endpoint (retrieve is then 404) and answers ``{id, object, deleted: true}``.
"""

from __future__ import annotations

import re
import secrets

from .. import params as fp
from ..engine import Ctx
from ..errors import InvalidRequest, NotFound
from ..events import webhooks
from ..ids import new_id
from .listing import list_response, render

_VERSION_RE = re.compile(r"^\d{4}-\d{2}-\d{2}(\.[a-z]+)?$")

COMMON = {"url": fp.string(2048), "enabled_events": fp.string_list, "description": fp.string(5000, blank=True),
          "metadata": fp.metadata, **fp.EXPAND}
CREATE = {**COMMON, "api_version": fp.string(64), "connect": fp.boolean}
UPDATE = {**COMMON, "disabled": fp.boolean}


def get_endpoint(ctx: Ctx, we_id: str) -> dict:
    endpoint = ctx.store.get(we_id, "webhook_endpoint")
    if endpoint is None:
        raise NotFound("webhook_endpoint", we_id)
    return endpoint


def _enabled_events(values: list[str]) -> list[str]:
    if not values:
        raise fp.param_missing("enabled_events")
    out: list[str] = []
    for i, value in enumerate(values):
        if value != "*" and value not in webhooks.KNOWN_EVENT_TYPES:
            allowed = ", ".join(["*", *sorted(webhooks.KNOWN_EVENT_TYPES)])
            raise InvalidRequest(f"Invalid enabled_events[{i}]: must be one of {allowed}",
                                 param=f"enabled_events[{i}]")
        if value not in out:
            out.append(value)
    return out


def create(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, CREATE, required=("url", "enabled_events"))
    events = _enabled_events(p["enabled_events"])
    webhooks.check_url(ctx.engine, p["url"])
    if p.get("api_version") and not _VERSION_RE.match(p["api_version"]):
        raise InvalidRequest(f"Invalid Stripe API version: {p['api_version']}", param="api_version")
    if p.get("connect"):
        raise InvalidRequest("The offline sandbox has no connected accounts: connect=true is not supported.",
                             param="connect")
    endpoint = {
        "id": new_id("we"), "object": "webhook_endpoint", "api_version": p.get("api_version"), "application": None,
        "created": ctx.now, "description": p.get("description") or None, "enabled_events": events,
        "livemode": False, "metadata": p.get("metadata", {}), "status": "enabled", "url": p["url"],
        "_secret": "whsec_" + secrets.token_urlsafe(24).replace("-", "a").replace("_", "b")[:32],
    }
    ctx.store.insert(endpoint)
    out = render(ctx, endpoint, p.get("expand"))
    out["secret"] = endpoint["_secret"]  # shown once, at creation
    return out


def retrieve(ctx: Ctx, params: dict, we_id: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, get_endpoint(ctx, we_id), p.get("expand"))


def update(ctx: Ctx, params: dict, we_id: str) -> dict:
    p = fp.validate(params, UPDATE)
    endpoint = get_endpoint(ctx, we_id)
    if "enabled_events" in p:
        endpoint["enabled_events"] = _enabled_events(p["enabled_events"])
    if "url" in p:
        webhooks.check_url(ctx.engine, p["url"])
        endpoint["url"] = p["url"]
    if "description" in p:
        endpoint["description"] = p["description"] or None
    if "metadata" in p:
        merged = {**endpoint["metadata"], **p["metadata"]} if p["metadata"] else {}
        endpoint["metadata"] = {k: v for k, v in merged.items() if v != ""}
    if "disabled" in p:
        endpoint["status"] = "disabled" if p["disabled"] else "enabled"
    ctx.store.update(endpoint)
    return render(ctx, endpoint, p.get("expand"))


def delete(ctx: Ctx, params: dict, we_id: str) -> dict:
    get_endpoint(ctx, we_id)
    ctx.store.delete(we_id)
    return {"id": we_id, "object": "webhook_endpoint", "deleted": True}


def list_(ctx: Ctx, params: dict) -> dict:
    return list_response(ctx, "webhook_endpoint", "/v1/webhook_endpoints", params)
