"""Sync engine data: tuning constants, the synced resources, and the progress/result types
returned to callers (see :mod:`lib.finance.sync`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from lib.finance.store import TABLES, Table

PAGE_LIMIT = 100
WRITE_BATCH = 2000                   # a backfill writes its buffered pages once this many objects wait
EVENTS_RETENTION_SECONDS = 30 * 86400
STALE_MARGIN_SECONDS = 3600          # treat cursors within an hour of the retention edge as stale
NO_EVENTS_SLACK_SECONDS = 300        # event cursor when the account has no events yet: now - 5 min
QUEUE_PAGES = 24                     # pages fetched ahead of the writes (all resources)
# An event becomes listable within this many seconds of its ``created`` (the time a request, job or
# seeding batch began; it commits a moment later). A cursor second older than this is complete:
# the cursor moves past it instead of remembering (and re-listing) every event id in it.
EVENTS_SETTLE_SECONDS = 2


@dataclass(frozen=True)
class Resource:
    table: str
    service: str                      # the API path after /v1/ (list and retrieve)
    label: str                        # for messages
    list_extra: Mapping[str, Any] = field(default_factory=dict)
    retrieve_extra: Mapping[str, Any] = field(default_factory=dict)
    event_object: str | None = None   # Stripe ``object`` named by events; None: no events

    @property
    def spec(self) -> Table:
        return TABLES[self.table]


RESOURCES: tuple[Resource, ...] = (
    Resource("customers", "customers", "customers", event_object="customer"),
    Resource("payment_intents", "payment_intents", "PaymentIntents", event_object="payment_intent"),
    Resource("charges", "charges", "charges", {"expand": ["data.balance_transaction"]},
             {"expand": ["balance_transaction"]}, event_object="charge"),
    # A refund's balance transaction comes expanded: back-dated ones (seeded history) are older
    # than the balance-transaction watermark, so listing those by ``created`` would miss them.
    Resource("refunds", "refunds", "refunds", {"expand": ["data.balance_transaction"]},
             {"expand": ["balance_transaction"]}, event_object="refund"),
    Resource("disputes", "disputes", "disputes", event_object="dispute"),
    Resource("balance_transactions", "balance_transactions", "balance transactions"),
)
RESOURCE_BY_TABLE = {r.table: r for r in RESOURCES}
RESOURCE_BY_OBJECT = {r.event_object: r for r in RESOURCES if r.event_object}


# ---------------------------------------------------------------------------------------------
# public result types


@dataclass(frozen=True)
class SyncProgress:
    fraction: float          # 0..1
    phase: str               # 'start', 'backfill', 'events', 'fetch', 'retry', 'rollups', 'done'
    resource: str | None     # table name
    fetched: int             # objects written so far in this resource
    total_fetched: int       # objects written so far in this run
    message: str


@dataclass
class ResourceOutcome:
    mode: str = "skipped"    # 'backfill', 'resume', 'incremental', 'skipped'
    fetched: int = 0
    error: str | None = None


@dataclass
class SyncResult:
    status: str              # 'ok', 'partial' (some resources failed), 'busy' (another sync of the
                             # account is running: nothing done) or 'error' (nothing/partly done)
    mode: str                # 'backfill', 'resume', 'incremental'
    message: str
    requests: int = 0
    objects: int = 0
    resources: dict[str, ResourceOutcome] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    account: str = ""
    started_at: datetime | None = None
    finished_at: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    @property
    def seconds(self) -> float:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return 0.0


ProgressFn = Callable[[SyncProgress], None]


def utc_naive(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, UTC).replace(tzinfo=None)

