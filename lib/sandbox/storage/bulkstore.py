"""Bulk writes for the seeder: a write-behind view of the ``Store`` and bulk-load settings.

``BufferedStore`` looks like a ``Store`` to domain code. Within a batch (one transaction), objects
created or changed stay in memory and are written once — their final state, in creation order —
with ``executemany`` at the end of the batch, or earlier whenever domain code runs a query over
the objects table (``list``, raw SQL naming ``objects``), so every read sees every write. Events
are serialised the moment they are inserted (their snapshot must not follow later changes to
the object). The ledger's running balance totals (``ledger.add_to_balance``, recognised by its
exact SQL) are summed in memory and written once per flush; any other SQL runs as is. The search
index's rows of the batch's PaymentIntents, charges and customers are written at the flush too, in
bulk (``search.insert_statements``; ``rewrite_statements`` for rows changed since their insert),
or, for a batch of fewer than ``SEARCH_BATCH`` of them (an API request), queued in the store's
search backlog (``Store.defer_search``),
and SQL over the search tables writes the batch out first, like SQL over ``objects``.

Rows are serialised with orjson when installed (about 8x faster than the json module; the same
JSON text up to escaping of non-ASCII characters) and their indexed columns computed exactly as
``Store._row`` does (a unit test compares both on every kind of object).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from .. import search
from .store import INDEXED, SEARCH_BATCH, SEARCHABLE, Store, column, ref

# Rows carry their JSON as UTF-8 bytes, stored as TEXT by the statements below (CAST(? AS TEXT)
# reinterprets the bytes, no conversion): decoding to str and SQLite encoding it back to UTF-8
# cost ~6 % of seeding (descriptions and names are not ASCII).
try:  # ~8x faster serialisation of the seeded objects; the plain json module otherwise
    import orjson

    _dumps = orjson.dumps
except ImportError:  # pragma: no cover - orjson is in requirements.txt
    def _dumps(obj: Any) -> bytes:
        return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def _row_generic(obj: dict) -> tuple:
    """``Store._row`` with the fast serialiser: same columns, same JSON."""
    return (obj["id"], obj["object"], int(obj.get("created") or 0), *(column(obj, c) for c in INDEXED),
            _dumps(obj))


def _row_inline(obj: dict) -> tuple:
    """``_row_generic`` unrolled for store.INDEXED as it is today (checked at import; tests compare both)."""
    if obj["object"] == "event":  # ~half of all rows: their columns are known
        return (obj["id"], "event", int(obj["created"]), None, None, None, obj.get("_object_id"), obj["type"], None,
                None, _dumps(obj))
    get = obj.get
    kind = obj["type"] if "type" in obj else None
    return (obj["id"], obj["object"], int(get("created") or 0), ref(get("customer")), ref(get("payment_intent")),
            ref(get("charge")), obj["_object_id"] if "_object_id" in obj else ref(get("source")),
            kind if isinstance(kind, str) else None, ref(get("currency")),
            "deleted" if get("deleted") else ref(get("status")), _dumps(obj))


_row = _row_inline if INDEXED == ("customer", "payment_intent", "charge", "source", "type", "currency", "status") \
    else _row_generic


# --- write-behind store ------------------------------------------------------------------------
_INSERT = (f"INSERT INTO objects(id, kind, created, {', '.join(INDEXED)}, data) "
           f"VALUES ({', '.join('?' * (len(INDEXED) + 3))}, CAST(? AS TEXT))")
_UPDATE = f"UPDATE objects SET {', '.join(f'{c}=?' for c in INDEXED)}, data=CAST(? AS TEXT) WHERE id=?"
# ledger.add_to_balance's statement, verbatim; if it ever changes, it simply runs unbuffered.
_ADD_COUNTER = ("INSERT INTO counters(name, value) VALUES (?, ?) ON CONFLICT(name) DO UPDATE SET "
                "value=value+excluded.value")


class BufferedStore:
    """A ``Store`` look-alike that keeps a batch's writes in memory (see the module docstring)."""

    def __init__(self, store: Store, merged_reads: bool = False):
        """``merged_reads``: answer list / list_for / get_many from the store's committed rows merged
        with this batch's writes instead of writing the batch out first, and refuse (RuntimeError)
        whatever cannot be answered that way (raw SQL over objects, cursors, counts). The seeder's
        mode: a batch is then written exactly once, at its end — which lets several seeding processes
        build batches at the same time and take turns only to write them (seed/parallel.py)."""
        self.base = store
        self.lock = store.lock
        self.path = store.path
        self.merged_reads = merged_reads
        self._pending: dict[str, dict | None] = {}  # id -> new object, or None for an event (serialised)
        self._events: dict[str, tuple] = {}
        self._dirty: dict[str, dict] = {}           # existing rows changed in this batch
        self._counters: dict[str, int] = {}         # balance deltas (ledger.add_to_balance)
        self._kinds: dict[str, list[str]] = {}      # kind -> ids inserted or changed this batch (merged reads)

    # reads
    def get(self, obj_id: str, kind: str | None = None) -> dict | None:
        obj = self._pending.get(obj_id) or self._dirty.get(obj_id)
        if obj is None and obj_id in self._events:
            obj = json.loads(self._events[obj_id][-1])
        if obj is None:
            return self.base.get(obj_id, kind)
        return obj if kind is None or obj.get("object") == kind else None

    def list(self, kind: str, filters: dict[str, Any] | None = None, created: dict[str, int] | None = None,
             limit: int = 10, starting_after: str | None = None, ending_before: str | None = None,
             exclude_status: str | None = None) -> tuple[list[dict], bool]:
        if not self.merged_reads or starting_after or ending_before:
            self._before_base_read("a list page with a cursor")
            return self.base.list(kind, filters, created, limit, starting_after, ending_before, exclude_status)
        mine = self._batch_objects(kind)
        found, _ = self.base.list(kind, filters, created, limit + len(mine), exclude_status=exclude_status)
        objs = self._merge(found, mine, lambda o: _matches(o, filters, created, exclude_status))
        return objs[:limit], len(objs) > limit

    def list_for(self, kind: str, col: str, values: list[str]) -> dict[str, list[dict]]:
        if not self.merged_reads:
            self._before_base_read("list_for")
            return self.base.list_for(kind, col, values)
        found = self.base.list_for(kind, col, values)
        mine = self._batch_objects(kind)
        return {value: self._merge(objs, mine, lambda o, v=value: column(o, col) == v)
                for value, objs in found.items()}

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        if not self.merged_reads:
            self._before_base_read("get_many")
            return self.base.get_many(ids)
        out = self.base.get_many([i for i in ids if i not in self._pending and i not in self._dirty])
        for obj_id in ids:
            if obj_id in self._pending or obj_id in self._dirty:
                out[obj_id] = self.get(obj_id)
        return out

    def _batch_objects(self, kind: str) -> list[dict]:
        """This batch's objects of ``kind`` (not events), oldest write first."""
        return [self._pending.get(i) or self._dirty[i] for i in self._kinds.get(kind, ())]

    def _merge(self, found: list[dict], mine: list[dict], keep: Any) -> list[dict]:
        """Committed rows (newest first) with this batch's versions swapped in, newest first: the
        batch's own rows come after every committed row, so among equal ``created`` they go first."""
        changed = {o["id"]: o for o in mine}
        base_ids = {o["id"] for o in found}
        merged = [o for o in reversed(mine) if o["id"] not in base_ids and keep(o)]
        merged += [changed.get(o["id"], o) for o in found if o["id"] not in changed or keep(changed[o["id"]])]
        merged.sort(key=lambda o: o.get("created") or 0, reverse=True)  # stable: ties keep that order
        return merged

    def _before_base_read(self, what: str) -> None:
        """Reads the store cannot answer with this batch's writes merged in: plain mode writes the
        batch out first; merged mode refuses (it must not write before the batch's end)."""
        if self.merged_reads:
            raise RuntimeError(f"merged-reads batch cannot run {what}: it would miss the batch's own writes")
        self.flush()

    def count(self, kind: str) -> int:
        self._before_base_read("a count")
        return self.base.count(kind)

    def counts(self) -> dict[str, int]:
        self._before_base_read("a count")
        return self.base.counts()

    # writes
    def insert(self, obj: dict) -> dict:
        if obj.get("object") == "event":
            self._events[obj["id"]] = _row(obj)  # serialised now: a snapshot
            self._pending[obj["id"]] = None
        else:
            if obj["id"] not in self._pending:
                self._kinds.setdefault(obj["object"], []).append(obj["id"])
            self._pending[obj["id"]] = obj
        return obj

    def insert_many(self, objs: list[dict]) -> None:
        for obj in objs:
            self.insert(obj)

    def update(self, obj: dict) -> dict:
        if obj["id"] in self._pending and obj.get("object") != "event":
            self._pending[obj["id"]] = obj
        elif obj["id"] in self._events:
            self._events[obj["id"]] = _row(obj)
        else:
            if obj["id"] not in self._dirty:
                self._kinds.setdefault(obj["object"], []).append(obj["id"])
            self._dirty[obj["id"]] = obj
        return obj

    def delete(self, obj_id: str) -> None:
        self._before_base_read("a delete")
        self.base.delete(obj_id)

    def execute(self, sql: str, args: tuple = ()) -> Any:
        if sql == _ADD_COUNTER:  # the ledger's running totals: summed here, written once per flush
            self._counters[args[0]] = self._counters.get(args[0], 0) + args[1]
            return None
        if "objects" in sql or "counters" in sql or "search_" in sql:
            self._before_base_read("raw SQL over objects, counters or the search index")
        return self.base.execute(sql, args)

    def executemany(self, sql: str, rows: list) -> None:
        if "objects" in sql:
            self._before_base_read("raw SQL over objects")
        self.base.executemany(sql, rows)

    def tx(self) -> Any:
        return self.base.tx()

    def next_counter(self, name: str) -> int:
        self._before_base_read("a counter")
        return self.base.next_counter(name)

    def __getattr__(self, name: str) -> Any:
        """Any other Store read (page_window, ...): write the batch out first (refused in merged mode)."""
        attr = getattr(self.base, name)
        if callable(attr):
            def flushed(*args: Any, **kw: Any) -> Any:
                self._before_base_read(name)
                return attr(*args, **kw)
            return flushed
        return attr

    def flush(self) -> None:
        if self._pending:
            rows = [self._events[i] if obj is None else _row(obj) for i, obj in self._pending.items()]
            self.base.executemany(_INSERT, rows)
            self._index([obj for obj in self._pending.values() if obj is not None and obj["object"] in SEARCHABLE],
                        search.insert_statements)
            self._pending.clear()
            self._events.clear()
        if self._dirty:
            self.base.executemany(_UPDATE, [(*_row(obj)[3:], obj["id"]) for obj in self._dirty.values()])
            self._index([obj for obj in self._dirty.values() if obj["object"] in SEARCHABLE],
                        search.rewrite_statements)
            self._dirty.clear()
        if self._counters:
            self.base.executemany(_ADD_COUNTER, list(self._counters.items()))
            self._counters.clear()
        self._kinds.clear()

    def _index(self, objs: list[dict], statements: Any) -> None:
        """A seeding batch's search rows at once, in bulk; a request's few objects go to the
        store's backlog (store.catch_up_search), which writes many requests' rows together."""
        if len(objs) >= SEARCH_BATCH:
            self.base.run(statements(objs))
        else:
            self.base.defer_search([obj["id"] for obj in objs])


