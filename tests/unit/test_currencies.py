"""Currencies (lib.stripe_facts.currencies) against TEST_MODE.md §5.4–§5.5."""

from __future__ import annotations

from decimal import Decimal

import pytest

from lib.stripe_facts import currencies as cur


def test_sets():
    assert len(cur.SUPPORTED) >= 135
    assert all(c == c.lower() and len(c) == 3 for c in cur.SUPPORTED)
    assert cur.ZERO_DECIMAL == frozenset("bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
    assert cur.THREE_DECIMAL == frozenset({"bhd", "jod", "kwd", "omr", "tnd"})
    assert cur.ZERO_DECIMAL | cur.THREE_DECIMAL <= cur.SUPPORTED
    assert set(cur.USD_RATES) == set(cur.SUPPORTED)
    assert cur.USD_RATES["usd"] == 1.0
    assert all(v > 0 for v in cur.USD_RATES.values())
    assert cur.SETTLEMENT_CURRENCY == "usd"


@pytest.mark.parametrize("c,e", [("usd", 2), ("eur", 2), ("jpy", 0), ("krw", 0), ("kwd", 3), ("bhd", 3),
                                 ("isk", 2), ("ugx", 2), ("huf", 2), ("USD", 2)])
def test_exponent(c, e):
    assert cur.exponent(c) == e


@pytest.mark.parametrize("c,minimum", [("usd", 50), ("aed", 200), ("gbp", 30), ("jpy", 50), ("huf", 17500),
                                       ("mxn", 1000), ("myr", 200), ("thb", 1000), ("czk", 1500),
                                       ("hkd", 400), ("dkk", 250)])
def test_documented_minimums(c, minimum):
    assert cur.minimum_amount(c) == minimum


def test_converted_minimums_round_up_to_chargeable_amounts():
    for c in cur.SUPPORTED:
        low = cur.minimum_amount(c)
        assert low > 0
        if c in cur.THREE_DECIMAL:
            assert low % 10 == 0
        if c in ("isk", "ugx"):
            assert low % 100 == 0
    # COP: 0.50 USD × 4000 = 2000.00 COP
    assert cur.minimum_amount("cop") == 200000
    # VND zero-decimal: 0.50 × 25000 = 12500
    assert cur.minimum_amount("vnd") == 12500
    # KWD: 0.50 × 0.307 = 0.1535 → 154 → up to 160
    assert cur.minimum_amount("kwd") == 160
    # the converted minimum really converts to at least 50 cents
    for c in cur.SUPPORTED - set(cur._MINIMUMS):
        assert cur.to_settlement(cur.minimum_amount(c), c)[0] >= 50, c


def test_effective_minimum_meets_settlement_minimum():
    assert cur.effective_minimum_amount("usd") == 50
    assert cur.effective_minimum_amount("jpy") == 75  # ¥50 is only ~$0.33 at 150 JPY/USD
    for c in sorted(cur.SUPPORTED):
        low = cur.effective_minimum_amount(c)
        assert cur.amount_error(low, c) is None, c


def test_maximum():
    assert cur.maximum_amount("usd") == 99_999_999
    assert cur.maximum_amount("idr") == 999_999_999_999


def test_amount_errors():
    assert cur.amount_error(0, "usd") == ("parameter_invalid_integer",
                                          "This value must be greater than or equal to 1.")
    assert cur.amount_error(49, "usd") == ("amount_too_small", "Amount must be at least $0.50 usd")
    assert cur.amount_error(50, "usd") is None
    assert cur.amount_error(49, "eur") == ("amount_too_small", "Amount must be at least €0.50 eur")
    assert cur.amount_error(49, "jpy") == ("amount_too_small", "Amount must be at least ¥50 jpy")
    code, msg = cur.amount_error(30, "gbp")
    assert code == "amount_too_small"
    assert msg == "Amount must convert to at least 50 cents. £0.30 converts to approximately $0.38."
    assert cur.amount_error(100_000_000, "usd")[0] == "amount_too_large"
    assert cur.amount_error(99_999_999, "usd") is None
    assert cur.amount_error(100_000_000, "idr") is None
    assert cur.amount_error(1_000_000_000_000, "idr")[0] == "amount_too_large"
    assert cur.amount_error(5124, "kwd")[0] == "invalid_charge_amount"
    assert cur.amount_error(5120, "kwd") is None
    assert cur.amount_error(10050, "isk")[0] == "invalid_charge_amount"
    assert cur.amount_error(10000, "isk") is None
    with pytest.raises(ValueError):
        cur.amount_error(100, "xyz")


def test_to_settlement():
    assert cur.to_settlement(1000, "usd") == (1000, None)
    cents, rate = cur.to_settlement(1000, "eur")
    assert rate == pytest.approx(1 / 0.92)
    assert cents == 1087  # 10.00 EUR × 1.0869565 = 10.8696 USD
    assert round(10.00 * rate * 100) == cents
    assert cur.to_settlement(15000, "jpy") == (10000, pytest.approx(1 / 150))
    assert cur.to_settlement(3070, "kwd")[0] == 1000  # 3.070 KWD = 10.00 USD


def test_format_amount():
    assert cur.format_amount(1000, "usd") == "$10.00"
    assert cur.format_amount(500, "jpy") == "¥500"
    assert cur.format_amount(5120, "kwd") == "KWD 5.120"
    assert cur.format_amount(123450, "eur") == "€1,234.50"
    assert cur.format_amount(-300, "usd") == "-$3.00"
    assert cur.format_amount(0, "gbp") == "£0.00"
    assert cur.symbol("usd") == "$" and cur.symbol("kwd") == "KWD"


# TEST_MODE.md §5.4, written out by hand: the API amount and what a person reads.
#   "¥500 → 500"; "5 ISK → 500" (ISK/UGX: 2-decimal amounts, whole units); "5.124 KWD → 5120";
#   HUF takes 2-decimal amounts; the Dashboard shows whole forints.
@pytest.mark.parametrize(("minor", "currency", "shown"), [
    (500, "jpy", "¥500"), (500, "isk", "ISK 5"), (350000, "isk", "ISK 3,500"), (10000, "ugx", "UGX 100"),
    (5120, "kwd", "KWD 5.120"), (17500, "huf", "HUF 175"), (17550, "huf", "HUF 175.50"),
    (2500, "usd", "$25.00"), (-1, "usd", "-$0.01"), (1234, "xyz", "XYZ 12.34"),
])
def test_the_one_formatter_shows_amounts_as_stripe_does(minor, currency, shown):
    assert cur.format_amount(minor, currency) == shown


def test_the_one_formatter_never_raises_on_missing_values():
    assert cur.format_amount(None, "usd") == "–" and cur.format_amount(100, None) == "–"


def test_every_money_formatter_in_the_app_is_the_one():
    from lib.finance import money

    assert money.format_amount is cur.format_amount


def test_major_minor_round_trip():
    assert cur.major_to_minor(10, "usd") == 1000
    assert cur.major_to_minor("10.005", "usd") == 1001  # half-up
    assert cur.major_to_minor(Decimal("5.12"), "kwd") == 5120
    assert cur.major_to_minor(500, "jpy") == 500
    assert cur.minor_to_major(1234, "usd") == Decimal("12.34")
    assert cur.minor_to_major(500, "jpy") == Decimal("500")
    assert cur.minor_to_major(5120, "kwd") == Decimal("5.120")
    for c in ("usd", "jpy", "kwd", "isk"):
        assert cur.major_to_minor(cur.minor_to_major(98760, c), c) == 98760


def test_the_pinned_api_version_is_the_sdks():
    """The app pins the version stripe-python 16.1.0 is generated for (its own constant)."""
    from stripe._api_version import _ApiVersion

    from lib.stripe_facts.api_version import API_VERSION

    assert API_VERSION == _ApiVersion.CURRENT
