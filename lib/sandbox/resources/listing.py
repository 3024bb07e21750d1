"""Fetching one object (404 when missing), rendering, ``expand[]`` and Stripe's list envelope with cursor
pagination.

Lists are newest first; ``limit`` 1..100 (default 10); ``starting_after`` / ``ending_before`` are
mutually exclusive cursors; ``created`` takes an integer or gt/gte/lt/lte bounds. Every page is one
indexed query (see storage/store.py), so paging cost does not grow with the data.
"""

from __future__ import annotations

from typing import Any

from ..engine import Ctx, private
from ..errors import InvalidRequest, NotFound
from ..params import LIST_PARAMS, Validator, validate

MAX_EXPAND_DEPTH = 4


def fetch(ctx: Ctx, kind: str, obj_id: str, param: str = "id") -> dict:
    """The stored ``kind`` object ``obj_id``; Stripe's 404 ``resource_missing`` on ``param`` if none."""
    obj = ctx.store.get(obj_id, kind)
    if obj is None:
        raise NotFound(kind, obj_id, param)
    return obj


def render(ctx: Ctx, obj: dict, expand: list[str] | None = None) -> dict:
    """``obj`` as the API shows it: private fields dropped, computed fields added (the wiring's
    ``renderers``, e.g. charge.refunds, a list that is not stored), ``expand`` paths expanded."""
    out = private(obj)
    hook = ctx.engine.wiring.renderers.get(out.get("object", ""))
    if hook is not None:
        hook(ctx, out)
    for path in expand or ():
        _expand(ctx, out, path.split("."), path)
    return out


def _expand(ctx: Ctx, obj: dict, parts: list[str], full: str) -> None:
    if len(parts) > MAX_EXPAND_DEPTH:
        raise InvalidRequest(f"You cannot expand more than {MAX_EXPAND_DEPTH} levels of a property. "
                             f"Property: {full}", param="expand")
    head, rest = parts[0], parts[1:]
    if head not in obj:
        raise InvalidRequest(f"This property cannot be expanded ({full}).", param="expand")
    value = obj.get(head)
    if isinstance(value, str):
        target = ctx.store.get(value)
        if target is None:
            raise InvalidRequest(f"This property cannot be expanded ({full}).", param="expand")
        obj[head] = value = private(target)
    if rest and isinstance(value, dict):
        # Copies on the way down: ``render`` copies only the top level, and the object it renders
        # may be the one about to be stored (an update's answer), which must keep its ids.
        if value.get("object") == "list":
            obj[head] = value = {**value, "data": [dict(item) for item in value.get("data", [])]}
            for item in value["data"]:
                _expand(ctx, item, rest, full)
        else:
            obj[head] = value = dict(value)
            _expand(ctx, value, rest, full)


def list_params(extra: dict[str, Validator] | None = None) -> dict[str, Validator]:
    return {**LIST_PARAMS, **(extra or {})}


def list_response(ctx: Ctx, kind: str, url: str, params: dict, spec_extra: dict[str, Validator] | None = None,
                  filters: dict[str, Any] | None = None, exclude_status: str | None = None) -> dict:
    """Validate list params, run one page query and wrap it in Stripe's list object."""
    p = validate(params, list_params(spec_extra))
    if p.get("starting_after") and p.get("ending_before"):
        raise InvalidRequest("You may only specify one of these parameters: ending_before, starting_after.",
                             code="parameters_exclusive", param="ending_before")
    objs, has_more = ctx.store.list(kind, filters=filters, created=p.get("created"), limit=p.get("limit", 10),
                                    starting_after=p.get("starting_after"), ending_before=p.get("ending_before"),
                                    exclude_status=exclude_status)
    data_expand = [e[len("data."):] for e in p.get("expand", []) if e.startswith("data.")]
    if any(not e.startswith("data.") for e in p.get("expand", [])):
        raise InvalidRequest("List expansions must start with `data.`", param="expand")
    return {"object": "list", "data": render_page(ctx, objs, data_expand), "has_more": has_more, "url": url}


def render_page(ctx: Ctx, objs: list[dict], expand: list[str] | None = None) -> list[dict]:
    """``[render(ctx, o, expand) for o in objs]`` for a list page, with the same output, in a few
    queries: the objects come fresh from the store, so private fields are dropped in place (no
    copy); a page renderer (the wiring's ``page_renderers``) renders the whole page; a one-level expansion of an id field
    (``data.balance_transaction``) loads every target of the page in one ``WHERE id IN`` query."""
    for obj in objs:
        drop = [k for k in obj if k[:1] == "_"]
        for k in drop:
            del obj[k]
    by_type: dict[str, list[dict]] = {}
    for obj in objs:
        by_type.setdefault(obj.get("object", ""), []).append(obj)
    wiring = ctx.engine.wiring
    for kind, group in by_type.items():
        many = wiring.page_renderers.get(kind)
        if many is not None:
            many(ctx, group)
        else:
            hook = wiring.renderers.get(kind)
            if hook is not None:
                for obj in group:
                    hook(ctx, obj)
    for path in expand or ():
        parts = path.split(".")
        head = parts[0]
        if len(parts) == 1:
            ids = [o[head] for o in objs if isinstance(o.get(head), str)]
            targets = ctx.store.get_many(ids) if ids else {}
            for obj in objs:
                if head not in obj:
                    raise InvalidRequest(f"This property cannot be expanded ({path}).", param="expand")
                value = obj[head]
                if isinstance(value, str):
                    target = targets.get(value)
                    if target is None:
                        raise InvalidRequest(f"This property cannot be expanded ({path}).", param="expand")
                    obj[head] = private(target)
        else:
            for obj in objs:
                _expand(ctx, obj, parts, path)
    return objs


def sub_list(ctx: Ctx, kind: str, url: str, filters: dict[str, Any], limit: int = 10) -> dict:
    objs, has_more = ctx.store.list(kind, filters=filters, limit=limit)
    return {"object": "list", "data": [private(o) for o in objs], "has_more": has_more, "url": url}
