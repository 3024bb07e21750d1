"""Look-ups in the test-card table: by number, ``pm_card_*`` id, ``tok_*`` id, or category."""

from __future__ import annotations

from functools import lru_cache

from .model import DISPLAY_BRAND, INCORRECT_NUMBER, TestCard, detect_brand, digits_only, luhn_ok
from .table import build_cards


# ---------------------------------------------------------------- look-ups
@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, TestCard], dict[str, TestCard], dict[str, TestCard], tuple[TestCard, ...]]:
    cards = tuple(build_cards())
    by_number: dict[str, TestCard] = {}
    by_pm: dict[str, TestCard] = {}
    by_tok: dict[str, TestCard] = {}
    for card in cards:
        if card.number_primary:
            by_number.setdefault(card.number, card)
        for pm in card.pm_ids:
            by_pm.setdefault(pm, card)
        for tok in card.tok_ids:
            by_tok.setdefault(tok, card)
    return by_number, by_pm, by_tok, cards


def card_by_number(number: str) -> TestCard | None:
    """The documented test card with this number (spaces/dashes ignored), else None."""
    return _index()[0].get(digits_only(number))


def card_for_number(number: str) -> TestCard:
    """Table card, else a synthesized card.

    Any other Luhn-valid number becomes a generic success card (detected brand, country US,
    funding credit). A number that fails Luhn (or is not digits) becomes a card whose
    ``decline`` is :data:`INCORRECT_NUMBER`, so this never raises.
    """
    digits = digits_only(number)
    card = card_by_number(digits)
    if card is not None:
        return card
    brand = detect_brand(digits)
    if luhn_ok(digits) and 12 <= len(digits) <= 19:
        return TestCard(number=digits, brand=brand, country="US", funding="credit",
                        label=f"{DISPLAY_BRAND.get(brand, 'Card')} ending {digits[-4:]}",
                        category="brand", section="1.1",
                        description="Any other valid card number: the payment succeeds.")
    return TestCard(number=digits, brand=brand, country="US", funding="unknown",
                    label="Incorrect number", category="decline", decline=INCORRECT_NUMBER,
                    attachable=False, section="1.7",
                    description="The number fails the Luhn check, so it is refused as incorrect_number.")


def card_by_pm_id(pm_id: str) -> TestCard | None:
    """Card behind a magic ``pm_card_*`` id (case-sensitive, as Stripe's are)."""
    return _index()[1].get(pm_id)


def card_by_token(tok: str) -> TestCard | None:
    """Card behind a magic ``tok_*`` id."""
    return _index()[2].get(tok)


def all_cards() -> list[TestCard]:
    """Every table card, in catalog order (token-only variants included)."""
    return list(_index()[3])


def cards_in_category(category: str) -> list[TestCard]:
    return [c for c in all_cards() if c.category == category]
