"""What the backfill and the incremental sync work with during one run: the API
(:class:`~lib.finance.sync.http.PageFetcher`), the writes (:class:`~lib.finance.sync.writer.SyncWriter`),
progress, the clock and the run's warnings. :class:`~lib.finance.sync.syncer.Syncer` builds it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from lib.finance.sync.http import PageFetcher
from lib.finance.sync.progress import ProgressReporter
from lib.finance.sync.writer import SyncWriter


@dataclass
class SyncContext:
    api: PageFetcher
    writer: SyncWriter
    progress: ProgressReporter
    now: Callable[[], float]
    warnings: list[str] = field(default_factory=list)
