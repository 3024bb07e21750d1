"""Sync engine, backfill: every resource listed at once (one fetching thread per resource, pages
through a bounded queue, written and checkpointed on the calling thread); resumes from checkpoints."""

from __future__ import annotations

import json
import queue
import threading
from dataclasses import dataclass, field

from lib.finance.sync.context import SyncContext
from lib.finance.sync.errors import ResourceFailed, SyncError
from lib.finance.sync.model import QUEUE_PAGES, WRITE_BATCH, Resource, ResourceOutcome, utc_naive


@dataclass
class _Backfill:
    """One resource's backfill in progress (its cursor, unwritten pages, counts)."""
    res: Resource
    after: str | None = None
    watermark: int | None = None
    buffer: list[dict] = field(default_factory=list)
    fetched: int = 0
    pages: int = 0
    finished: bool = False

    @property
    def fraction(self) -> float:
        return 1.0 if self.finished else 1 - 1 / (1 + self.pages / 8)


def backfill(run: SyncContext, tasks: list[tuple[Resource, dict | None, str]],
             outcomes: dict[str, ResourceOutcome], *, weight: tuple[float, float]) -> SyncError | None:
    """List whole resources (each resuming from its checkpoint when it has one), all at once:
    one fetching thread per resource, with its own cursor; pages come back through a queue and
    are written here, on the calling thread (the only one writing to the warehouse and reporting
    progress). Returns the error that stopped the run, if any."""
    lo, hi = weight
    jobs: list[_Backfill] = []
    for res, state, how in tasks:
        outcomes[res.table].mode = how
        resume = bool(state and state.get("phase") == "backfill")
        job = _Backfill(res, after=state.get("backfill_after") if resume else None,
                        watermark=state.get("watermark") if resume else None)
        if not resume:
            try:
                cursor, ids = (None, []) if res.event_object is None else run.api.newest_event()
            except ResourceFailed as exc:
                outcomes[res.table].error = exc.message
                run.writer.save_state(res.table, last_sync_at=utc_naive(run.now()), last_error=exc.message)
                continue
            except SyncError as exc:
                outcomes[res.table].error = exc.message
                return exc
            run.writer.save_state(res.table, phase="backfill", backfill_after=None, backfill_created=None,
                                  watermark=None, events_cursor=cursor, events_cursor_ids=json.dumps(ids),
                                  last_sync_at=utc_naive(run.now()), last_error=None)
        verb = "Resuming" if resume and job.after else "Fetching"
        run.progress.report("backfill", res.table, 0, f"{verb} {res.label}…", lo)
        jobs.append(job)
    if not jobs:
        return None

    pages: queue.Queue = queue.Queue(maxsize=QUEUE_PAGES)
    stop = threading.Event()

    def fetch(job: _Backfill) -> None:
        try:
            for page in run.api.pages(run.api.path(job.res), job.res.list_extra, job.res.label,
                                      job.after, stop):
                pages.put((job, page, None))
            pages.put((job, None, None))
        except BaseException as exc:  # noqa: BLE001 - handed to the writing thread
            pages.put((job, None, exc))

    def flush(job: _Backfill) -> None:
        if job.buffer:
            buffer, job.buffer = job.buffer, []
            newest = max(int(o.get("created") or 0) for o in buffer)
            job.watermark = newest if job.watermark is None else max(int(job.watermark), newest)
            job.fetched += run.writer.write_page(job.res, buffer, backfill_after=buffer[-1]["id"],
                                                 backfill_created=int(buffer[-1].get("created") or 0),
                                                 watermark=job.watermark)

    def fraction() -> float:
        return lo + (hi - lo) * sum(j.fraction for j in jobs) / len(jobs)

    threads = [threading.Thread(target=fetch, args=(job,), name=f"sync-{job.res.table}", daemon=True)
               for job in jobs]
    for t in threads:
        t.start()
    fatal: SyncError | None = None
    running = len(jobs)
    try:
        while running:
            run.progress.flush()
            try:
                job, page, exc = pages.get(timeout=0.5)
            except queue.Empty:
                continue
            res, out = job.res, outcomes[job.res.table]
            if page is not None:
                job.buffer.extend(page)
                job.pages += 1
                if len(job.buffer) >= WRITE_BATCH:
                    flush(job)
                done = job.fetched + len(job.buffer)
                back_to = page[-1].get("created")
                when = f" (back to {utc_naive(int(back_to)):%d %b %Y})" if back_to else ""
                run.progress.report("backfill", res.table, done, f"{res.label}: {done:,} fetched{when}",
                                    fraction())
                continue
            running -= 1
            flush(job)  # pages received in full are kept (and checkpointed) even after a failure
            out.fetched = job.fetched
            if exc is None:
                if stop.is_set():
                    continue  # stopped early by another resource's fatal error: resumes next run
                job.finished = True
                run.writer.save_state(res.table, phase="ready", backfill_after=None,
                                      backfill_created=None, watermark=job.watermark,
                                      last_fetched=job.fetched, last_success_at=utc_naive(run.now()),
                                      last_error=None)
                run.progress.report("backfill", res.table, job.fetched,
                                    f"{res.label}: {job.fetched:,} fetched", fraction())
            elif isinstance(exc, ResourceFailed):
                job.finished = True
                out.error = exc.message
                run.writer.save_state(res.table, last_sync_at=utc_naive(run.now()), last_error=exc.message)
            elif isinstance(exc, SyncError):
                out.error = exc.message
                fatal = fatal or exc
                stop.set()
            else:
                raise exc
    finally:
        stop.set()
        while any(t.is_alive() for t in threads):  # unblock fetchers waiting on a full queue
            try:
                pages.get(timeout=0.05)
            except queue.Empty:
                pass
        run.progress.flush()
    return fatal
