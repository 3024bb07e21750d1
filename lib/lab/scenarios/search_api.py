"""Stripe's Search API (TEST_MODE.md §8.3): PaymentIntents, charges and customers found by query.

Each scenario makes its own customer and payments and searches only for them (``{customer}`` is the
run's customer id, ``{tag}`` a marker unique to the run), so it gives the same answer on a busy
account. Stripe makes a write searchable within about a minute: each search waits for the number
of matches it expects (``want``) before the facts are read.
"""

from __future__ import annotations

from .model import DECLINED, INVALID, REFUNDED, SUCCEEDED, VISA, Scenario, Step, pay, step


def find(resource: str, query: str, want: int | None = None) -> Step:
    """Search ``resource`` (payment_intents, charges, customers) for ``query``."""
    return step("search", resource=resource, query=query, want=want)


def search() -> list[Scenario]:
    g = "Search"
    mastercard = "pm_card_mastercard"
    mine = {"search.own": True}
    return [
        Scenario("search-customer-payments", g, "Find a customer's payments", VISA,
                 "GET /v1/payment_intents/search?query=customer:'cus_…' AND status:'succeeded' returns the customer's "
                 "two successful payments and not the declined one, in a search_result (newest first).",
                 (step("customer"), pay(VISA, customer=True), pay(VISA, customer=True, amount=3500),
                  pay("pm_card_chargeDeclined", may_fail=True, customer=True),
                  find("payment_intents", "customer:'{customer}' AND status:'succeeded'", want=2)),
                 {"search.count": 2, **mine, "events": (*SUCCEEDED, *SUCCEEDED, *DECLINED)}, source="8.3"),
        Scenario("search-amount-above", g, "Payments above an amount", VISA,
                 "Numeric fields take >, <, >= and <=: amount>2500 finds the $50.00 payment, not the $20.00 one.",
                 (step("customer"), pay(VISA, customer=True), pay(VISA, customer=True, amount=5000),
                  find("payment_intents", "customer:'{customer}' AND amount>2500", want=1)),
                 {"search.count": 1, **mine, "amount_received": 5000}, source="8.3"),
        Scenario("search-refunded-by-last4", g, "Find refunded charges by last4", mastercard,
                 "GET /v1/charges/search with payment_method_details.card.last4:'4444' AND refunded:'true' finds the "
                 "Mastercard charge refunded in full: not the one refunded in part, not the refunded Visa.",
                 (step("customer"), pay(mastercard, customer=True), step("refund", amount=500),
                  pay(VISA, customer=True), step("refund"), pay(mastercard, customer=True), step("refund"),
                  find("charges", "customer:'{customer}' AND payment_method_details.card.last4:'4444' AND "
                                  "refunded:'true'", want=1)),
                 {"search.count": 1, **mine, "charge.refunded": True, "events": (*SUCCEEDED, *REFUNDED)},
                 source="8.3"),
        Scenario("search-partly-refunded", g, "Find partly refunded charges", VISA,
                 "refunded:'false' means refunded in part (refunded:'true' in full, refunded:null not at all): it "
                 "finds the charge with a $5.00 refund, not the one never refunded.",
                 (step("customer"), pay(VISA, customer=True), step("refund", amount=500), pay(VISA, customer=True),
                  find("charges", "customer:'{customer}' AND refunded:'false'", want=1)),
                 {"search.count": 1, **mine, "charge.amount_refunded": 0}, source="8.3"),
        Scenario("search-customer-by-email", g, "Find a customer by part of the email", "(customer)",
                 "~ matches a substring of at least 3 characters on string fields (email, name, phone): "
                 "email~'…' finds the customer whose email contains it.",
                 (step("customer", email="ada.{tag}@example.com", name="Ada Lovelace"),
                  find("customers", "email~'{tag}' AND name:'lovelace'", want=1)),
                 {"search.count": 1, **mine}, source="8.3"),
        Scenario("search-unsupported-field", g, "Search an unsupported field", "(query)",
                 "400 invalid_request_error on query, with no error code: \"Field `colour` is an unsupported search "
                 "field for resource `charges`…\".",
                 (find("charges", "colour:'red'"),),
                 {"http_status": 400, "error_type": INVALID, "code": None}, source="8.3"),
        Scenario("search-missing-query", g, "Search without a query", "(query)",
                 "400 parameter_missing on query: a search needs a query.",
                 (find("customers", ""),),
                 {"http_status": 400, "error_type": INVALID, "code": "parameter_missing"}, source="8.3"),
    ]
