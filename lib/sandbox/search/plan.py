"""Compiled searches: a parsed ``Query`` as one SELECT over the index tables (index.py) in which
every table access is an index search, and a page costs about what it shows, not what matches.

An AND query is driven by one clause's rows, read newest first straight off the primary key, so
the ``LIMIT`` stops the read as soon as the page is full: a token or word ``field:value`` (rows of
one key and value are ordered by created, object_id), one trigram of a ``~`` substring, or else
the kind's ``created`` rows (every object; ``created`` bounds narrow them in the key). Every other
clause is a correlated probe of the driver's row: an ``EXISTS`` on the primary key (field, value,
created, object_id) or, for a numeric range and a presence, on ``object_id`` — ``NOT EXISTS`` for
a negation. A numeric range with no equality clause beside it drives itself, its matches sorted.
Which equality drives: one on a field with many values (customer, metadata, email words, card
last4 ...) before one with few (status, currency, brand, disputed ...): the driver is read until
the page is full, so a rare value should drive.

An OR query is the UNION of its clauses, each one compiled the same way and cut to the page size
first. The ``next_page`` cursor (created, id of the last row) is a bound on the driver's rows.
"""

from __future__ import annotations

from typing import Any

from .fields import FIELDS, NUMERIC, STRING, TOKEN, SearchField
from .index import term_key
from .paging import MAX_TOTAL_COUNT, decode_cursor
from .query import Clause, Query
from .text import normalize, token, trigrams

# A long substring is looked up by a few of its trigrams spread over it, then verified in full.
MAX_GRAMS_PER_SUBSTRING = 6
# Token fields with a handful of values: an equality on one of these drives only when nothing rarer can.
FEW_VALUES = frozenset({
    "status", "currency", "disputed", "refunded", "payment_method_details.card.brand",
    "payment_method_details.card.exp_month", "payment_method_details.card.exp_year",
    "payment_method_details.card_present.brand", "payment_method_details.interac_present.brand",
})

Sql = tuple[str, list[Any]]
Cursor = tuple[int, str] | None
NEWEST_FIRST = "d.created DESC, d.object_id DESC"


def compile(kind: str, query: Query, limit: int, page_cursor: str | None = None) -> tuple[str, tuple]:
    """SQL returning up to ``limit + 1`` rows of (created, object_id), newest first, after the
    position ``page_cursor`` (a ``next_page`` value) when given. ``paging.page_of`` cuts the page."""
    after = decode_cursor(page_cursor) if page_cursor else None
    if query.joiner == "OR" and len(query.clauses) > 1:
        members = [_and(kind, (clause,), after, limit + 1) for clause in query.clauses]
        union = " UNION ".join(f"SELECT created, object_id FROM ({sql})" for sql, _ in members)
        return (f"SELECT created, object_id FROM ({union}) ORDER BY created DESC, object_id DESC LIMIT ?",
                (*[p for _, params in members for p in params], limit + 1))
    sql, params = _and(kind, query.clauses, after, limit + 1)
    return sql, tuple(params)


def compile_count(kind: str, query: Query) -> tuple[str, tuple]:
    """SQL counting the matches, up to 10,000 (search ``total_count``)."""
    if query.joiner == "OR" and len(query.clauses) > 1:
        members = [_and(kind, (clause,), None, MAX_TOTAL_COUNT) for clause in query.clauses]
        hits = " UNION ".join(f"SELECT created, object_id FROM ({sql})" for sql, _ in members)
        params = [p for _, ps in members for p in ps]
    else:
        hits, params = _and(kind, query.clauses, None, MAX_TOTAL_COUNT)
    return f"SELECT count(*) FROM (SELECT 1 FROM ({hits}) LIMIT {MAX_TOTAL_COUNT})", tuple(params)


# --- one AND query: a driver and probes ----------------------------------------------------------
def _and(kind: str, clauses: tuple[Clause, ...], after: Cursor, limit: int) -> Sql:
    """SELECT d.created, d.object_id of the objects matching every clause, newest first, LIMIT ``limit``."""
    specs = [FIELDS[kind][c.field] for c in clauses]
    ranked = sorted((_rank(c, s), i) for i, (c, s) in enumerate(zip(clauses, specs, strict=True)))
    best, at = ranked[0] if ranked else (None, None)
    where: list[str] = []
    params: list[Any] = []
    if best is not None and best < UNIVERSE:
        driver, drove = clauses[at], at
        table, own, own_params = _driver(kind, driver, specs[at])
        where.append(own)
        params += own_params
        order = NEWEST_FIRST
        cursor = "(d.created, d.object_id) < (?, ?)"
    else:  # the kind's created rows (value = created): created bounds go in the key
        drove = None
        table, order = "search_terms", "d.value DESC, d.created DESC, d.object_id DESC"
        where.append("d.field = ?")
        params.append(term_key(kind, "created"))
        cursor = "(d.value, d.created, d.object_id) < (?, ?, ?)"
    if after is not None:
        where.append(cursor)
        params += [after[0], *after] if drove is None else list(after)
    for i, (clause, spec) in enumerate(zip(clauses, specs, strict=True)):
        if i == drove:
            extra = _driver_check(kind, clause, spec)
        elif drove is None and _is_created_bound(clause):
            extra = (f"d.value {_op(clause)} ?", [clause.number])
        else:
            extra = _condition(kind, clause, spec)
        if extra is not None:
            where.append(extra[0])
            params += extra[1]
    sql = (f"SELECT d.created AS created, d.object_id AS object_id FROM {table} AS d WHERE {' AND '.join(where)} "
           f"ORDER BY {order} LIMIT ?")
    return sql, [*params, limit]


