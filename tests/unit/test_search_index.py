"""Search index (lib/sandbox/search/index.py): rows, compiled SQL run on an in-memory SQLite database.

Thirty objects written by hand below (12 charges, 9 PaymentIntents, 9 customers) are indexed with
``write_statements``; every query's expected ids were worked out by hand from these tables (newest
first: created DESC, then id DESC), not from the index. EXPLAIN QUERY PLAN shows every table access
is an index search.
"""

from __future__ import annotations

import re
import sqlite3

import pytest

from lib.sandbox.search import (
    DDL,
    FIELDS,
    MAX_TOTAL_COUNT,
    SearchQueryError,
    compile,
    compile_count,
    decode_cursor,
    encode_cursor,
    insert_statements,
    page_of,
    parse,
    rows_for,
    search_result,
    values_of,
    write_statements,
)


def charge(id_, created, amount, status, currency, customer, metadata=None, *, refunded=False, amount_refunded=0,
           disputed=False, source="card", brand="visa", last4="4242", exp=(12, 2030), postal=None) -> dict:
    """A charge shaped like Stripe's (only the fields search reads, plus a few it must ignore)."""
    return {
        "id": id_, "object": "charge", "amount": amount, "amount_captured": amount,
        "amount_refunded": amount_refunded, "refunded": refunded, "disputed": disputed, "status": status,
        "currency": currency, "customer": customer, "created": created, "metadata": metadata or {},
        "description": "Thanks for your order", "livemode": False,
        "billing_details": {"address": {"city": None, "country": "US", "line1": None, "line2": None,
                                        "postal_code": postal, "state": None},
                            "email": None, "name": None, "phone": None},
        "payment_method_details": {"type": source, source: {
            "brand": brand, "last4": last4, "exp_month": exp[0], "exp_year": exp[1],
            "fingerprint": f"fp_{brand}{last4}", "funding": "credit", "country": "US"}},
    }


CHARGES = [
    charge("ch_01", 1700000100, 1000, "succeeded", "usd", "cus_A", {"order_id": "6735"}, postal="94103"),
    charge("ch_02", 1700000200, 2500, "succeeded", "usd", "cus_B", {"order_id": "6736", "tier": "Gold"},
           refunded=True, amount_refunded=2500, postal="94103"),
    charge("ch_03", 1700000300, 500, "failed", "usd", "cus_A", brand="mastercard", last4="4444", exp=(1, 2029),
           postal="10001"),
    charge("ch_04", 1700000400, 1500, "succeeded", "eur", None, amount_refunded=500, last4="1881", exp=(6, 2030)),
    charge("ch_05", 1700000500, 999, "succeeded", "usd", "cus_C", disputed=True, brand="amex", last4="8431",
           exp=(3, 2031), postal="10001"),
    charge("ch_06", 1700000600, 1001, "pending", "usd", "cus_B", {"order_id": "7000"}, brand="mastercard",
           last4="4444", exp=(1, 2029), postal="94103"),
    charge("ch_07", 1700000700, 3000, "succeeded", "gbp", "cus_C", source="card_present", last4="0005"),
    charge("ch_08", 1700000800, 1000, "succeeded", "usd", "cus_A", {"order_id": "6735", "channel": "web"},
           postal="94105"),
    charge("ch_09", 1700000800, 200, "failed", "eur", None, source="interac_present", brand="interac",
           last4="1234", exp=(9, 2032)),
    charge("ch_10", 1700000900, 12000, "succeeded", "usd", "cus_D", postal="94103"),
    charge("ch_11", 1700001000, 750, "succeeded", "usd", "cus_D", amount_refunded=100, brand="discover",
           last4="1117", exp=(5, 2030), postal="10001"),
    charge("ch_12", 1700001100, 1200, "succeeded", "cad", "cus_F", {"tier": "gold"}, brand="discover",
           last4="1117", exp=(5, 2030), postal="M5V 2T6"),
]


