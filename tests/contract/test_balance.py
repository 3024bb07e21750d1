"""Balance transactions, fees, currencies and the ledger invariants (TEST_MODE.md §5, §3.3, §4.4)."""

from __future__ import annotations

import random
from decimal import ROUND_HALF_UP, Decimal

import pytest
import stripe

from lib.stripe_facts import currencies, fees
from tests.contract.money_helpers import (
    all_balance_transactions,
    balance_matches_ledger,
    error_of,
    pay,
    run_jobs,
)


def half_up(value: Decimal) -> int:
    return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def charge_txn(client, pi):
    return client.v1.balance_transactions.retrieve(client.v1.charges.retrieve(pi.latest_charge).balance_transaction)


# --- the read API --------------------------------------------------------------------------------
def test_retrieve_list_and_filters(stripe_client, sandbox):
    pi = pay(stripe_client, amount=5000)
    refund = stripe_client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 1000})
    txn = charge_txn(stripe_client, pi)
    assert (txn.object, txn.type, txn.reporting_category, txn.source) == (
        "balance_transaction", "charge", "charge", pi.latest_charge)
    assert txn.id.startswith("txn_") and "livemode" not in txn.to_dict()
    expanded = stripe_client.v1.balance_transactions.retrieve(txn.id, params={"expand": ["source"]})
    assert (expanded.source.object, expanded.source.id) == ("charge", pi.latest_charge)
    by_source = stripe_client.v1.balance_transactions.list(params={"source": refund.id})
    assert [t.id for t in by_source.data] == [refund.balance_transaction]
    assert by_source.url == "/v1/balance_transactions"
    refunds = stripe_client.v1.balance_transactions.list(params={"type": "refund", "limit": 100}).data
    assert refund.balance_transaction in {t.id for t in refunds} and all(t.type == "refund" for t in refunds)
    assert all(t.currency == "usd" for t in stripe_client.v1.balance_transactions.list(
        params={"currency": "USD", "limit": 20}).data)
    assert stripe_client.v1.balance_transactions.list(params={"created": {"gt": txn.created + 3600}}).data == []
    assert stripe_client.v1.balance_transactions.list(params={"payout": "po_123"}).data == []


def test_dispute_rows_list_by_source(stripe_client, sandbox):
    pi = pay(stripe_client, pm="pm_card_createDispute")
    run_jobs(sandbox)
    [d] = stripe_client.v1.disputes.list(params={"payment_intent": pi.id}).data
    rows = stripe_client.v1.balance_transactions.list(params={"source": d.id}).data
    assert [(t.type, t.reporting_category) for t in rows] == [("adjustment", "dispute")]


def test_unknown_balance_transaction(stripe_client):
    with pytest.raises(stripe.InvalidRequestError) as exc:
        stripe_client.v1.balance_transactions.retrieve("txn_missing000000000000000")
    assert (exc.value.http_status, exc.value.code) == (404, "resource_missing")
    assert error_of(exc)["message"] == "No such balance transaction: 'txn_missing000000000000000'"


# --- fees (§5.3) ---------------------------------------------------------------------------------
@pytest.mark.parametrize("pm,amount,fee", [("pm_card_visa", 1000, 59), ("pm_card_visa", 2000, 88),
                                           ("pm_card_visa", 10000, 320), ("pm_card_gb", 10000, 470)])
def test_worked_fee_examples(stripe_client, pm, amount, fee):
    txn = charge_txn(stripe_client, pay(stripe_client, pm=pm, amount=amount))
    assert (txn.amount, txn.fee, txn.net, txn.exchange_rate) == (amount, fee, amount - fee, None)
    assert [d.description for d in txn.fee_details] == ["Stripe processing fees"]
    assert sum(d.amount for d in txn.fee_details) == fee


