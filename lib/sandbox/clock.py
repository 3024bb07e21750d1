"""The sandbox's clock: what "now" is for an engine (``Engine(clock=...)``).

A clock is any zero-argument callable returning Unix seconds as a float. The live sandbox uses
``time.time``; tests use :class:`ManualClock`, which stands still until told to move, so async
steps (settlement, refunds, disputes, webhook retries) run when a test says so:

    clock = ManualClock()
    engine = open_engine(memory=True, clock=clock)
    ...                      # a request schedules a job 2 s ahead
    clock.advance(2)
    engine.run_due_jobs()    # it runs now, in this thread
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

Clock = Callable[[], float]


class ManualClock:
    """A clock that moves only on :meth:`advance` (or :meth:`set`). Starts at ``start``, or at the
    current time when not given (webhook signatures are then within the SDK's tolerance)."""

    def __init__(self, start: float | None = None):
        self._now = time.time() if start is None else float(start)
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> float:
        """Move forward by ``seconds``; returns the new time."""
        if seconds < 0:
            raise ValueError("a clock only moves forward")
        with self._lock:
            self._now += seconds
            return self._now

    def set(self, when: float) -> None:
        """Jump to ``when`` (not before the current time)."""
        with self._lock:
            if when < self._now:
                raise ValueError("a clock only moves forward")
            self._now = float(when)