def intent(id_, created, amount, status, currency, customer, metadata=None) -> dict:
    return {"id": id_, "object": "payment_intent", "amount": amount, "status": status, "currency": currency,
            "customer": customer, "created": created, "metadata": metadata or {}, "livemode": False,
            "description": None, "latest_charge": None}


INTENTS = [
    intent("pi_01", 1710000100, 2000, "succeeded", "usd", "cus_A", {"cart": "c-1"}),
    intent("pi_02", 1710000200, 500, "canceled", "usd", None),
    intent("pi_03", 1710000300, 750, "requires_payment_method", "eur", "cus_B", {"cart": "C-1"}),
    intent("pi_04", 1710000400, 10000, "succeeded", "eur", "cus_A"),
    intent("pi_05", 1710000500, 300, "processing", "usd", "cus_C", {"cart": "c-2"}),
    intent("pi_06", 1710000600, 1500, "requires_capture", "usd", {"id": "cus_D", "object": "customer"}),  # expanded
    intent("pi_07", 1710000700, 50, "canceled", "gbp", "cus_A"),
    intent("pi_08", 1710000800, 2000, "succeeded", "usd", None, {"cart": "c-3"}),
    intent("pi_09", 1710000900, 4200, "requires_action", "usd", "cus_B"),
]


def customer(id_, created, name, email, phone=None, metadata=None, deleted=False) -> dict:
    out = {"id": id_, "object": "customer", "created": created, "name": name, "email": email, "phone": phone,
           "metadata": metadata or {}, "description": None, "livemode": False}
    if deleted:
        out["deleted"] = True
    return out


CUSTOMERS = [
    customer("cus_A", 1690000100, "Jane Doe", "jane@example.com", "+15550100", {"plan": "pro"}),
    customer("cus_B", 1690000200, "John Smith", "john.smith@example.org"),
    customer("cus_C", 1690000300, "Mary Jane Doe", "mary@jane.test"),
    customer("cus_D", 1690000400, None, "Doe@Shop.test", "+44 20 7946 0000"),
    customer("cus_E", 1690000500, "Jane Deleted", "gone@example.com", deleted=True),
    customer("cus_F", 1690000600, "Amy Rocket", "amy@rocketrides.io", metadata={"plan": "Pro"}),
    customer("cus_G", 1690000700, "Doe Jane", "xamy@corp.test"),
    customer("cus_H", 1690000800, "Jane", None, "+1 555 0199"),
    customer("cus_I", 1690000900, "Rocket Locky", "rl@corp.test"),
]

ALL_CHARGES_NEWEST_FIRST = ["ch_12", "ch_11", "ch_10", "ch_09", "ch_08", "ch_07", "ch_06", "ch_05", "ch_04",
                            "ch_03", "ch_02", "ch_01"]  # ch_09 and ch_08 share a second: id DESC

# The store's table, present so the plans can show it is never read.
OBJECTS = "CREATE TABLE objects (id TEXT PRIMARY KEY, kind TEXT NOT NULL, created INTEGER NOT NULL, data TEXT)"


def write(db: sqlite3.Connection, obj: dict) -> None:
    for sql, rows in write_statements(obj):
        db.executemany(sql, rows)


@pytest.fixture()
def db():
    conn = sqlite3.connect(":memory:")
    conn.executescript(DDL)
    conn.execute(OBJECTS)
    for obj in CHARGES + INTENTS + CUSTOMERS:
        conn.execute("INSERT INTO objects VALUES (?,?,?,?)", (obj["id"], obj["object"], obj["created"], "{}"))
        write(conn, obj)
    yield conn
    conn.close()


def search(db, kind: str, text: str, limit: int = 100, page: str | None = None):
    sql, params = compile(kind, parse(text, kind), limit, page)
    return page_of(db.execute(sql, params).fetchall(), limit)


def ids(db, kind: str, text: str) -> list[str]:
    found, has_more, _ = search(db, kind, text)
    assert not has_more
    return found


