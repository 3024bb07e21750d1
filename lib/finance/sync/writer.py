"""Sync engine, database side: every write of a run goes through a
:class:`~lib.finance.store.Warehouse` -- a page of objects together with the resource's
checkpoint (``sync_state``) in one transaction, checkpoint updates, and the run's record
(``sync_runs``)."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from lib.finance.store import BALANCE_TRANSACTIONS, Warehouse
from lib.finance.sync.model import Resource, SyncResult


class SyncWriter:
    """The sync's writes to one warehouse; ``objects`` counts the objects written in this run."""

    def __init__(self, warehouse: Warehouse, now: Callable[[], float]) -> None:
        self.warehouse = warehouse
        self.now = now
        self.objects = 0

    def load_state(self) -> dict[str, dict]:
        return self.warehouse.load_state()

    def save_state(self, resource: str, **values: Any) -> None:
        self.warehouse.save_state(resource, **values)

    def count_rows(self, table: str) -> int:
        return self.warehouse.count_rows(table)

    def write_page(self, res: Resource, objects: list[dict], **state: Any) -> int:
        """Write one page and (atomically) the resource's checkpoint. A charge's expanded balance
        transaction is written too; objects that turned out deleted (``_missing``) are flagged.
        Returns the objects written."""
        missing = [o["id"] for o in objects if o.get("_missing")]
        objects = [o for o in objects if not o.get("_missing")]
        synced_at = int(self.now())
        with self.warehouse.transaction():
            written = self.warehouse.upsert(res.spec, objects, synced_at)
            if res.table == "charges":
                bts = [o["balance_transaction"] for o in objects
                       if isinstance(o.get("balance_transaction"), Mapping)]
                self.warehouse.upsert(BALANCE_TRANSACTIONS, bts, synced_at)
            if missing and res.table == "customers":
                self.warehouse.mark_deleted("customers", missing)
            if state:
                self.warehouse.save_state(res.table, **state)
        self.objects += written
        return written

    def record_run(self, result: SyncResult) -> None:
        self.warehouse.record_run(int(self.now() * 1000), {
            "started_at": result.started_at, "finished_at": result.finished_at, "mode": result.mode,
            "status": result.status, "requests": result.requests, "objects": result.objects,
            "counts": json.dumps(result.counts), "message": result.message})
