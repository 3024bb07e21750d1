"""Daily rollup tables: the dashboard's KPIs and charts read these (only the payments table reads
``charges`` itself). Written once with Ibis (:mod:`lib.finance.store.queries`), run on DuckDB and
Postgres.

Every rollup is keyed by ``account``, UTC ``day`` plus the filter dimensions (presentment
``currency``, card ``brand``, card ``country``, the charge's ``pay_status``) so any filter
combination is a plain ``WHERE`` on a small table. Amounts are ``BIGINT`` minor units, never summed
across currencies (currency is part of every key). Dimension values that do not apply (a non-card
payment has no brand; a PaymentIntent without a charge has no pay_status) are stored as
``'(none)'``.

What the rollups are (their Ibis queries, :data:`ROLLUP_TABLES`, :func:`rollup_table`) lives here;
how they are rebuilt -- every day or only some days and accounts, in one transaction, so a reader
sees either the old or the new rollups -- in :mod:`lib.finance.store.rollup_rebuild`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import ibis
import ibis.expr.types as ir
from ibis import _

from lib.finance.store.queries import param, table

NONE = "(none)"
OPEN_DISPUTE_STATUSES = ("needs_response", "warning_needs_response", "appeal_needs_response")
ATTEMPTED_PI_STATUSES = ("requires_action", "processing", "requires_capture", "succeeded")


@dataclass(frozen=True)
class Scope:
    """Which rows a rebuild covers: only the ``days`` given (else all) and only the ``accounts``
    given (else all). The values are the parameters ``days``/``lo``/``hi`` and ``accounts``.
    ``since`` (parameter ``since``) narrows :func:`affected_days` to the rows written since then."""
    days: bool = False
    accounts: bool = False
    since: bool = False
    fresh: bool = False  # with ``since``: parameter ``fresh_from`` (see rebuild_rollups)


ALL = Scope()


def scoped(t: ir.Table, scope: Scope) -> ir.Table:
    """A base table's rows created on the scope's days (``lo``/``hi`` bound the range, so Postgres
    uses its (account, created) index), of its accounts."""
    preds = []
    if scope.days:
        preds += [t.created >= param("lo", "timestamp"), t.created < param("hi", "timestamp"),
                  param("days", "array<date>").contains(t.created.date())]
    if scope.accounts:
        preds.append(param("accounts", "array<string>").contains(t.account))
    return t.filter(*preds) if preds else t


def _dims(c: ir.Table) -> dict[str, ir.Value]:
    return {"brand": c.card_brand.fill_null(NONE), "country": c.card_country.fill_null(NONE),
            "pay_status": c.pay_status.fill_null(NONE)}


def _joined(fact: ir.Table, charge_column: str) -> tuple[ir.Table, ir.Table]:
    """``fact`` left-joined to its charge by (account, id); returns (join, charges)."""
    c = table("charges").view()
    return fact.left_join(c, [fact.account == c.account, fact[charge_column] == c.id]), c


def rollup_charges(scope: Scope) -> ir.Table:
    c = scoped(table("charges"), scope)
    return c.group_by(account=c.account, day=c.created.date(), currency=c.currency, **_dims(c),
                      status=c.status, outcome_type=c.outcome_type, decline_code=c.decline_code).aggregate(
        n=_.count(), amount=c.amount.sum(), amount_captured=c.amount_captured.fill_null(0).sum(),
        amount_refunded=c.amount_refunded.fill_null(0).sum(), n_refunded=c.id.count(where=c.amount_refunded > 0))


def rollup_refunds(scope: Scope) -> ir.Table:
    r = scoped(table("refunds"), scope)
    j, c = _joined(r, "charge")
    rows = j.select(account=r.account, day=r.created.date(), currency=r.currency, **_dims(c), status=r.status,
                    reason=r.reason.fill_null(NONE), amount=r.amount)
    return rows.group_by("account", "day", "currency", "brand", "country", "pay_status", "status", "reason") \
        .aggregate(n=_.count(), amount=_.amount.sum())


def rollup_disputes(scope: Scope) -> ir.Table:
    d = scoped(table("disputes"), scope)
    j, c = _joined(d, "charge")
    rows = j.select(account=d.account, day=d.created.date(), currency=d.currency, **_dims(c), status=d.status,
                    reason=d.reason.fill_null(NONE), is_inquiry=d.status.startswith("warning_"), amount=d.amount)
    return rows.group_by("account", "day", "currency", "brand", "country", "pay_status", "status", "reason",
                         "is_inquiry").aggregate(n=_.count(), amount=_.amount.sum())


def rollup_balance(scope: Scope) -> ir.Table:
    """Balance transactions: ``currency`` is the settlement currency, ``pcurrency`` the presentment
    currency of the related charge (the currency filter applies to it), else the BT currency."""
    b = scoped(table("balance_transactions"), scope)
    r = table("refunds").select("account", "id", "charge")
    d = table("disputes").select("account", "id", "charge")
    # the source is the charge itself, or a refund or dispute of it (ids never collide across types)
    linked = b.left_join(r, [b.account == r.account, b.source == r.id]) \
        .left_join(d, [b.account == d.account, b.source == d.id]) \
        .select(account=b.account, created=b.created, currency=b.currency, type=b.type,
                reporting_category=b.reporting_category, amount=b.amount, fee=b.fee, net=b.net,
                charge_id=ibis.coalesce(r.charge, d.charge, b.source))
    linked = linked.view()
    j, c = _joined(linked, "charge_id")
    rows = j.select(account=linked.account, day=linked.created.date(), currency=linked.currency,
                    pcurrency=ibis.coalesce(c.currency, linked.currency), **_dims(c),
                    reporting_category=ibis.coalesce(linked.reporting_category, linked.type, ibis.literal(NONE)),
                    amount=linked.amount, fee=linked.fee.fill_null(0), net=linked.net)
    return rows.group_by("account", "day", "currency", "pcurrency", "brand", "country", "pay_status",
                         "reporting_category").aggregate(n=_.count(), amount=_.amount.sum(), fee=_.fee.sum(),
                                                         net=_.net.sum())


def rollup_payment_intents(scope: Scope) -> ir.Table:
    p = scoped(table("payment_intents"), scope)
    j, c = _joined(p, "latest_charge")
    rows = j.select(account=p.account, day=p.created.date(), currency=p.currency, **_dims(c), status=p.status,
                    attempted=p.latest_charge.notnull() | p.status.isin(ATTEMPTED_PI_STATUSES), amount=p.amount)
    return rows.group_by("account", "day", "currency", "brand", "country", "pay_status", "status", "attempted") \
        .aggregate(n=_.count(), amount=_.amount.sum())


def rollup_open_disputes(scope: Scope) -> ir.Table:
    """Disputes waiting for a response (a handful of rows), with the charge's brand and country."""
    d = scoped(table("disputes"), scope)
    d = d.filter(d.status.isin(OPEN_DISPUTE_STATUSES))
    j, c = _joined(d, "charge")
    return j.select(account=d.account, day=d.created.date(), id=d.id, charge=d.charge,
                    payment_intent=d.payment_intent, amount=d.amount, currency=d.currency, status=d.status,
                    reason=d.reason, created=d.created, evidence_due_by=d.evidence_due_by,
                    evidence_has_evidence=d.evidence_has_evidence,
                    evidence_submission_count=d.evidence_submission_count, **_dims(c))


ROLLUPS = {f.__name__: f for f in (rollup_charges, rollup_refunds, rollup_disputes, rollup_balance,
                                   rollup_payment_intents, rollup_open_disputes)}
ROLLUP_TABLES = tuple(ROLLUPS)
# Which rollups hold rows of each synced table (customers are in none).
ROLLUPS_OF_TABLE = {"charges": ("rollup_charges",), "refunds": ("rollup_refunds",),
                    "disputes": ("rollup_disputes", "rollup_open_disputes"),
                    "balance_transactions": ("rollup_balance",), "payment_intents": ("rollup_payment_intents",)}


@cache
def rollup_table(name: str) -> ir.Table:
    """The unbound Ibis table of a rollup (its columns are those of the rollup's query)."""
    return ibis.table(ROLLUPS[name](ALL).schema(), name=name)