# --- rows --------------------------------------------------------------------------------------------

def test_rows_of_a_fully_refunded_charge():
    rows = rows_for("charge", CHARGES[1])
    base = (1700000200, "ch_02")
    assert sorted(rows.terms, key=str) == sorted([
        ("charge:amount", 2500.0, *base), ("charge:created", 1700000200.0, *base),
        ("charge:billing_details.address.postal_code", "94103", *base),
        ("charge:currency", "usd", *base), ("charge:customer", "cus_b", *base),
        ("charge:disputed", "false", *base), ("charge:refunded", "true", *base),
        ("charge:status", "succeeded", *base),
        ("charge:metadata.order_id", "6736", *base), ("charge:metadata.tier", "gold", *base),
        ("charge:payment_method_details.card.brand", "visa", *base),
        ("charge:payment_method_details.card.last4", "4242", *base),
        ("charge:payment_method_details.card.exp_month", "12", *base),
        ("charge:payment_method_details.card.exp_year", "2030", *base),
        ("charge:payment_method_details.card.fingerprint", "fp_visa4242", *base),
    ], key=str)
    assert rows.trigrams == [] and rows.texts == []


def test_refunded_is_derived_and_absent_when_nothing_was_refunded():
    def refunded(c):
        return [r[1] for r in rows_for("charge", c).terms if r[0] == "charge:refunded"]
    assert refunded(CHARGES[1]) == ["true"] and refunded(CHARGES[3]) == ["false"] and refunded(CHARGES[0]) == []


def test_rows_of_a_customer_words_trigrams_and_texts():
    rows = rows_for("customer", CUSTOMERS[0])
    terms = {(r[0], r[1]) for r in rows.terms}
    assert terms == {("customer:created", 1690000100.0), ("customer:email", "jane@example.com"),
                     ("customer:name", "jane"), ("customer:name", "doe"), ("customer:phone", "+15550100"),
                     ("customer:metadata.plan", "pro")}
    assert {r[2:] for r in rows.terms} == {(1690000100, "cus_A")}
    assert {r[1] for r in rows.trigrams if r[0] == "customer:name"} == {"jan", "ane", "ne ", "e d", " do", "doe"}
    assert sorted(rows.texts) == [("cus_A", "email", "jane@example.com"), ("cus_A", "name", "jane doe"),
                                  ("cus_A", "phone", "+15550100")]


def test_a_bulk_insert_gives_the_rows_of_one_write_each(db):
    bulk = sqlite3.connect(":memory:")
    bulk.executescript(DDL)
    for sql, rows in insert_statements(CHARGES + INTENTS + CUSTOMERS):
        bulk.executemany(sql, rows)
    for table in ("search_terms", "search_trigrams", "search_texts"):
        query = f"SELECT * FROM {table} ORDER BY 1, 2, 3, 4" if table != "search_texts" else \
            f"SELECT * FROM {table} ORDER BY 1, 2"
        assert bulk.execute(query).fetchall() == db.execute(query).fetchall()
    assert bulk.execute("SELECT count(DISTINCT object_id) FROM search_terms").fetchone()[0] == 29  # not cus_E


@pytest.mark.parametrize("obj", CHARGES + INTENTS + CUSTOMERS, ids=lambda o: o["id"])
def test_values_of_reads_what_value_of_reads(obj):
    kind = obj["object"]
    expected = {spec.name: spec.value_of(obj) for spec in FIELDS[kind].values() if spec.name != "metadata"}
    assert dict((spec.name, value) for spec, value in values_of(kind, obj)) == \
        {name: value for name, value in expected.items() if value is not None}


def test_deleted_and_unsearchable_objects_have_no_rows():
    assert rows_for("customer", CUSTOMERS[4]).terms == []
    assert rows_for("refund", {"id": "re_1", "object": "refund", "amount": 5, "created": 1}).terms == []


