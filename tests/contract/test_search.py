"""The Search API through stripe-python: /v1/payment_intents/search, /v1/charges/search,
/v1/customers/search (TEST_MODE.md §8.3), the customers list's ``email`` filter and
``expand[]=invoice_settings.default_payment_method``.

One hand-built account per module (three customers, six PaymentIntents, their charges, two
refunds, one dispute), tagged with a run marker so the session sandbox's other objects never
match. Every expected result is worked out from the objects this file created, in Stripe's
documented order (newest first: ``created`` then ``id``, descending), never from the index.
"""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
import stripe

from lib.sandbox import start_sandbox

from .money_helpers import run_jobs
from .sandbox_http import assert_error_shape, client, raw

CARD = {"payment_method_types": ["card"]}  # confirmable server-side without a return_url


@dataclass
class Account:
    run: str
    customers: dict[str, Any] = field(default_factory=dict)  # ada, grace, king
    pis: dict[str, Any] = field(default_factory=dict)        # p1..p6, as retrieved after every step
    charges: dict[str, Any] = field(default_factory=dict)    # p1..p5's charges, as retrieved at the end


def newest_first(objs) -> list[str]:
    return [o.id for o in sorted(objs, key=lambda o: (o.created, o.id), reverse=True)]


@pytest.fixture(scope="module")
def account(sandbox) -> Account:
    c = client(sandbox)
    run = "r" + uuid.uuid4().hex[:12]
    acct = Account(run)
    cus = c.v1.customers.create
    acct.customers["ada"] = cus(params={"email": f"ada.lovelace@{run}.example.com", "name": "Ada Lovelace",
                                        "phone": "+15550100", "metadata": {"run": run, "tier": "gold"}})
    acct.customers["grace"] = cus(params={"email": f"grace.hopper@{run}.example.org",
                                          "name": "Grace Brewster Hopper", "metadata": {"run": run}})
    acct.customers["king"] = cus(params={"email": f"Ada.King@{run}.example.com", "name": "Ada King",
                                         "metadata": {"run": run, "tier": "silver"}})
    plans = {  # name: (customer, card, amount, currency, extra)
        "p1": ("ada", "pm_card_visa", 1000, "usd", {}),
        "p2": ("ada", "pm_card_mastercard", 2500, "usd", {}),
        "p3": ("grace", "pm_card_visa", 1800, "usd", {}),
        "p4": ("grace", "pm_card_amex", 3000, "eur", {"capture_method": "manual"}),
        "p5": ("ada", "pm_card_createDispute", 4200, "usd", {}),
    }
    for name, (who, card, amount, currency, extra) in plans.items():
        acct.pis[name] = c.v1.payment_intents.create(params={
            "amount": amount, "currency": currency, "customer": acct.customers[who].id, "payment_method": card,
            "confirm": True, "metadata": {"run": run, "order": f"{run}-{name}"}, **CARD, **extra})
    acct.pis["p6"] = c.v1.payment_intents.create(params={"amount": 700, "currency": "usd", **CARD,
                                                         "metadata": {"run": run, "order": f"{run}-p6"}})
    c.v1.refunds.create(params={"payment_intent": acct.pis["p2"].id})                 # in full
    c.v1.refunds.create(params={"payment_intent": acct.pis["p3"].id, "amount": 500})  # in part
    run_jobs(sandbox)  # settles the refunds, opens p5's dispute
    for name, pi in acct.pis.items():
        acct.pis[name] = c.v1.payment_intents.retrieve(pi.id)
        if acct.pis[name].latest_charge:
            acct.charges[name] = c.v1.charges.retrieve(acct.pis[name].latest_charge)
    # The facts the expectations below rest on (TEST_MODE.md §1.2, §1.8, §3).
    assert acct.charges["p2"].refunded and acct.charges["p3"].amount_refunded == 500
    assert not acct.charges["p3"].refunded and acct.charges["p5"].disputed
    assert acct.pis["p4"].status == "requires_capture" and acct.pis["p6"].status == "requires_payment_method"
    return acct


