"""Sync engine, incremental: read ``/v1/events`` since the cursors, then list new objects and
re-fetch changed ones by id (see :mod:`lib.finance.sync`)."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from typing import Any

from lib.finance.sync.context import SyncContext
from lib.finance.sync.errors import ResourceFailed
from lib.finance.sync.model import (
    EVENTS_SETTLE_SECONDS,
    PAGE_LIMIT,
    RESOURCE_BY_OBJECT,
    Resource,
    ResourceOutcome,
    utc_naive,
)


def incremental(run: SyncContext, ready: list[Resource], states: dict[str, dict],
                outcomes: dict[str, ResourceOutcome], weight: tuple[float, float]) -> None:
    """Bring the ``ready`` resources up to date from the events since their cursors (see
    :mod:`lib.finance.sync`); a resource that fails is marked in ``outcomes`` and the others go on."""
    lo, hi = weight
    event_res = [r for r in ready if r.event_object]
    cursors = {r.table: (states[r.table].get("events_cursor"),
                         set(json.loads(states[r.table].get("events_cursor_ids") or "[]")))
               for r in event_res}
    known = [c for c, _ in cursors.values() if c is not None]
    since = min(known) if known else None

    # 1. read the events since the oldest cursor (newest first); keep only what we need
    changed: dict[str, dict[str, int]] = {r.table: {} for r in event_res}  # id -> created
    newest_ev: dict[str, tuple[int, set[str]]] = {}
    any_event = False
    n_events = 0
    events_ok = True
    read_at = run.now()
    if event_res:
        params: dict[str, Any] = {}
        if since is not None:
            params["created"] = {"gte": int(since)}
        run.progress.report("events", None, 0, "Reading events…", lo)
        try:
            pages = list(_event_pages(run, params))
        except ResourceFailed as exc:
            # e.g. a restricted key without events access: fall back to listing new objects
            events_ok = False
            pages = []
            run.warnings.append(
                f"{exc.message} Without events only new objects were fetched; changes to older "
                "ones (refunds, dispute outcomes) are picked up by a full sync.")
        for page in pages:
            for ev in page:
                n_events += 1
                created = int(ev.get("created") or 0)
                obj = (ev.get("data") or {}).get("object") or {}
                targets = _event_targets(obj)
                for table, obj_id, obj_created in targets:
                    if table not in cursors:
                        continue
                    cur, seen = cursors[table]
                    if cur is not None and (created < cur or (created == cur and ev["id"] in seen)):
                        continue
                    any_event = True
                    prev = changed[table].get(obj_id)
                    changed[table][obj_id] = max(prev, obj_created) if prev is not None \
                        else obj_created
                # the new cursor per resource: the newest event overall (applies to all)
                for table in cursors:
                    top, ids = newest_ev.get(table, (None, set()))
                    if top is None or created > top:
                        newest_ev[table] = (created, {ev["id"]})
                    elif created == top:
                        ids.add(ev["id"])
            run.progress.report("events", None, 0, f"Read {n_events:,} events", lo + (hi - lo) * 0.2)

    if events_ok and since is not None and len(event_res) == len(RESOURCE_BY_OBJECT):
        # Every object created after the oldest cursor has an event this run read, so it is fetched
        # again now, with what links to it (rollup_rebuild.rebuild_rollups, ``fresh_from``).
        run.writer.fresh_from = utc_naive(int(since) + 1)

    # 2. fetch what changed, resource by resource; the checkpoints are written together at the end
    # (one commit; a run stopped half-way keeps older cursors, and re-applying an event is harmless)
    steps = max(1, len(ready))
    checkpoints: dict[str, dict[str, Any]] = {}
    try:
        for i, res in enumerate(ready):
            out = outcomes[res.table]
            out.mode = "incremental"
            f_lo = lo + (hi - lo) * (0.2 + 0.8 * i / steps)
            try:
                if res.event_object is None or not events_ok:
                    # balance transactions (no events): listed by created when anything happened
                    busy = any_event or since is None or not events_ok
                    listed: set[str] = set()
                    fetched = _list_new(run, res, states[res.table], listed) if busy else 0
                    fetched += _fetch_named(run, res, run.writer.bt_refs - listed)
                    cursor: dict[str, Any] = {}
                else:
                    fetched = _apply_changes(run, res, states[res.table], changed[res.table])
                    top, ids = newest_ev.get(res.table, (None, set()))
                    cur, seen = cursors[res.table]
                    cursor = {} if top is None else next_cursor(top, ids | seen if top == cur else ids, read_at)
                out.fetched += fetched
                checkpoints[res.table] = {**cursor, "last_fetched": fetched, "last_sync_at": utc_naive(run.now()),
                                          "last_success_at": utc_naive(run.now()), "last_error": None}
            except ResourceFailed as exc:
                out.error = exc.message
                checkpoints[res.table] = {"last_sync_at": utc_naive(run.now()), "last_error": exc.message}
            run.progress.report("fetch", res.table, out.fetched, f"{res.label}: {out.fetched:,} updated",
                                f_lo + (hi - lo) * 0.8 / steps)
    finally:
        run.writer.save_states(checkpoints)


def next_cursor(top: int, ids: set[str], read_at: float) -> dict[str, Any]:
    """The events cursor after reading up to ``top`` (the newest event's second; ``ids``: the
    events applied at that second). Once that second has settled (older than
    :data:`~lib.finance.sync.model.EVENTS_SETTLE_SECONDS` when the events were read) no event can
    still appear in it, so the cursor moves to the next second and keeps no ids; otherwise it
    stays on ``top`` and remembers the ids, so later events of that second are read and these
    are not applied twice."""
    if top <= read_at - EVENTS_SETTLE_SECONDS:
        return {"events_cursor": top + 1, "events_cursor_ids": "[]"}
    return {"events_cursor": top, "events_cursor_ids": json.dumps(sorted(ids))}


def _event_pages(run: SyncContext, params: Mapping[str, Any]) -> Iterator[list[dict]]:
    """Event pages, keeping only the fields the sync uses (bounded memory on big gaps)."""
    for page in run.api.pages("/v1/events", params, "events"):
        slim = []
        for ev in page:
            obj = (ev.get("data") or {}).get("object") or {}
            slim.append({"id": ev["id"], "created": ev.get("created"), "data": {"object": {
                k: obj.get(k) for k in ("id", "object", "created", "charge")}}})
        yield slim


def _event_targets(obj: Mapping[str, Any]) -> list[tuple[str, str, int]]:
    """(table, id, created) of what an event's object says changed. ``created`` is -1 when
    unknown (a related charge), which makes it a re-fetch by id."""
    kind = obj.get("object")
    res = RESOURCE_BY_OBJECT.get(kind)
    if res is None or not obj.get("id"):
        return []
    out = [(res.table, obj["id"], int(obj.get("created") or 0))]
    if kind in ("refund", "dispute"):
        charge = obj.get("charge")
        charge_id = charge.get("id") if isinstance(charge, Mapping) else charge
        if charge_id:
            out.append(("charges", charge_id, -1))
    return out


def _list_new(run: SyncContext, res: Resource, state: dict, seen: set[str] | None = None,
              since: int | None = None) -> int:
    """List objects created at/after the watermark (gte: same-second objects are not lost), or at/
    after ``since`` when given (older objects to re-list). Ids listed are added to ``seen``."""
    watermark = state.get("watermark")
    start = watermark if since is None else since
    params = dict(res.list_extra)
    if start is not None:
        params["created"] = {"gte": int(start)}
    fetched = 0
    for page in run.api.pages(run.api.path(res), params, res.label):
        newest = max(int(o.get("created") or 0) for o in page)
        watermark = newest if watermark is None else max(int(watermark), newest)
        fetched += run.writer.write_page(res, page, watermark=watermark)
        if seen is not None:
            seen.update(o["id"] for o in page)
    state["watermark"] = watermark
    return fetched


def _fetch_named(run: SyncContext, res: Resource, ids: set[str]) -> int:
    """Balance transactions a refund or dispute written in this run names by id (a refund's
    ``failure_balance_transaction``, which the API does not expand in lists), fetched by id unless
    the warehouse has them already."""
    if not ids:
        return 0
    named, have = sorted(ids), set()
    for i in range(0, len(named), 500):
        chunk = named[i:i + 500]
        have.update(r["id"] for r in run.writer.warehouse.records(
            f"SELECT id FROM {res.table} WHERE account = ? AND id IN ({', '.join('?' for _ in chunk)})",
            [run.writer.account, *chunk]))
    wanted = sorted(ids - have)
    fetched = 0
    for i in range(0, len(wanted), PAGE_LIMIT):
        fetched += run.writer.write_page(res, [run.api.retrieve(res, obj_id) for obj_id in wanted[i:i + PAGE_LIMIT]])
    return fetched


def _apply_changes(run: SyncContext, res: Resource, state: dict, changed: dict[str, int]) -> int:
    if not changed:
        return 0
    watermark = state.get("watermark")
    new_ids = {i for i, c in changed.items() if watermark is None or c >= int(watermark)}
    old_ids = [i for i in changed if i not in new_ids]
    fetched = 0
    if new_ids:
        listed: set[str] = set()
        fetched += _list_new(run, res, state, listed)
        # not in the list (deleted since, or created by a skewed clock): fetch by id
        old_ids += sorted(new_ids - listed)
    if old_ids:
        if len(old_ids) > 200 and len(old_ids) > run.writer.count_rows(res.table) // PAGE_LIMIT:
            # Re-listing is cheaper than fetching this many objects one by one (e.g. history
            # seeded back in time): from the oldest one's ``created`` when every one is known.
            known = [changed[i] for i in old_ids if changed.get(i, -1) >= 0]
            since = min(known) if len(known) == len(old_ids) else 0
            return fetched + _list_new(run, res, state, since=since)
        batch: list[dict] = []
        for obj_id in old_ids:
            batch.append(run.api.retrieve(res, obj_id))
            if len(batch) >= PAGE_LIMIT:
                fetched += run.writer.write_page(res, batch)
                batch = []
        if batch:
            fetched += run.writer.write_page(res, batch)
    return fetched
