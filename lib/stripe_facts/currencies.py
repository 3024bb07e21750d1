"""Currencies: minor units, minimum/maximum amounts, fixed FX rates and THE amount formatter.

Facts from TEST_MODE.md §5.4–§5.5 (and §2.6 for the error wording). Choices:

* ``SUPPORTED`` is the card presentment list of docs.stripe.com/currencies ("135+"), lowercase,
  including the three-decimal currencies and the newer ``sle`` / ``xcg``.
* ISK and UGX: Stripe treats them as zero-decimal, but for backwards compatibility the API
  takes them as *2-decimal* amounts that must be divisible by 100 (5 ISK → 500). So
  :func:`exponent` returns 2 for them, and :func:`amount_error` rejects amounts not divisible
  by 100. ``ZERO_DECIMAL`` still lists UGX because §5.4 does.
* Three-decimal amounts must end in 0; otherwise the code is ``invalid_charge_amount`` (an
  existing Stripe error code; the reference gives none for this case).
* Minimums: the §5.5 value where listed; otherwise US$0.50 converted at our fixed rate and
  rounded *up* to a chargeable amount. Because this sandbox settles in USD, a non-USD charge
  must also convert to at least US$0.50 (§5.5 "must meet the minimum after conversion"); that
  check uses Stripe's wording "Amount must convert to at least 50 cents. £0.30 converts to
  approximately $0.38.".
* ``USD_RATES`` are **fixed, illustrative** mid-market rates (roughly mid-2024), so results are
  reproducible offline. They are not live rates and not Stripe's rates.
"""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

SETTLEMENT_CURRENCY = "usd"

ZERO_DECIMAL: frozenset[str] = frozenset(
    "bif clp djf gnf jpy kmf krw mga pyg rwf ugx vnd vuv xaf xof xpf".split())
THREE_DECIMAL: frozenset[str] = frozenset("bhd jod kwd omr tnd".split())
# Zero-decimal in practice, but sent as 2-decimal amounts divisible by 100 (§5.4).
DIVISIBLE_BY_100: frozenset[str] = frozenset({"isk", "ugx"})
# 2-decimal in the API, shown in whole units when the amount has no fraction (Dashboard style).
WHOLE_WHEN_EVEN: frozenset[str] = frozenset({"huf"})

# Units of each currency per 1 USD (fixed, illustrative). USD_RATES is derived from it.
_PER_USD: dict[str, str] = {
    "usd": "1", "aed": "3.6725", "afn": "71", "all": "93", "amd": "388", "ang": "1.79", "aoa": "870",
    "ars": "900", "aud": "1.5", "awg": "1.79", "azn": "1.7", "bam": "1.8", "bbd": "2", "bdt": "118",
    "bgn": "1.8", "bhd": "0.376", "bif": "2870", "bmd": "1", "bnd": "1.35", "bob": "6.91", "brl": "5.4",
    "bsd": "1", "bwp": "13.5", "byn": "3.27", "bzd": "2", "cad": "1.36", "cdf": "2800", "chf": "0.88",
    "clp": "930", "cny": "7.25", "cop": "4000", "crc": "520", "cve": "101", "czk": "23", "djf": "178",
    "dkk": "6.85", "dop": "59", "dzd": "134", "egp": "48", "etb": "57", "eur": "0.92", "fjd": "2.25",
    "fkp": "0.78", "gbp": "0.78", "gel": "2.75", "gip": "0.78", "gmd": "68", "gnf": "8600", "gtq": "7.75",
    "gyd": "209", "hkd": "7.8", "hnl": "24.7", "htg": "132", "huf": "360", "idr": "16000", "ils": "3.7",
    "inr": "83.5", "isk": "138", "jmd": "156", "jod": "0.709", "jpy": "150", "kes": "129", "kgs": "86",
    "khr": "4100", "kmf": "452", "krw": "1350", "kwd": "0.307", "kyd": "0.83", "kzt": "470",
    "lak": "21500", "lbp": "89500", "lkr": "300", "lrd": "194", "lsl": "18.3", "mad": "9.9",
    "mdl": "17.7", "mga": "4500", "mkd": "56.5", "mmk": "2100", "mnt": "3400", "mop": "8.05",
    "mur": "46.5", "mvr": "15.4", "mwk": "1735", "mxn": "18", "myr": "4.6", "mzn": "63.9", "nad": "18.3",
    "ngn": "1500", "nio": "36.8", "nok": "10.7", "npr": "133", "nzd": "1.65", "omr": "0.385", "pab": "1",
    "pen": "3.75", "pgk": "3.9", "php": "57", "pkr": "278", "pln": "3.95", "pyg": "7500", "qar": "3.64",
    "ron": "4.6", "rsd": "108", "rub": "90", "rwf": "1300", "sar": "3.75", "sbd": "8.5", "scr": "13.5",
    "sek": "10.5", "sgd": "1.35", "shp": "0.78", "sle": "22.7", "sos": "571", "srd": "32", "std": "22300",
    "szl": "18.3", "thb": "36", "tjs": "10.9", "tnd": "3.1", "top": "2.35", "try": "32", "ttd": "6.78",
    "twd": "32", "tzs": "2600", "uah": "41", "ugx": "3750", "uyu": "40", "uzs": "12600", "vnd": "25000",
    "vuv": "119", "wst": "2.75", "xaf": "604", "xcd": "2.7", "xcg": "1.79", "xof": "604", "xpf": "110",
    "yer": "250", "zar": "18.3", "zmw": "26",
}
SUPPORTED: frozenset[str] = frozenset(_PER_USD)
# 1 unit of the currency (major units) = X USD. Fixed illustrative rates.
USD_RATES: dict[str, float] = {c: float(Decimal(1) / Decimal(v)) for c, v in _PER_USD.items()}