def pi_search(c: stripe.StripeClient, query: str, **params: Any):
    return c.v1.payment_intents.search(params={"query": query, **params})


def ids_of(result) -> list[str]:
    return [o.id for o in result.data]


# --- PaymentIntents ----------------------------------------------------------------------------
def test_payment_intents_by_customer_page_by_page(stripe_client, account: Account) -> None:
    ada = account.customers["ada"].id
    expected = newest_first([account.pis[n] for n in ("p1", "p2", "p5")])
    first = pi_search(stripe_client, f"customer:'{ada}'", limit=2)
    assert first.object == "search_result" and first.url == "/v1/payment_intents/search"
    assert ids_of(first) == expected[:2]
    assert first.has_more is True and isinstance(first.next_page, str) and first.next_page
    assert "total_count" not in first
    second = pi_search(stripe_client, f"customer:'{ada}'", limit=2, page=first.next_page)
    assert ids_of(second) == expected[2:]
    assert second.has_more is False and second.next_page is None


def test_auto_paging_walks_every_match(stripe_client, account: Account) -> None:
    walked = [pi.id for pi in pi_search(stripe_client, f"metadata['run']:'{account.run}'", limit=2)
              .auto_paging_iter()]
    assert walked == newest_first(account.pis.values())


def test_payment_intents_amount_status_and_negation(stripe_client, account: Account) -> None:
    run = f"metadata['run']:'{account.run}'"
    pis = account.pis
    assert ids_of(pi_search(stripe_client, f"{run} AND amount>2000")) == \
        newest_first([p for p in pis.values() if p.amount > 2000])
    assert ids_of(pi_search(stripe_client, f"{run} amount<=1800")) == \
        newest_first([p for p in pis.values() if p.amount <= 1800])
    assert ids_of(pi_search(stripe_client, f"{run} AND amount:2500")) == [pis["p2"].id]
    assert ids_of(pi_search(stripe_client, f"{run} AND -status:'succeeded'")) == \
        newest_first([pis["p4"], pis["p6"]])
    assert ids_of(pi_search(stripe_client, f"{run} AND status:'REQUIRES_CAPTURE'")) == [pis["p4"].id]
    assert ids_of(pi_search(stripe_client, f"{run} AND currency:'eur'")) == [pis["p4"].id]
    assert ids_of(pi_search(stripe_client, f"{run} AND customer:null")) == [pis["p6"].id]


def test_payment_intents_or_and_metadata(stripe_client, account: Account) -> None:
    run, pis = account.run, account.pis
    either = pi_search(stripe_client, f"metadata['order']:'{run}-p1' OR metadata[\"order\"]:'{run}-p6'")
    assert ids_of(either) == newest_first([pis["p1"], pis["p6"]])
    grace, king = account.customers["grace"].id, account.customers["king"].id
    assert ids_of(pi_search(stripe_client, f"customer:'{grace}' or customer:'{king}'")) == \
        newest_first([pis["p3"], pis["p4"]])  # king has no payments
    assert ids_of(pi_search(stripe_client, f"metadata['order']:'{run}-nope'")) == []


def test_payment_intents_created_range(stripe_client, account: Account) -> None:
    pis = list(account.pis.values())
    pivot = account.pis["p3"].created
    found = pi_search(stripe_client, f"metadata['run']:'{account.run}' AND created>={pivot}")
    assert ids_of(found) == newest_first([p for p in pis if p.created >= pivot])
    later = pi_search(stripe_client, f"metadata['run']:'{account.run}' AND created>{pivot + 86400}")
    assert ids_of(later) == []


