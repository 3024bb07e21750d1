"""One transaction per request, and Stripe's idempotent replay (TEST_MODE.md §7.1).

* ``Idempotency-Key`` counts on POST only. At most 255 characters; a blank key (empty, spaces,
  tabs) is refused with a 400 — as a key it would be one value shared by every caller who sent
  it, so one caller would get another's stored answer.
* A stored answer is replayed for the same key with the same method, path and parameters
  (``Idempotent-Replayed: true``, ``Original-Request``), refused with an ``idempotency_error`` for
  different ones. Answers are stored once the endpoint ran: successes, declines (402, whose failed
  charge is committed) and errors marked replayable; validation errors (``ParamError``) are not.
* Keys expire after 24 h: pruned a few at a time as new ones are stored.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Callable

from ..engine import Ctx
from ..errors import IdempotencyError, ParamError, StripeError
from ..storage.bulkstore import BufferedStore
from ..storage.store import dumps
from .router import Route

IDEMPOTENCY_TTL = 24 * 3600
MAX_KEY = 255
_remembered = itertools.count()

# Renders a StripeError raised by an endpoint as the body to answer (and store) for this request.
RenderError = Callable[[StripeError], dict]


def idempotency_key(method: str, header: str | None) -> str | None:
    """The request's key (None: none, or not a POST), or a 400 for a blank or too long one."""
    if method != "POST" or header is None:
        return None
    if not header.strip():
        raise ParamError("Invalid Idempotency-Key: it is blank. Send a unique value (a V4 UUID is best), or leave "
                         "the header out.", param="Idempotency-Key")
    if len(header) > MAX_KEY:
        raise ParamError(f"Idempotency-Key must be at most {MAX_KEY} characters.", param="Idempotency-Key")
    return header


def execute(ctx: Ctx, route: Route, params: dict, path_args: dict, method: str, path: str,
            headers: dict[str, str], render_error: RenderError) -> tuple[int, bytes]:
    """Run the endpoint in one transaction (or replay its stored answer); (status, JSON bytes)."""
    key = ctx.idempotency_key
    fingerprint = "" if key is None else hashlib.sha256(
        f"{method} {path} {json.dumps(params, sort_keys=True)}".encode()).hexdigest()
    try:
        return _execute_tx(ctx, route, params, path_args, headers, fingerprint, render_error)
    except Rollback as rb:
        if key is not None and rb.original.replayable:
            with ctx.engine.store.tx():
                _remember(ctx, key, fingerprint, rb.status, dumps(rb.body()))
        raise


def _execute_tx(ctx: Ctx, route: Route, params: dict, path_args: dict, headers: dict[str, str], fingerprint: str,
                render_error: RenderError) -> tuple[int, bytes]:
    store, key = ctx.store, ctx.idempotency_key
    with store.tx():
        if key is not None:
            row = store.execute("SELECT fingerprint, status, body, request_id, created FROM idempotency WHERE key=?",
                                (key,)).fetchone()
            if row and row[4] > ctx.engine.clock() - IDEMPOTENCY_TTL:
                if row[0] != fingerprint:
                    raise IdempotencyError(
                        "Keys for idempotent requests can only be used with the same parameters they were first "
                        f"used with. Try using a key other than '{key}' if you meant to execute a different "
                        "request.")
                headers["Idempotent-Replayed"] = "true"
                headers["Original-Request"] = row[3]
                return row[1], row[2].encode()
            headers["Original-Request"] = ctx.request_id or ""
        # Each object is written once per request, in its final state, with one executemany
        # (a create+confirm touches the PaymentIntent and its charge several times).
        ctx.write_behind = BufferedStore(store)
        try:
            status, body = 200, route.handler(ctx, params, **path_args)
        except StripeError as exc:
            if not exc.commit:
                raise Rollback(exc, exc.status, render_error(exc)) from None
            status, body = exc.status, render_error(exc)  # a decline: its failed charge and PI state are kept
        ctx.write_behind.flush()
        ctx.write_behind = None
        text = dumps(body)  # once, for the idempotency record and the response (orjson: store.dumps)
        if key is not None:
            _remember(ctx, key, fingerprint, status, text)
    return status, text.encode()


def _remember(ctx: Ctx, key: str, fingerprint: str, status: int, text: str) -> None:
    store, now = ctx.engine.store, ctx.engine.clock()
    store.execute("INSERT OR REPLACE INTO idempotency(key, fingerprint, status, body, request_id, created) "
                  "VALUES (?,?,?,?,?,?)", (key, fingerprint, status, text, ctx.request_id, now))
    # Prune expired keys, bounded work: up to 64 on every 16th stored key (not a query per request).
    if next(_remembered) % 16 == 0:
        store.execute("DELETE FROM idempotency WHERE rowid IN (SELECT rowid FROM idempotency WHERE created < ? "
                      "LIMIT 64)", (now - IDEMPOTENCY_TTL,))


class Rollback(StripeError):
    """The endpoint failed: roll its transaction back, then store the answer for replay if allowed."""

    def __init__(self, original: StripeError, status: int, body: dict):
        super().__init__(original.message)
        self.original, self.status, self._body = original, status, body

    def body(self) -> dict:
        return self._body
