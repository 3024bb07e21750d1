"""Sync engine, database side: opening the DB, checkpoint state (``sync_state``), page writes with
their checkpoint, run records, progress reports and the newest-event cursor."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import duckdb

from lib.finance.schema import BALANCE_TRANSACTIONS, Table, insert_objects
from lib.finance.sync_errors import (
    SyncError,
)
from lib.finance.sync_model import (
    NO_EVENTS_SLACK_SECONDS,
    PAGE_LIMIT,
    Resource,
    SyncProgress,
    SyncResult,
)


def open_db(path: Path | str, *, attempts: int = 20, wait: float = 0.25, sleep=time.sleep):
    """Open (creating the folder) the finance DB read-write; wait briefly if another process holds
    it. Raises :class:`SyncError` with a readable message."""
    path = Path(path)
    if str(path) != ":memory:":
        path.parent.mkdir(parents=True, exist_ok=True)
    last: Exception | None = None
    for _ in range(max(1, attempts)):
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:  # locked by another process
            last = exc
            sleep(wait)
        except duckdb.Error as exc:
            raise SyncError(f"Could not open the finance database {path.name}: {exc}", "db") from exc
    raise SyncError(f"The finance database {path.name} is in use by another process (for example a "
                    f"running sync). Try again when it has finished. ({str(last).splitlines()[0]})",
                    "db")



class SyncStore:
    """State, writes and progress for :class:`lib.finance.syncer.Syncer` (mixin)."""

    # -- progress --------------------------------------------------------------------------------

    def _report(self, phase: str, resource: str | None, fetched: int, message: str,
                fraction: float | None = None) -> None:
        if threading.get_ident() != self._owner:  # a fetching thread: reported by the caller's
            self._pending.append((phase, resource, fetched, message, fraction))
            return
        if fraction is not None:
            self._fraction = max(self._fraction, min(1.0, fraction))
        if self.progress_fn is not None:
            self.progress_fn(SyncProgress(self._fraction, phase, resource, fetched, self.objects,
                                          message))

    def _flush_reports(self) -> None:
        while self._pending:
            self._report(*self._pending.popleft())

    # -- state -----------------------------------------------------------------------------------

    def load_state(self) -> dict[str, dict]:
        cur = self.con.execute("SELECT * FROM sync_state")
        names = [d[0] for d in cur.description]
        return {row[0]: dict(zip(names, row, strict=True)) for row in cur.fetchall()}

    def _save_state(self, resource: str, **values: Any) -> None:
        cols = ["resource", *values]
        placeholders = ", ".join("?" for _ in cols)
        updates = ", ".join(f"{c} = excluded.{c}" for c in values)
        self.con.execute(
            f"INSERT INTO sync_state ({', '.join(cols)}) VALUES ({placeholders}) "
            f"ON CONFLICT (resource) DO UPDATE SET {updates}",
            [resource, *values.values()])

    # -- writing ---------------------------------------------------------------------------------

    def _upsert(self, table: Table, objects: list[dict]) -> int:
        """INSERT OR REPLACE by id (the caller holds the transaction). Returns rows written."""
        return insert_objects(self.con, table, objects, int(self.now()))

    def _write_page(self, res: Resource, objects: list[dict], **state: Any) -> int:
        """Write one page and (atomically) the resource's checkpoint."""
        missing = [o["id"] for o in objects if o.get("_missing")]
        objects = [o for o in objects if not o.get("_missing")]
        self.con.execute("BEGIN TRANSACTION")
        try:
            written = self._upsert(res.spec, objects)
            if res.table == "charges":
                bts = [o["balance_transaction"] for o in objects
                       if isinstance(o.get("balance_transaction"), Mapping)]
                self._upsert(BALANCE_TRANSACTIONS, bts)
            if missing and res.table == "customers":
                self.con.execute("UPDATE customers SET deleted = true WHERE list_contains(?, id)",
                                 [missing])
            if state:
                self._save_state(res.table, **state)
            self.con.execute("COMMIT")
        except BaseException:
            self.con.execute("ROLLBACK")
            raise
        self.objects += written
        return written

    # -- events ----------------------------------------------------------------------------------

    def newest_event(self) -> tuple[int, list[str]]:
        """(created, ids at that second) of the newest event; ``now - 5 min`` when there are none."""
        if self._newest_event is None:
            data = self._get("/v1/events", {"limit": PAGE_LIMIT}, "events").get("data") or []
            if data:
                top = max(int(e["created"]) for e in data)
                self._newest_event = (top, sorted(e["id"] for e in data if int(e["created"]) == top))
            else:
                self._newest_event = (int(self.now()) - NO_EVENTS_SLACK_SECONDS, [])
        return self._newest_event

    def _record_run(self, result: SyncResult) -> None:
        run_id = int(self.now() * 1000)
        existing = self.con.execute("SELECT max(run_id) FROM sync_runs").fetchone()[0]
        if existing is not None and run_id <= existing:
            run_id = int(existing) + 1
        self.con.execute(
            "INSERT INTO sync_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [run_id, result.started_at, result.finished_at, result.mode, result.status,
             result.requests, result.objects, json.dumps(result.counts), result.message])

