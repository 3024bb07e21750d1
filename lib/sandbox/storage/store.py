"""SQLite persistence for the sandbox.

One table holds every Stripe object as JSON, with the few fields that lists filter on copied into
indexed columns, so a lookup or a page of a list costs the same with 10 or 1,000,000 objects stored
(no scans that grow with the data, unlike localstripe). Every API request runs in one transaction
(``tx``): a ``kill -9`` can lose only requests that were never acknowledged.

One connection guarded by a re-entrant lock: SQLite serialises writers anyway, and a single
connection avoids SQLITE_BUSY between the server's threads. WAL keeps readers in other processes
(the seeder, a second server) from blocking.

Besides ``objects``: ``idempotency`` (replayable answers, http/server.py), ``jobs`` (async
transitions, engine.py), ``counters`` (running balance totals, resources/ledger.py),
``webhook_deliveries`` (events/webhooks.py) and the search index's tables (search/index.py): a
write of a PaymentIntent, charge or customer queues its id in ``search_backlog`` in the same
transaction, and ``catch_up_search`` rewrites the queued objects' rows in one batch, before any
search (and whenever ``SEARCH_BATCH`` ids are waiting); bulk loads write rows at once. Every
table is created when a store is opened, so an old data dir gains a table it lacks (and, for the
search tables, their rows: see ``_open_search_index``).
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson

from .. import search

# Columns copied out of the JSON so lists can filter on them with an index.
INDEXED = ("customer", "payment_intent", "charge", "source", "type", "currency", "status")
# List filters read from the JSON by an expression index instead (a filter of one kind only).
JSON_FILTERS = {"email": "json_extract(data, '$.email')"}
# Kinds with rows in the search index, rewritten after every insert, update or delete of one.
SEARCHABLE = frozenset(search.RESOURCES)
# Queued ids that make the next write index them (bounds the work a search may have to do first).
SEARCH_BATCH = 256
# With a background worker (``on_search_backlog``), a request catches up itself only past this.
SEARCH_BACKLOG_MAX = 4 * SEARCH_BATCH

SCHEMA = """
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    created INTEGER NOT NULL,
    customer TEXT, payment_intent TEXT, charge TEXT, source TEXT, type TEXT, currency TEXT, status TEXT,
    data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_objects_kind_created ON objects(kind, created);
CREATE INDEX IF NOT EXISTS ix_objects_customer ON objects(kind, customer, created) WHERE customer IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_pi ON objects(kind, payment_intent, created) WHERE payment_intent IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_charge ON objects(kind, charge, created) WHERE charge IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_source ON objects(kind, source, created) WHERE source IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_type ON objects(kind, type, created) WHERE type IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_currency ON objects(kind, currency, created) WHERE currency IS NOT NULL;
CREATE INDEX IF NOT EXISTS ix_objects_email ON objects(json_extract(data, '$.email'), created)
    WHERE kind = 'customer';
