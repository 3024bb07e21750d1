"""Stripe's Search API for the sandbox: query language, searchable fields, an SQLite index.

``/v1/payment_intents/search``, ``/v1/charges/search`` and ``/v1/customers/search`` take
``query`` (required), ``limit`` (1..100, default 10) and ``page`` (a previous ``next_page``), and
answer ``{"object": "search_result", "data": [...], "has_more", "next_page", "url"}``, with
``total_count`` only when ``expand[]=total_count``. Pure: this package produces SQL and rows, the
store runs them (storage/store.py creates the tables and rewrites an object's rows in the
transaction that writes it; storage/bulkstore.py writes a batch's rows at its flush) and
resources/searching.py answers the endpoints. Inner layering, lowest first: ``text``
(normalisation), ``fields`` (what is searchable), ``query`` (tokenizer, parser, checks), ``paging``
(cursor, envelope), ``index`` (tables, rows), ``plan`` (a query compiled to SQL over the index).

Decisions, from TEST_MODE.md §8.3 and Stripe's "Search" page (search query language section):

- Clauses are ``field:value``; they join with a space or ``AND`` (the default) or with ``OR``,
  keywords case-insensitive; AND and OR are mutually exclusive, and there are no parentheses.
- ``-`` before a clause negates it: the objects that do not match (a negated metadata clause
  also returns objects without that key).
- Operators by field type: token fields ``:`` only; string fields (customer email, name, phone)
  ``:`` and ``~``; numeric fields (amount, created) ``:``, ``>``, ``<``, ``>=``, ``<=``. Any other
  operator on a field is an error. A bare ``=`` is not an operator (the docs' ``=`` appears only
  inside ``>=`` / ``<=``): the query does not parse.
- Matching is case-insensitive (values are lowercased on both sides); metadata keys stay exact.
  An exact match on a string field matches when the query's words appear consecutively, in order,
  among the value's words (``name:"one two three"`` matches "one two three four"); words are
  whitespace-separated, so ``email:"jane@example.com"`` is one word and ``email~"example"`` is how
  to match part of it. ``~`` matches a substring of at least 3 characters.
- String values must be quoted, with ``'`` or ``"``; a backslash escapes the next character
  (``\\"``, ``\\'``, ``\\\\``). Numbers may be unquoted (``amount>1000``, ``last4:4242``) or quoted
  (``amount>="10"``). An unquoted word other than a number or ``null`` is an error.
- ``field:null`` matches objects where the field is not set, ``-field:null`` where it is
  (``-metadata["k"]:null``: the key exists); null goes with ``:`` only.
- ``charge.disputed`` accepts only "true" / "false"; ``charge.refunded`` only "true" (fully
  refunded), "false" (partially refunded) and null (not refunded).
- At most 10 clauses a query: the docs give no limit; this bounds the SQL (a sandbox choice).
- Deleted customers are not searchable. Search here is read-after-write (Stripe's lags up to a
  minute): a sandbox for learning has no reason to reproduce the lag.
- Results are newest first (created DESC, id DESC); ``next_page`` is an opaque cursor of the last
  row's (created, id). ``total_count`` is capped at 10,000, as Stripe's is accurate up to 10,000.
- Errors are ``SearchQueryError`` (``message``, ``param``): a 400 ``invalid_request_error`` with no
  ``code`` (a bad field gives no code at Stripe); an unknown field reads "Field `x` is an
  unsupported search field for resource `charges`. See http://stripe.com/docs/search#query-fields-
  for-charges for a list of supported fields." and a syntax error "We were unable to parse your
  search query. ..." (both as Stripe words them); the other texts are modelled on them. A missing
  ``query`` is the caller's ``parameter_missing`` on ``query``.
"""

from .fields import FIELDS, RESOURCES, values_of
from .index import (
    DDL,
    INSERT_BACKLOG,
    SearchRows,
    delete_statements,
    insert_statements,
    rewrite_statements,
    rows_for,
    write_statements,
)
from .paging import MAX_TOTAL_COUNT, decode_cursor, encode_cursor, page_of, search_result, url_for
from .plan import compile, compile_count
from .query import MAX_CLAUSES, Clause, Query, SearchQueryError, parse, tokenize

__all__ = [
    "DDL", "FIELDS", "INSERT_BACKLOG", "MAX_CLAUSES", "MAX_TOTAL_COUNT", "RESOURCES", "Clause", "Query", "SearchQueryError",
    "SearchRows", "compile", "compile_count", "decode_cursor", "delete_statements", "encode_cursor",
    "insert_statements", "page_of", "parse", "rewrite_statements", "rows_for", "search_result", "tokenize",
    "url_for", "values_of", "write_statements",
]
