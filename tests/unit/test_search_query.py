"""Search query language (lib/sandbox/search/query.py): tokens, the parsed clauses, and the errors.

Expected values come from TEST_MODE.md §8.3 and the examples of Stripe's "Search" page; the two
error texts Stripe is known to send are written out here in full.
"""

from __future__ import annotations

import pytest

from lib.sandbox.search import Clause, Query, SearchQueryError, parse, tokenize

UNPARSEABLE = ('We were unable to parse your search query. Try using the format `metadata["key"]:"value"` '
               'to query for metadata or key:"value" to query for other fields.')


def clauses(text: str, kind: str = "charge") -> list[tuple]:
    """(field, key, op, value, negated, quoted) of each clause: the parts the index reads."""
    return [(c.field, c.key, c.op, c.value, c.negated, c.quoted) for c in parse(text, kind).clauses]


def error(text: str, kind: str = "charge") -> SearchQueryError:
    with pytest.raises(SearchQueryError) as info:
        parse(text, kind)
    return info.value


# --- tokens ----------------------------------------------------------------------------------------

def test_tokens_of_a_clause_with_metadata_key_and_escaped_quote():
    toks = tokenize('-metadata["k"]:"a \\"b\\"" AND amount>=10')
    assert [(t.kind, t.text) for t in toks] == [
        ("word", "-metadata"), ("[", "["), ("string", "k"), ("]", "]"), ("op", ":"), ("string", 'a "b"'),
        ("word", "AND"), ("word", "amount"), ("op", ">="), ("word", "10")]
    assert [t.spaced for t in toks] == [True, False, False, False, False, False, True, True, False, False]


# --- clauses from the docs' and TEST_MODE.md's examples --------------------------------------------

def test_status_and_amount_with_single_quotes():
    q = parse("status:'succeeded' AND amount>1000", "payment_intent")
    assert q == Query((Clause("status", ":", "succeeded"), Clause("amount", ">", "1000", quoted=False)), "AND")
    assert q.clauses[1].literal == 1000 and q.clauses[1].number == 1000.0


def test_metadata_with_double_and_single_quoted_keys():
    assert clauses('metadata["order_id"]:"6735"') == [("metadata", "order_id", ":", "6735", False, True)]
    assert clauses("metadata['key']:'value'") == [("metadata", "key", ":", "value", False, True)]
    assert parse('metadata["donation-id"]:"asdf-jkl"', "customer").clauses[0].path == "metadata.donation-id"


def test_negation():
    assert clauses('-status:"canceled"', "payment_intent") == [("status", None, ":", "canceled", True, True)]
    assert clauses("-currency:'usd'", "payment_intent") == [("currency", None, ":", "usd", True, True)]


def test_substring_and_numeric_comparisons():
    assert clauses('email~"example"', "customer") == [("email", None, "~", "example", False, True)]
    assert clauses("created>1609459200") == [("created", None, ">", "1609459200", False, False)]
    assert [c[2] for c in clauses("amount>1 amount<9 amount>=2 amount<=8 amount:5")] == [">", "<", ">=", "<=", ":"]


def test_or_query():
    q = parse('name:"Jane Doe" OR email:"jane@example.com"', "customer")
    assert q.joiner == "OR"
    assert [(c.field, c.value) for c in q.clauses] == [("name", "Jane Doe"), ("email", "jane@example.com")]


def test_space_means_and_and_keywords_are_case_insensitive():
    assert parse('email:"amy@rocketrides.io" metadata["key"]:"value"', "customer").joiner == "AND"
    assert parse('currency:"usd" or currency:"eur"', "charge").joiner == "OR"
    assert parse('status:"active" and amount:500', "charge").joiner == "AND"


def test_escaped_quotes_inside_quotes():
    assert parse('status:"the story called \\"The Sky and the Sea.\\""', "charge").clauses[0].value == \
        'the story called "The Sky and the Sea."'
    assert parse("status:'it\\'s'", "charge").clauses[0].value == "it's"
    assert parse('status:"a\\\\b"', "charge").clauses[0].value == "a\\b"
    assert parse("""status:'say "hi"'""", "charge").clauses[0].value == 'say "hi"'  # the other quote needs no escape


def test_numbers_need_no_quotes_and_may_have_them():
    assert clauses("payment_method_details.card.last4:4242") == [
        ("payment_method_details.card.last4", None, ":", "4242", False, False)]
    c = parse('amount>="10"', "charge").clauses[0]
    assert (c.op, c.value, c.quoted, c.number, c.literal) == (">=", "10", True, 10.0, "10")