# --- charges -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("status:'succeeded' AND amount>1000", ["ch_12", "ch_10", "ch_07", "ch_04", "ch_02"]),
    ('metadata["order_id"]:"6735"', ["ch_08", "ch_01"]),
    ("amount>999 AND metadata['order_id']:'6735'", ["ch_08", "ch_01"]),
    ('-status:"succeeded"', ["ch_09", "ch_06", "ch_03"]),
    ("payment_method_details.card.last4:4242", ["ch_10", "ch_08", "ch_02", "ch_01"]),
    ('payment_method_details.card_present.last4:"0005"', ["ch_07"]),
    ('payment_method_details.interac_present.brand:"INTERAC"', ["ch_09"]),
    ("payment_method_details.card.exp_year:2031", ["ch_05"]),
    ('payment_method_details.card.fingerprint:"fp_mastercard4444"', ["ch_06", "ch_03"]),
    ('refunded:"true"', ["ch_02"]),
    ('refunded:"false"', ["ch_11", "ch_04"]),
    ("refunded:null", ["ch_12", "ch_10", "ch_09", "ch_08", "ch_07", "ch_06", "ch_05", "ch_03", "ch_01"]),
    ('disputed:"true"', ["ch_05"]),
    ('currency:"USD"', ["ch_11", "ch_10", "ch_08", "ch_06", "ch_05", "ch_03", "ch_02", "ch_01"]),
    ('currency:"eur" OR currency:"gbp"', ["ch_09", "ch_07", "ch_04"]),
    ("customer:null", ["ch_09", "ch_04"]),
    ('customer:"CUS_A"', ["ch_08", "ch_03", "ch_01"]),
    ("-customer:null AND amount<1000", ["ch_11", "ch_05", "ch_03"]),
    ("created>=1700000800 AND created<1700001000", ["ch_10", "ch_09", "ch_08"]),
    ("amount:1000", ["ch_08", "ch_01"]),
    ("amount>9000", ["ch_10"]),  # pi_04 (10000) is another kind
    ('billing_details.address.postal_code:"94103"', ["ch_10", "ch_06", "ch_02", "ch_01"]),
    ('billing_details.address.postal_code:"m5v 2t6"', ["ch_12"]),
    ('metadata["tier"]:"GOLD"', ["ch_12", "ch_02"]),
    ('-metadata["order_id"]:null', ["ch_08", "ch_06", "ch_02", "ch_01"]),
    ('-metadata["order_id"]:"6735"', ["ch_12", "ch_11", "ch_10", "ch_09", "ch_07", "ch_06", "ch_05", "ch_04",
                                      "ch_03", "ch_02"]),
    ('status:"failed" OR -currency:"usd"', ["ch_12", "ch_09", "ch_07", "ch_04", "ch_03"]),
    ('amount>1000 AND -metadata["tier"]:null AND currency:"usd"', ["ch_02"]),
    ('status:"succeeded" -refunded:null -disputed:"true"', ["ch_11", "ch_04", "ch_02"]),
    ('refunded:null OR disputed:"true"', ["ch_12", "ch_10", "ch_09", "ch_08", "ch_07", "ch_06", "ch_05", "ch_03",
                                          "ch_01"]),
    ('metadata["order_id"]:"9999"', []),
])
def test_charge_queries(db, text, expected):
    assert ids(db, "charge", text) == expected


# --- payment intents ---------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ('status:"succeeded" AND currency:"usd"', ["pi_08", "pi_01"]),
    ('-status:"canceled"', ["pi_09", "pi_08", "pi_06", "pi_05", "pi_04", "pi_03", "pi_01"]),
    ('customer:"cus_A"', ["pi_07", "pi_04", "pi_01"]),
    ('customer:"cus_D"', ["pi_06"]),  # stored expanded
    ("amount<=500", ["pi_07", "pi_05", "pi_02"]),
    ('metadata["cart"]:"c-1"', ["pi_03", "pi_01"]),
    ('amount:"2000"', ["pi_08", "pi_01"]),
    ('status:"canceled" OR amount>4000', ["pi_09", "pi_07", "pi_04", "pi_02"]),
    ('-customer:null AND -status:"succeeded"', ["pi_09", "pi_07", "pi_06", "pi_05", "pi_03"]),
    ("created<1710000300", ["pi_02", "pi_01"]),
])
def test_payment_intent_queries(db, text, expected):
    assert ids(db, "payment_intent", text) == expected


