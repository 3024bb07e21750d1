"""Reading events: pages of GET /v1/events and the "which events belong to this object" filter.

Stripe's event list filters only by ``type`` (``*`` wildcards), ``types[]`` (up to 20 exact names)
and ``created``; there is no filter by object. So every query here is bounded by a ``created``
window and filtered client-side on ``data.object.id`` (and the object's ``payment_intent`` /
``charge``), which works the same on Stripe and on the sandbox, and whose cost does not grow with
the history stored.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import stripe

PAGE_LIMIT = 100
DEFAULT_MAX_PAGES = 20


def as_dict(obj: Any) -> dict:
    """A plain dict from a StripeObject (or a dict)."""
    if obj is None:
        return {}
    if isinstance(obj, dict):
        return obj
    return obj.to_dict()


def related_ids(event: dict) -> set[str]:
    """Ids an event is about: its object, and the PaymentIntent / Charge that object belongs to."""
    obj = (event.get("data") or {}).get("object") or {}
    out = set()
    for key in ("id", "payment_intent", "charge"):
        value = obj.get(key)
        if isinstance(value, dict):
            value = value.get("id")
        if isinstance(value, str):
            out.add(value)
    return out


def is_related(event: dict, ids: Iterable[str]) -> bool:
    return bool(related_ids(event) & set(ids))


@dataclass
class EventPage:
    events: list[dict]
    has_more: bool
    scanned: int
    pages: int


def list_events(client: stripe.StripeClient, *, since: int | None = None, until: int | None = None,
                types: list[str] | None = None, type_pattern: str | None = None, ids: Iterable[str] | None = None,
                max_pages: int = DEFAULT_MAX_PAGES, want: int | None = None,
                starting_after: str | None = None) -> EventPage:
    """Events newest first within [since, until], optionally only those related to ``ids``.

    ``types`` (exact names, at most 20) and ``type_pattern`` (one ``type`` with wildcards) are
    mutually exclusive. Stops after ``max_pages`` pages, or once ``want`` matches are collected.
    """
    params: dict[str, Any] = {"limit": PAGE_LIMIT}
    created: dict[str, int] = {}
    if since is not None:
        created["gte"] = int(since)
    if until is not None:
        created["lte"] = int(until)
    if created:
        params["created"] = created
    if types:
        params["types"] = list(types)[:20]
    elif type_pattern:
        params["type"] = type_pattern
    if starting_after:
        params["starting_after"] = starting_after
    wanted = set(ids) if ids is not None else None
    out: list[dict] = []
    scanned = pages = 0
    has_more = True
    while has_more and pages < max_pages:
        page = client.v1.events.list(params=params)
        pages += 1
        data = [as_dict(e) for e in page.data]
        scanned += len(data)
        has_more = bool(page.has_more) and bool(data)
        for event in data:
            if wanted is None or is_related(event, wanted):
                out.append(event)
        if want is not None and len(out) >= want:
            break
        if data:
            params["starting_after"] = data[-1]["id"]
    return EventPage(out, has_more, scanned, pages)


def oldest_first(events: list[dict]) -> list[dict]:
    """Lists are newest first (ties in emission order reversed); flip to reading order, stable on time."""
    seen: set[str] = set()
    unique = []
    for event in events:
        if event["id"] not in seen:
            seen.add(event["id"])
            unique.append(event)
    unique.reverse()
    return sorted(unique, key=lambda e: e.get("created", 0))


def dedupe_sorted(events: list[dict]) -> list[dict]:
    """Several oldest-first lists concatenated: drop repeats, stable-sort by time."""
    seen: set[str] = set()
    unique = [e for e in events if not (e["id"] in seen or seen.add(e["id"]))]
    return sorted(unique, key=lambda e: e.get("created", 0))


def events_for(client: stripe.StripeClient, ids: Iterable[str], since: int, *, expected: Iterable[str] = (),
               settle_s: float = 0.0, poll_s: float = 0.5, max_pages: int = DEFAULT_MAX_PAGES) -> list[dict]:
    """Events about ``ids`` created since ``since``, oldest first.

    With ``settle_s`` > 0, polls (up to that long) until every type in ``expected`` is present:
    Stripe makes events listable a moment after the request that caused them.
    """
    deadline = time.monotonic() + settle_s
    needed = list(expected)
    while True:
        events = oldest_first(list_events(client, since=since - 2, ids=ids, max_pages=max_pages).events)
        have = [e["type"] for e in events]
        missing = [t for t in needed if t not in have]
        if not missing or time.monotonic() >= deadline:
            return events
        time.sleep(poll_s)


def event_row(event: dict) -> dict[str, Any]:
    """A flat row for tables."""
    obj = (event.get("data") or {}).get("object") or {}
    request = event.get("request") or {}
    return {
        "created": event.get("created"),
        "type": event.get("type"),
        "id": event.get("id"),
        "object": obj.get("object"),
        "object id": obj.get("id"),
        "status": obj.get("status"),
        "request": request.get("id") or "automatic",
        "pending webhooks": event.get("pending_webhooks"),
    }