def test_total_count_and_data_expansion(stripe_client, account: Account) -> None:
    result = pi_search(stripe_client, f"metadata['run']:'{account.run}'", limit=1,
                       expand=["total_count", "data.customer"])
    assert result.total_count == 6 and len(result.data) == 1
    newest = account.pis[next(n for n in account.pis if account.pis[n].id == result.data[0].id)]
    if newest.customer is None:
        assert result.data[0].customer is None
    else:
        assert result.data[0].customer.object == "customer" and result.data[0].customer.id == newest.customer


# --- Charges -----------------------------------------------------------------------------------
def ch_search(c: stripe.StripeClient, query: str, **params: Any):
    return c.v1.charges.search(params={"query": query, **params})


def test_charges_by_card_details(stripe_client, account: Account) -> None:
    run, charges = f"metadata['run']:'{account.run}'", account.charges
    # pm_card_mastercard is 5555555555554444, pm_card_amex 378282246310005 (TEST_MODE.md §1.2)
    assert ids_of(ch_search(stripe_client, f"{run} AND payment_method_details.card.last4:'4444'")) == \
        [charges["p2"].id]
    assert ids_of(ch_search(stripe_client, f"{run} AND payment_method_details.card.last4:0005")) == \
        [charges["p4"].id]
    visa = [charges[n] for n in ("p1", "p3", "p5")]  # pm_card_createDispute is a Visa (4000000000000259)
    assert ids_of(ch_search(stripe_client, f"{run} AND payment_method_details.card.brand:'visa'")) == \
        newest_first(visa)
    assert ids_of(ch_search(stripe_client, f"{run} AND -payment_method_details.card.brand:'visa'")) == \
        newest_first([charges["p2"], charges["p4"]])
    assert ch_search(stripe_client, f"{run}").url == "/v1/charges/search"


def test_charges_refunded_true_false_null(stripe_client, account: Account) -> None:
    run, charges = f"metadata['run']:'{account.run}'", account.charges
    assert ids_of(ch_search(stripe_client, f"{run} AND refunded:'true'")) == [charges["p2"].id]   # in full
    assert ids_of(ch_search(stripe_client, f"{run} AND refunded:\"false\"")) == [charges["p3"].id]  # in part
    assert ids_of(ch_search(stripe_client, f"{run} AND refunded:null")) == \
        newest_first([charges[n] for n in ("p1", "p4", "p5")])


def test_charges_disputed_amount_and_customer(stripe_client, account: Account) -> None:
    run, charges = f"metadata['run']:'{account.run}'", account.charges
    assert ids_of(ch_search(stripe_client, f"{run} AND disputed:'true'")) == [charges["p5"].id]
    assert ids_of(ch_search(stripe_client, f"{run} AND disputed:'false'")) == \
        newest_first([charges[n] for n in ("p1", "p2", "p3", "p4")])
    assert ids_of(ch_search(stripe_client, f"{run} AND amount<1800")) == [charges["p1"].id]
    grace = account.customers["grace"].id
    assert ids_of(ch_search(stripe_client, f"customer:'{grace}' AND currency:'usd'")) == [charges["p3"].id]
    assert ids_of(ch_search(stripe_client, f"{run} AND status:'succeeded'", expand=["total_count"])) == \
        newest_first(charges.values())


# --- Customers ---------------------------------------------------------------------------------
def cus_search(c: stripe.StripeClient, query: str, **params: Any):
    return c.v1.customers.search(params={"query": query, **params})


def test_customers_by_email_substring_and_exact(stripe_client, account: Account) -> None:
    run, cs = account.run, account.customers
    assert ids_of(cus_search(stripe_client, f"email~'{run}'")) == newest_first(cs.values())
    assert ids_of(cus_search(stripe_client, f"email~'{run}.example.com'")) == newest_first([cs["ada"], cs["king"]])
    # exact match is case-insensitive on search (the list filter below is not)
    assert ids_of(cus_search(stripe_client, f"email:'ada.king@{run.upper()}.EXAMPLE.COM'")) == [cs["king"].id]
    assert cus_search(stripe_client, f"email~'{run}'").url == "/v1/customers/search"


