"""Fees (lib.stripe_facts.fees) against the TEST_MODE.md §5.3 worked examples."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lib.stripe_facts import fees
from lib.stripe_facts.cards import card_by_pm_id


@pytest.mark.parametrize("amount,country,currency,fee,net", [
    (1000, "US", "usd", 59, 941),
    (2000, "US", "usd", 88, 1912),
    (10000, "US", "usd", 320, 9680),
    (10000, "GB", "usd", 470, 9530),
])
def test_worked_examples(amount, country, currency, fee, net):
    total, details = fees.charge_fee(amount, country, currency)
    assert total == fee
    assert amount - total == net == fees.net_after_fee(amount, country, currency)
    assert details == [{"amount": fee, "application": None, "currency": "usd",
                        "description": "Stripe processing fees", "type": "stripe_fee"}]


def test_gb_card_example_uses_the_pm_card_gb_country():
    assert fees.charge_fee(10000, card_by_pm_id("pm_card_gb").country, "usd")[0] == 470


def test_currency_conversion_adds_separate_line():
    total, details = fees.charge_fee(10000, "US", "eur")
    assert total == 420  # 3.9% + 30
    assert [d["description"] for d in details] == ["Stripe processing fees", "Stripe currency conversion fee"]
    assert [d["amount"] for d in details] == [320, 100]
    total, details = fees.charge_fee(10000, "FR", "eur")
    assert total == 570  # 2.9 + 1.5 + 1 = 5.4% + 30
    assert sum(d["amount"] for d in details) == total


def test_half_up_rounding_and_lines_sum():
    # 2.9% of 1050 = 30.45 → 30 ; of 1550 = 44.95 → 45 ; of 50 = 1.45 → 1
    assert fees.charge_fee(1050, "US", "usd")[0] == 60
    assert fees.charge_fee(1550, "US", "usd")[0] == 75
    assert fees.charge_fee(50, "US", "usd")[0] == 31
    # 4.4% of 1250 = 55.0 ; 3.9% of 1283 = 50.037 → 50 ; fx 1% of 1250 = 12.5 → 13
    total, details = fees.charge_fee(1250, "US", "jpy")
    assert total == round(Decimal(1250) * Decimal("0.039")) + 30
    assert details[1]["amount"] == 13 and sum(d["amount"] for d in details) == total
    for amount in range(50, 5000, 37):
        for country, currency in (("US", "usd"), ("GB", "usd"), ("US", "gbp"), ("DE", "eur")):
            total, details = fees.charge_fee(amount, country, currency)
            assert sum(d["amount"] for d in details) == total


def test_domestic_when_country_missing_and_rates():
    assert fees.charge_fee(1000, None, "usd")[0] == 59
    assert fees.charge_fee(1000, "us", "USD")[0] == 59
    assert fees.fee_rate("GB", "eur") == Decimal("0.054")
    assert fees.is_international("CA") and not fees.is_international("US")


def test_dispute_fees():
    assert fees.DISPUTE_FEE == 1500
    assert fees.dispute_fee_details() == (1500, [{"amount": 1500, "application": None, "currency": "usd",
                                                  "description": "Dispute fee", "type": "stripe_fee"}])
    assert fees.REFUND_DISPUTE_FEE_ON_WIN is False
    assert fees.dispute_reversal_fee() == (0, [])
    total, lines = fees.dispute_reversal_fee(True)
    assert total == -1500 and lines[0]["amount"] == -1500
