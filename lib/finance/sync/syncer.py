"""One sync run from start to end: which resources need a backfill and which an incremental
update, the rollups (all of them after a backfill, only the touched days after an incremental
run), the run's result and record; and :func:`run_sync`, which opens the warehouse, takes the
account's sync lock and never raises for API or database problems (see :mod:`lib.finance.sync`)."""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable
from datetime import UTC, datetime

import stripe

from lib.finance.store import (
    DATABASE_ERRORS,
    TABLES,
    Location,
    SyncAlreadyRunning,
    Warehouse,
    WarehouseError,
    open_warehouse,
)
from lib.finance.sync.backfill import backfill
from lib.finance.sync.context import SyncContext
from lib.finance.sync.errors import SyncError, scrub
from lib.finance.sync.http import PageFetcher
from lib.finance.sync.incremental import incremental
from lib.finance.sync.model import (
    EVENTS_RETENTION_SECONDS,
    RESOURCES,
    STALE_MARGIN_SECONDS,
    ProgressFn,
    Resource,
    ResourceOutcome,
    SyncResult,
    utc_naive,
)
from lib.finance.sync.progress import ProgressReporter
from lib.finance.sync.writer import SyncWriter


class Syncer:
    """One sync run over one warehouse: requests (:mod:`~lib.finance.sync.http`), writes and
    checkpoints (:mod:`~lib.finance.sync.writer`), backfill (:mod:`~lib.finance.sync.backfill`) and
    incremental (:mod:`~lib.finance.sync.incremental`), for one ``account`` (``''``: the app's own key)."""

    def __init__(self, client: stripe.StripeClient, warehouse: Warehouse, *, progress: ProgressFn | None = None,
                 sleep: Callable[[float], None] = time.sleep, now: Callable[[], float] = time.time,
                 max_attempts: int = 6, base_delay: float = 0.5, max_delay: float = 30.0,
                 rng: random.Random | None = None, account: str = "") -> None:
        self.warehouse = warehouse
        self.now = now
        self.account = account
        writer = SyncWriter(warehouse, now, account)
        reporter = ProgressReporter(progress, lambda: writer.objects)
        api = PageFetcher(client, sleep=sleep, now=now, on_retry=lambda msg: reporter.report("retry", None, 0, msg),
                          max_attempts=max_attempts, base_delay=base_delay, max_delay=max_delay, rng=rng)
        self.context = SyncContext(api=api, writer=writer, progress=reporter, now=now)

    def run(self, *, full: bool = False) -> SyncResult:
        run, writer = self.context, self.context.writer
        started = self.now()
        self.warehouse.ensure_schema()
        states = writer.load_state()
        previous = self.warehouse.latest_run(self.account)
        previous_counts = json.loads(previous["counts"] or "{}") if previous else None
        outcomes = {r.table: ResourceOutcome() for r in RESOURCES}
        now = self.now()

        to_backfill: list[tuple[Resource, dict | None, str]] = []
        ready: list[Resource] = []
        for res in RESOURCES:
            st = states.get(res.table)
            if full or st is None or st.get("phase") not in ("ready", "backfill"):
                to_backfill.append((res, None, "backfill"))
            elif st.get("phase") == "backfill":
                to_backfill.append((res, st, "resume"))
            elif res.event_object is not None and (
                    st.get("events_cursor") is None
                    or now - int(st["events_cursor"]) > EVENTS_RETENTION_SECONDS - STALE_MARGIN_SECONDS):
                to_backfill.append((res, None, "backfill"))  # events expired: re-list
            else:
                ready.append(res)
        modes = {m for _, _, m in to_backfill}
        mode = "resume" if "resume" in modes else ("backfill" if modes else "incremental")
        run.progress.report("start", None, 0, f"Starting {mode} sync", 0.0)

        n_steps = (1 if to_backfill else 0) + (1 if ready else 0)
        step = 0.9 / max(1, n_steps)
        pos = step if to_backfill else 0.0
        fatal = backfill(run, to_backfill, outcomes, weight=(0.0, pos)) if to_backfill else None
        if to_backfill:
            fresh = writer.load_state()
            for res, _, _ in to_backfill:
                states[res.table] = fresh.get(res.table, {})
        if fatal is None and ready:
            try:
                incremental(run, ready, states, outcomes, weight=(pos, pos + step))
            except SyncError as exc:  # events unreadable, auth, network...
                fatal = exc

        if fatal is None:
            self._record_account_newest(to_backfill)

        have_rollups = self.warehouse.rollups_exist()
        if writer.objects or (fatal is None and not have_rollups):
            run.progress.report("rollups", None, 0, "Updating dashboard tables…", 0.92)
            if to_backfill or not have_rollups:
                self.warehouse.rebuild_rollups()
            else:  # only what this run touched: O(changes), whatever the warehouse holds
                complete = fatal is None and not any(o.error for o in outcomes.values())
                self.warehouse.rebuild_rollups(writer.days_by_table, [self.account], written_since=writer.first_write,
                                               fresh_from=writer.fresh_from if complete else None)

        counts = writer.counts(TABLES, None if to_backfill else previous_counts)
        failed = {t: o.error for t, o in outcomes.items() if o.error}
        requests = run.api.requests
        if fatal is not None:
            status, message = "error", fatal.message
        elif failed or run.warnings:
            status = "partial"
            message = " ".join(dict.fromkeys([*failed.values(), *run.warnings]))
        else:
            status = "ok"
            message = (f"{mode.capitalize()} sync finished: {writer.objects:,} objects written with "
                       f"{requests:,} API requests.")
        finished = self.now()
        result = SyncResult(status=status, mode=mode, message=message, requests=requests,
                            objects=writer.objects, resources=outcomes, counts=counts,
                            warnings=list(run.warnings), account=self.account,
                            started_at=utc_naive(started), finished_at=utc_naive(finished))
        writer.record_run(result)
        run.progress.report("done", None, 0, message, 1.0)
        return result


    def _record_account_newest(self, backfilled: list[tuple[Resource, dict | None, str]]) -> None:
        """Keep the newest PaymentIntent ``created`` the API lists now in ``sync_state.account_newest``
        (the ``payment_intents`` row): after a PaymentIntent backfill it is the backfill's watermark,
        else one ``limit=1`` request. The dashboard compares it with the warehouse's newest and says
        when the warehouse is behind (:func:`lib.finance.metrics.data_freshness`): a sync that
        missed something shows instead of staying silently wrong. When the request fails nothing is
        stored (the run's own outcome does not change)."""
        run, writer = self.context, self.context.writer
        if any(res.table == "payment_intents" for res, _, _ in backfilled):
            newest = writer.load_state().get("payment_intents", {}).get("watermark")
        else:
            try:
                data = run.api.get("/v1/payment_intents", {"limit": 1}, "payment_intents").get("data") or []
            except SyncError:
                return
            newest = data[0].get("created") if data else None
        if newest is not None:
            writer.save_state("payment_intents", account_newest=int(newest))


