"""Sync engine, database side: every write of a run goes through a
:class:`~lib.finance.store.Warehouse` -- a page of objects together with the resource's
checkpoint (``sync_state``) in one transaction, checkpoint updates, and the run's record
(``sync_runs``) -- all for one account. It also keeps what the run touched (:attr:`SyncWriter.days`,
:attr:`SyncWriter.first_write`), so an incremental run rebuilds only those rollup days: the rollups
add the days of the rows linked to what was written since then
(:func:`lib.finance.store.rollup_rebuild.affected_days`)."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime
from typing import Any

from lib.finance.store import BALANCE_TRANSACTIONS, Warehouse
from lib.finance.sync.model import Resource, SyncResult


def embedded_balance_transactions(table: str, objects: Iterable[Mapping[str, Any]]) -> list[dict]:
    """The balance transactions that come inside objects: a charge's or refund's expanded
    ``balance_transaction`` (and a refund's ``failure_balance_transaction``), a dispute's
    ``balance_transactions``."""
    found: list[dict] = []
    for obj in objects:
        if table in ("charges", "refunds"):
            found += [obj[k] for k in ("balance_transaction", "failure_balance_transaction")
                      if isinstance(obj.get(k), Mapping)]
        elif table == "disputes":
            found += [b for b in obj.get("balance_transactions") or () if isinstance(b, Mapping)]
    return found


class SyncWriter:
    """The sync's writes to one warehouse for one account; ``objects`` counts the objects written
    in this run, ``days`` the UTC days of their ``created``, ``first_write`` the ``synced_at`` of
    the run's first write (UTC, naive; ``None`` before it)."""

    def __init__(self, warehouse: Warehouse, now: Callable[[], float], account: str = "") -> None:
        self.warehouse = warehouse
        self.now = now
        self.account = account
        self.objects = 0
        self.days_by_table: dict[str, set[date]] = {}  # the UTC days of what was written, per table
        self.first_write: datetime | None = None
        # Set by an incremental run that read every event since its cursors: each row created at
        # or after this (UTC) was fetched again in this run, with its links (see rebuild_rollups).
        self.fresh_from: datetime | None = None
        self.bt_refs: set[str] = set()  # balance transactions named (not embedded) by what was written
        self.inserted: dict[str, int] = {}  # new rows per table, when the warehouse tells (committed only)

    @property
    def days(self) -> set[date]:
        """The UTC days of the ``created`` of everything written, whatever the table."""
        return set().union(*self.days_by_table.values())

    def load_state(self) -> dict[str, dict]:
        return self.warehouse.load_state(self.account)

    def save_state(self, resource: str, **values: Any) -> None:
        self.warehouse.save_state(resource, account=self.account, **values)

    def save_states(self, states: Mapping[str, Mapping[str, Any]]) -> None:
        """Several resources' checkpoints in one transaction."""
        if states:
            with self.warehouse.transaction():
                for resource, values in states.items():
                    self.save_state(resource, **values)

    def count_rows(self, table: str) -> int:
        return self.warehouse.count_rows(table, self.account)

    def counts(self, tables: Iterable[str], counted_before: Mapping[str, int] | None) -> dict[str, int]:
        """The account's rows per table after this run: counted, or -- where counting means
        reading every row (Postgres) and the previous run counted them -- that count plus the rows
        this run inserted (exact: one run per account at a time, and the sync never deletes)."""
        if self.warehouse.cheap_counts or not counted_before or any(t not in counted_before for t in tables):
            return {t: self.count_rows(t) for t in tables}
        return {t: int(counted_before[t]) + self.inserted.get(t, 0) for t in tables}

    def _note(self, table: str, objects: Iterable[Mapping[str, Any]]) -> None:
        for obj in objects:
            if obj.get("created"):
                self.days_by_table.setdefault(table, set()).add(
                    datetime.fromtimestamp(int(obj["created"]), UTC).date())
            if table in ("refunds", "disputes"):
                named = [obj.get("balance_transaction"), obj.get("failure_balance_transaction"),
                         *(obj.get("balance_transactions") or ())]
                self.bt_refs.update(b for b in named if isinstance(b, str))

    def write_page(self, res: Resource, objects: list[dict], **state: Any) -> int:
        """Write one page and (atomically) the resource's checkpoint. Balance transactions that
        come inside the objects are written too; objects that turned out deleted (``_missing``)
        are flagged. Returns the objects written."""
        missing = [o["id"] for o in objects if o.get("_missing")]
        objects = [o for o in objects if not o.get("_missing")]
        synced_at = int(self.now())
        if self.first_write is None:
            self.first_write = datetime.fromtimestamp(synced_at, UTC).replace(tzinfo=None)
        bts = embedded_balance_transactions(res.table, objects)
        new: dict[str, int | None] = {}
        with self.warehouse.transaction():
            written = self.warehouse.upsert(res.spec, objects, synced_at, self.account)
            new[res.table] = self.warehouse.inserted
            if bts:
                self.warehouse.upsert(BALANCE_TRANSACTIONS, bts, synced_at, self.account)
                new["balance_transactions"] = self.warehouse.inserted
            if missing and res.table == "customers":
                self.warehouse.mark_deleted("customers", missing, self.account)
            if state:
                self.save_state(res.table, **state)
        for table, n in new.items():
            self.inserted[table] = self.inserted.get(table, 0) + (n or 0)
        self._note(res.table, objects)
        self._note("balance_transactions", bts)
        self.objects += written
        return written

    def record_run(self, result: SyncResult) -> None:
        self.warehouse.record_run(int(self.now() * 1000), {
            "account": self.account, "started_at": result.started_at, "finished_at": result.finished_at,
            "mode": result.mode, "status": result.status, "requests": result.requests, "objects": result.objects,
            "counts": json.dumps(result.counts), "message": result.message})