# --- customers ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ('email~"example"', ["cus_B", "cus_A"]),  # cus_E (deleted) too, but deleted customers are not searchable
    ('email~"amy"', ["cus_G", "cus_F"]),  # the docs' example: amy@rocketrides.io and xamy
    ('name:"jane"', ["cus_H", "cus_G", "cus_C", "cus_A"]),
    ('name:"Jane Doe"', ["cus_C", "cus_A"]),  # "Doe Jane" has both words, not in this order
    ('name:"Jane Doe" OR email:"jane@example.com"', ["cus_C", "cus_A"]),
    ('name:"Amy Rocket" OR email:"jane@example.com"', ["cus_F", "cus_A"]),
    ('name~"ane d"', ["cus_C", "cus_A"]),
    ('name~"rocke"', ["cus_I", "cus_F"]),
    ('name~"rocky"', []),  # "rocket locky" has the trigrams roc, ock, cky but not the substring
    ('email:"DOE@SHOP.TEST"', ["cus_D"]),
    ('email:"jane"', []),  # an exact match is on whole words
    ('phone:"+15550100"', ["cus_A"]),
    ('phone~"555"', ["cus_H", "cus_A"]),
    ('phone:"555 0199"', ["cus_H"]),
    ('-email~"example"', ["cus_I", "cus_H", "cus_G", "cus_F", "cus_D", "cus_C"]),
    ('metadata["plan"]:"pro"', ["cus_F", "cus_A"]),
    ("name:null", ["cus_D"]),
    ("-phone:null", ["cus_H", "cus_D", "cus_A"]),
    ('created>1690000500 AND name~"jane"', ["cus_H", "cus_G"]),
])
def test_customer_queries(db, text, expected):
    assert ids(db, "customer", text) == expected


def test_substring_candidates_are_verified():
    grams = {r[1] for r in rows_for("customer", CUSTOMERS[8]).trigrams}
    assert {"roc", "ock", "cky"} <= grams  # so only the verification keeps cus_I out of name~"rocky"


# --- writes ------------------------------------------------------------------------------------------

def test_rewriting_an_object_replaces_its_rows(db):
    count = db.execute("SELECT count(*) FROM search_terms WHERE object_id='ch_03'").fetchone()[0]
    write(db, {**CHARGES[2], "status": "succeeded"})
    assert ids(db, "charge", '-status:"succeeded"') == ["ch_09", "ch_06"]
    assert db.execute("SELECT count(*) FROM search_terms WHERE object_id='ch_03'").fetchone()[0] == count


def test_a_deleted_customer_leaves_the_index(db):
    write(db, {**CUSTOMERS[0], "deleted": True})
    assert ids(db, "customer", 'name:"jane"') == ["cus_H", "cus_G", "cus_C"]
    assert db.execute("SELECT count(*) FROM search_texts WHERE object_id='cus_A'").fetchone()[0] == 0


# --- pages -------------------------------------------------------------------------------------------

def pages(db, kind, text, limit):
    out, page = [], None
    while True:
        found, has_more, page = search(db, kind, text, limit, page)
        out.append((found, has_more))
        if page is None:
            return out


def test_pages_follow_next_page_across_a_shared_created_second(db):
    assert pages(db, "charge", "amount>0", 4) == [
        (["ch_12", "ch_11", "ch_10", "ch_09"], True), (["ch_08", "ch_07", "ch_06", "ch_05"], True),
        (["ch_04", "ch_03", "ch_02", "ch_01"], False)]