UNIVERSE = 3  # rank of "no clause drives: the created rows do"


def _rank(clause: Clause, spec: SearchField) -> int:
    """How good a driver ``clause`` is: 0 a rare equality, 1 a substring, 2 a common equality,
    UNIVERSE (3) when the created rows drive better (a created bound), 4 another numeric range,
    5 cannot drive (negated, null)."""
    if clause.negated or clause.value is None:
        return 5
    if spec.type == NUMERIC:
        return UNIVERSE if spec.name == "created" else 4
    if spec.type == STRING and clause.op == "~":
        return 1
    return 2 if clause.path in FEW_VALUES else 0


def _is_created_bound(clause: Clause) -> bool:
    return clause.field == "created" and not clause.negated and clause.value is not None


def _op(clause: Clause) -> str:
    return "=" if clause.op == ":" else clause.op


def _driver(kind: str, clause: Clause, spec: SearchField) -> tuple[str, str, list[Any]]:
    """(table, WHERE on ``d``, params) of the rows ``clause`` drives from (one key and value of
    the primary key, except a numeric range)."""
    key = term_key(kind, clause.path)
    if spec.type == NUMERIC:
        return "search_terms", f"d.field = ? AND d.value {_op(clause)} ?", [key, clause.number]
    if spec.type == TOKEN:
        return "search_terms", "d.field = ? AND d.value = ?", [key, token(clause.value)]
    text = normalize(clause.value or "")
    if clause.op == ":":
        return "search_terms", "d.field = ? AND d.value = ?", [key, _longest_word(text)]
    return "search_trigrams", "d.field = ? AND d.gram = ?", [key, _grams(text)[0]]


def _driver_check(kind: str, clause: Clause, spec: SearchField) -> Sql | None:
    """What the driver's own rows leave to check: the rest of a phrase or of a substring."""
    if spec.type != STRING:
        return None
    text = normalize(clause.value or "")
    if clause.op == ":":
        return _phrase_check(clause.path, text)
    probes = [_gram_probe(kind, clause.path, gram) for gram in _grams(text)[1:]]
    if len(text) > 3:
        probes.append(_text_contains(clause.path, text, padded=False))
    return _all(probes) if probes else None


def _condition(kind: str, clause: Clause, spec: SearchField) -> Sql:
    """``clause`` (with its negation) as a condition on the driver's row ``d``."""
    if clause.value is None:  # field:null - the field is not set; -field:null - it is
        presence = ("EXISTS (SELECT 1 FROM search_terms AS t WHERE t.object_id = d.object_id AND t.field = ?)",
                    [term_key(kind, clause.path)])
        return presence if clause.negated else _not(presence)
    match = _match(kind, clause, spec)
    return _not(match) if clause.negated else match


def _match(kind: str, clause: Clause, spec: SearchField) -> Sql:
    key, text = term_key(kind, clause.path), clause.value or ""
    if spec.type == NUMERIC:
        if spec.name == "created":
            return f"d.created {_op(clause)} ?", [clause.number]
        return (f"EXISTS (SELECT 1 FROM search_terms AS t WHERE t.object_id = d.object_id AND t.field = ? "
                f"AND t.value {_op(clause)} ?)", [key, clause.number])
    if spec.type == TOKEN:
        return _term_probe(key, token(text))
    text = normalize(text)
    if clause.op == ":":
        word = _term_probe(key, _longest_word(text))
        check = _phrase_check(clause.path, text)
        return _all([word, check] if check else [word])
    probes = [_gram_probe(kind, clause.path, gram) for gram in _grams(text)]
    if len(text) > 3:
        probes.append(_text_contains(clause.path, text, padded=False))
    return _all(probes)


# --- probes: each a condition on the driver's row d ----------------------------------------------
def _term_probe(key: str, value: Any) -> Sql:
    return ("EXISTS (SELECT 1 FROM search_terms AS t WHERE t.field = ? AND t.value = ? AND t.created = d.created "
            "AND t.object_id = d.object_id)", [key, value])


def _gram_probe(kind: str, path: str, gram: str) -> Sql:
    return ("EXISTS (SELECT 1 FROM search_trigrams AS g WHERE g.field = ? AND g.gram = ? AND g.created = d.created "
            "AND g.object_id = d.object_id)", [term_key(kind, path), gram])


def _text_contains(path: str, pattern: str, padded: bool) -> Sql:
    """The full text of ``path`` contains ``pattern`` (looked up by primary key)."""
    text = "(SELECT x.text FROM search_texts AS x WHERE x.object_id = d.object_id AND x.field = ?)"
    if padded:
        text = f"' ' || {text} || ' '"
    return f"instr({text}, ?) > 0", [path, pattern]


def _phrase_check(path: str, text: str) -> Sql | None:
    """Every word, in this order (None for one word: its row is the match)."""
    return _text_contains(path, f" {text} ", padded=True) if len(text.split()) > 1 else None


def _longest_word(text: str) -> str:
    words = text.split()
    return max(words, key=len) if words else ""


def _grams(text: str) -> list[str]:
    """A few trigrams spread over ``text`` (all of a short one), the last one included."""
    grams = trigrams(text)
    step = -(-len(grams) // MAX_GRAMS_PER_SUBSTRING)
    return list(dict.fromkeys(grams[::step] + grams[-1:]))


def _all(conditions: list[Sql]) -> Sql:
    return "(" + " AND ".join(c[0] for c in conditions) + ")", [p for c in conditions for p in c[1]]


def _not(condition: Sql) -> Sql:
    return f"NOT ({condition[0]})", condition[1]
