"""Sync engine, API side: one GET with retry/backoff/jitter, the JSON fast path through the SDK's
requestor, cursor pagination, retrieve-by-id and the newest event (see :mod:`lib.finance.sync`)."""

from __future__ import annotations

import random
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson
import stripe

from lib.finance.sync.errors import (
    ResourceFailed,
    SyncError,
    describe_stripe_error,
    is_retryable,
    retry_after_seconds,
)
from lib.finance.sync.model import EVENTS_SETTLE_SECONDS, NO_EVENTS_SLACK_SECONDS, PAGE_LIMIT, Resource


class PageFetcher:
    """The API requests of one sync run. Safe to use from several threads (the backfill lists
    every resource at once); ``requests`` counts every attempt. ``on_retry`` gets a readable line
    before each backoff pause."""

    def __init__(self, client: stripe.StripeClient, *, sleep: Callable[[float], None],
                 now: Callable[[], float], on_retry: Callable[[str], None], max_attempts: int = 6,
                 base_delay: float = 0.5, max_delay: float = 30.0, rng: random.Random | None = None) -> None:
        self.client = client
        self.sleep = sleep
        self.now = now
        self.on_retry = on_retry
        self.max_attempts = max(1, max_attempts)
        self.base_delay = base_delay
        self.max_delay = max_delay
        self.rng = rng or random.Random()
        self.requests = 0
        self._count_lock = threading.Lock()
        self._fast_get = True
        self._newest_event: tuple[int, list[str]] | None = None

    def _call(self, fn: Callable[[], Any], label: str) -> Any:
        """One API request, retried with backoff on 429 / network / 5xx errors."""
        attempt = 0
        while True:
            attempt += 1
            with self._count_lock:
                self.requests += 1
            try:
                return fn()
            except Exception as exc:  # noqa: BLE001 - classified below
                if not is_retryable(exc) or attempt >= self.max_attempts:
                    raise describe_stripe_error(exc, label) from exc
                delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
                delay = delay * (0.5 + 0.5 * self.rng.random())
                hinted = retry_after_seconds(exc)
                if hinted is not None:
                    delay = max(delay, min(hinted, self.max_delay))
                self.on_retry(f"Retrying {label} in {delay:.1f}s (attempt {attempt + 1} of {self.max_attempts})")
                self.sleep(delay)

    @staticmethod
    def path(res: Resource) -> str:
        """The list endpoint of a resource (``/v1/charges``)."""
        return f"/v1/{res.service}"

    def get(self, path: str, params: Mapping[str, Any], label: str) -> dict:
        """One GET through the SDK; the JSON body as plain dicts (see :meth:`_get_json`)."""
        data = self._call(lambda: self._get_json(path, params), label)
        if not isinstance(data, dict):
            raise SyncError(f"The API answered {label} with something that is not a JSON object.", "api")
        return data

    def _get_json(self, path: str, params: Mapping[str, Any]) -> Any:
        """The parsed body of ``GET path?params``, sent by the SDK. Fast path: the SDK's requestor
        (``request_raw``, what ``raw_request`` calls) and orjson of the body -- ``raw_request`` itself
        also parses the body with the stdlib json (5 ms of a 10 ms charges page); errors still go
        through the SDK's own error handling (typed exceptions). If that internal API is not there
        (another SDK version), the public ``raw_request`` is used from then on."""
        requestor = getattr(self.client, "_requestor", None) if self._fast_get else None
        if requestor is not None:
            try:
                body, code, headers = requestor.request_raw(
                    "get", path, params=params, options={}, base_address="api", api_mode="V1",
                    usage=["raw_request"])
            except (AttributeError, TypeError):  # not this SDK's internals: public API from now on
                self._fast_get = False
            else:
                if not 200 <= code < 300:
                    requestor._interpret_response(body, code, headers, "V1")  # raises the typed error
                return orjson.loads(body)
        return self.client.raw_request("get", path, **params).data

    def pages(self, path: str, params: Mapping[str, Any], label: str, after: str | None = None,
              stop: threading.Event | None = None) -> Iterator[list[dict]]:
        """Pages (lists of plain dicts) of a list endpoint, newest first: ``limit=100`` and
        ``starting_after`` = the last id of the previous page, as the SDK's ``next_page()`` does.
        ``stop`` (set by another thread) ends the iteration before the next request."""
        query: dict[str, Any] = {"limit": PAGE_LIMIT, **params}
        if after:
            query["starting_after"] = after
        while True:
            body = self.get(path, query, label)
            items = body.get("data") or []
            if items:
                yield items
            if not body.get("has_more") or not items or (stop is not None and stop.is_set()):
                return
            query = {**query, "starting_after": items[-1]["id"]}

    def retrieve(self, res: Resource, obj_id: str) -> dict:
        """One object by id; a deleted or missing (404) one as ``{id, deleted, _missing}``."""
        params = dict(res.retrieve_extra)
        try:
            data = self.get(f"{self.path(res)}/{obj_id}", params, res.label)
        except ResourceFailed as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError) and \
                    getattr(exc.__cause__, "http_status", None) == 404:
                return {"id": obj_id, "deleted": True, "_missing": True}
            raise
        if data.get("deleted"):  # a deleted customer comes back as a stub {id, deleted}
            return {"id": obj_id, "deleted": True, "_missing": True}
        return data

    def newest_event(self) -> tuple[int, list[str]]:
        """The events cursor for a backfill starting now: (second, event ids already at it) of the
        newest event -- every id of that second, paging on while a page is all that second -- or
        (that second + 1, none) once it has settled (``EVENTS_SETTLE_SECONDS``); ``now - 5 min``
        when there are no events. Asked once per run."""
        if self._newest_event is None:
            read_at = self.now()
            body = self.get("/v1/events", {"limit": PAGE_LIMIT}, "events")
            data = body.get("data") or []
            if not data:
                self._newest_event = (int(read_at) - NO_EVENTS_SLACK_SECONDS, [])
                return self._newest_event
            top = max(int(e["created"]) for e in data)
            if top <= read_at - EVENTS_SETTLE_SECONDS:
                self._newest_event = (top + 1, [])
                return self._newest_event
            ids = {e["id"] for e in data if int(e["created"]) == top}
            while body.get("has_more") and int(data[-1]["created"]) == top:
                body = self.get("/v1/events", {"limit": PAGE_LIMIT, "created": {"gte": top},
                                               "starting_after": data[-1]["id"]}, "events")
                data = body.get("data") or []
                if not data:
                    break
                ids.update(e["id"] for e in data if int(e["created"]) == top)
            self._newest_event = (top, sorted(ids))
        return self._newest_event