def test_pages_of_a_negated_and_an_or_query(db):
    assert pages(db, "charge", '-status:"failed"', 3) == [
        (["ch_12", "ch_11", "ch_10"], True), (["ch_08", "ch_07", "ch_06"], True), (["ch_05", "ch_04", "ch_02"], True),
        (["ch_01"], False)]
    assert pages(db, "charge", 'currency:"usd" OR customer:null', 5) == [
        (["ch_11", "ch_10", "ch_09", "ch_08", "ch_06"], True), (["ch_05", "ch_04", "ch_03", "ch_02", "ch_01"], False)]
    assert pages(db, "customer", 'name~"jane" OR phone:null', 2) == [
        (["cus_I", "cus_H"], True), (["cus_G", "cus_F"], True), (["cus_C", "cus_B"], True), (["cus_A"], False)]


def test_a_newer_object_does_not_shift_the_next_page(db):
    first, _, page = search(db, "charge", "amount>0", 4)
    write(db, charge("ch_13", 1700002000, 50, "succeeded", "usd", None))
    assert search(db, "charge", "amount>0", 4, page)[0] == ["ch_08", "ch_07", "ch_06", "ch_05"]
    assert search(db, "charge", "amount>0", 4)[0] == ["ch_13", "ch_12", "ch_11", "ch_10"]


def test_cursor_round_trip_and_bad_pages():
    assert decode_cursor(encode_cursor(1700000800, "ch_09")) == (1700000800, "ch_09")
    for bad in ("nonsense!", encode_cursor(1, "x")[:-3], "WzEsMl0"):  # "WzEsMl0" is [1,2]
        with pytest.raises(SearchQueryError) as info:
            decode_cursor(bad)
        assert info.value.param == "page"


def test_total_count(db):
    sql, params = compile_count("charge", parse('currency:"usd"', "charge"))
    assert db.execute(sql, params).fetchone()[0] == 8
    sql, params = compile_count("customer", parse('-name:"nobody"', "customer"))
    assert db.execute(sql, params).fetchone()[0] == 8  # nine customers, one deleted


def test_total_count_stops_at_ten_thousand():
    conn = sqlite3.connect(":memory:")
    conn.executescript(DDL)
    for i in range(MAX_TOTAL_COUNT + 5):
        write(conn, intent(f"pi_{i:05d}", 1710000000 + i, 100, "succeeded", "usd", None))
    sql, params = compile_count("payment_intent", parse('status:"succeeded"', "payment_intent"))
    assert conn.execute(sql, params).fetchone()[0] == 10_000


def test_search_result_envelope():
    assert search_result("charge", [{"id": "ch_1"}], True, "abc") == {
        "object": "search_result", "data": [{"id": "ch_1"}], "has_more": True, "next_page": "abc",
        "url": "/v1/charges/search"}
    out = search_result("payment_intent", [], False, None, total_count=12_345)
    assert out["url"] == "/v1/payment_intents/search" and out["total_count"] == 10_000
    assert "total_count" not in search_result("customer", [], False, None)


# --- plans -------------------------------------------------------------------------------------------

TABLES = re.compile(r"\b(objects|search_terms|search_trigrams|search_texts|d|t|g|x)\b")  # and plan.py's aliases


def table_accesses(db, sql, params) -> list[str]:
    """The plan lines that read a table (SCAN or SEARCH of a table, not of a subquery)."""
    plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
    return [line for line in plan if re.match(r"(SCAN|SEARCH) ", line) and TABLES.match(line.split(" ")[1])]


def assert_indexed(accesses: list[str]) -> None:
    assert accesses
    for line in accesses:
        assert line.startswith("SEARCH ") and ("INDEX" in line or "PRIMARY KEY" in line), line
        assert not line.startswith("SEARCH objects"), line


