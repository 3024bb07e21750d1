"""Rebuilding the rollups of :mod:`lib.finance.store.rollups`: which days a partial rebuild must
cover (:func:`affected_days`), the SQL statements (create, delete, insert, the canceled fix) for
each engine, compiled once, and :func:`rebuild_rollups`, which runs them in one transaction, so a
reader sees either the old or the new rollups.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from functools import cache

import ibis
import ibis.backends.sql.compilers as compilers
import ibis.expr.types as ir
import sqlglot.expressions as sge

from lib.finance.store.queries import (
    CompiledQuery,
    fetch,
    param,
    render,
    table,
    to_sqlglot,
    with_placeholders,
)
from lib.finance.store.rollups import ROLLUP_TABLES, ROLLUPS, ROLLUPS_OF_TABLE, Scope, rollup_table, scoped

# ---------------------------------------------------------------------------------------------
# which days a rebuild must cover


def affected_days(scope: Scope) -> ir.Table:
    """The days whose rollup rows can change when the rows created on the scope's days change,
    with the rollup they are rows of (``rollup``, ``day``).

    A charge's brand, country and pay_status are dimensions of the rollup rows of its refunds,
    disputes, balance transactions and PaymentIntent, which may be dated other days; and a
    canceled PaymentIntent changes its charge's pay_status. So: the charges created on those days
    or belonging to a PaymentIntent created on them (with ``scope.since``: only those written --
    ``synced_at`` -- since then), and the days of every row linked to them."""
    def base(name: str) -> ir.Table:
        t = table(name).view()
        return scoped(t, Scope(accounts=scope.accounts))

    def on_days(t: ir.Table) -> ir.Table:
        t = scoped(t, Scope(days=True))
        if scope.since:
            t = t.filter(t.synced_at >= param("since", "timestamp"))
        if scope.fresh:  # rows created since then have no links older than this run's writes
            t = t.filter(t.created < param("fresh_from", "timestamp"))
        return t

    ch, pi = base("charges"), base("payment_intents")
    touched_pi = on_days(base("payment_intents"))
    via_pi = ch.semi_join(touched_pi, [ch.account == touched_pi.account, ch.payment_intent == touched_pi.id])
    keys = on_days(base("charges")).select("account", "id").union(via_pi.select("account", "id"))

    def linked(t: ir.Table, column: str) -> ir.Table:
        return t.semi_join(keys, [t.account == keys.account, t[column] == keys.id])

    refunds, disputes = linked(base("refunds"), "charge"), linked(base("disputes"), "charge")
    sources = keys.union(refunds.select("account", "id")).union(disputes.select("account", "id"))
    bt = base("balance_transactions")
    bts = bt.semi_join(sources, [bt.account == sources.account, bt.source == sources.id])
    parts = {"rollup_charges": linked(ch, "id"), "rollup_refunds": refunds, "rollup_disputes": disputes,
             "rollup_payment_intents": linked(pi, "latest_charge"), "rollup_balance": bts}
    out = None
    for rollup, t in parts.items():
        rows = t.select(rollup=ibis.literal(rollup), day=t.created.date())
        out = rows if out is None else out.union(rows)
    return out.distinct()


def canceled_charges(scope: Scope) -> ir.Table:
    """(account, id) of uncaptured charges of canceled PaymentIntents not yet marked 'canceled'."""
    c = scoped(table("charges"), scope)
    p = table("payment_intents")
    j = c.join(p, [c.account == p.account, c.payment_intent == p.id])
    return j.filter(p.status == "canceled", c.status == "succeeded", ~c.captured.fill_null(False),
                    c.pay_status.isnull() | (c.pay_status != "canceled")).select(account=c.account, id=c.id)


# ---------------------------------------------------------------------------------------------
# statements


def _quoted(name: str) -> str:
    return '"' + name + '"'


@cache
def create_sql(name: str, dialect: str) -> list[str]:
    """``CREATE TABLE IF NOT EXISTS`` for a rollup (and, on Postgres, its (account, day) index)."""
    compiler = getattr(compilers, dialect).compiler
    cols = ", ".join(f"{_quoted(c)} {compiler.type_mapper.from_ibis(t).sql(compiler.dialect)}"
                     for c, t in rollup_table(name).schema().items())
    out = [f"CREATE TABLE IF NOT EXISTS {name} ({cols})"]
    if dialect == "postgres":
        out.append(f"CREATE INDEX IF NOT EXISTS {name}_account_day_idx ON {name} (account, day)")
    return out


@cache
def delete_sql(name: str, dialect: str, scope: Scope) -> CompiledQuery:
    """``DELETE`` of a rollup's rows in the scope."""
    t = rollup_table(name)
    preds = []
    if scope.days:
        preds.append(param("days", "array<date>").contains(t.day))
    if scope.accounts:
        preds.append(param("accounts", "array<string>").contains(t.account))
    if not preds:
        return CompiledQuery(f"DELETE FROM {name}", ())
    where = to_sqlglot(t.filter(*preds), dialect).args["where"].this
    for column in where.find_all(sge.Column):
        column.set("table", None)
    return with_placeholders(render(sge.delete(name, where=where), dialect), dialect)


