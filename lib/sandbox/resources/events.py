"""Events: GET /v1/events (filters ``type``, ``types[]``, ``created``) and GET /v1/events/{id}.

Events are written by ``Ctx.emit`` (engine.py) in the transaction that changed the object, so a list
never shows an event for a change that was rolled back. Newest first, Stripe cursor pagination;
events emitted in one request share a ``created`` second and keep their emission order through the
rowid tie-break (a page lists them last-emitted first, as Stripe does).

Index use (storage/store.py keeps ``type`` in an indexed column, index ``(kind, type, created)``):

* no type filter, or one exact ``type``: one ordered index range (``Store.list``);
* ``types[]`` (up to 20 names) or a wildcard ``type`` such as ``charge.*`` or ``*.succeeded``:
  the wildcard is first expanded to the event types that exist, by a loose index scan (one seek
  per distinct type, ~40 at most, whatever the number of events), then the page is a k-way merge
  of one ``LIMIT n+1`` index range per type (``UNION ALL`` of ordered sub-selects). The cost is
  bounded by types × page size, never by the number of events stored.

A ``*`` matches any run of characters (``charge.*`` also matches ``charge.dispute.created``);
``types[]`` entries are exact names. ``type`` and ``types`` are mutually exclusive.
Differences from Stripe, on purpose: no 30-day retention window (seeded history stays listable),
and no ``delivery_success`` filter.
"""

from __future__ import annotations

import json
import re

from .. import params as fp
from ..engine import Ctx
from ..errors import InvalidRequest, NotFound
from ..storage.store import Store
from .listing import list_params, list_response, render

MAX_TYPES = 20
EXTRA = {"type": fp.string(255), "types": fp.string_list, **fp.EXPAND}


def get_event(ctx: Ctx, evt_id: str) -> dict:
    event = ctx.store.get(evt_id, "event")
    if event is None:
        raise NotFound("event", evt_id)
    return event


def stored_types(store: Store, prefix: str = "") -> list[str]:
    """Distinct event types starting with ``prefix``: a loose index scan, one seek per type."""
    rows = store.execute(
        "WITH RECURSIVE t(v) AS ("
        " SELECT (SELECT min(type) FROM objects WHERE kind='event' AND type >= ?1)"
        " UNION ALL"
        " SELECT (SELECT min(type) FROM objects WHERE kind='event' AND type > t.v) FROM t"
        " WHERE t.v IS NOT NULL AND substr(t.v, 1, ?2) = ?1"
        ") SELECT v FROM t WHERE v IS NOT NULL", (prefix, len(prefix))).fetchall()
    return [r[0] for r in rows if r[0].startswith(prefix)]


def expand_pattern(store: Store, pattern: str) -> list[str]:
    """The stored event types a ``type`` filter with ``*`` wildcards matches."""
    regex = re.compile(".*".join(re.escape(part) for part in pattern.split("*")))
    return [t for t in stored_types(store, pattern.split("*", 1)[0]) if regex.fullmatch(t)]


def page_by_types(store: Store, types: list[str], created: dict | None, limit: int,
                  starting_after: str | None = None, ending_before: str | None = None) -> tuple[list[dict], bool]:
    """One page of events whose type is in ``types``: a merge of per-type ordered index ranges."""
    if not types:
        return [], False
    window = store.page_window(created, starting_after, ending_before)
    if window is None:
        return [], False
    where, args = window
    order = "ASC" if ending_before else "DESC"
    cond = "".join(f" AND {w}" for w in where)
    sub = (f"SELECT * FROM (SELECT created, rowid AS rid, data FROM objects WHERE kind='event' AND type=?{cond} "
           f"ORDER BY created {order}, rowid {order} LIMIT ?)")
    sql = (f"SELECT data FROM ({' UNION ALL '.join([sub] * len(types))}) "
           f"ORDER BY created {order}, rid {order} LIMIT ?")
    sub_args: list = []
    for t in types:
        sub_args.extend([t, *args, limit + 1])
    rows = store.execute(sql, (*sub_args, limit + 1)).fetchall()
    objs = [json.loads(r[0]) for r in rows[:limit]]
    if ending_before:
        objs.reverse()
    return objs, len(rows) > limit


def _types_filter(ctx: Ctx, p: dict) -> list[str] | None:
    if "type" in p and "types" in p:
        raise InvalidRequest("You may only specify one of these parameters: type, types.",
                             code="parameters_exclusive", param="types")
    if "types" in p:
        if len(p["types"]) > MAX_TYPES:
            raise InvalidRequest(f"You may pass at most {MAX_TYPES} types.", param="types")
        return list(dict.fromkeys(p["types"]))
    if "type" in p:
        return expand_pattern(ctx.store, p["type"]) if "*" in p["type"] else [p["type"]]
    return None


def list_(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, list_params(EXTRA))
    types = _types_filter(ctx, p)
    if types is None or len(types) == 1:
        return list_response(ctx, "event", "/v1/events", params, EXTRA,
                             filters={"type": types[0]} if types else None)
    if p.get("starting_after") and p.get("ending_before"):
        raise InvalidRequest("You may only specify one of these parameters: ending_before, starting_after.",
                             code="parameters_exclusive", param="ending_before")
    expand = p.get("expand", [])
    if any(not e.startswith("data.") for e in expand):
        raise InvalidRequest("List expansions must start with `data.`", param="expand")
    objs, has_more = page_by_types(ctx.store, types, p.get("created"), p.get("limit", 10),
                                   p.get("starting_after"), p.get("ending_before"))
    data_expand = [e[len("data."):] for e in expand]
    return {"object": "list", "data": [render(ctx, o, data_expand) for o in objs], "has_more": has_more,
            "url": "/v1/events"}


def retrieve(ctx: Ctx, params: dict, evt_id: str) -> dict:
    p = fp.validate(params, fp.EXPAND)
    return render(ctx, get_event(ctx, evt_id), p.get("expand"))