CREATE TABLE IF NOT EXISTS idempotency (
    key TEXT PRIMARY KEY, fingerprint TEXT NOT NULL, status INTEGER NOT NULL, body TEXT NOT NULL,
    request_id TEXT NOT NULL, created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_idempotency_created ON idempotency(created);
CREATE TABLE IF NOT EXISTS jobs (
    id INTEGER PRIMARY KEY AUTOINCREMENT, run_at REAL NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS ix_jobs_run_at ON jobs(run_at);
CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL, endpoint_id TEXT NOT NULL, event_type TEXT NOT NULL,
    attempt INTEGER NOT NULL, manual INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL, status TEXT NOT NULL,
    http_status INTEGER, latency_ms REAL, error TEXT, response_body TEXT,
    created REAL NOT NULL, attempted_at REAL
);
CREATE INDEX IF NOT EXISTS ix_whd_due ON webhook_deliveries(next_at) WHERE status = 'pending';
CREATE INDEX IF NOT EXISTS ix_whd_event ON webhook_deliveries(event_id, endpoint_id);
CREATE INDEX IF NOT EXISTS ix_whd_endpoint ON webhook_deliveries(endpoint_id, id);
"""


_RANGE_OPS = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}


def dumps(obj: Any) -> str:
    """An object as compact JSON text, for the ``data`` column and for response bodies: orjson (a
    create+confirm writes and rewrites about a dozen objects, and json.dumps was a tenth of its
    CPU; several times faster on a list page; non-ASCII as UTF-8, like Stripe), falling back to
    json for what orjson refuses (integers beyond 64 bits). Text, not bytes: a BLOB would be read
    as JSONB by SQLite's json functions."""
    try:
        return orjson.dumps(obj, option=orjson.OPT_NON_STR_KEYS).decode()
    except TypeError:
        return json.dumps(obj, separators=(",", ":"))


# Reads of stored JSON (list pages parse up to 101 rows each): orjson is 2-3x faster than json and
# gives the same dicts, lists, strings and numbers.
_loads = orjson.loads


def ref(value: Any) -> Any:
    """An expandable field may hold an id or an expanded object: index the id."""
    if isinstance(value, dict):
        return value.get("id")
    return value if isinstance(value, str) else None


class Store:
    def __init__(self, path: str | None = None):
        """``path=None`` keeps everything in memory (tests, ``--memory``)."""
        self.path = path
        if path:
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        self._conn = sqlite3.connect(path or ":memory:", check_same_thread=False, isolation_level=None,
                                     timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL" if path else "PRAGMA journal_mode=MEMORY")
        # A test-mode sandbox trades power-loss durability for speed: synchronous=OFF never fsyncs.
        # A commit in WAL mode does not fsync under NORMAL either; what OFF removes is the fsync of
        # every auto-checkpoint, 0.7 ms per create+confirm on average here (bench/README.md, "Sandbox
        # on uvicorn + httptools"). A killed process still loses nothing (the OS holds the writes);
        # only an OS crash or power cut could damage the file, and the sandbox's data is test data
        # that ``python -m lib.sandbox seed`` rebuilds. close() checkpoints with a full fsync.
        self._conn.execute("PRAGMA synchronous=OFF")
        self._conn.execute("PRAGMA busy_timeout=30000")
        if path:
            # A create+confirm writes ~45 pages to the WAL; the default auto-checkpoint (1,000 pages)
            # would then run - and fsync - every ~20 requests, on the request path. Checkpoint every
            # ~10,000 pages instead (bench/README.md, "Sandbox (part 1)"), and truncate the WAL file
            # back to 64 MB after a checkpoint.
            self._conn.execute("PRAGMA wal_autocheckpoint=10000")
            self._conn.execute("PRAGMA journal_size_limit=67108864")
        self._conn.executescript(SCHEMA)
        self.lock = threading.RLock()
        self._depth = 0
        # Called (under the lock, inside the write's transaction) when the search backlog reaches
        # SEARCH_BATCH, by a store that has a background worker (the engine's job worker): the
        # worker then indexes the batch while the server waits for its next request, instead of
        # the request that happened to fill the batch doing it. None: that request does it.
        self.on_search_backlog: Callable[[], None] | None = None
        self._open_search_index()
        self._backlog = self.execute("SELECT count(*) FROM search_backlog").fetchone()[0]

    def _open_search_index(self) -> None:
        """Create the search tables. When they are new in a store that already holds objects (a data
        dir from before search), index its PaymentIntents, charges and customers once. One IMMEDIATE
        transaction: a second process opening the same store waits, then finds the tables there."""
        with self.tx():
            found = self.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='search_terms'").fetchone()
            for statement in search.DDL.split(";"):
                if statement.strip():
                    self.execute(statement)
            if found is None:
                self.index_for_search(f"kind IN ({','.join('?' * len(SEARCHABLE))})", tuple(sorted(SEARCHABLE)))

    def index_for_search(self, where: str, args: tuple = ()) -> int:
        """Add the search rows of the stored objects matching ``where`` (objects not indexed yet),
        reading them in chunks; returns how many objects were read."""
        cursor = self._conn.execute(f"SELECT data FROM objects WHERE {where}", args)
        seen = 0
        while rows := cursor.fetchmany(2000):
            seen += len(rows)
            self.run(search.insert_statements([_loads(r[0]) for r in rows]))
        return seen

    def defer_search(self, object_ids: list[str]) -> None:
        """Queue objects just written for ``catch_up_search`` (call inside the write's transaction)."""
        if not object_ids:
            return
        with self.lock:
            self._conn.executemany(search.INSERT_BACKLOG, [(i,) for i in object_ids])
            before = self._backlog
            self._backlog += len(object_ids)
            if self._backlog < SEARCH_BATCH:
                return
            if self.on_search_backlog is None or self._backlog >= SEARCH_BACKLOG_MAX:
                self.catch_up_search()
            elif before < SEARCH_BATCH:
                self.on_search_backlog()

    @property
    def search_backlog(self) -> int:
        """How many written objects wait for ``catch_up_search``."""
        return self._backlog

    def catch_up_search(self) -> int:
        """Rewrite the search rows of every queued object (gone: rows removed), in one transaction;
        returns how many were queued. Searches call it first, so they see every write."""
        with self.tx():
            ids = [r[0] for r in self._conn.execute("SELECT object_id FROM search_backlog").fetchall()]
            self._backlog = 0
            if not ids:
                return 0
            found = self.get_many(ids)
            self.run(search.delete_statements(*ids))
            self.run(search.insert_statements([found[i] for i in ids if i in found]))
            self._conn.execute("DELETE FROM search_backlog")
            return len(ids)

    def run(self, statements: list[tuple[str, list[tuple]]]) -> None:
        """Run (sql, parameter rows) pairs with executemany, in order (the search index's writes)."""
        with self.lock:
            for sql, rows in statements:
                self._conn.executemany(sql, rows)

    # --- transactions --------------------------------------------------------------------------
    @contextmanager
    def tx(self) -> Iterator[Store]:
        """One atomic unit of work. Re-entrant: only the outermost block commits."""
        with self.lock:
            outer = self._depth == 0
            if outer:
                self._conn.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._conn.execute("ROLLBACK")
                raise
            else:
                self._depth -= 1
                if outer:
                    self._conn.execute("COMMIT")

    def execute(self, sql: str, args: tuple = ()) -> sqlite3.Cursor:
        with self.lock:
            return self._conn.execute(sql, args)

    def executemany(self, sql: str, rows: list) -> None:
        with self.lock:
            self._conn.executemany(sql, rows)

    # --- objects -------------------------------------------------------------------------------
    def get(self, obj_id: str, kind: str | None = None) -> dict | None:
        row = self.execute("SELECT kind, data FROM objects WHERE id=?", (obj_id,)).fetchone()
        if row is None or (kind is not None and row[0] != kind):
            return None
        return _loads(row[1])

    def _row(self, obj: dict) -> tuple:
        cols = tuple(column(obj, c) for c in INDEXED)
        return (obj["id"], obj["object"], int(obj.get("created") or 0), *cols, dumps(obj))

    def insert(self, obj: dict) -> dict:
        self.execute(
            "INSERT INTO objects(id, kind, created, " + ", ".join(INDEXED) + ", data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            self._row(obj))
        if obj["object"] in SEARCHABLE:
            self.defer_search([obj["id"]])
        return obj

    def insert_many(self, objs: list[dict]) -> None:
        self.executemany(
            "INSERT INTO objects(id, kind, created, " + ", ".join(INDEXED) + ", data) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
            [self._row(o) for o in objs])
        self.run(search.insert_statements([o for o in objs if o["object"] in SEARCHABLE]))

    def update(self, obj: dict) -> dict:
        row = self._row(obj)
        self.execute("UPDATE objects SET " + ", ".join(f"{c}=?" for c in INDEXED) + ", data=? WHERE id=?",
                     (*row[3:], obj["id"]))
        if obj["object"] in SEARCHABLE:
            self.defer_search([obj["id"]])
        return obj

    def delete(self, obj_id: str) -> None:
        self.execute("DELETE FROM objects WHERE id=?", (obj_id,))
        self.run(search.delete_statements(obj_id))

    def list(self, kind: str, filters: dict[str, Any] | None = None, created: dict[str, int] | None = None,
             limit: int = 10, starting_after: str | None = None, ending_before: str | None = None,
             exclude_status: str | None = None) -> tuple[list[dict], bool]:
        """A page of ``kind`` newest first, Stripe cursor semantics. Returns (objects, has_more)."""
        where, args = ["kind=?"], [kind]
        for col, value in (filters or {}).items():
            assert col in INDEXED or col in JSON_FILTERS
            expr = JSON_FILTERS.get(col, col)
            if isinstance(value, (list, tuple)):
                where.append(f"{expr} IN ({','.join('?' * len(value))})")
                args.extend(value)
            else:
                where.append(f"{expr}=?")
                args.append(value)
        if exclude_status:
            where.append("(status IS NULL OR status<>?)")
            args.append(exclude_status)
        window = self.page_window(created, starting_after, ending_before)
        if window is None:
            return [], False
        where += window[0]
        args += window[1]
        order = "DESC" if not ending_before else "ASC"
        sql = (f"SELECT data FROM objects WHERE {' AND '.join(where)} "
               f"ORDER BY created {order}, rowid {order} LIMIT ?")
        rows = self.execute(sql, (*args, limit + 1)).fetchall()
        has_more = len(rows) > limit
        objs = [_loads(r[0]) for r in rows[:limit]]
        if ending_before:
            objs.reverse()
        return objs, has_more

    def page_window(self, created: dict[str, int] | None, starting_after: str | None,
                    ending_before: str | None) -> tuple[list[str], list[Any]] | None:
        """WHERE clauses for a ``created`` range and a cursor; None if the cursor object is unknown."""
        where: list[str] = []
        args: list[Any] = []
        for op, value in (created or {}).items():
            where.append(f"created {_RANGE_OPS[op]} ?")
            args.append(value)
        cursor = starting_after or ending_before
        if cursor:
            pos = self.execute("SELECT created, rowid FROM objects WHERE id=?", (cursor,)).fetchone()
            if pos is None:
                return None
            where.append("(created, rowid) < (?, ?)" if starting_after else "(created, rowid) > (?, ?)")
            args.extend(pos)
        return where, args

    def get_many(self, ids: list[str]) -> dict[str, dict]:
        """``{id: object}`` for the ids that exist, in one query (a list page's expansions)."""
        out: dict[str, dict] = {}
        unique = list(dict.fromkeys(ids))
        for i in range(0, len(unique), 500):  # stay far below SQLite's bound-parameter limit
            chunk = unique[i:i + 500]
            rows = self.execute(f"SELECT id, data FROM objects WHERE id IN ({','.join('?' * len(chunk))})",
                                tuple(chunk)).fetchall()
            out.update((r[0], _loads(r[1])) for r in rows)
        return out

    def list_for(self, kind: str, col: str, values: list[str]) -> dict[str, list[dict]]:
        """Every ``kind`` object whose indexed ``col`` is one of ``values``, grouped by that value,
        newest first within a group (the order of :meth:`list`), in one query."""
        assert col in INDEXED
        out: dict[str, list[dict]] = {v: [] for v in values}
        unique = list(out)
        for i in range(0, len(unique), 500):
            chunk = unique[i:i + 500]
            # sorted here: an ORDER BY makes SQLite walk the (kind, created) index instead
            rows = self.execute(f"SELECT {col}, created, rowid, data FROM objects WHERE kind=? AND {col} IN "
                                f"({','.join('?' * len(chunk))})", (kind, *chunk)).fetchall()
            rows.sort(key=lambda r: (r[1], r[2]), reverse=True)
            for value, _, _, data in rows:
                out[value].append(_loads(data))
        return out

    def count(self, kind: str) -> int:
        return self.execute("SELECT count(*) FROM objects WHERE kind=?", (kind,)).fetchone()[0]

    def counts(self) -> dict[str, int]:
        return dict(self.execute("SELECT kind, count(*) FROM objects GROUP BY kind").fetchall())

    # --- counters (receipt numbers etc.) -------------------------------------------------------
    def next_counter(self, name: str) -> int:
        with self.tx():
            self.execute("INSERT INTO counters(name, value) VALUES (?, 1) "
                         "ON CONFLICT(name) DO UPDATE SET value=value+1", (name,))
            return self.execute("SELECT value FROM counters WHERE name=?", (name,)).fetchone()[0]

    def close(self) -> None:
        """Close, leaving the data on disk: fold the WAL into the file and fsync it (the request path
        never fsyncs, see __init__)."""
        with self.lock:
            if self.path:
                # With another process still reading, the checkpoint does what it can (no error).
                self._conn.execute("PRAGMA synchronous=FULL")
                self._conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self._conn.close()


def column(obj: dict, col: str) -> Any:
    """The value of indexed column ``col`` for ``obj`` (the bulk store computes rows the same way)."""
    if col == "status" and obj.get("deleted"):
        return "deleted"  # deleted customers stay retrievable but leave lists
    if col == "type":
        value = obj.get("type")  # events and balance transactions filter on it
        return value if isinstance(value, str) else None
    if col == "source" and "_object_id" in obj:
        return obj["_object_id"]  # events list by the object they describe
    return ref(obj.get(col))
