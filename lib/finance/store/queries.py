"""Queries written once with Ibis and run on any warehouse engine (DuckDB, Postgres).

A query is a *builder*: a module-level function of a hashable *shape* (which filters are present,
how many values each has, the granularity) returning an Ibis expression over the unbound tables of
:func:`table`. Values are never written into the SQL: :func:`param` puts a named bind parameter in
the expression. :func:`compiled` turns (builder, dialect, shape) into SQL with the engine's
placeholders once and caches it (building and compiling an Ibis query takes tens of ms; running the
cached SQL skips that). :func:`fetch` runs it through a reader (``db.dialect``, ``db.df``) with the
values bound, and gives every engine's result the same pandas dtypes (those of the expression's
schema).

The engine-specific part is here and only here: the SQL dialect Ibis compiles to. Placeholders are
``?`` on every engine (:data:`PLACEHOLDERS`; the Postgres warehouse turns them into psycopg's
``%s``, see :mod:`lib.finance.store.warehouse`). Every
``SUM`` is compiled as ``CAST(SUM(...) AS BIGINT)``: the finance queries only sum integer minor
units and counts, and both engines would otherwise widen the type (DuckDB ``HUGEINT``, Postgres
``NUMERIC``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Any

import ibis
import ibis.backends.sql.compilers as compilers
import ibis.expr.types as ir
import pandas as pd
import sqlglot.expressions as sge

from lib.finance.store.schema import TABLES

DIALECTS = ("duckdb", "postgres")
PLACEHOLDERS = {"duckdb": "?", "postgres": "?"}
_IBIS_TYPES = {"VARCHAR": "string", "BIGINT": "int64", "INTEGER": "int32", "BOOLEAN": "boolean",
               "DOUBLE": "float64", "TIMESTAMP": "timestamp"}
_SENTINEL = re.compile(r"'__pfl_([a-z0-9]+(?:_[a-z0-9]+)*)__'")

Builder = Callable[[Any], ir.Table]


def table(name: str) -> ir.Table:
    """The unbound Ibis table of a warehouse table (:data:`lib.finance.store.schema.TABLES`)."""
    return _base_table(name)


@cache
def _base_table(name: str) -> ir.Table:
    spec = TABLES[name]
    return ibis.table({c.name: _IBIS_TYPES[c.sql_type] for c in spec.columns}, name=name)


def param(name: str, dtype: str = "string") -> ir.Value:
    """A bind parameter called ``name`` (lowercase letters, digits, single underscores) of Ibis type
    ``dtype``; its value is given to :func:`fetch` (``values[name]``)."""
    if not re.fullmatch(r"[a-z0-9]+(?:_[a-z0-9]+)*", name):
        raise ValueError(f"bad parameter name {name!r}")
    return ibis.literal(f"__pfl_{name}__").cast(dtype)


@dataclass(frozen=True)
class CompiledQuery:
    """SQL for one engine, the parameter name of each placeholder in order, and the result schema."""
    sql: str
    names: tuple[str, ...]
    schema: ibis.Schema | None = None

    def bind(self, values: Mapping[str, Any]) -> list[Any]:
        return [values[n] for n in self.names]


def to_sqlglot(expr: ir.Expr, dialect: str) -> sge.Expression:
    """The expression as a sqlglot tree for ``dialect``, every ``SUM`` cast to ``BIGINT``."""
    tree = getattr(compilers, dialect).compiler.to_sqlglot(expr.unbind())
    for node in reversed(list(tree.find_all(sge.Sum, bfs=True))):  # innermost first
        outer = node
        while isinstance(outer.parent, sge.Filter | sge.Window) and outer.parent.this is outer:
            outer = outer.parent
        outer.replace(sge.Cast(this=outer.copy(), to=sge.DataType.build("BIGINT")))
    if dialect == "postgres":
        _membership_as_any(tree)
    return tree


def _membership_as_any(tree: sge.Expression) -> None:
    """On Postgres, ``array @> ARRAY[x]`` (Ibis's ``array.contains(x)``) becomes ``x = ANY(array)``:
    the same test, but the planner estimates ``= ANY`` from the column's statistics, while it
    gives ``@>`` a fixed tiny selectivity. With two such filters (days, accounts) it expected one
    balance transaction for a day of 4,000 and chose a nested loop over the disputes table: the
    one-day rollup of balance transactions took 1.8 s at 1M payments instead of milliseconds."""
    for node in list(tree.find_all(sge.ArrayContainsAll)):
        items = node.expression
        if isinstance(items, sge.Array) and len(items.expressions) == 1:
            node.replace(sge.EQ(this=items.expressions[0].copy(), expression=sge.Any(this=sge.Paren(this=node.this.copy()))))


def render(tree: sge.Expression, dialect: str) -> str:
    """A sqlglot tree as SQL text in ``dialect`` (parameters still as sentinels)."""
    return tree.sql(dialect=getattr(compilers, dialect).compiler.dialect)


def with_placeholders(sql: str, dialect: str, schema: ibis.Schema | None = None) -> CompiledQuery:
    """Replace the :func:`param` sentinels in ``sql`` by the engine's placeholders."""
    names = tuple(_SENTINEL.findall(sql))
    return CompiledQuery(_SENTINEL.sub(PLACEHOLDERS[dialect], sql), names, schema)


def compile_expr(expr: ir.Table, dialect: str) -> CompiledQuery:
    """Compile one expression for ``dialect`` (uncached; see :func:`compiled`)."""
    return with_placeholders(render(to_sqlglot(expr, dialect), dialect), dialect, expr.schema())


@lru_cache(maxsize=1024)
def compiled(build: Builder, dialect: str, shape: Hashable = None) -> CompiledQuery:
    """``build(shape)`` compiled for ``dialect``, once per (builder, dialect, shape)."""
    if dialect not in PLACEHOLDERS:
        raise ValueError(f"unknown SQL dialect {dialect!r}")
    return compile_expr(build(shape), dialect)


def fetch(db, build: Builder, shape: Hashable = None, values: Mapping[str, Any] | None = None, *,
          suffix: str = "", suffix_values: Sequence[Any] = ()) -> pd.DataFrame:
    """Run the cached SQL of ``build(shape)`` on ``db`` with ``values`` bound; the result has the
    expression's dtypes. ``suffix`` is SQL appended verbatim (``LIMIT``/``OFFSET``) whose
    placeholders are written as ``{}`` and bound to ``suffix_values``."""
    q = compiled(build, db.dialect, shape)
    sql = q.sql + (" " + suffix.format(*[PLACEHOLDERS[db.dialect]] * len(suffix_values)) if suffix else "")
    return conform(db.df(sql, [*q.bind(values or {}), *suffix_values]), q.schema)


def conform(df: pd.DataFrame, schema: ibis.Schema) -> pd.DataFrame:
    """Give a result the pandas dtypes of ``schema`` whichever engine produced it: integers
    ``int64`` (``Int64`` with nulls), floats ``float64``, booleans ``bool`` (``boolean`` with
    nulls), dates and timestamps ``datetime64[us]``, strings ``str``; other types as they came."""
    out = {}
    for name, dtype in schema.items():
        col = df[name]
        if dtype.is_integer():
            if col.dtype == object:
                col = col.map(lambda v: None if v is None else int(v))
            col = col.astype("Int64") if col.isna().any() else col.astype("int64")
        elif dtype.is_floating() or dtype.is_decimal():
            col = pd.to_numeric(col.map(lambda v: None if v is None else float(v))
                                if col.dtype == object else col).astype("float64")
        elif dtype.is_boolean():
            col = col.astype("boolean") if col.isna().any() else col.astype(bool)
        elif dtype.is_date() or dtype.is_timestamp():
            col = pd.to_datetime(col).astype("datetime64[us]")
        elif dtype.is_string():
            col = col.astype("str")
        out[name] = col
    return pd.DataFrame(out, index=pd.RangeIndex(len(df)))
