"""The finance sync: Stripe API -> the finance warehouse (DuckDB, or the Postgres of ``DATABASE_URL``;
see :mod:`lib.finance.store`).

Entry points: :func:`run_sync` (what ``python -m lib.sync`` and the dashboard's "Sync now" call)
and :func:`client_from_settings` (a client for the app's connection settings).

How a run works
---------------
*Backfill* (first run, ``full=True``, or a resource whose event cursor is older than Stripe's
30-day event retention): every resource is listed newest-first with Stripe's cursor pagination
(``limit=100``, then ``starting_after`` = the last id of the previous page, which is what the SDK's
``ListObject.next_page()`` sends; taken page by page so each page is retried, counted and
checkpointed on its own). Charges are listed with ``expand[]=data.balance_transaction``.
The resources are listed at the same time, one thread per resource with its own cursor; the pages
come back through a bounded queue and are written by the calling thread (the only one using the
warehouse connection and calling ``progress``). Whole pages are written (once :data:`WRITE_BATCH`
objects are waiting, in one transaction) together with the resource's checkpoint (``sync_state.backfill_after`` =
last id written), so an interrupted backfill resumes with ``starting_after`` at the next run; pages
already received when a request fails are still written. Before a resource's backfill starts, the
newest event is recorded as its event cursor: whatever changes during or after the backfill is
picked up from the events.

Requests are made by the official SDK (its requestor: auth, headers, encoding, typed errors), but
pages are read as plain JSON instead of typed ``StripeObject`` s: building a ``ListObject`` of 100
charges (each with a nested balance transaction and refunds list) cost about 100 ms of CPU per page
-- most of a 100,000-payment sync (~3,400 pages) -- while the sync only needs dicts to flatten into
rows. ``PageFetcher._get_json`` takes the body from the requestor's ``request_raw`` (what the
public ``StripeClient.raw_request`` calls) and parses it with orjson, because ``raw_request`` also parses
it with the stdlib json (another ~5 ms per charges page); if those internals are missing (another
SDK version) it falls back to ``raw_request(...).data``. Errors keep the SDK's typed exceptions
either way. Figures in bench/README.md ("Full sync from the sandbox").

*Incremental* (the pattern of Airbyte's Stripe source): ``GET /v1/events`` with
``created[gte]=<cursor>`` (ids already applied at the cursor second are skipped -- ``gte`` rather
than ``gt`` so events written later in that same second are not lost; once that second is more than
:data:`EVENTS_SETTLE_SECONDS` old the cursor moves past it and forgets its ids). Events are
always stamped with the time they are recorded, never back-dated -- on Stripe, and in the
sandbox, whose bulk seeder back-dates the objects it makes (their ``created``) but stamps their
events with the time each batch is written -- so whatever adds payments (the API, the simulator,
the seeder, delayed jobs such as dispute openings and refund settlements) shows up after the
cursor. Each event names an object
(``data.object``); objects created at or after the resource's watermark are new and are fetched
with one list call (``created[gte]=watermark``), older objects that changed are re-fetched one by
one by id. Refund and dispute events also re-fetch their charge (its ``refunded``/``disputed``
flags change without a charge event). Balance transactions have no events; when anything happened
they are listed with ``created[gte]=watermark``; and they come inside the objects that own them
(a charge's or refund's expanded ``balance_transaction``, a dispute's ``balance_transactions``), so
back-dated ones are written too. When more changed old objects than a cheap fetch by id allows
come in (a seeded batch of history), the resource is re-listed from the oldest one's ``created``.
A run after one new payment costs about five requests; a run with no new events costs two (the
events page, and a ``limit=1`` look at the newest PaymentIntent, kept as ``sync_state.account_newest``
so the dashboard can say when the warehouse is behind the account). The
rollups are then rebuilt only for the days the run touched (``SyncWriter.days``, with the rows
written since its first write: :func:`lib.finance.store.rollup_rebuild.rebuild_rollups`).

*Accounts and concurrency*: every row and cursor carries an ``account`` (``''`` for the app's own
key), so several keys sync into one warehouse. One run per account at a time: the warehouse's
``sync_lock`` (in-process for the DuckDB file, which one process writes at a time; a Postgres
advisory lock across processes for ``DATABASE_URL``); a second run returns status ``'busy'``
("Sync already running elsewhere …") without writing anything.

Failure handling: 429, network errors and 5xx are retried with exponential backoff and jitter
(``Retry-After`` honoured). A 403 or 400/404 on one resource marks only that resource failed and
the run continues ("partial"). A 401 (invalid or revoked key) or an API that stays unreachable
stops the run. Data is only written after a page succeeds and tables are never dropped, so the
last good data stays. Messages are readable and never contain key text.

Inner layers (lower first; a module imports only modules above it):
:mod:`~lib.finance.sync.model` (resources, constants, result types), :mod:`~lib.finance.sync.errors`
(readable errors, what is retried), :mod:`~lib.finance.sync.http` (requests, backoff, pagination),
:mod:`~lib.finance.sync.progress` (progress on the caller's thread), :mod:`~lib.finance.sync.writer`
(the sync store: pages + checkpoints through a :class:`~lib.finance.store.Warehouse`, touched days),
:mod:`~lib.finance.sync.context` (what one run works with), :mod:`~lib.finance.sync.backfill` and
:mod:`~lib.finance.sync.incremental`, :mod:`~lib.finance.sync.syncer` (one run, start to end) and
:mod:`~lib.finance.sync.client` (the app's client).
"""

from __future__ import annotations

from lib.finance.store import SyncAlreadyRunning
from lib.finance.sync.client import client_from_settings
from lib.finance.sync.errors import ResourceFailed, SyncError, describe_stripe_error, scrub
from lib.finance.sync.model import (
    EVENTS_RETENTION_SECONDS,
    EVENTS_SETTLE_SECONDS,
    NO_EVENTS_SLACK_SECONDS,
    PAGE_LIMIT,
    QUEUE_PAGES,
    RESOURCE_BY_OBJECT,
    RESOURCE_BY_TABLE,
    RESOURCES,
    STALE_MARGIN_SECONDS,
    WRITE_BATCH,
    ProgressFn,
    Resource,
    ResourceOutcome,
    SyncProgress,
    SyncResult,
)
from lib.finance.sync.syncer import Syncer, run_sync

__all__ = [
    "EVENTS_RETENTION_SECONDS", "EVENTS_SETTLE_SECONDS", "NO_EVENTS_SLACK_SECONDS", "PAGE_LIMIT", "QUEUE_PAGES", "RESOURCES",
    "RESOURCE_BY_OBJECT", "RESOURCE_BY_TABLE", "STALE_MARGIN_SECONDS", "WRITE_BATCH", "ProgressFn",
    "Resource", "ResourceFailed", "ResourceOutcome", "SyncAlreadyRunning", "SyncError", "SyncProgress", "SyncResult", "Syncer",
    "client_from_settings", "describe_stripe_error", "run_sync", "scrub",
]