def run_sync(client: stripe.StripeClient, location: Location | None = None, *, full: bool = False,
             progress: ProgressFn | None = None, sleep: Callable[[float], None] = time.sleep,
             now: Callable[[], float] = time.time, max_attempts: int = 6,
             base_delay: float = 0.5, account: str = "") -> SyncResult:
    """Sync the Stripe account behind ``client`` into the warehouse at ``location`` (a DuckDB file
    or a ``postgresql://`` URL; default :func:`~lib.finance.store.default_location`, i.e.
    ``DATABASE_URL`` when set), its rows and cursors kept under ``account`` (see
    :mod:`lib.finance.sync`). One run per account at a time: while another holds the account's
    sync lock (in this process; on Postgres in any process) the result's status is ``'busy'``
    and nothing is written. Never raises for API or database problems: the result's ``status``
    is ``'error'``/``'partial'`` and ``message`` says what happened in plain words."""
    started = datetime.now(UTC).replace(tzinfo=None)

    def failed(status: str, message: str) -> SyncResult:
        return SyncResult(status, "none", message, account=account, started_at=started,
                          finished_at=datetime.now(UTC).replace(tzinfo=None))

    try:
        warehouse = open_warehouse(location, sleep=sleep)
    except WarehouseError as exc:
        return failed("error", exc.message)
    try:
        with warehouse.sync_lock(account):
            syncer = Syncer(client, warehouse, progress=progress, sleep=sleep, now=now,
                            max_attempts=max_attempts, base_delay=base_delay, account=account)
            return syncer.run(full=full)
    except SyncAlreadyRunning as exc:
        return failed("busy", exc.message)
    except DATABASE_ERRORS as exc:
        return failed("error", f"Could not write the finance database: {scrub(str(exc)).splitlines()[0]}")
    finally:
        warehouse.close()
