"""Search pages: the opaque ``next_page`` cursor and Stripe's ``search_result`` envelope.

A cursor encodes the (created, id) position of the last object of a page, so the next page starts
right after it in the newest-first order whatever was written since; it is URL-safe base64 of a
JSON pair, without padding.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from .fields import RESOURCES
from .query import SearchQueryError

MAX_TOTAL_COUNT = 10_000  # Stripe: total_count is accurate up to 10,000


def encode_cursor(created: int, object_id: str) -> str:
    raw = json.dumps([int(created), object_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(page: str) -> tuple[int, str]:
    """The (created, id) a ``next_page`` value encodes; ``SearchQueryError`` (param ``page``) otherwise."""
    try:
        raw = base64.urlsafe_b64decode(page + "=" * (-len(page) % 4))
        created, object_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError):
        created = object_id = None
    if not isinstance(created, int) or isinstance(created, bool) or not isinstance(object_id, str):
        raise SearchQueryError(f"Invalid page: `{page}` is not a `next_page` value returned by a previous "
                               f"search.", param="page")
    return created, object_id


def page_of(rows: list[tuple[int, str]], limit: int) -> tuple[list[str], bool, str | None]:
    """From the rows a compiled search returned (up to ``limit + 1`` of (created, id)): the page's
    ids, ``has_more`` and ``next_page`` (None on the last page)."""
    page = rows[:limit]
    has_more = len(rows) > limit
    next_page = encode_cursor(*page[-1]) if has_more and page else None
    return [object_id for _, object_id in page], has_more, next_page


def url_for(kind: str) -> str:
    return f"/v1/{RESOURCES[kind]}/search"


def search_result(kind: str, data: list[dict], has_more: bool, next_page: str | None,
                  total_count: int | None = None) -> dict[str, Any]:
    """Stripe's envelope; ``total_count`` only when the request expanded it (capped at 10,000)."""
    out: dict[str, Any] = {"object": "search_result", "data": data, "has_more": has_more,
                           "next_page": next_page, "url": url_for(kind)}
    if total_count is not None:
        out["total_count"] = min(total_count, MAX_TOTAL_COUNT)
    return out