def test_null_is_a_case_insensitive_keyword_and_quoted_null_is_a_string():
    assert clauses('-metadata["k"]:null') == [("metadata", "k", ":", None, True, False)]
    assert clauses("customer:NULL") == [("customer", None, ":", None, False, False)]
    assert clauses('status:"null"') == [("status", None, ":", "null", False, True)]


def test_spaces_around_the_operator_are_allowed():
    assert clauses('status : "succeeded"') == [("status", None, ":", "succeeded", False, True)]


def test_every_charge_field_from_test_mode_parses():
    for field in ("amount", "created"):
        assert parse(f"{field}>1", "charge")
    for field in ("billing_details.address.postal_code", "currency", "customer", "status",
                  "payment_method_details.card.brand", "payment_method_details.card_present.exp_month",
                  "payment_method_details.interac_present.fingerprint", "payment_method_details.card.exp_year"):
        assert parse(f'{field}:"x"', "charge").clauses[0].field == field
    assert parse('disputed:"true" refunded:"false" refunded:null', "charge")


# --- errors ----------------------------------------------------------------------------------------

def test_unknown_field_message_names_the_resource():
    e = error('foo:"bar"', "charge")
    assert e.message == ("Field `foo` is an unsupported search field for resource `charges`. See "
                         "http://stripe.com/docs/search#query-fields-for-charges for a list of supported fields.")
    assert e.param == "query"
    assert "resource `payment_intents`" in error('email:"a@b.c"', "payment_intent").message
    assert "#query-fields-for-payment-intents" in error('email:"a@b.c"', "payment_intent").message
    assert "resource `customers`" in error("amount>5", "customer").message


@pytest.mark.parametrize("text", [
    "asdf", "", "   ", '(status:"a")', 'status="a"', 'status:"unterminated', 'status:"a" AND', 'AND status:"a"',
    'status:"a" AND AND status:"b"', 'status:"a"status:"b"', 'status:', ':"a"', 'metadata[key]:"v"',
    'status["k"]:"v"', '--status:"a"', '- status:"a"', 'metadata ["k"]:"v"',
])
def test_syntax_errors_give_stripes_parse_message(text):
    assert error(text).message == UNPARSEABLE


def test_mixing_and_with_or():
    expected = ("Your search query combines clauses with both `AND` and `OR`. They are mutually exclusive: "
                "use only one of them in a query.")
    assert error('status:"a" AND currency:"usd" OR amount>1').message == expected
    assert error('status:"a" currency:"usd" OR amount>1').message == expected  # a space is AND


def test_unquoted_string_value():
    assert error("status:succeeded").message == (
        "Your search query has an unquoted string value `succeeded` in `status:succeeded`. String values "
        'must be quoted, e.g. status:"succeeded".')
    assert "`true`" in error("disputed:true").message


def test_substring_shorter_than_three_characters():
    assert error('email~"ab"', "customer").message == (
        "Substring matching (`~`) needs at least 3 characters, but `email~\"ab\"` has 2.")
    assert parse('email~"abc"', "customer")


def test_operator_not_allowed_on_the_field_type():
    assert error('status>"a"').message == (
        "The `>` operator is not supported for field `status`, a token field: use `:`.")
    assert error('email>"a"', "customer").message == (
        "The `>` operator is not supported for field `email`, a string field: use `:` or `~`.")
    assert error('amount~"100"').message == (
        "The `~` operator is not supported for field `amount`, a numeric field: use `:`, `>`, `<`, `>=` or `<=`.")
    assert "`~` operator is not supported for field `metadata`" in error('metadata["k"]~"abc"').message


def test_null_only_with_colon():
    assert error("amount>null").message == (
        "`null` can only be used with `:` (a test of whether the field is set), not in `amount>null`.")


def test_numeric_field_needs_a_number():
    assert error('amount>"ten"').message == (
        'Field `amount` is numeric: `amount>"ten"` needs a number, e.g. amount>1000.')


def test_disputed_and_refunded_accept_only_their_values():
    assert error('disputed:"maybe"').message == 'Field `disputed` accepts only the values "true" and "false".'
    assert error("disputed:null").message == 'Field `disputed` accepts only the values "true" and "false".'
    assert error('refunded:"yes"').message == 'Field `refunded` accepts only the values "true", "false" and null.'
    assert parse('disputed:"TRUE"', "charge")  # values are case-insensitive


def test_metadata_needs_a_key():
    assert error('metadata:"x"').message == 'Field `metadata` needs a key: use the format `metadata["key"]:"value"`.'


def test_at_most_ten_clauses():
    ten = " AND ".join(f"amount>{i}" for i in range(10))
    assert len(parse(ten, "charge").clauses) == 10
    assert error(ten + " AND amount>10").message == "Your search query has 11 clauses; this sandbox accepts at most 10."
