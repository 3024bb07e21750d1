"""The search index: tables kept next to the store's ``objects`` table, and the rows each object has there.

Every searchable object (a PaymentIntent, Charge or Customer that is not deleted) has rows here,
replaced after the object is written (``write_statements``; ``insert_statements`` for a bulk load).
An API request does not write them itself: it adds the object's id to ``search_backlog`` (one row,
appended), and the store turns the backlog into rows in one batch before any search runs, or once
it holds ``storage.store.SEARCH_BATCH`` ids. The rows of one PaymentIntent and its charge fall into
~15 different index pages (one per field); writing them per request cost a quarter of a
create+confirm. Stripe's own search is eventually consistent ("data is generally searchable within
a minute"); the sandbox is stricter, a search always sees every write before it.

- ``search_terms``: one row per field value, keyed by ``field`` = kind and field name
  (``charge:amount``, ``customer:metadata.plan``: see ``term_key``). Token fields and metadata
  store the lowercased value as text, numeric fields (amount, created) as a number (``value`` has
  no type affinity, so each keeps its own type; SQLite orders numbers before text, and a numeric
  field holds only numbers), string fields (email, name, phone) one row per distinct word. Every
  object has a ``created`` row, so those rows are also the set of all objects of a kind (what a
  negation subtracts from).
- ``search_trigrams``: the distinct 3-character slices of each string field, for ``~``.
- ``search_texts``: each string field's normalised full text, read by primary key only to verify
  candidates (the words of ``name:"jane doe"`` in that order, the substring of ``name~"ane d"``).

Both row tables are ``WITHOUT ROWID``, their primary key (field, value, created, object_id) the
one index searches use, plus an index on ``object_id`` to replace an object's rows. One text key
instead of separate kind and field columns, and no rowid table beside the key, cut the cost of
writing the rows by about a third (the rows of 10,000 seeded payments: 1.3 s instead of 2.0 s of
CPU, 53 MB instead of 64 MB).

plan.py compiles queries to SQL over these tables. Pure: functions return SQL and parameters; the
caller runs them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .fields import FIELDS, METADATA, NUMERIC, TOKEN, metadata_of, values_of
from .text import normalize, token, trigrams, words

DDL = """
CREATE TABLE IF NOT EXISTS search_terms (
    field TEXT NOT NULL, value NOT NULL, created INTEGER NOT NULL, object_id TEXT NOT NULL,
    PRIMARY KEY (field, value, created, object_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_search_terms_object ON search_terms(object_id);
CREATE TABLE IF NOT EXISTS search_trigrams (
    field TEXT NOT NULL, gram TEXT NOT NULL, created INTEGER NOT NULL, object_id TEXT NOT NULL,
    PRIMARY KEY (field, gram, created, object_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS ix_search_trigrams_object ON search_trigrams(object_id);
CREATE TABLE IF NOT EXISTS search_texts (
    object_id TEXT NOT NULL, field TEXT NOT NULL, text TEXT NOT NULL, PRIMARY KEY (object_id, field)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS search_backlog (object_id TEXT PRIMARY KEY) WITHOUT ROWID;
"""

INSERT_TERM = "INSERT INTO search_terms(field, value, created, object_id) VALUES (?,?,?,?)"
INSERT_TRIGRAM = "INSERT INTO search_trigrams(field, gram, created, object_id) VALUES (?,?,?,?)"
INSERT_TEXT = "INSERT INTO search_texts(object_id, field, text) VALUES (?,?,?)"
# Objects written since their rows were last (re)computed: see Store.catch_up_search.
INSERT_BACKLOG = "INSERT OR IGNORE INTO search_backlog(object_id) VALUES (?)"
_TABLES = ("search_terms", "search_trigrams", "search_texts")

Statement = tuple[str, list[tuple]]  # SQL and the parameter rows for executemany


@dataclass(frozen=True)
class SearchRows:
    terms: list[tuple] = field(default_factory=list)  # (field key, value, created, object_id)
    trigrams: list[tuple] = field(default_factory=list)  # (field key, gram, created, object_id)
    texts: list[tuple] = field(default_factory=list)  # (object_id, field, text)


def term_key(kind: str, path: str) -> str:
    """The ``field`` column of ``kind``'s field ``path`` (``metadata.<key>`` for metadata)."""
    return f"{kind}:{path}"


def rows_for(kind: str, obj: dict) -> SearchRows:
    """The index rows of ``obj`` (none for a kind that is not searchable or a deleted object)."""
    rows = SearchRows()
    if kind not in FIELDS or obj.get("deleted"):
        return rows
    oid, created = obj["id"], int(obj.get("created") or 0)
    if METADATA in FIELDS[kind]:
        rows.terms.extend((f"{kind}:{METADATA}.{k}", token(v), created, oid) for k, v in metadata_of(obj).items())
    for spec, value in values_of(kind, obj):
        key = f"{kind}:{spec.name}"
        if spec.type == NUMERIC:
            if isinstance(value, int | float) and not isinstance(value, bool):
                rows.terms.append((key, float(value), created, oid))
        elif spec.type == TOKEN:
            if text := token(value):
                rows.terms.append((key, text, created, oid))
        elif text := normalize(str(value)):
            rows.terms.extend((key, word, created, oid) for word in words(text))
            rows.trigrams.extend((key, gram, created, oid) for gram in trigrams(text))
            rows.texts.append((oid, spec.name, text))
    return rows


def delete_statements(*object_ids: str) -> list[Statement]:
    """What removes the rows of ``object_ids`` (one statement per table, a parameter row per id)."""
    return [(f"DELETE FROM {table} WHERE object_id=?", [(oid,) for oid in object_ids]) for table in _TABLES]


def write_statements(obj: dict) -> list[Statement]:
    """What to run (in the write's transaction) when ``obj`` is inserted or updated: its old rows
    go, its current rows come (none unless ``obj["object"]`` is a searchable kind)."""
    return rewrite_statements([obj])


def rewrite_statements(objs: list[dict]) -> list[Statement]:
    """``write_statements`` for many objects already indexed (a batch of updates)."""
    return delete_statements(*(obj["id"] for obj in objs)) + insert_statements(objs)


def insert_statements(objs: list[dict]) -> list[Statement]:
    """The rows of objects not indexed yet (a bulk load, a backfill), one statement per table."""
    terms: list[tuple] = []
    grams: list[tuple] = []
    texts: list[tuple] = []
    for obj in objs:
        rows = rows_for(obj.get("object", ""), obj)
        terms += rows.terms
        grams += rows.trigrams
        texts += rows.texts
    return [(sql, batch) for sql, batch in ((INSERT_TERM, terms), (INSERT_TRIGRAM, grams), (INSERT_TEXT, texts))
            if batch]
