"""Rendering, ``expand[]`` and Stripe's list envelope with cursor pagination.

Lists are newest first; ``limit`` 1..100 (default 10); ``starting_after`` / ``ending_before`` are
mutually exclusive cursors; ``created`` takes an integer or gt/gte/lt/lte bounds. Every page is one
indexed query (see store.py), so paging cost does not grow with the data.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .core import Ctx, private
from .errors import InvalidRequest
from .formparse import LIST_PARAMS, Validator, validate

MAX_EXPAND_DEPTH = 4

# Fields that only exist when expanded (Stripe renders nothing for them otherwise).
SPECIAL_EXPANSIONS: dict[tuple[str, str], Callable[[Ctx, dict], Any]] = {}


# Per-object fields computed at render time, e.g. charge.refunds (a list that is not stored).
RENDER_HOOKS: dict[str, Callable[[Ctx, dict], None]] = {}


def render(ctx: Ctx, obj: dict, expand: list[str] | None = None) -> dict:
    out = private(obj)
    hook = RENDER_HOOKS.get(out.get("object", ""))
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
    special = SPECIAL_EXPANSIONS.get((obj.get("object", ""), head))
    if special is not None:
        obj[head] = special(ctx, obj)
    elif head not in obj:
        raise InvalidRequest(f"This property cannot be expanded ({full}).", param="expand")
    value = obj.get(head)
    if isinstance(value, str):
        target = ctx.store.get(value)
        if target is None:
            raise InvalidRequest(f"This property cannot be expanded ({full}).", param="expand")
        obj[head] = value = private(target)
    if rest and isinstance(value, dict):
        if value.get("object") == "list" and rest:
            for item in value.get("data", []):
                _expand(ctx, item, rest, full)
        else:
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
    return {"object": "list", "data": [render(ctx, o, data_expand) for o in objs], "has_more": has_more, "url": url}


def sub_list(ctx: Ctx, kind: str, url: str, filters: dict[str, Any], limit: int = 10) -> dict:
    objs, has_more = ctx.store.list(kind, filters=filters, limit=limit)
    return {"object": "list", "data": [private(o) for o in objs], "has_more": has_more, "url": url}
