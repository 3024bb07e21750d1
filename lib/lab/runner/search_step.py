"""The ``search`` step: Stripe's Search API (TEST_MODE.md §8.3) on the run's own objects.

A query names the run's objects through placeholders that :func:`fill` replaces: ``{customer}``
(the customer the run made) and ``{tag}`` (a marker unique to the run, e.g. in a customer's email),
so the same scenario finds the same objects on a busy account.
"""

from __future__ import annotations

from ..eventlog import as_dict
from .state import RunState, poll

MAX_SEARCH_PAGES = 10  # of 100 results: scenarios search a handful of their own objects


def fill(state: RunState, template: str) -> str:
    """``template`` with ``{customer}`` (the run's customer id) and ``{tag}`` (its marker) filled in."""
    return template.replace("{customer}", state.customer or "").replace("{tag}", state.tag)


def op_search(state: RunState, a: dict) -> str:
    """Search ``resource`` (payment_intents, charges or customers) for ``query``, every page; keep the
    ids found and whether all are the run's own (``RunState.search``). Stripe makes a write
    searchable within about a minute, not at once: with ``want``, the search is repeated until that
    many objects match (or the run's wait times out)."""
    service = getattr(state.env.client.v1, a["resource"])
    query = fill(state, a["query"])

    def every_page() -> list[dict]:
        found: list[dict] = []
        page = None
        for _ in range(MAX_SEARCH_PAGES):
            params = {"query": query, "limit": 100, **({"page": page} if page else {})}
            result = state.call(service.search, params=params)
            found += [as_dict(o) for o in result.data]
            page = result.next_page
            if not result.has_more or not page:
                break
        return found

    want = a.get("want")
    if want:
        found = poll(state, f"{want} search result(s)", lambda: hits if len(hits := every_page()) >= want else None)
    else:
        found = every_page()
    mine = state.object_ids()
    state.search = {"ids": [o["id"] for o in found],
                    "own": all(o["id"] in mine or o.get("payment_intent") in state.pi_ids for o in found)}
    shown = ", ".join(state.search["ids"][:4]) + (" …" if len(found) > 4 else "")
    return f"{len(found)} found" + (f": {shown}" if found else "")