def _rate(currency: str) -> Decimal:
    """Exact-ish Decimal rate (USD per unit) used for arithmetic."""
    return Decimal(1) / Decimal(_PER_USD[currency])


# §5.5 minimums, in minor units of the currency.
_MINIMUMS: dict[str, int] = {
    "usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
    "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50, "mxn": 1000,
    "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300, "sgd": 50, "thb": 1000,
}
MAX_AMOUNT = 99_999_999
MAX_AMOUNT_IDR = 999_999_999_999

_SYMBOLS: dict[str, str] = {
    "usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "cny": "CN¥", "inr": "₹", "krw": "₩", "brl": "R$",
    "thb": "฿", "myr": "RM", "cad": "CA$", "aud": "A$", "nzd": "NZ$", "hkd": "HK$", "sgd": "S$",
    "mxn": "MX$", "twd": "NT$", "ils": "₪", "php": "₱", "vnd": "₫", "ngn": "₦", "uah": "₴", "try": "₺",
    "pln": "zł", "rub": "₽", "zar": "R", "idr": "Rp", "kzt": "₸", "xaf": "FCFA", "xof": "F\u202fCFA",
}


def _norm(currency: str) -> str:
    c = str(currency).lower()
    if c not in SUPPORTED:
        raise ValueError(f"unsupported currency: {currency!r} (validate the currency first)")
    return c


def exponent(currency: str) -> int:
    """Decimal places of the API amount: 0 (zero-decimal), 3 (three-decimal) or 2."""
    c = _norm(currency)
    if c in DIVISIBLE_BY_100:
        return 2
    if c in ZERO_DECIMAL:
        return 0
    return 3 if c in THREE_DECIMAL else 2


def _step(currency: str) -> int:
    """Smallest chargeable increment in minor units."""
    c = _norm(currency)
    return 100 if c in DIVISIBLE_BY_100 else 10 if c in THREE_DECIMAL else 1


