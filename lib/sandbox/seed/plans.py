"""The seeded mix: what happens to each payment (``plan_payment``), drawn from one ``random.Random``.

The mix (one ``random.Random(seed)`` drawn in a fixed order, so the same seed gives the same
counts, amounts, currencies and outcomes):

* ~7 % declined at once (insufficient funds most often, then generic, expired, CVC, processing, lost,
  stolen, velocity, fraudulent), a third of them retried on the same PaymentIntent with a good card;
* ~5 % 3-D Secure (mostly completed, some failed, a few abandoned in ``requires_action``; some
  cards decline after authenticating) — so ~8 % of payments see a card decline in all;
* ~0.8 % dispute cards: chargebacks won or lost (evidence or accepted), inquiries closed, a few
  left open;
* ~10 % manual capture: most captured in full, some partially, a few canceled;
* ~5 % of succeeded payments refunded later, a third of those partially;
* currencies: usd ~68 %, then eur, gbp, cad, aud, jpy; card brands and issuing countries from
  the test-card table (so some are international and pay the extra fee);
* ~65 % of payments belong to a customer; a pool of customers returns (earlier ones more often).

A plan is a dict (``currency``, ``amount``, ``product``, ``card``, ``kind``: card | decline | 3ds |
dispute, ``capture``, ``refund``, ...); seeder.py carries it out. Another planner with the same
format (the app's Traffic simulator) can replace ``plan_payment``.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from typing import Any

from lib.stripe_facts import currencies

CURRENCIES = (("usd", 68), ("eur", 10), ("gbp", 7), ("cad", 6), ("aud", 5), ("jpy", 4))
# Units of the currency per US dollar (rough; only used to pick realistic prices).
PER_USD = {"usd": 1.0, "eur": 0.92, "gbp": 0.79, "cad": 1.37, "aud": 1.52, "jpy": 150.0}
SUCCESS_CARDS = (("pm_card_visa", 30), ("pm_card_mastercard", 20), ("pm_card_amex", 9), ("pm_card_visa_debit", 8),
                 ("pm_card_mastercard_debit", 5), ("pm_card_discover", 4), ("pm_card_mastercard_prepaid", 2),
                 ("pm_card_diners", 1), ("pm_card_jcb", 1), ("pm_card_unionpay", 1), ("pm_card_gb", 3),
                 ("pm_card_ca", 3), ("pm_card_de", 2), ("pm_card_fr", 2), ("pm_card_au", 2), ("pm_card_jp", 1),
                 ("pm_card_mx", 1), ("pm_card_br", 1), ("pm_card_in", 1), ("pm_card_nl", 1), ("pm_card_es", 1),
                 ("pm_card_it", 1), ("pm_card_sg", 1))
DECLINE_CARDS = (("pm_card_visa_chargeDeclinedInsufficientFunds", 34), ("pm_card_visa_chargeDeclined", 28),
                 ("pm_card_chargeDeclinedExpiredCard", 10), ("pm_card_chargeDeclinedIncorrectCvc", 9),
                 ("pm_card_chargeDeclinedProcessingError", 5), ("pm_card_visa_chargeDeclinedLostCard", 4),
                 ("pm_card_visa_chargeDeclinedStolenCard", 3),
                 ("pm_card_visa_chargeDeclinedVelocityLimitExceeded", 3), ("pm_card_chargeDeclinedFraudulent", 4))
THREEDS_CARDS = (("pm_card_threeDSecure2Required", 50), ("pm_card_authenticationRequired", 30),
                 ("pm_card_threeDSecureRequiredChargeDeclined", 10),
                 ("pm_card_authenticationRequiredChargeDeclinedInsufficientFunds", 10))
DISPUTE_CARDS = (("pm_card_createDispute", 60), ("pm_card_createDisputeProductNotReceived", 20),
                 ("pm_card_createDisputeInquiry", 20))
FIRST = ("Ana", "Ben", "Chloé", "Dev", "Emma", "Farid", "Grace", "Hiro", "Ines", "Jonas", "Kai", "Lea", "Mia", "Noah",
         "Olu", "Priya", "Quinn", "Rosa", "Sam", "Tariq", "Uma", "Vera", "Wei", "Yara", "Zoe")
LAST = ("Martin", "Smith", "Garcia", "Müller", "Rossi", "Dubois", "Tanaka", "Silva", "Kowalski", "Nguyen", "Okafor",
        "Jensen", "Patel", "Cohen", "Novak", "Haddad", "Murphy", "Larsen", "Santos", "Kim")
PRODUCTS = ("Starter plan", "Pro plan", "Team plan", "Workshop ticket", "Gift card", "Hoodie", "Coffee beans (1 kg)",
            "E-book", "Annual subscription", "Consulting hour", "Sticker pack", "Headphones")


_CUMULATIVE: dict[tuple, tuple[list[int], int]] = {}


def _pick(rng: random.Random, table: tuple[tuple[str, int], ...]) -> str:
    """A weighted choice from ``(value, weight)`` pairs: one draw, cumulative weights cached."""
    cached = _CUMULATIVE.get(table)
    if cached is None:
        cumulative = list(itertools.accumulate(w for _, w in table))
        cached = _CUMULATIVE[table] = (cumulative, cumulative[-1])
    cumulative, total = cached
    return table[min(bisect.bisect_right(cumulative, rng.random() * total), len(table) - 1)][0]


def _amount(rng: random.Random, currency: str) -> int:
    """A shop-like price: log-normal around $40, rounded like a price tag, above the minimum."""
    usd = min(2500.0, max(1.0, rng.lognormvariate(math.log(40), 0.9)))
    major = usd * PER_USD[currency]
    exp = currencies.exponent(currency)
    if exp == 0:
        amount = max(10, int(round(major, -1)))
    else:
        amount = int(major) * 10 ** exp + (rng.choice((0, 0, 50, 95, 99)) if exp == 2 else 0)
    return max(amount, minimum(currency))


_MINIMUMS: dict[str, int] = {}


def minimum(currency: str) -> int:
    """The smallest amount the seeder charges in ``currency`` (Stripe's minimum, cached)."""
    if currency not in _MINIMUMS:
        _MINIMUMS[currency] = currencies.effective_minimum_amount(currency)
    return _MINIMUMS[currency]


def plan_payment(rng: random.Random) -> dict[str, Any]:
    """What happens to one payment. Draws a fixed number of values, so plans stay reproducible."""
    kind_r, outcome_r, capture_r, capture_kind_r, refund_r, refund_kind_r, customer_r = (
        rng.random() for _ in range(7))
    currency = _pick(rng, CURRENCIES)
    plan: dict[str, Any] = {
        "currency": currency, "amount": _amount(rng, currency), "product": rng.choice(PRODUCTS),
        "card": _pick(rng, SUCCESS_CARDS), "customer": customer_r < 0.65, "returning": rng.random(),
        "delay": rng.random(), "part": 0.4 + 0.55 * rng.random(), "kind": "card", "capture": None,
        "refund": ("partial" if refund_kind_r < 0.33 else "full") if refund_r < 0.055 else None}
    decline_card, threeds_card, dispute_card = (_pick(rng, DECLINE_CARDS), _pick(rng, THREEDS_CARDS),
                                                _pick(rng, DISPUTE_CARDS))
    if kind_r < 0.072:
        plan.update(kind="decline", decline_card=decline_card, retry=outcome_r < 0.35)
    elif kind_r < 0.122:
        plan.update(kind="3ds", threeds_card=threeds_card,
                    answer="complete" if outcome_r < 0.82 else "fail" if outcome_r < 0.94 else "abandon")
    elif kind_r < 0.130:
        plan.update(kind="dispute", dispute_card=dispute_card, refund=None,
                    outcome=("won" if outcome_r < 0.4 else "lost" if outcome_r < 0.65 else "accept"
                             if outcome_r < 0.9 else "open"))
    elif capture_r < 0.10:
        plan["capture"] = "full" if capture_kind_r < 0.7 else "partial" if capture_kind_r < 0.9 else "cancel"
    return plan
