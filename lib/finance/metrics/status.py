"""What the dashboard shows before any metric: whether there is data, the filter choices present
in it, the sync's status (last run, rows per table, per-resource errors) and whether the data is
as new as the account's (:func:`data_freshness`)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import ibis.expr.types as ir
import pandas as pd

from lib.finance.store import PAY_STATUSES, TABLES, Reader
from lib.finance.store.queries import fetch, param, table
from lib.finance.store.rollup_rebuild import rollups_exist
from lib.finance.store.rollups import rollup_table

# sync_state column (Unix seconds, on the 'payment_intents' row of each account) holding the
# newest PaymentIntent ``created`` the API reported at the last sync.
ACCOUNT_NEWEST_COLUMN = "account_newest"


def has_data(db: Reader) -> bool:
    """Whether the rollups the dashboard reads exist, as this version builds them (a sync has
    finished at least once since)."""
    return rollups_exist(db)


def _options(_shape: None) -> ir.Table:
    t = rollup_table("rollup_charges")
    return t.aggregate(**{name: t[column].collect(distinct=True, order_by=t[column]) for name, column in (
        ("currencies", "currency"), ("brands", "brand"), ("countries", "country"), ("statuses", "pay_status"),
        ("accounts", "account"))}, first_day=t.day.min(), last_day=t.day.max())


def _day(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def filter_options(db: Reader) -> dict:
    """Values present in the data for the filter widgets (``accounts`` too), and the date span of
    the payments."""
    out: dict = {"currencies": [], "brands": [], "countries": [], "statuses": [], "accounts": [],
                 "first_day": None, "last_day": None}
    if not has_data(db):
        return out
    row = fetch(db, _options).iloc[0]

    def values(name: str) -> list:
        v = row[name]
        return [] if v is None or (not hasattr(v, "__len__") and pd.isna(v)) else [str(x) for x in v]

    out.update(currencies=values("currencies"), brands=values("brands"), countries=values("countries"),
               statuses=[s for s in PAY_STATUSES if s in values("statuses")], accounts=values("accounts"),
               first_day=_day(row["first_day"]), last_day=_day(row["last_day"]))
    return out


def sync_status(db: Reader) -> dict:
    """Last sync run (time, mode, status, message), rows per table and per-resource errors."""
    names = db.table_names()
    out: dict = {"last_run": db.latest_run(), "resources": []}
    if "sync_state" in names:
        out["resources"] = db.df(
            "SELECT resource, phase, last_fetched, last_sync_at, last_success_at, last_error "
            "FROM sync_state ORDER BY resource").to_dict("records")
    out["counts"] = row_counts(db, names)
    return out


def row_counts(db: Reader, names: set[str] | None = None) -> dict[str, int]:
    """Rows per warehouse table, for the status line. Counted where that is cheap (DuckDB keeps
    the count: ``db.cheap_counts``); on Postgres, where ``count(*)`` reads every row at each page
    run, the sum over accounts of each account's newest sync run's ``counts`` (every run records
    its account's rows per table after it). Tables no run has counted are left out there."""
    names = db.table_names() if names is None else names
    if db.cheap_counts:
        return {t: db.count_rows(t) for t in TABLES if t in names}
    if "sync_runs" not in names:
        return {}
    total: dict[str, int] = {}
    for r in db.records("SELECT counts FROM sync_runs r WHERE run_id = "
                        "(SELECT max(run_id) FROM sync_runs s WHERE s.account = r.account)"):
        for t, n in json.loads(r["counts"] or "{}").items():
            total[t] = total.get(t, 0) + int(n)
    return {t: total[t] for t in TABLES if t in total}


def account_newest(db: Reader, account: str | None = None) -> datetime | None:
    """The newest PaymentIntent ``created`` the API reported at the last sync (of ``account``, or
    the newest over all accounts), from ``sync_state``; ``None`` when the sync has not stored it."""
    if "sync_state" not in db.table_names():
        return None
    rows = db.records("SELECT * FROM sync_state WHERE resource = 'payment_intents'")
    seconds = [r[ACCOUNT_NEWEST_COLUMN] for r in rows if r.get(ACCOUNT_NEWEST_COLUMN) is not None
               and (account is None or r.get("account", account) == account)]
    return datetime.fromtimestamp(max(seconds), UTC).replace(tzinfo=None) if seconds else None


def _newest_payment(has_account: bool) -> ir.Table:
    t = table("payment_intents")
    if has_account:
        t = t.filter(t.account == param("account"))
    return t.aggregate(newest=t.created.max())


def data_freshness(db: Reader, newest_in_account: datetime | None, account: str | None = None) -> dict:
    """The newest PaymentIntent in the warehouse (``synced_up_to``, of ``account`` or of all) against
    the account's newest (``newest_in_account``, e.g. :func:`account_newest`). ``stale`` when the
    account has a newer one than the warehouse holds; never when the account's newest is unknown."""
    newest = fetch(db, _newest_payment, account is not None, {"account": account})["newest"].iloc[0] \
        if "payment_intents" in db.table_names() else None
    synced = None if newest is None or pd.isna(newest) else pd.Timestamp(newest).to_pydatetime()
    stale = newest_in_account is not None and (synced is None or synced < newest_in_account)
    return {"synced_up_to": synced, "account_newest": newest_in_account, "stale": stale}


def warehouse_freshness(db: Reader) -> dict:
    """:func:`data_freshness` account by account (each account's warehouse rows against the newest
    PaymentIntent its own sync saw in the API), so one account being behind is not hidden by
    another's newer payments: the first stale account's result, else the whole warehouse's. The
    result's ``account`` names the stale account (``None`` when nothing is stale)."""
    if "sync_state" in db.table_names():
        for r in db.records("SELECT * FROM sync_state WHERE resource = 'payment_intents' ORDER BY account"):
            if r.get(ACCOUNT_NEWEST_COLUMN) is None:
                continue
            newest = datetime.fromtimestamp(int(r[ACCOUNT_NEWEST_COLUMN]), UTC).replace(tzinfo=None)
            fresh = data_freshness(db, newest, r.get("account", ""))
            if fresh["stale"]:
                return {**fresh, "account": r.get("account", "")}
    return {**data_freshness(db, account_newest(db)), "account": None}
