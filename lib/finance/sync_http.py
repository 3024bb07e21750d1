"""Sync engine, API side: one GET with retry/backoff/jitter, the JSON fast path through the SDK's
requestor, cursor pagination and retrieve-by-id (see :mod:`lib.finance.syncer`)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from typing import Any

import orjson
import stripe

from lib.finance.sync_errors import (
    SyncError,
    _ResourceFailed,
    _retry_after,
    _retryable,
    describe_stripe_error,
)
from lib.finance.sync_model import (
    PAGE_LIMIT,
    Resource,
)


class PageFetcher:
    """Requests for :class:`lib.finance.syncer.Syncer` (mixin; attributes set by ``Syncer``)."""

    # -- API calls -----------------------------------------------------------------------------

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
                if not _retryable(exc) or attempt >= self.max_attempts:
                    raise describe_stripe_error(exc, label) from exc
                delay = min(self.max_delay, self.base_delay * (2 ** (attempt - 1)))
                delay = delay * (0.5 + 0.5 * self.rng.random())
                hinted = _retry_after(exc)
                if hinted is not None:
                    delay = max(delay, min(hinted, self.max_delay))
                self._report("retry", None, 0, f"Retrying {label} in {delay:.1f}s "
                             f"(attempt {attempt + 1} of {self.max_attempts})")
                self.sleep(delay)

    @staticmethod
    def _path(res: Resource) -> str:
        return f"/v1/{res.service}"

    def _get(self, path: str, params: Mapping[str, Any], label: str) -> dict:
        """One GET through the SDK; the JSON body as plain dicts (see module doc)."""
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

    def _pages(self, path: str, params: Mapping[str, Any], label: str, after: str | None = None,
               stop: threading.Event | None = None) -> Iterator[list[dict]]:
        """Pages (lists of plain dicts) of a list endpoint, newest first: ``limit=100`` and
        ``starting_after`` = the last id of the previous page, as the SDK's ``next_page()`` does.
        ``stop`` (set by another thread) ends the iteration before the next request."""
        query: dict[str, Any] = {"limit": PAGE_LIMIT, **params}
        if after:
            query["starting_after"] = after
        while True:
            body = self._get(path, query, label)
            items = body.get("data") or []
            if items:
                yield items
            if not body.get("has_more") or not items or (stop is not None and stop.is_set()):
                return
            query = {**query, "starting_after": items[-1]["id"]}

    def _retrieve(self, res: Resource, obj_id: str) -> dict | None:
        params = dict(res.retrieve_extra)
        try:
            data = self._get(f"{self._path(res)}/{obj_id}", params, res.label)
        except _ResourceFailed as exc:
            if isinstance(exc.__cause__, stripe.InvalidRequestError) and \
                    getattr(exc.__cause__, "http_status", None) == 404:
                return {"id": obj_id, "deleted": True, "_missing": True}
            raise
        if data.get("deleted"):  # a deleted customer comes back as a stub {id, deleted}
            return {"id": obj_id, "deleted": True, "_missing": True}
        return data
