"""Progress of one sync run, reported on the caller's thread only: reports made on a fetching
thread wait in a queue until the caller flushes them, so ``progress`` callbacks (a Streamlit
progress bar) never run on another thread. The reported fraction never goes down."""

from __future__ import annotations

import collections
import threading
from collections.abc import Callable

from lib.finance.sync.model import ProgressFn, SyncProgress


class ProgressReporter:
    """Reports ``SyncProgress`` to ``progress_fn`` (see module doc)."""

    def __init__(self, progress_fn: ProgressFn | None, objects_written: Callable[[], int]) -> None:
        self.progress_fn = progress_fn
        self.objects_written = objects_written
        self._owner = threading.get_ident()
        self._pending: collections.deque = collections.deque()
        self._fraction = 0.0

    def report(self, phase: str, resource: str | None, fetched: int, message: str,
               fraction: float | None = None) -> None:
        if threading.get_ident() != self._owner:  # a fetching thread: reported by the caller's
            self._pending.append((phase, resource, fetched, message, fraction))
            return
        if fraction is not None:
            self._fraction = max(self._fraction, min(1.0, fraction))
        if self.progress_fn is not None:
            self.progress_fn(SyncProgress(self._fraction, phase, resource, fetched, self.objects_written(),
                                          message))

    def flush(self) -> None:
        """Report, on the caller's thread, what fetching threads reported since the last flush."""
        while self._pending:
            self.report(*self._pending.popleft())