@pytest.mark.parametrize("pm,currency,amount,pct", [
    ("pm_card_visa", "eur", 10000, "0.039"),      # +1% conversion
    ("pm_card_gb", "gbp", 2500, "0.054"),         # +1.5% international +1% conversion
    ("pm_card_visa", "jpy", 5000, "0.039"),       # zero-decimal: ¥5,000
    ("pm_card_visa", "kwd", 5120, "0.039"),       # three-decimal: KWD 5.120
])
def test_converted_charges_carry_the_rate_and_the_fx_fee(stripe_client, pm, currency, amount, pct):
    txn = charge_txn(stripe_client, pay(stripe_client, pm=pm, amount=amount, currency=currency))
    per_usd = Decimal(1) / Decimal(str(currencies.USD_RATES[currency]))
    major = Decimal(amount) / (10 ** currencies.exponent(currency))
    settled = half_up(major / per_usd * 100)
    assert txn.currency == "usd" and txn.amount == settled
    assert txn.exchange_rate == pytest.approx(currencies.USD_RATES[currency])
    assert float(major) * txn.exchange_rate == pytest.approx(settled / 100, abs=0.01)
    expected_fee = half_up(Decimal(settled) * Decimal(pct)) + 30
    assert (txn.fee, txn.net) == (expected_fee, settled - expected_fee)
    lines = {d.description: d.amount for d in txn.fee_details}
    assert lines["Stripe currency conversion fee"] == half_up(Decimal(settled) * Decimal("0.01"))
    assert sum(lines.values()) == expected_fee


def test_bypass_pending_card_is_available_at_once(stripe_client):
    txn = charge_txn(stripe_client, pay(stripe_client, pm="pm_card_bypassPending"))
    assert txn.status == "available" and txn.available_on == txn.created


# --- currencies (§5.4, §5.5) ---------------------------------------------------------------------
def create_pi(client, amount, currency):
    return client.v1.payment_intents.create(params={"amount": amount, "currency": currency})


def refused(client, amount, currency) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create_pi(client, amount, currency)
    assert exc.value.param == "amount"
    return exc.value


def test_documented_currency_rules(stripe_client):
    assert currencies.ZERO_DECIMAL >= {"bif", "clp", "djf", "gnf", "jpy", "kmf", "krw", "mga", "pyg", "rwf", "ugx",
                                       "vnd", "vuv", "xaf", "xof", "xpf"}
    assert currencies.THREE_DECIMAL == {"bhd", "jod", "kwd", "omr", "tnd"}
    err = refused(stripe_client, 49, "usd")
    assert (err.code, err.user_message) == ("amount_too_small", "Amount must be at least $0.50 usd")
    err = refused(stripe_client, 30, "gbp")  # £0.30 is the GBP minimum, but it must convert to US$0.50
    assert err.code == "amount_too_small" and err.user_message.startswith("Amount must convert to at least 50 cents.")
    assert refused(stripe_client, 0, "usd").code == "parameter_invalid_integer"
    assert refused(stripe_client, 100_000_000, "usd").code == "amount_too_large"
    assert create_pi(stripe_client, 99_999_999, "usd").amount == 99_999_999
    assert create_pi(stripe_client, 999_999_999_999, "idr").amount == 999_999_999_999
    assert refused(stripe_client, 5124, "kwd").code == "invalid_charge_amount"  # last digit must be 0
    assert create_pi(stripe_client, 5120, "kwd").amount == 5120
    assert refused(stripe_client, 10050, "isk").code == "invalid_charge_amount"  # ISK: divisible by 100
    assert create_pi(stripe_client, 10000, "isk").amount == 10000  # 100 ISK
    assert create_pi(stripe_client, 500, "jpy").amount == 500  # ¥500, not multiplied by 100


def test_every_supported_currency_enforces_its_minimum_and_increment(stripe_client):
    assert len(currencies.SUPPORTED) >= 135
    for cur in sorted(currencies.SUPPORTED):
        low = currencies.effective_minimum_amount(cur)
        step = 10 if cur in currencies.THREE_DECIMAL else 100 if cur in currencies.DIVISIBLE_BY_100 else 1
        assert create_pi(stripe_client, low, cur).currency == cur
        assert refused(stripe_client, low - step, cur).code == "amount_too_small", cur
        if step > 1:
            assert refused(stripe_client, low + 1, cur).code == "invalid_charge_amount", cur
    with pytest.raises(stripe.InvalidRequestError) as exc:
        create_pi(stripe_client, 1000, "xyz")
    assert exc.value.param == "currency"