def test_customers_by_name_words_metadata_and_negation(stripe_client, account: Account) -> None:
    run, cs = f"metadata['run']:'{account.run}'", account.customers
    assert ids_of(cus_search(stripe_client, f"{run} AND name:'ada'")) == newest_first([cs["ada"], cs["king"]])
    assert ids_of(cus_search(stripe_client, f"{run} AND name:'Brewster Hopper'")) == [cs["grace"].id]
    assert ids_of(cus_search(stripe_client, f"{run} AND name:'Hopper Brewster'")) == []  # words in order
    assert ids_of(cus_search(stripe_client, f"{run} AND name~'ovel'")) == [cs["ada"].id]
    assert ids_of(cus_search(stripe_client, f"{run} AND metadata['tier']:'gold'")) == [cs["ada"].id]
    assert ids_of(cus_search(stripe_client, f"{run} -metadata['tier']:'gold'")) == \
        newest_first([cs["grace"], cs["king"]])  # a negated metadata clause includes objects without the key
    assert ids_of(cus_search(stripe_client, f"{run} AND -metadata['tier']:null")) == \
        newest_first([cs["ada"], cs["king"]])
    assert ids_of(cus_search(stripe_client, f"{run} AND phone:'+15550100'")) == [cs["ada"].id]
    assert ids_of(cus_search(stripe_client, f"{run} AND created>={cs['grace'].created}")) == \
        newest_first([c for c in cs.values() if c.created >= cs["grace"].created])


def test_search_sees_a_write_at_once(stripe_client) -> None:
    tag = "w" + uuid.uuid4().hex[:12]
    cus = stripe_client.v1.customers.create(params={"name": f"Before {tag}", "email": f"{tag}@example.net"})
    assert ids_of(cus_search(stripe_client, f"name:'{tag}'")) == [cus.id]
    stripe_client.v1.customers.update(cus.id, params={"name": f"After {tag}", "metadata": {"step": tag}})
    assert ids_of(cus_search(stripe_client, f"name:'after {tag}'")) == [cus.id]
    assert ids_of(cus_search(stripe_client, f"name:'before {tag}'")) == []
    assert ids_of(cus_search(stripe_client, f"metadata['step']:'{tag}'")) == [cus.id]
    pi = stripe_client.v1.payment_intents.create(params={"amount": 1234, "currency": "usd", "customer": cus.id,
                                                         **CARD})
    assert [(p.id, p.status) for p in pi_search(stripe_client, f"customer:'{cus.id}'").data] == \
        [(pi.id, "requires_payment_method")]
    stripe_client.v1.payment_intents.cancel(pi.id)
    assert ids_of(pi_search(stripe_client, f"customer:'{cus.id}' AND status:'canceled'")) == [pi.id]
    stripe_client.v1.customers.delete(cus.id)  # deleted customers are not searchable
    assert ids_of(cus_search(stripe_client, f"email:'{tag}@example.net'")) == []


# --- errors ------------------------------------------------------------------------------------
def search_error(sandbox, path: str, params: dict) -> dict:
    resp = raw(sandbox, "GET", f"{path}?{urlencode(params)}")
    assert resp.status_code == 400, resp.text[:300]
    return assert_error_shape(resp)


@pytest.mark.parametrize("params", [{}, {"query": ""}])
def test_a_missing_query_is_parameter_missing(sandbox, params) -> None:
    err = search_error(sandbox, "/v1/customers/search", params)  # never read as the customer "search"
    assert (err["code"], err["param"], err["type"]) == ("parameter_missing", "query", "invalid_request_error")