_OPS = {"gt": lambda a, b: a > b, "gte": lambda a, b: a >= b, "lt": lambda a, b: a < b, "lte": lambda a, b: a <= b,
        "eq": lambda a, b: a == b}


def _matches(obj: dict, filters: dict[str, Any] | None, created: dict[str, int] | None,
             exclude_status: str | None) -> bool:
    """``Store.list``'s WHERE clause, evaluated on one object (merged reads)."""
    for col, value in (filters or {}).items():
        have = column(obj, col)
        if not (have in value if isinstance(value, (list, tuple)) else have == value):
            return False
    stamp = int(obj.get("created") or 0)
    if any(not _OPS[op](stamp, bound) for op, bound in (created or {}).items()):
        return False
    return exclude_status is None or column(obj, "status") != exclude_status


MMAP_BYTES = 1 << 34  # SQLite caps it at its compile-time limit (2 GB by default); address space only


@contextmanager
def fast_writes(store: Store) -> Iterator[None]:
    """Bulk-load settings for the seeding connection, restored afterwards: a 128 MiB page cache so
    index updates stay in memory, and memory-mapped reads. (No fsync per batch comes from the
    store itself, which always runs synchronous=OFF: see Store.__init__.)"""
    old_cache = store.execute("PRAGMA cache_size").fetchone()[0]
    old_mmap = (store.execute("PRAGMA mmap_size").fetchone() or (0,))[0]
    store.execute("PRAGMA cache_size=-131072")
    # Memory-mapped reads: a worker's page cache is emptied whenever another process commits, so
    # it re-reads index pages each batch; mapped, those reads cost no system calls.
    store.execute(f"PRAGMA mmap_size={MMAP_BYTES}")
    try:
        yield
    finally:
        store.execute(f"PRAGMA cache_size={int(old_cache)}")
        store.execute(f"PRAGMA mmap_size={int(old_mmap)}")
