"""The request context every domain function receives, and the engine behind it.

Domain code (resources/*) never touches HTTP: it gets a ``Ctx`` holding the store, the clock, the
request's id and idempotency key, and three effects — ``emit`` (an event, recorded in the same
transaction), ``schedule`` (an async transition, persisted in the jobs table so it survives a
restart) and ``charge_captured`` (tell the listeners that money was captured). The HTTP server
and the bulk seeder both drive the same functions through a ``Ctx``.

What runs for a job kind, an emitted event, a captured charge, a rendered object and at engine
start/stop is not looked up in registries filled by imports: the engine is handed a ``Wiring``
(built in app.py, the one place that lists them all).

Time comes from the engine's ``clock`` (``time.time`` unless given one, e.g. clock.ManualClock):
``Ctx.now``, when a scheduled job is due, and which jobs ``run_due_jobs`` finds due.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lib.stripe_facts.api_version import API_VERSION

from .clock import Clock
from .ids import body_of, new_id, random_body
from .storage.store import SEARCH_BATCH, Store, dumps

log = logging.getLogger("sandbox")

JobHandler = Callable[["Ctx", dict], Any]
EventListener = Callable[["Ctx", dict], None]
ChargeListener = Callable[["Ctx", dict, Any], None]  # (ctx, charge, test card)
Renderer = Callable[["Ctx", dict], None]
PageRenderer = Callable[["Ctx", list], None]
EngineHook = Callable[["Engine"], None]



def _empty() -> Mapping:
    return MappingProxyType({})


@dataclass(frozen=True)
class Wiring:
    """What the engine runs, handed to it whole (app.py builds the sandbox's own).

    ``jobs``: job kind -> handler. ``event_listeners``: called with every event before it is
    stored. ``charge_captured``: called when a charge has money captured, in the request's
    transaction. ``renderers``: object type -> adds computed fields to a rendered object;
    ``page_renderers``: the same for a whole list page at once (it must give each object what its
    renderer would). ``on_start`` / ``on_stop``: called with the engine after it starts / as it stops.
    """

    jobs: Mapping[str, JobHandler] = field(default_factory=_empty)
    event_listeners: tuple[EventListener, ...] = ()
    charge_captured: tuple[ChargeListener, ...] = ()
    renderers: Mapping[str, Renderer] = field(default_factory=_empty)
    page_renderers: Mapping[str, PageRenderer] = field(default_factory=_empty)
    on_start: tuple[EngineHook, ...] = ()
    on_stop: tuple[EngineHook, ...] = ()


_HIDDEN_KEY = re.compile("\x00(_[^\x00]*)")


def private(obj: dict) -> dict:
    """A copy without the fields starting with ``_`` (the sandbox's own bookkeeping, never rendered).

    The keys are joined and searched in C rather than filtered key by key in Python: this runs for
    every event snapshot and every rendered object, and the dict comprehension was the seeder's
    single costliest Python line."""
    keys = "\x00" + "\x00".join(obj)
    out = obj.copy()
    if "\x00_" in keys:
        for key in _HIDDEN_KEY.findall(keys):
            out.pop(key, None)
    return out


@dataclass
class Ctx:
    engine: Engine
    now: int
    request_id: str | None = None
    idempotency_key: str | None = None
    api_version: str = API_VERSION
    publishable: bool = False
    base_url: str = ""
    # Seeding runs async transitions at once, with the clock moved forward by their delay.
    inline_jobs: bool = False
    # When set, the ``created`` of the events this context emits (seeding: the time the batch is
    # recorded, while ``now`` -- the objects' ``created`` -- is back in the seeded history).
    events_at: int | None = None
    emitted: list[str] = field(default_factory=list)
    # The request's write-behind view of the store (http/server.py): a request's writes go out together.
    write_behind: Any = None
    # Reads that one request may reuse (the webhook endpoints each of its events is sent to).
    memo: dict[str, Any] = field(default_factory=dict)

    @property
    def store(self) -> Store:
        return self.write_behind or self.engine.store

    def emit(self, event_type: str, obj: dict, previous: dict | None = None) -> dict:
        """Record an event whose ``data.object`` is ``obj`` as it is now."""
        # No copy needed: the store serialises the event now, before `obj` can change again.
        snapshot = private(obj)
        data: dict[str, Any] = {"object": snapshot}
        if previous is not None:
            data["previous_attributes"] = previous
        automatic = self.request_id is None
        event = {
            "id": new_id("evt", body_of(obj["id"])[:12] + random_body(12)),
            "object": "event", "api_version": self.engine.event_api_version,
            "created": self.now if self.events_at is None else self.events_at,
            "data": data, "livemode": False, "pending_webhooks": 0,
            "request": {"id": None if automatic else self.request_id,
                        "idempotency_key": None if automatic else self.idempotency_key},
            "type": event_type,
            # Indexed columns so events list by the object they describe.
            "_object_id": obj["id"],
        }
        for listener in self.engine.wiring.event_listeners:
            listener(self, event)
        self.store.insert(event)
        self.emitted.append(event["type"])
        return event

    def schedule(self, delay: float, kind: str, payload: dict) -> None:
        """Run job ``kind`` after the engine's async delay (scaled by ``delay`` as a weight)."""
        if self.inline_jobs:
            sub = Ctx(self.engine, self.now + max(1, int(delay * 60)), inline_jobs=True, events_at=self.events_at)
            self.engine.wiring.jobs[kind](sub, payload)
            self.emitted.extend(sub.emitted)
            return
        self.schedule_at(self.engine.clock() + self.engine.async_delay * delay, kind, payload)

    def schedule_at(self, run_at: float, kind: str, payload: dict) -> None:
        """Run job ``kind`` at the absolute time ``run_at`` on the engine's clock (a deadline such as a
        dispute's due date, not a compressed async step). Also when seeding: a deadline already
        past is then due at once, and runs after the batch that wrote it, so the seeded history's
        later steps (evidence submitted before the deadline) come first."""
        self.store.execute("INSERT INTO jobs(run_at, kind, payload) VALUES (?,?,?)", (run_at, kind, dumps(payload)))
        self.engine.wake(run_at)

    def charge_captured(self, charge: dict, card: Any) -> None:
        """Money was captured on ``charge`` (``card``: its test card): run the wiring's listeners."""
        for listener in self.engine.wiring.charge_captured:
            listener(self, charge, card)


class Engine:
    """Owns the store, the wiring and the background worker that runs due jobs."""

    def __init__(self, store: Store, wiring: Wiring, *, async_delay: float = 2.0, clock: Clock = time.time):
        self.store = store
        self.wiring = wiring
        self.clock = clock
        self.async_delay = async_delay
        self.event_api_version = API_VERSION
        self.data_dir: str | None = None
        self.base_url = ""
        # Webhook URLs must be loopback unless this is set (serve --allow-remote-webhooks).
        self.allow_remote_webhooks = False
        # Per-engine state of the hooks in wiring.on_start (e.g. the webhook delivery worker).
        self.services: dict[str, Any] = {}
        self._cond = threading.Condition()
        self._stop = False
        self._woken = False
        self._sleeping_until: float | None = None  # set while the job worker waits (under _cond)
        self._thread: threading.Thread | None = None

    def ctx(self, **kw: Any) -> Ctx:
        return Ctx(self, now=int(kw.pop("now", None) or self.clock()), **kw)

    @property
    def started(self) -> bool:
        """``start()`` was called (the engine may have been stopped since)."""
        return self._thread is not None

    @property
    def running(self) -> bool:
        """Started and not stopped: its background threads are (or are about to be) running."""
        return self._thread is not None and not self._stop

    # --- background jobs ----------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sandbox-jobs", daemon=True)
        self.store.on_search_backlog = self.wake
        self._thread.start()
        for hook in self.wiring.on_start:
            hook(self)

    def stop(self) -> None:
        self.store.on_search_backlog = None
        with self._cond:
            self._stop = True
            self._cond.notify_all()
        for hook in self.wiring.on_stop:
            hook(self)
        if self._thread:
            self._thread.join(timeout=5)

    @property
    def job_batch_window(self) -> float:
        """How long the worker lets a due job wait for others, so that a burst of requests' jobs
        (each payment schedules a balance settlement) runs in one transaction instead of one each:
        a twentieth of the async delay, at most 0.1 s (none with ``--async-delay 0``). Under load
        that turns ~1.3 extra commits per request into one per batch."""
        return min(0.1, self.async_delay / 20)

    def wake(self, run_at: float | None = None) -> None:
        """Tell the job worker about a new job. Skipped when the worker is asleep and will look again
        before ``run_at`` anyway: waking it for every request (most jobs are due seconds later) costs
        a thread switch and store-lock contention on the request path."""
        with self._cond:
            if run_at is not None and self._sleeping_until is not None and run_at >= self._sleeping_until:
                return
            self._woken = True
            self._cond.notify_all()

    def run_due_jobs(self, limit: int = 100) -> int:
        """Run jobs whose time has come (by the engine's clock), all in one transaction with a
        savepoint per job: a broken job is rolled back alone, dropped and logged, and the others
        still run. One commit for the lot instead of one per job (most requests schedule a balance
        settlement; a commit is the costliest statement of a request). A job is claimed by deleting
        its row, so a job found due by two threads at once (the worker and a test driving the
        engine) runs once. Returns how many ran."""
        rows = self.store.execute("SELECT id, kind, payload FROM jobs WHERE run_at <= ? ORDER BY run_at, id LIMIT ?",
                                  (self.clock(), limit)).fetchall()
        if not rows:
            return 0
        store = self.store
        ran = 0
        with store.tx():
            for job_id, kind, payload in rows:
                store.execute("SAVEPOINT job")
                try:
                    if store.execute("DELETE FROM jobs WHERE id=?", (job_id,)).rowcount:
                        ran += 1
                        handler = self.wiring.jobs.get(kind)
                        if handler is not None:
                            handler(self.ctx(), json.loads(payload))
                except Exception:  # a broken job must not stop the others
                    log.exception("sandbox job %s failed", kind)
                    store.execute("ROLLBACK TO job")
                    store.execute("DELETE FROM jobs WHERE id=?", (job_id,))
                store.execute("RELEASE job")
        return ran

    def next_job_at(self) -> float | None:
        row = self.store.execute("SELECT min(run_at) FROM jobs").fetchone()
        return row[0] if row else None

    def _run(self) -> None:
        while True:
            # Query outside the condition: a request thread holds the store lock while it calls wake().
            nxt = self.next_job_at()
            wait = 1.0 if nxt is None else max(0.0, min(1.0, nxt + self.job_batch_window - self.clock()))
            with self._cond:
                if self._stop:
                    return
                if wait > 0 and not self._woken:
                    self._sleeping_until = self.clock() + wait
                    self._cond.wait(wait)
                    self._sleeping_until = None
                self._woken = False
                if self._stop:
                    return
            try:
                self.run_due_jobs()
                if self.store.search_backlog >= SEARCH_BATCH:
                    self.store.catch_up_search()
            except Exception:
                log.exception("sandbox job loop")
