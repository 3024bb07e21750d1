"""Stripe's search query language: a tokenizer and a parser from a query string to a ``Query``.

``parse(text, kind)`` checks the syntax of the whole query first, then each clause against the
resource's fields (``fields.FIELDS``), and raises ``SearchQueryError`` with a Stripe-style message
(the caller answers 400 ``invalid_request_error`` with ``param`` = ``error.param``). The grammar:

    query   := clause ( ( " " | " AND " | " OR " ) clause )*      AND / OR case-insensitive, not mixed
    clause  := [ "-" ] field [ "[" quoted "]" ] op value          no space inside but around op
    op      := ":" | "~" | ">" | "<" | ">=" | "<="
    value   := quoted | number | "null"                          null case-insensitive
    quoted  := '"' ... '"' | "'" ... "'"                         a backslash escapes the next character
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .fields import FIELDS, METADATA, NUMERIC, OPERATORS, RESOURCES
from .text import normalize, token

MAX_CLAUSES = 10
MIN_SUBSTRING = 3

UNPARSEABLE = ("We were unable to parse your search query. Try using the format `metadata[\"key\"]:\"value\"` "
               "to query for metadata or key:\"value\" to query for other fields.")

_OPERATORS = (">=", "<=", ":", "~", ">", "<", "=")  # longest first; a bare "=" is read, then refused
_PUNCTUATION = "[]()"
_WORD_STOP = frozenset("'\"[]():~<>=")
_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z0-9_]+)*")
_NUMBER = re.compile(r"-?\d+(\.\d+)?")


class SearchQueryError(ValueError):
    """A query Stripe would refuse: ``message`` is the error text, ``param`` the request parameter."""

    def __init__(self, message: str, param: str = "query"):
        super().__init__(message)
        self.message = message
        self.param = param


@dataclass(frozen=True)
class Token:
    kind: str  # "word", "string", "op", or one of "[", "]", "(", ")"
    text: str  # a string token's text without quotes and escapes
    start: int
    end: int
    spaced: bool  # whitespace (or the start of the query) comes before it


@dataclass(frozen=True)
class Clause:
    """``[-]field[key] op value``. ``value`` is the text as written (unquoted, unescaped), None for null."""

    field: str
    op: str
    value: str | None
    negated: bool = False
    key: str | None = None  # metadata["key"]
    quoted: bool = True
    source: str = field(default="", compare=False)  # the clause as written, for messages

    @property
    def path(self) -> str:
        """The indexed field name: ``metadata.<key>`` for metadata, else the field."""
        return f"{METADATA}.{self.key}" if self.key is not None else self.field

    @property
    def number(self) -> float | None:
        text = (self.value or "").strip()
        return float(text) if _NUMBER.fullmatch(text) else None

    @property
    def literal(self) -> str | int | float | None:
        """The value as typed: a str when quoted, an int or float when an unquoted number, or None."""
        if self.value is None or self.quoted:
            return self.value
        return int(self.value) if self.value.lstrip("-").isdigit() else float(self.value)


@dataclass(frozen=True)
class Query:
    clauses: tuple[Clause, ...]
    joiner: str = "AND"  # "AND" or "OR"


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    i, n, spaced = 0, len(text), True
    while i < n:
        ch = text[i]
        if ch.isspace():
            spaced, i = True, i + 1
            continue
        start = i
        if ch in "'\"":
            value, i = _read_quoted(text, i)
            tokens.append(Token("string", value, start, i, spaced))
        elif ch in _PUNCTUATION:
            i += 1
            tokens.append(Token(ch, ch, start, i, spaced))
        elif op := next((op for op in _OPERATORS if text.startswith(op, i)), None):
            i += len(op)
            tokens.append(Token("op", op, start, i, spaced))
        else:
            while i < n and text[i] not in _WORD_STOP and not text[i].isspace():
                i += 1
            tokens.append(Token("word", text[start:i], start, i, spaced))
        spaced = False
    return tokens


def _read_quoted(text: str, i: int) -> tuple[str, int]:
    quote, out, i = text[i], [], i + 1
    while i < len(text):
        ch = text[i]
        if ch == "\\" and i + 1 < len(text):
            out.append(text[i + 1])
            i += 2
        elif ch == quote:
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise SearchQueryError(UNPARSEABLE)  # unterminated quote


def parse(text: str, kind: str) -> Query:
    """The query for resource ``kind`` ("payment_intent", "charge", "customer"), checked."""
    tokens = tokenize(text)
    if not tokens:
        raise SearchQueryError(UNPARSEABLE)
    clauses: list[Clause] = []
    joiners: set[str] = set()
    pos = 0
    while True:
        clause, pos = _clause(text, tokens, pos)
        clauses.append(clause)
        if pos == len(tokens):
            break
        if not tokens[pos].spaced:
            raise SearchQueryError(UNPARSEABLE)  # clauses are separated by whitespace
        word = tokens[pos].text.upper() if tokens[pos].kind == "word" else ""
        if word in ("AND", "OR"):
            joiners.add(word)
            pos += 1
            if pos == len(tokens) or not tokens[pos].spaced:
                raise SearchQueryError(UNPARSEABLE)
        else:
            joiners.add("AND")
    if len(joiners) > 1:
        raise SearchQueryError("Your search query combines clauses with both `AND` and `OR`. They are mutually "
                               "exclusive: use only one of them in a query.")
    if len(clauses) > MAX_CLAUSES:
        raise SearchQueryError(f"Your search query has {len(clauses)} clauses; this sandbox accepts at most "
                               f"{MAX_CLAUSES}.")
    for clause in clauses:
        check(clause, kind)
    return Query(tuple(clauses), joiners.pop() if joiners else "AND")


def _clause(text: str, tokens: list[Token], pos: int) -> tuple[Clause, int]:
    def at(i: int, kind: str) -> Token | None:
        return tokens[i] if i < len(tokens) and tokens[i].kind == kind else None

    head = at(pos, "word")
    if head is None:
        raise SearchQueryError(UNPARSEABLE)
    name, negated = (head.text[1:], True) if head.text.startswith("-") else (head.text, False)
    if not _FIELD_NAME.fullmatch(name):
        raise SearchQueryError(UNPARSEABLE)
    pos += 1
    key = None
    if (bracket := at(pos, "[")) is not None and not bracket.spaced:
        quoted_key, close = at(pos + 1, "string"), at(pos + 2, "]")
        if quoted_key is None or close is None or quoted_key.spaced or close.spaced:
            raise SearchQueryError(UNPARSEABLE)
        key, pos = quoted_key.text, pos + 3
    op = at(pos, "op")
    if op is None or op.text == "=":
        raise SearchQueryError(UNPARSEABLE)
    value_token = tokens[pos + 1] if pos + 1 < len(tokens) else None
    if value_token is None or value_token.kind not in ("string", "word"):
        raise SearchQueryError(UNPARSEABLE)
    source = text[head.start:value_token.end]
    if value_token.kind == "string":
        value, quoted = value_token.text, True
    elif value_token.text.lower() == "null":
        value, quoted = None, False
    elif _NUMBER.fullmatch(value_token.text):
        value, quoted = value_token.text, False
    else:
        raise SearchQueryError(f"Your search query has an unquoted string value `{value_token.text}` in "
                               f"`{source}`. String values must be quoted, e.g. "
                               f"{text[head.start:op.end]}\"{value_token.text}\".")
    return Clause(name, op.text, value, negated, key, quoted, source), pos + 2


def check(clause: Clause, kind: str) -> None:
    """Raise ``SearchQueryError`` unless ``clause`` is valid for resource ``kind``."""
    spec = FIELDS[kind].get(clause.field)
    if spec is None:
        resource = RESOURCES[kind]
        raise SearchQueryError(f"Field `{clause.field}` is an unsupported search field for resource `{resource}`. "
                               f"See http://stripe.com/docs/search#query-fields-for-{resource.replace('_', '-')} "
                               f"for a list of supported fields.")
    if (clause.key is None) != (spec.name != METADATA):
        if clause.key is None:
            raise SearchQueryError("Field `metadata` needs a key: use the format `metadata[\"key\"]:\"value\"`.")
        raise SearchQueryError(UNPARSEABLE)  # a [key] on a field other than metadata
    allowed = OPERATORS[spec.type]
    if clause.op not in allowed:
        names = [f"`{op}`" for op in allowed]
        choices = f"{', '.join(names[:-1])} or {names[-1]}" if len(names) > 1 else names[0]
        raise SearchQueryError(f"The `{clause.op}` operator is not supported for field `{clause.field}`, a "
                               f"{spec.type} field: use {choices}.")
    if clause.value is None:
        if clause.op != ":":
            raise SearchQueryError(f"`null` can only be used with `:` (a test of whether the field is set), "
                                   f"not in `{clause.source}`.")
    elif spec.type == NUMERIC and clause.number is None:
        raise SearchQueryError(f"Field `{clause.field}` is numeric: `{clause.source}` needs a number, e.g. "
                               f"{clause.field}>1000.")
    elif clause.op == "~" and len(normalize(clause.value)) < MIN_SUBSTRING:
        raise SearchQueryError(f"Substring matching (`~`) needs at least {MIN_SUBSTRING} characters, but "
                               f"`{clause.source}` has {len(normalize(clause.value))}.")
    if spec.accepts is not None:
        value = None if clause.value is None else token(clause.value)
        if value not in spec.accepts:
            names = [f'"{v}"' for v in spec.accepts if v is not None] + ["null"] * (None in spec.accepts)
            raise SearchQueryError(f"Field `{clause.field}` accepts only the values "
                                   f"{', '.join(names[:-1])} and {names[-1]}.")