@cache
def insert_sql(name: str, dialect: str, scope: Scope) -> CompiledQuery:
    """``INSERT INTO`` a rollup of its query's rows in the scope."""
    expr = ROLLUPS[name](scope)
    cols = ", ".join(_quoted(c) for c in expr.schema().names)
    return with_placeholders(f"INSERT INTO {name} ({cols}) {render(to_sqlglot(expr, dialect), dialect)}", dialect)


@cache
def fix_canceled_sql(dialect: str, scope: Scope) -> CompiledQuery:
    """Charges of canceled PaymentIntents that were never captured are shown as 'canceled'."""
    keys = render(to_sqlglot(canceled_charges(scope), dialect), dialect)
    return with_placeholders(f"UPDATE charges SET pay_status = 'canceled' FROM ({keys}) AS fix "
                             "WHERE fix.account = charges.account AND fix.id = charges.id", dialect)


# ---------------------------------------------------------------------------------------------
# rebuild


def _columns(db) -> dict[str, list[str]]:
    """The columns of the rollup tables that exist, in order."""
    have: dict[str, list[str]] = {}
    for row in db.records(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            f"AND table_name IN ({', '.join(repr(n) for n in ROLLUP_TABLES)}) ORDER BY table_name, ordinal_position"):
        have.setdefault(row["table_name"], []).append(row["column_name"])
    return have


def _current(have: dict[str, list[str]], name: str) -> bool:
    return have.get(name) == list(rollup_table(name).schema().names)


def _ensure_tables(db) -> bool:
    """Create missing rollup tables; drop and recreate one whose columns are not the query's (a file
    from before a column was added: rollups are derived data). True when any was (re)created."""
    have = _columns(db)
    created = False
    for name in ROLLUP_TABLES:
        if _current(have, name):
            continue
        if name in have:
            db.execute(f"DROP TABLE {name}")
        for statement in create_sql(name, db.dialect):
            db.execute(statement)
        created = True
    return created