# --- ledger invariants ---------------------------------------------------------------------------
def test_balance_equals_the_sum_of_the_ledger(stripe_client, sandbox):
    pay(stripe_client, pm="pm_card_bypassPending", amount=7000)
    pi = pay(stripe_client, amount=3000)
    stripe_client.v1.refunds.create(params={"payment_intent": pi.id, "amount": 500})
    run_jobs(sandbox)
    api, summed = balance_matches_ledger(stripe_client, sandbox)
    assert api == summed
    for txn in all_balance_transactions(sandbox):
        assert txn["net"] == txn["amount"] - txn["fee"]
        assert sum(d["amount"] for d in txn["fee_details"]) == txn["fee"]


CARDS = ["pm_card_visa", "pm_card_mastercard", "pm_card_gb", "pm_card_jcb", "pm_card_bypassPending",
         "pm_card_pendingRefund", "pm_card_refundFail", "pm_card_createDispute", "pm_card_createDisputeInquiry",
         "pm_card_createDisputeProductNotReceived", "pm_card_createMultipleDisputes", "pm_card_chargeDeclined"]
CURRENCIES = ["usd", "usd", "usd", "eur", "gbp", "jpy", "kwd"]
EVIDENCE = ["winning_evidence", "losing_evidence", "escalate_inquiry_evidence", "plain text", None]


@pytest.fixture(scope="module")
def own_sandbox():
    """A private sandbox, so the per-charge checks see only this module's payments."""
    from lib.sandbox import start_sandbox

    handle = start_sandbox(memory=True, async_delay=0)
    client = stripe.StripeClient("sk_test_ledger", base_addresses={"api": handle.url}, max_network_retries=0)
    yield handle, client
    handle.stop()


def random_payment(rng: random.Random, client):
    cur = rng.choice(CURRENCIES)
    step = 10 if cur in currencies.THREE_DECIMAL else 1
    low = currencies.effective_minimum_amount(cur)
    amount = rng.randrange(low, low * 40, step)
    manual = rng.random() < 0.25
    try:
        pi = pay(client, pm=rng.choice(CARDS), amount=amount, currency=cur,
                 **({"capture_method": "manual"} if manual else {}))
    except stripe.CardError:
        return
    if manual:
        choice = rng.random()
        if choice < 0.6:
            capture = rng.randrange(low, amount + 1, step) if amount > low else amount
            client.v1.payment_intents.capture(pi.id, params={"amount_to_capture": capture})
        elif choice < 0.8:
            client.v1.payment_intents.cancel(pi.id)