@pytest.mark.parametrize("kind, text", [
    ("charge", "status:'succeeded' AND amount>1000"),
    ("charge", '-status:"canceled"'),
    ("charge", 'metadata["order_id"]:"6735"'),
    ("charge", 'refunded:null OR disputed:"true"'),
    ("charge", '-metadata["k"]:null AND created>1609459200'),
    ("payment_intent", 'currency:"eur" OR -customer:null OR amount<=500'),
    ("customer", 'email~"example"'),
    ("customer", 'name:"Jane Doe" OR email:"jane@example.com"'),
    ("customer", '-name~"ane d" phone:null'),
])
def test_compiled_queries_only_search_indexes(db, kind, text):
    query = parse(text, kind)
    assert_indexed(table_accesses(db, *compile(kind, query, 10, None)))
    assert_indexed(table_accesses(db, *compile(kind, query, 10, encode_cursor(1700000800, "ch_09"))))
    assert_indexed(table_accesses(db, *compile_count(kind, query)))


def test_the_cursor_is_an_index_range(db):
    sql, params = compile("charge", parse('status:"succeeded"', "charge"), 10, encode_cursor(1700000800, "ch_09"))
    assert table_accesses(db, sql, params) == [
        "SEARCH d USING PRIMARY KEY (field=? AND value=? AND (created,object_id)<(?,?))"]


@pytest.mark.parametrize("kind, text", [
    ("payment_intent", "status:'succeeded' AND amount>1000"),
    ("payment_intent", "-status:'canceled' AND created>1600000000"),
    ("customer", "name~'jane' AND -metadata['plan']:null"),
    ("charge", "disputed:'false' AND payment_method_details.card.last4:'4242' AND -refunded:null"),
])
def test_an_and_page_reads_its_driver_in_order(db, kind, text):
    """No sort of all matches: the driver's rows come newest first off the primary key."""
    sql, params = compile(kind, parse(text, kind), 10, None)
    plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, params)]
    assert not any("TEMP B-TREE" in line for line in plan), plan


def busy_db(n: int) -> sqlite3.Connection:
    """``n`` succeeded PaymentIntents of $10 to $49.99 (every tenth in eur), one second apart."""
    conn = sqlite3.connect(":memory:")
    conn.executescript(DDL)
    objs = [intent(f"pi_{i:06d}", 1_700_000_000 + i, 1000 + (i * 37) % 4000, "succeeded",
                   "eur" if i % 10 == 0 else "usd", None) for i in range(n)]
    for sql, rows in insert_statements(objs):
        conn.executemany(sql, rows)
    return conn


def steps(conn: sqlite3.Connection, sql: str, params) -> tuple[int, list]:
    """(SQLite VM steps in units of 100, the rows) of running ``sql``: the work, not the clock."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0

    conn.set_progress_handler(tick, 100)
    rows = conn.execute(sql, params).fetchall()
    conn.set_progress_handler(None, 100)
    return count[0], rows


@pytest.mark.parametrize("text", ["status:'succeeded' AND amount>2000", "currency:'eur' AND status:'succeeded'",
                                  "-currency:'eur'", "amount>1500 AND created>1700000100"])
def test_a_page_costs_the_same_with_ten_times_the_matches(text):
    small, large = busy_db(1_000), busy_db(10_000)
    query = parse(text, "payment_intent")
    cost_small, rows_small = steps(small, *compile("payment_intent", query, 10))
    cost_large, rows_large = steps(large, *compile("payment_intent", query, 10))
    assert len(rows_small) == len(rows_large) == 11  # a full page and one more: has_more
    assert rows_large[0][1] > rows_small[0][1]  # newest first, from the larger store's newer ids
    assert cost_large <= cost_small * 1.5 + 5, (cost_small, cost_large)


def test_the_plan_check_catches_a_scan(db):
    accesses = table_accesses(db, "SELECT object_id FROM search_terms WHERE value=?", ("x",))
    assert accesses and accesses[0].startswith("SCAN search_terms")
    with pytest.raises(AssertionError):
        assert_indexed(accesses)
