"""The Search API endpoints: GET /v1/payment_intents/search, /v1/charges/search, /v1/customers/search.

The query language, the searchable fields and the index are the ``search`` package's (see its
docstring for the decisions); this module validates the request, runs the compiled SQL on the
store, loads the page's objects in one query and renders them as a list page is rendered
(``expand[]=data.customer`` etc.), in Stripe's ``search_result`` envelope. ``expand[]=total_count``
adds the number of matches (up to 10,000).
"""

from __future__ import annotations

from .. import params as fp
from .. import search
from ..engine import Ctx
from ..errors import InvalidRequest
from .listing import render_page

PARAMS = {"query": fp.string(10_000, blank=True), "limit": fp.integer(1, 100), "page": fp.string(5000), **fp.EXPAND}
DEFAULT_LIMIT = 10
TOTAL_COUNT = "total_count"


def run(ctx: Ctx, kind: str, params: dict) -> dict:
    """One page of ``kind`` objects matching ``params["query"]``, newest first."""
    p = fp.validate(params, PARAMS, required=("query",))
    expand = p.get("expand", [])
    if any(e != TOTAL_COUNT and not e.startswith("data.") for e in expand):
        raise InvalidRequest("Search expansions must be `total_count` or start with `data.`", param="expand")
    limit = p.get("limit", DEFAULT_LIMIT)
    try:
        query = search.parse(p["query"], kind)
        sql, args = search.compile(kind, query, limit, p.get("page"))
    except search.SearchQueryError as e:
        raise InvalidRequest(e.message, param=e.param) from None
    ctx.store.catch_up_search()  # the rows of objects written since the last search
    ids, has_more, next_page = search.page_of(ctx.store.execute(sql, args).fetchall(), limit)
    found = ctx.store.get_many(ids)
    data = render_page(ctx, [found[i] for i in ids if i in found],
                       [e[len("data."):] for e in expand if e.startswith("data.")])
    total = None
    if TOTAL_COUNT in expand:
        total = ctx.store.execute(*search.compile_count(kind, query)).fetchone()[0]
    return search.search_result(kind, data, has_more, next_page, total)


def payment_intents(ctx: Ctx, params: dict) -> dict:
    """GET /v1/payment_intents/search"""
    return run(ctx, "payment_intent", params)


def charges(ctx: Ctx, params: dict) -> dict:
    """GET /v1/charges/search"""
    return run(ctx, "charge", params)


def customers(ctx: Ctx, params: dict) -> dict:
    """GET /v1/customers/search"""
    return run(ctx, "customer", params)