def major_to_minor(value, currency: str) -> int:
    """Major units (float/Decimal/str) → integer minor units, half-up."""
    q = Decimal(str(value)) * (Decimal(10) ** exponent(currency))
    return int(q.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def minor_to_major(amount: int, currency: str) -> Decimal:
    e = exponent(currency)
    return (Decimal(int(amount)) / (Decimal(10) ** e)).quantize(Decimal(1).scaleb(-e))


def _ceil_to_step(minor: Decimal, step: int) -> int:
    units = (minor / step).to_integral_value(rounding=ROUND_CEILING)
    return int(units) * step


def minimum_amount(currency: str) -> int:
    """Minimum charge in minor units: §5.5 value, or US$0.50 converted and rounded up."""
    c = _norm(currency)
    if c in _MINIMUMS:
        return _MINIMUMS[c]
    major = Decimal("0.50") / _rate(c)
    return _ceil_to_step(major * (Decimal(10) ** exponent(c)), _step(c))


def maximum_amount(currency: str) -> int:
    return MAX_AMOUNT_IDR if _norm(currency) == "idr" else MAX_AMOUNT


def to_settlement(amount: int, currency: str) -> tuple[int, float | None]:
    """Presentment minor units → (USD cents, exchange_rate).

    ``exchange_rate`` is None when no conversion happens; otherwise presentment *major* ×
    rate = settlement *major*, as on Stripe's BalanceTransaction. Cents are rounded half-up.
    """
    c = _norm(currency)
    if c == SETTLEMENT_CURRENCY:
        return int(amount), None
    usd_major = minor_to_major(amount, c) * _rate(c)
    cents = int((usd_major * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return cents, USD_RATES[c]


def symbol(currency: str) -> str:
    """Currency symbol, or the upper-case ISO code when there is no common symbol."""
    c = str(currency).lower()
    return _SYMBOLS.get(c, c.upper())


def display_decimals(amount: int, currency: str) -> int:
    """How many decimals a person sees for this amount, as the Stripe Dashboard shows it.

    Zero-decimal currencies show none and three-decimal ones three. ISK and UGX are sent as
    2-decimal amounts divisible by 100 but are whole units to a person, so they show none. HUF
    takes 2-decimal amounts, yet Stripe shows whole forints; a HUF amount with a fractional part
    (allowed on charges, §5.4) keeps its two decimals, so no displayed figure is ever rounded.
    Unknown currencies are treated as 2-decimal.
    """
    c = str(currency or "").lower()
    if c in DIVISIBLE_BY_100 or (c in WHOLE_WHEN_EVEN and int(amount) % 100 == 0):
        return 0
    return exponent(c) if c in SUPPORTED else 2


def format_amount(amount: int | None, currency: str | None) -> str:
    """THE amount formatter: integer minor units → what a person reads.

    "$10.00", "¥500", "KWD 5.120", "€1,234.50", "-$3.00", "ISK 3,500", "HUF 175". Never raises:
    an unknown currency is shown as 2-decimal with its upper-case code; a missing amount or
    currency is "–".
    """
    if amount is None or currency is None or amount != amount:  # None or NaN
        return "–"
    c = str(currency).lower()
    minor = int(amount)
    e = exponent(c) if c in SUPPORTED else 2
    shown = display_decimals(minor, c)
    major = (Decimal(abs(minor)).scaleb(-e)).quantize(Decimal(1).scaleb(-shown), rounding=ROUND_HALF_UP)
    sym = symbol(c)
    sign = "-" if minor < 0 else ""
    sep = " " if sym[-1].isalpha() else ""
    return f"{sign}{sym}{sep}{major:,.{shown}f}"


def settlement_minimum_ok(amount: int, currency: str) -> bool:
    """True if the amount converts to at least the settlement minimum (US$0.50)."""
    return to_settlement(amount, currency)[0] >= _MINIMUMS[SETTLEMENT_CURRENCY]


def effective_minimum_amount(currency: str) -> int:
    """Smallest amount :func:`amount_error` accepts: the currency minimum, raised if needed so it
    converts to at least US$0.50 (e.g. JPY: ¥50 is the §5.5 minimum but only ~$0.33)."""
    c = _norm(currency)
    step = _step(c)
    low = minimum_amount(c)
    if settlement_minimum_ok(low, c):
        return low
    cand = _ceil_to_step(Decimal("0.50") / _rate(c) * (Decimal(10) ** exponent(c)), step)
    while cand - step >= low and settlement_minimum_ok(cand - step, c):
        cand -= step
    return max(cand, low)


def amount_error(amount: int, currency: str) -> tuple[str, str] | None:
    """Validate a charge amount; returns (error code, message) or None.

    Checks, in order: ≥ 1 (``parameter_invalid_integer``), the currency minimum
    (``amount_too_small``, "Amount must be at least $0.50 usd"), the maximum
    (``amount_too_large``), the increment (three-decimal last digit 0; ISK/UGX divisible by 100:
    ``invalid_charge_amount``), and finally that it converts to at least US$0.50
    (``amount_too_small``). Raises ValueError for an unsupported currency.
    """
    c = _norm(currency)
    amount = int(amount)
    if amount < 1:
        return "parameter_invalid_integer", "This value must be greater than or equal to 1."
    low = minimum_amount(c)
    if amount < low:
        return "amount_too_small", f"Amount must be at least {format_amount(low, c)} {c}"
    high = maximum_amount(c)
    if amount > high:
        return "amount_too_large", f"Amount must be no more than {format_amount(high, c)}"
    step = _step(c)
    if amount % step:
        what = "end in 0 (three-decimal currency)" if step == 10 else "be divisible by 100"
        return ("invalid_charge_amount",
                f"Invalid amount for {c.upper()}: the amount in minor units must {what}. "
                f"Got {amount}.")
    if c != SETTLEMENT_CURRENCY and not settlement_minimum_ok(amount, c):
        usd = to_settlement(amount, c)[0]
        return ("amount_too_small", f"Amount must convert to at least 50 cents. {format_amount(amount, c)} "
                f"converts to approximately {format_amount(usd, SETTLEMENT_CURRENCY)}.")
    return None
