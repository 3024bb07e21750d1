"""What the dashboard shows before any metric: whether there is data, the filter choices present
in it, and the sync's status (last run, rows per table, per-resource errors)."""

from __future__ import annotations

from lib.finance.store import PAY_STATUSES, TABLES, Reader


def has_data(db: Reader) -> bool:
    """Whether the rollups the dashboard reads exist (a sync has finished at least once)."""
    return "rollup_charges" in db.table_names()


def filter_options(db: Reader) -> dict:
    """Values present in the data for the filter widgets, and the date span of the payments."""
    out: dict = {"currencies": [], "brands": [], "countries": [], "statuses": [], "first_day": None,
                 "last_day": None}
    if not has_data(db):
        return out
    row = db.row("""
        SELECT list(DISTINCT currency ORDER BY currency), list(DISTINCT brand ORDER BY brand),
               list(DISTINCT country ORDER BY country), list(DISTINCT pay_status ORDER BY pay_status),
               min(day), max(day)
        FROM rollup_charges""")
    out.update(currencies=row[0] or [], brands=row[1] or [], countries=row[2] or [],
               statuses=[s for s in PAY_STATUSES if s in (row[3] or [])], first_day=row[4],
               last_day=row[5])
    return out


def sync_status(db: Reader) -> dict:
    """Last sync run (time, mode, status, message), rows per table and per-resource errors."""
    names = db.table_names()
    out: dict = {"last_run": db.latest_run(), "resources": []}
    if "sync_state" in names:
        out["resources"] = db.df(
            "SELECT resource, phase, last_fetched, last_sync_at, last_success_at, last_error "
            "FROM sync_state ORDER BY resource").to_dict("records")
    out["counts"] = {t: db.count_rows(t) for t in TABLES if t in names}
    return out
