"""Rollups (lib.finance.store.rollups) on DuckDB: rebuilding only the days a sync touched gives the
same tables as a full rebuild, accounts are kept apart, and a file from before the account column
still works. The reference is always a full rebuild of the same base rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import duckdb
import pandas as pd
import pytest

from lib.finance import metrics as m
from lib.finance.store import TABLES, DuckDBWarehouse, ensure_schema, insert_objects, rebuild_rollups
from lib.finance.store.rollups import ROLLUP_TABLES
from lib.finance.synthetic import generate

END = date(2025, 6, 30)


def snapshot(db: DuckDBWarehouse) -> dict[str, pd.DataFrame]:
    """Every rollup table, rows in a fixed order."""
    out = {}
    for name in ROLLUP_TABLES:
        df = db.df(f"SELECT * FROM {name}")
        out[name] = df.sort_values(list(df.columns)).reset_index(drop=True)
    return out


def assert_same_rollups(got: dict[str, pd.DataFrame], want: dict[str, pd.DataFrame]) -> None:
    for name in ROLLUP_TABLES:
        pd.testing.assert_frame_equal(got[name], want[name], obj=name)


def ts(d: date, hour: int = 12) -> int:
    return int(datetime(d.year, d.month, d.day, hour, tzinfo=UTC).timestamp())


def day_of(db: DuckDBWarehouse, table: str, object_id: str, account: str = "") -> date:
    return db.row(f"SELECT CAST(created AS DATE) FROM {table} WHERE id = ? AND account = ?", [object_id, account])[0]


@pytest.fixture
def two_accounts():
    con = duckdb.connect()
    generate(con, 1500, end=END, days=60, seed=5)
    generate(con, 1000, end=END, days=60, seed=6, account="acct_b")
    db = DuckDBWarehouse(con)
    yield db
    con.close()


def test_rebuilding_the_touched_days_equals_a_full_rebuild(two_accounts):
    db = two_accounts
    # a refunded charge (refund dated days later) that is now disputed: the refund's rollup row
    # carries the charge's pay_status, on a day the sync did not touch
    ch, refund_day = db.row("""SELECT c.id, CAST(r.created AS DATE) FROM charges c JOIN refunds r
        ON r.charge = c.id AND r.account = c.account WHERE c.account = '' AND c.pay_status = 'partially_refunded'
        AND CAST(r.created AS DATE) <> CAST(c.created AS DATE) ORDER BY c.id LIMIT 1""")
    charge_day = day_of(db, "charges", ch)
    dispute_day = END - timedelta(days=1)
    db.execute("UPDATE charges SET disputed = true, pay_status = 'disputed' WHERE id = ? AND account = ''", [ch])
    insert_objects(db.con, "disputes", [{"id": "du_new", "created": ts(dispute_day), "amount": 100, "currency": "usd",
                                         "status": "needs_response", "reason": "fraudulent", "charge": ch,
                                         "evidence_details": {"due_by": ts(dispute_day + timedelta(days=8))}}])
    touched = {charge_day, dispute_day}
    rebuilt = db.rebuild_rollups(touched)
    assert rebuilt >= touched | {refund_day}
    assert len(rebuilt) < 60  # not everything
    partial = snapshot(db)
    assert db.rebuild_rollups() is None
    assert_same_rollups(partial, snapshot(db))


def test_canceling_a_payment_intent_updates_its_charge_dated_the_next_day(two_accounts):
    db = two_accounts
    pi_day, charge_day = date(2025, 6, 10), date(2025, 6, 11)
    insert_objects(db.con, "charges", [{"id": "ch_late", "created": ts(charge_day, 0), "amount": 500,
                                        "currency": "usd", "status": "succeeded", "captured": False,
                                        "payment_intent": "pi_late",
                                        "payment_method_details": {"card": {"brand": "visa", "country": "US"}}}])
    db.rebuild_rollups({charge_day})
    insert_objects(db.con, "payment_intents", [{"id": "pi_late", "created": ts(pi_day, 23), "amount": 500,
                                                "currency": "usd", "status": "canceled", "latest_charge": "ch_late"}])
    assert charge_day in db.rebuild_rollups({pi_day})  # only the PaymentIntent was written
    assert db.row("SELECT pay_status FROM charges WHERE id = 'ch_late'")[0] == "canceled"
    canceled = m.payment_kpis(db, m.Filters(charge_day, charge_day, statuses=("canceled",), account=""))
    partial = snapshot(db)
    db.rebuild_rollups()
    assert_same_rollups(partial, snapshot(db))
    assert m.count_payments(db, m.Filters(charge_day, charge_day, statuses=("canceled",), account="")) >= 1
    assert canceled.successful_payments.sum() == 0  # canceled is not a captured status


def test_a_new_payment_and_its_day_only(two_accounts):
    db = two_accounts
    before = snapshot(db)
    day = date(2025, 6, 20)
    insert_objects(db.con, "payment_intents", [{"id": "pi_x", "created": ts(day), "amount": 700, "currency": "usd",
                                                "status": "succeeded", "latest_charge": "ch_x"}])
    insert_objects(db.con, "charges", [{"id": "ch_x", "created": ts(day), "amount": 700, "amount_captured": 700,
                                        "currency": "usd", "status": "succeeded", "captured": True,
                                        "payment_intent": "pi_x", "balance_transaction": "txn_x"}])
    insert_objects(db.con, "balance_transactions", [{"id": "txn_x", "created": ts(day), "amount": 700, "fee": 50,
                                                     "net": 650, "currency": "usd", "type": "charge",
                                                     "reporting_category": "charge", "source": "ch_x"}])
    db.rebuild_rollups({day}, accounts=[""])
    after = snapshot(db)
    got = after["rollup_charges"]
    mine = got[(got.day == pd.Timestamp(day)) & (got.brand == "(none)") & (got.account == "")]
    assert mine.n.tolist() == [1] and mine.amount_captured.tolist() == [700]
    other = after["rollup_charges"][after["rollup_charges"].account == "acct_b"].reset_index(drop=True)
    pd.testing.assert_frame_equal(other, before["rollup_charges"][before["rollup_charges"].account == "acct_b"]
                                  .reset_index(drop=True))
    db.rebuild_rollups()
    assert_same_rollups(after, snapshot(db))


def test_an_empty_set_of_days_rebuilds_nothing(two_accounts):
    db = two_accounts
    before = snapshot(db)
    db.execute("UPDATE charges SET amount_captured = 0")  # not announced: must not show up
    assert db.rebuild_rollups(set()) == set()
    assert_same_rollups(snapshot(db), before)


def test_rows_of_two_accounts_with_the_same_ids_stay_apart(two_accounts):
    db = two_accounts
    # the same seed-independent ids exist in both accounts
    assert db.row("SELECT count(*) FROM charges a JOIN charges b ON a.id = b.id AND a.account = '' "
                  "AND b.account = 'acct_b'")[0] > 500
    alone = duckdb.connect()
    generate(alone, 1000, end=END, days=60, seed=6, account="acct_b")
    f = m.Filters(END - timedelta(days=59), END)
    scoped = m.compute_dashboard(db, m.Filters(f.start, f.end, account="acct_b"), now=datetime(2025, 6, 15))
    single = m.compute_dashboard(DuckDBWarehouse(alone), f, now=datetime(2025, 6, 15))
    for name in ("ledger", "payments", "volume", "declines", "by_brand", "funnel", "fees_net", "open_disputes"):
        pd.testing.assert_frame_equal(getattr(scoped, name), getattr(single, name), obj=name)
    both = m.payment_totals(db, f)
    other = m.payment_totals(db, m.Filters(f.start, f.end, account=""))
    assert both["successful_payments"] == other["successful_payments"] + single.totals["successful_payments"]
    assert m.count_payments(db, m.Filters(f.start, f.end, account="acct_b")) == m.count_payments(
        DuckDBWarehouse(alone), f) == alone.execute("SELECT count(*) FROM charges").fetchone()[0]
    assert m.filter_options(db)["accounts"] == ["", "acct_b"]


def test_a_file_from_before_the_account_column_is_upgraded():
    con = duckdb.connect()
    old = TABLES["charges"]
    cols = ", ".join(f"{c.name} {c.sql_type}" for c in old.columns if c.name != "account")
    con.execute(f"CREATE TABLE charges ({cols}, PRIMARY KEY (id))")
    con.execute("INSERT INTO charges (id, created, amount, amount_captured, currency, status, pay_status) VALUES "
                "('ch_old', TIMESTAMP '2025-03-01 10:00', 1000, 1000, 'usd', 'succeeded', 'succeeded')")
    con.execute("CREATE TABLE rollup_charges AS SELECT DATE '2025-03-01' AS day, 1 AS n")  # old columns
    db = DuckDBWarehouse(con)
    db.ensure_schema()
    assert db.row("SELECT account FROM charges WHERE id = 'ch_old'")[0] == ""
    insert_objects(con, "charges", [{"id": "ch_old", "amount": 5}], account="acct_b")  # key is (account, id)
    assert db.row("SELECT count(*) FROM charges WHERE id = 'ch_old'")[0] == 2
    con.execute("DELETE FROM charges WHERE account = 'acct_b'")
    assert not db.rollups_exist() and not m.has_data(db)  # the dashboard waits for a rebuild; a sync does it
    assert rebuild_rollups(db, {date(2025, 3, 1)}) is None  # recreated tables: everything was rebuilt
    totals = m.payment_totals(db, m.Filters(date(2025, 3, 1), date(2025, 3, 31)))
    assert (totals["successful_payments"], totals["attempts"]) == (1, 1)
    assert db.rollups_exist() and m.has_data(db)


def test_the_upsert_keys_rows_by_account_and_id():
    con = duckdb.connect()
    ensure_schema(con)
    insert_objects(con, "charges", [{"id": "ch_1", "amount": 100}])
    insert_objects(con, "charges", [{"id": "ch_1", "amount": 200}], account="b")
    insert_objects(con, "charges", [{"id": "ch_1", "amount": 300}], account="b")
    assert con.execute("SELECT account, amount FROM charges ORDER BY account").fetchall() == [("", 100), ("b", 300)]


def write_payment(db: DuckDBWarehouse, suffix: str, day: date, amount: int, currency: str, synced_at: int) -> None:
    """A succeeded PaymentIntent ``pi_<suffix>`` and its charge ``ch_<suffix>``, written at ``synced_at``."""
    insert_objects(db.con, "payment_intents", [{"id": f"pi_{suffix}", "created": ts(day), "amount": amount,
                                                "currency": currency, "status": "succeeded",
                                                "latest_charge": f"ch_{suffix}"}], synced_at=synced_at)
    insert_objects(db.con, "charges", [{"id": f"ch_{suffix}", "created": ts(day), "amount": amount,
                                        "amount_captured": amount, "currency": currency, "status": "succeeded",
                                        "captured": True, "payment_intent": f"pi_{suffix}",
                                        "balance_transaction": f"txn_{suffix}"}], synced_at=synced_at)


def test_writes_since_a_time_narrow_the_rebuild_to_what_changed(two_accounts):
    db = two_accounts
    since = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)  # after the generated rows
    now = int(since.replace(tzinfo=UTC).timestamp()) + 5
    day = date(2025, 6, 20)
    write_payment(db, "y", day, 900, "eur", now)
    assert db.rebuild_rollups({day}, written_since=since) == {day}  # nothing else hangs off the new payment
    assert len(db.rebuild_rollups({day})) > 1  # without it: every row linked to that day's charges
    # a refunded charge disputed now: its refund, dated another day, is rebuilt too
    ch, refund_day = db.row("""SELECT c.id, CAST(r.created AS DATE) FROM charges c JOIN refunds r
        ON r.charge = c.id AND r.account = c.account WHERE c.account = 'acct_b' AND c.pay_status = 'refunded'
        AND CAST(r.created AS DATE) <> CAST(c.created AS DATE) ORDER BY c.id LIMIT 1""")
    db.execute("UPDATE charges SET pay_status = 'disputed', synced_at = to_timestamp(?)::TIMESTAMP "
               "WHERE id = ? AND account = 'acct_b'", [now, ch])
    touched = {day_of(db, "charges", ch, "acct_b")}
    assert refund_day in db.rebuild_rollups(touched, accounts=["acct_b"], written_since=since)
    partial = snapshot(db)
    db.rebuild_rollups()
    assert_same_rollups(partial, snapshot(db))


def test_rows_created_after_fresh_from_are_not_searched_for_links_older_ones_still_are(two_accounts):
    """``fresh_from``: the rows created from then on were all written by this run, with what links
    to them. A refunded charge created before it, rewritten now, still brings its refund's day;
    the same charge claimed fresh (created after ``fresh_from``) does not -- by the contract no
    older row can link to it -- and a rebuild of just its day is then what the sync asked for."""
    db = two_accounts
    since = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)
    now = int(since.replace(tzinfo=UTC).timestamp()) + 5
    ch, refund_day = db.row("""SELECT c.id, CAST(r.created AS DATE) FROM charges c JOIN refunds r
        ON r.charge = c.id AND r.account = c.account WHERE c.account = '' AND c.pay_status = 'refunded'
        AND CAST(r.created AS DATE) <> CAST(c.created AS DATE) ORDER BY c.id LIMIT 1""")
    charge_day = day_of(db, "charges", ch)
    charge_created = db.row("SELECT created FROM charges WHERE id = ? AND account = ''", [ch])[0]
    db.execute("UPDATE charges SET pay_status = 'disputed', synced_at = to_timestamp(?)::TIMESTAMP "
               "WHERE id = ? AND account = ''", [now, ch])
    after_it = charge_created + timedelta(seconds=1)
    assert refund_day in db.rebuild_rollups({charge_day}, [""], written_since=since, fresh_from=after_it)
    partial = snapshot(db)
    db.rebuild_rollups()
    assert_same_rollups(partial, snapshot(db))
    # claimed fresh: only the written day, no search
    assert db.rebuild_rollups({charge_day}, [""], written_since=since, fresh_from=charge_created) == {charge_day}



def test_days_per_table_rebuild_only_the_rollups_of_what_was_written(two_accounts):
    """``days`` as ``{synced table: days}`` with ``written_since``: a new payment (PaymentIntent,
    charge, balance transaction) rebuilds the charge, PaymentIntent and balance rollups of its day
    and leaves the refund and dispute rollups alone; a refund written later rebuilds the refund
    rollup. Either way the rollups equal a full rebuild."""
    db = two_accounts
    since = datetime.now(UTC).replace(tzinfo=None) + timedelta(minutes=1)
    now = int(since.replace(tzinfo=UTC).timestamp()) + 5
    day = date(2025, 6, 21)
    write_payment(db, "z", day, 800, "usd", now)
    insert_objects(db.con, "balance_transactions", [{"id": "txn_z", "created": ts(day), "amount": 800, "fee": 53,
                                                     "net": 747, "currency": "usd", "type": "charge",
                                                     "reporting_category": "charge", "source": "ch_z"}],
                   synced_at=now)
    statements: list[str] = []
    original = db.execute
    db.execute = lambda sql, params=(): (statements.append(sql), original(sql, params))[1]
    written = {"payment_intents": {day}, "charges": {day}, "balance_transactions": {day}}
    assert db.rebuild_rollups(written, [""], written_since=since, fresh_from=since) == {day}
    inserted = {sql.split()[2] for sql in statements if sql.startswith("INSERT INTO rollup_")}
    assert inserted == {"rollup_charges", "rollup_payment_intents", "rollup_balance"}
    statements.clear()
    refund_day = date(2025, 6, 25)
    insert_objects(db.con, "refunds", [{"id": "re_z", "created": ts(refund_day), "amount": 300, "currency": "usd",
                                        "status": "succeeded", "charge": "ch_z"}], synced_at=now)
    db.rebuild_rollups({"refunds": {refund_day}}, [""], written_since=since, fresh_from=since)
    assert {sql.split()[2] for sql in statements if sql.startswith("INSERT INTO rollup_")} == {"rollup_refunds"}
    db.execute = original
    partial = snapshot(db)
    db.rebuild_rollups()
    assert_same_rollups(partial, snapshot(db))