def rebuild_rollups(db, days: Iterable[date] | Mapping[str, Iterable[date]] | None = None,
                    accounts: Iterable[str] | None = None, *,
                    written_since: datetime | None = None,
                    fresh_from: datetime | None = None) -> set[date] | None:
    """Recompute the rollups from the base tables in one transaction (``db.transaction()``; do not
    call it inside an open one) and return the days rebuilt (``None``: all of them).

    * ``days=None``: every day (a full rebuild). Otherwise the UTC days (``date``) of the
      ``created`` of every object written since the last rebuild -- all of them: PaymentIntents,
      charges, refunds, disputes, balance transactions. The rebuild then also covers the days of
      the rows linked to those days' charges (their brand, country and status are dimensions of
      those rows, see :func:`affected_days`). An empty set rebuilds nothing.
    * ``accounts=None``: every account; else only the rows of these accounts.
    * ``written_since`` (optional, with ``days``): the rows were written (``synced_at``, UTC) at
      or after this time, nothing older changed. Then only the charges written since (and those of
      PaymentIntents written since) carry changes to other days, not every charge of those days:
      a sync that wrote one payment rebuilds about one day.
    * ``days`` may also be ``{synced table: days}`` (what a sync wrote, table by table). With
      ``written_since`` each rollup is then rebuilt only on the days of its own table's written
      rows and of the rows of it linked to a rewritten charge: a sync that wrote one new payment
      leaves the refund and dispute rollups alone. Without ``written_since`` the days are merged.
    * ``fresh_from`` (optional, with ``written_since``): every row created at or after this time
      (UTC) that the warehouse holds was written by this run, and so was every row linked to
      one. An incremental sync knows that: it reads every event since its cursor, so each object
      created after the cursor -- and each refund, dispute or balance transaction of it -- is
      fetched again in this run (balance transactions come embedded in them). Then only the
      written charges and PaymentIntents created before ``fresh_from`` can have linked rows on
      other days; for a sync that wrote only new payments the search for linked days scans
      nothing (on DuckDB, with no index for those joins, it was the largest part of the rebuild).

    A missing (or outdated) rollup table is created and then everything is rebuilt, whatever
    ``days`` says. ``db`` is a :class:`~lib.finance.store.warehouse.Warehouse` (``dialect``,
    ``execute``, ``df``, ``table_names``, ``transaction``)."""
    written: dict[str, set[date]] | None = None
    if isinstance(days, Mapping):
        written = {t: {_as_date(d) for d in ds} for t, ds in days.items()}
        days = set().union(*written.values()) if written else set()
    day_set = None if days is None else {_as_date(d) for d in days}
    account_list = None if accounts is None else sorted(set(accounts))
    with db.transaction():
        if _ensure_tables(db):
            day_set, account_list = None, None
        if day_set is not None and not day_set:
            return set()
        values: dict = {"accounts": account_list}
        if day_set is not None:
            since = written_since is not None
            scope = Scope(days=True, accounts=account_list is not None, since=since,
                          fresh=since and fresh_from is not None)
            linked = fetch(db, affected_days, scope,
                           _day_values(day_set) | values | {"since": written_since, "fresh_from": fresh_from})
            rollup_days = _days_per_rollup(day_set, written if since else None,
                                           zip(linked["rollup"], linked["day"].dt.date))
            day_set = set().union(*rollup_days.values())
        else:
            rollup_days = {name: None for name in ROLLUP_TABLES}
        scope = Scope(days=day_set is not None, accounts=account_list is not None)
        if day_set is not None:
            values |= _day_values(day_set)
        fix = fix_canceled_sql(db.dialect, scope)
        db.execute(fix.sql, fix.bind(values))
        for name in ROLLUP_TABLES:
            mine = rollup_days[name]
            if mine is not None and not mine:
                continue  # nothing of this rollup changed
            bound = values if mine is None else values | _day_values(mine)
            for q in (delete_sql(name, db.dialect, scope), insert_sql(name, db.dialect, scope)):
                db.execute(q.sql, q.bind(bound))
    return day_set


def _as_date(d: date | datetime) -> date:
    return d.date() if isinstance(d, datetime) else d


def _days_per_rollup(days: set[date], written: dict[str, set[date]] | None,
                     linked: Iterable[tuple[str, date]]) -> dict[str, set[date]]:
    """Each rollup's days to rebuild: with ``written`` ({synced table: days}), its own table's
    written days plus its linked days; without, every day (written and linked) for every rollup."""
    found: dict[str, set[date]] = {}
    for rollup, day in linked:
        found.setdefault(rollup, set()).add(day)
    if written is None:
        every = days.union(*found.values())
        return {name: every for name in ROLLUP_TABLES}
    out = {name: set(found.get(name, ())) for name in ROLLUP_TABLES}
    out["rollup_open_disputes"] |= found.get("rollup_disputes", set())
    for table_name, table_days in written.items():
        for name in ROLLUPS_OF_TABLE.get(table_name, ()):
            out[name] |= table_days
    return out


def _day_values(days: set[date]) -> dict:
    ordered = sorted(days)
    return {"days": ordered, "lo": datetime.combine(ordered[0], datetime.min.time()),
            "hi": datetime.combine(ordered[-1] + timedelta(days=1), datetime.min.time())}


def rollups_exist(db) -> bool:
    """Whether every rollup table exists with the columns of its query (``False`` for rollups made
    by an older version: the next rebuild recreates them)."""
    have = _columns(db)
    return all(_current(have, name) for name in ROLLUP_TABLES)