def random_refund(rng: random.Random, client, handle):
    charges, _ = handle.engine.store.list("charge", limit=30)
    if not charges:
        return
    charge = rng.choice(charges)
    params: dict = {"charge": charge["id"]}
    left = charge["amount_captured"] - charge["amount_refunded"]
    if rng.random() < 0.6 and left > 1:
        params["amount"] = rng.randint(1, left + (left // 4 if rng.random() < 0.2 else 0))
    try:
        client.v1.refunds.create(params=params)
    except stripe.InvalidRequestError as exc:
        assert exc.http_status == 400
        if exc.code == "charge_disputed":
            disputes, _ = handle.engine.store.list("dispute", filters={"charge": charge["id"]}, limit=10)
            assert any(not d["is_charge_refundable"] for d in disputes)


def random_dispute_action(rng: random.Random, client, handle):
    disputes, _ = handle.engine.store.list("dispute", limit=20)
    if not disputes:
        return
    d = rng.choice(disputes)
    try:
        if rng.random() < 0.2:
            client.v1.disputes.close(d["id"])
        else:
            text = rng.choice(EVIDENCE)
            evidence = {"uncategorized_text": text} if text else {"customer_name": "Jenny Rosen"}
            client.v1.disputes.update(d["id"], params={"evidence": evidence, "submit": rng.random() < 0.85})
    except stripe.InvalidRequestError as exc:
        assert exc.http_status == 400  # closed or already under review


def check_ledger(handle, client) -> None:
    api, summed = balance_matches_ledger(client, handle)
    assert api == summed
    store = handle.engine.store
    txns = all_balance_transactions(handle)
    by_source: dict[str, list[dict]] = {}
    for txn in txns:
        assert txn["net"] == txn["amount"] - txn["fee"]
        by_source.setdefault(txn["source"], []).append(txn)
    charges, _ = store.list("charge", limit=1000)
    for ch in charges:
        refunds, _ = store.list("refund", filters={"charge": ch["id"]}, limit=100)
        disputes, _ = store.list("dispute", filters={"charge": ch["id"]}, limit=100)
        active = [r for r in refunds if r["status"] != "failed"]
        assert ch["amount_refunded"] == sum(r["amount"] for r in active) <= ch["amount_captured"]
        assert ch["refunded"] == (ch["amount_captured"] > 0 and ch["amount_refunded"] == ch["amount_captured"])
        related = [t for src in [ch["id"], *(r["id"] for r in refunds), *(d["id"] for d in disputes)]
                   for t in by_source.get(src, [])]
        if not ch["captured"]:
            assert related == [] and refunds == []
            continue
        [charge_bt] = by_source[ch["id"]]
        fee_back = fees.DISPUTE_FEE if fees.REFUND_DISPUTE_FEE_ON_WIN else 0
        withdrawn = [d for d in disputes if d["balance_transactions"]]
        for d in disputes:
            kinds = [store.get(t)["reporting_category"] for t in d["balance_transactions"]]
            assert kinds == (["dispute", "dispute_reversal"] if d["status"] == "won" else
                             ["dispute"] if d["payment_method_details"]["card"]["case_type"] == "chargeback" else [])
        if ch["currency"] == "usd":  # exact: amount − fees − refunds − dispute movements
            expected = (ch["amount_captured"] - charge_bt["fee"] - ch["amount_refunded"]
                        - sum(d["amount"] + fees.DISPUTE_FEE for d in withdrawn)
                        + sum(d["amount"] + fee_back for d in withdrawn if d["status"] == "won"))
            assert sum(t["net"] for t in related) == expected, ch["id"]
        elif ch["refunded"] and not withdrawn:  # a converted charge refunded in full keeps only the fee
            assert sum(t["net"] for t in related) == -charge_bt["fee"], ch["id"]
        else:  # converted: the same formula at the charge's own rate, within a cent per part
            rate = Decimal(charge_bt["amount"]) / ch["amount_captured"]
            expected = (charge_bt["net"] - rate * ch["amount_refunded"]
                        - sum(rate * d["amount"] + fees.DISPUTE_FEE for d in withdrawn)
                        + sum(rate * d["amount"] + fee_back for d in withdrawn if d["status"] == "won"))
            assert abs(sum(t["net"] for t in related) - expected) <= len(related), ch["id"]


@pytest.mark.parametrize("seed", [1, 7, 42, 2026])
def test_random_sequences_keep_the_ledger_balanced(own_sandbox, seed):
    handle, client = own_sandbox
    rng = random.Random(seed)
    for _ in range(70):
        roll = rng.random()
        if roll < 0.4:
            random_payment(rng, client)
        elif roll < 0.75:
            random_refund(rng, client, handle)
        elif roll < 0.92:
            random_dispute_action(rng, client, handle)
        else:
            run_jobs(handle)
    run_jobs(handle)
    check_ledger(handle, client)
    pending = [t for t in all_balance_transactions(handle) if t["status"] == "pending"]
    assert pending == []  # with async_delay=0 everything has settled