def test_an_unsupported_field_is_stripe_error_without_code(stripe_client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        ch_search(stripe_client, "colour:'red'")
    err = info.value.json_body["error"]
    # Stripe's own wording for an unknown field (TEST_MODE.md §8.3: a bad field gives no code)
    assert err["message"] == ("Field `colour` is an unsupported search field for resource `charges`. See "
                              "http://stripe.com/docs/search#query-fields-for-charges for a list of supported fields.")
    assert "code" not in err and err["param"] == "query" and info.value.http_status == 400


@pytest.mark.parametrize(("path", "query"), [
    ("/v1/payment_intents/search", "status:"),                                      # no value
    ("/v1/payment_intents/search", "status:succeeded"),                             # unquoted string
    ("/v1/payment_intents/search", "status:'succeeded' AND amount>1 OR amount<5"),  # AND with OR
    ("/v1/payment_intents/search", "status~'succ'"),                                # ~ on a token field
    ("/v1/charges/search", "disputed:'maybe'"),
    ("/v1/customers/search", "email~'ab'"),                                         # under 3 characters
])
def test_bad_queries_are_400_on_query(sandbox, path, query) -> None:
    err = search_error(sandbox, path, {"query": query})
    assert err["type"] == "invalid_request_error" and err["param"] == "query" and "code" not in err


def test_a_syntax_error_says_so_as_stripe_does(stripe_client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        pi_search(stripe_client, "amount>>5")
    assert info.value.json_body["error"]["message"].startswith("We were unable to parse your search query.")


@pytest.mark.parametrize(("params", "param", "code"), [
    ({"query": "amount>1", "limit": "0"}, "limit", "parameter_invalid_integer"),
    ({"query": "amount>1", "limit": "101"}, "limit", "parameter_invalid_integer"),
    ({"query": "amount>1", "page": "not-a-page"}, "page", None),
    ({"query": "amount>1", "expand[]": "customer"}, "expand", None),
    ({"query": "amount>1", "colour": "red"}, "colour", "parameter_unknown"),
])
def test_bad_parameters(sandbox, params, param, code) -> None:
    err = search_error(sandbox, "/v1/payment_intents/search", params)
    assert err["param"] == param and err.get("code") == code


# --- the customers list's email filter ---------------------------------------------------------
def test_customers_list_filters_by_exact_case_sensitive_email(stripe_client) -> None:
    email = f"Twin.{uuid.uuid4().hex[:10]}@Example.com"
    older = stripe_client.v1.customers.create(params={"email": email, "name": "older"})
    newer = stripe_client.v1.customers.create(params={"email": email, "name": "newer"})
    gone = stripe_client.v1.customers.create(params={"email": email})
    stripe_client.v1.customers.delete(gone.id)
    stripe_client.v1.customers.create(params={"email": email.lower()})
    page = stripe_client.v1.customers.list(params={"email": email, "limit": 1})
    assert ids_of(page) == newest_first([older, newer])[:1] and page.has_more is True
    walked = [c.id for c in stripe_client.v1.customers.list(params={"email": email, "limit": 1}).auto_paging_iter()]
    assert walked == newest_first([older, newer])
    assert stripe_client.v1.customers.list(params={"email": email.upper()}).data == []
    assert all(c.email == email for c in stripe_client.v1.customers.list(params={"email": email}).data)


def test_customers_list_email_must_be_a_string(sandbox) -> None:
    resp = raw(sandbox, "GET", "/v1/customers?email[x]=1")
    assert resp.status_code == 400 and assert_error_shape(resp)["param"] == "email"


# --- invoice_settings.default_payment_method ---------------------------------------------------
EXPAND_DEFAULT = ["invoice_settings.default_payment_method"]


def test_default_payment_method_expands_on_retrieve_list_update_and_search(stripe_client) -> None:
    tag = "d" + uuid.uuid4().hex[:10]
    cus = stripe_client.v1.customers.create(params={"email": f"{tag}@example.com", "name": tag})
    pm = stripe_client.v1.payment_methods.attach("pm_card_mastercard", params={"customer": cus.id})
    updated = stripe_client.v1.customers.update(cus.id, params={
        "invoice_settings": {"default_payment_method": pm.id}, "expand": EXPAND_DEFAULT})
    assert updated.invoice_settings.default_payment_method.id == pm.id
    assert updated.invoice_settings.default_payment_method.card.last4 == "4444"
    plain = stripe_client.v1.customers.retrieve(cus.id)
    assert plain.invoice_settings.default_payment_method == pm.id  # stored as the id, expanded on request
    got = stripe_client.v1.customers.retrieve(cus.id, params={"expand": EXPAND_DEFAULT})
    assert got.invoice_settings.default_payment_method.object == "payment_method"
    listed = stripe_client.v1.customers.list(params={"email": f"{tag}@example.com",
                                                     "expand": ["data." + EXPAND_DEFAULT[0]]})
    assert listed.data[0].invoice_settings.default_payment_method.customer == cus.id
    found = cus_search(stripe_client, f"name:'{tag}'", expand=["data." + EXPAND_DEFAULT[0]])
    assert found.data[0].invoice_settings.default_payment_method.id == pm.id
    stripe_client.v1.payment_methods.detach(pm.id)  # detaching the default unsets it
    assert stripe_client.v1.customers.retrieve(cus.id).invoice_settings.default_payment_method is None


def test_default_payment_method_at_creation(stripe_client) -> None:
    cus = stripe_client.v1.customers.create(params={
        "payment_method": "pm_card_visa", "invoice_settings": {"default_payment_method": "pm_card_visa"},
        "expand": EXPAND_DEFAULT})
    default = cus.invoice_settings.default_payment_method
    assert default.object == "payment_method" and default.customer == cus.id and default.card.last4 == "4242"


def test_default_payment_method_must_be_attached_to_the_customer(stripe_client) -> None:
    owner = stripe_client.v1.customers.create(params={"payment_method": "pm_card_visa"})
    theirs = stripe_client.v1.customers.payment_methods.list(owner.id).data[0].id
    other = stripe_client.v1.customers.create()
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.customers.update(other.id, params={"invoice_settings": {"default_payment_method": theirs}})
    err = info.value.json_body["error"]
    assert err["message"] == (f"The customer does not have a payment method with the ID {theirs}. The payment "
                              "method must be attached to the customer.")
    assert err["param"] == "invoice_settings[default_payment_method]"
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.customers.update(other.id, params={"invoice_settings": {"default_payment_method": "pm_nope"}})
    assert info.value.json_body["error"]["code"] == "resource_missing"
    with pytest.raises(stripe.InvalidRequestError):
        stripe_client.v1.customers.create(params={"invoice_settings": {"default_payment_method": theirs}})
    assert stripe_client.v1.customers.retrieve(other.id).invoice_settings.default_payment_method is None


# --- a data dir from before search -------------------------------------------------------------
def test_an_existing_data_dir_gets_search(tmp_path) -> None:
    handle = start_sandbox(data_dir=str(tmp_path), background=False, async_delay=0)
    try:
        c = client(handle)
        cus = c.v1.customers.create(params={"email": "old@example.com", "name": "Old Timer"})
        pi = c.v1.payment_intents.create(params={"amount": 4321, "currency": "usd", "customer": cus.id,
                                                 "payment_method": "pm_card_visa", "confirm": True, **CARD})
    finally:
        handle.stop()
    db = sqlite3.connect(tmp_path / "sandbox.sqlite3")  # as a data dir written before search existed
    db.executescript("DROP TABLE search_terms; DROP TABLE search_trigrams; DROP TABLE search_texts;")
    db.close()
    handle = start_sandbox(data_dir=str(tmp_path), background=False, async_delay=0)
    try:
        c = client(handle)
        assert ids_of(cus_search(c, "email~'old@exa'")) == [cus.id]
        assert ids_of(pi_search(c, f"customer:'{cus.id}' AND amount:4321")) == [pi.id]
        assert ids_of(ch_search(c, "payment_method_details.card.last4:'4242'")) == [pi.latest_charge]
    finally:
        handle.stop()
