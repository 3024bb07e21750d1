"""The walkthrough's test-card picker, built from the test-card table (lib.stripe_facts.cards).

Card *numbers* never travel through Streamlit: the picker sends the card form only a ``key``,
and the form (an iframe) looks the number up in ``cards.json``, a static file served over HTTP
next to its index.html (:func:`ensure_catalog_file`). So the e2e test can assert that no card
digits cross the Streamlit websocket at all.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from lib.stripe_facts import cards

CATALOG_FILE = "cards.json"
_LONG_NUMBER_RE = re.compile(r"\d{12,}")


@dataclass(frozen=True)
class PickerCard:
    key: str            # stable slug, safe to send to the browser (no digits of the number)
    group: str
    label: str
    outcome: str        # what happens, in words (no card numbers)
    brand: str
    country: str
    funding: str
    pm_id: str | None   # server-side shortcut (pm_card_*), when Stripe has one
    tok_id: str | None  # legacy Charges API token (tok_*), when Stripe has one
    number: str         # only written to cards.json, never rendered by Python
    three_ds: bool = False
    decline: bool = False
    dispute: bool = False

    @property
    def cvc_length(self) -> int:
        return cards.cvc_length(self.brand)


GROUPS: tuple[tuple[str, str], ...] = (
    ("success_brand", "Succeeds · by brand"),
    ("success_country", "Succeeds · by country"),
    ("decline", "Declined by the bank"),
    ("radar", "Blocked by Radar (fraud)"),
    ("threeds", "3-D Secure required"),
    ("threeds_decline", "3-D Secure, then declined"),
    ("dispute", "Succeeds, then disputed"),
    ("refund", "Refund behaviour"),
)
GROUP_LABELS = dict(GROUPS)

_RADAR_BLOCKS = ("4100000000000019", "4000000000004954")
_THREEDS = ("4000000000003220", "4000002760003184", "4000002500003155", "4000000000003063")
_THREEDS_DECLINE = ("4000008260003178", "4000008400001629")
_DISPUTES = ("4000000000000259", "4000000000002685", "4000000000001976")
_REFUNDS = ("4000000000005126", "4000000000007726")
_COUNTRY_PICKS = ("GB", "DE", "FR", "JP", "BR", "IN", "AU", "CA", "MX", "SG")


def _slug(text: str) -> str:
    return re.sub(r"[^a-z]+", "-", text.lower()).strip("-")


def _clean(text: str) -> str:
    return _LONG_NUMBER_RE.sub("another test card", text)


def _pick(card: cards.TestCard, group: str, label: str | None = None, **flags: bool) -> PickerCard:
    tok = next((t for t in card.tok_ids if t.startswith("tok_")), None)
    return PickerCard(key="", group=group, label=label or card.label, outcome=_clean(card.description),
                      brand=card.brand, country=card.country, funding=card.funding, pm_id=card.primary_pm_id,
                      tok_id=tok, number=card.number, **flags)


def _build() -> list[PickerCard]:
    by_number = {c.number: c for c in cards.all_cards() if c.number_primary}
    out: list[PickerCard] = []
    seen_brands: set[str] = set()
    for c in cards.cards_in_category("brand"):
        if c.primary_pm_id and c.label not in seen_brands:
            seen_brands.add(c.label)
            out.append(_pick(c, "success_brand"))
    for iso in _COUNTRY_PICKS:
        c = next(c for c in cards.cards_in_category("country") if c.country == iso and c.primary_pm_id)
        out.append(_pick(c, "success_country", c.label.split(" – ")[0]))
    for c in cards.cards_in_category("decline"):
        if c.number_primary and not c.fail_on_charge_after_attach:
            out.append(_pick(c, "decline", c.label.removeprefix("Declined: ").capitalize(), decline=True))
    groups = (("radar", _RADAR_BLOCKS, {"decline": True}), ("threeds", _THREEDS, {"three_ds": True}),
              ("threeds_decline", _THREEDS_DECLINE, {"three_ds": True, "decline": True}),
              ("dispute", _DISPUTES, {"dispute": True}), ("refund", _REFUNDS, {}))
    for group, numbers, flags in groups:
        for number in numbers:
            out.append(_pick(by_number[number], group, **flags))
    keyed: list[PickerCard] = []
    used: set[str] = set()
    for p in out:
        base = _slug(f"{p.group} {p.label}")
        key, n = base, 2
        while key in used:
            key, n = f"{base}-{n}", n + 1
        used.add(key)
        keyed.append(PickerCard(**{**p.__dict__, "key": key}))
    return keyed


_PICKER: list[PickerCard] | None = None


def picker_cards() -> list[PickerCard]:
    global _PICKER
    if _PICKER is None:
        _PICKER = _build()
    return list(_PICKER)


def by_key(key: str | None) -> PickerCard | None:
    return next((p for p in picker_cards() if p.key == key), None)


def by_pm_id(pm_id: str) -> PickerCard | None:
    return next((p for p in picker_cards() if p.pm_id == pm_id), None)


def default_card() -> PickerCard:
    return picker_cards()[0]


def first_in_group(group: str) -> PickerCard:
    return next(p for p in picker_cards() if p.group == group)


def option_label(p: PickerCard) -> str:
    return f"{GROUP_LABELS[p.group]} — {p.label}"


def catalog() -> dict[str, dict[str, object]]:
    """What the card form needs to fill itself: key → number, brand and CVC length."""
    return {p.key: {"number": p.number, "brand": p.brand, "cvc_length": p.cvc_length, "label": p.label}
            for p in picker_cards()}


def catalog_json() -> str:
    return json.dumps(catalog(), indent=1, sort_keys=True) + "\n"


def ensure_catalog_file(directory: Path) -> Path:
    """Write ``cards.json`` next to the card form if it is missing or stale; returns its path."""
    path = directory / CATALOG_FILE
    text = catalog_json()
    try:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
    except OSError:  # read-only install: the committed file is used as is
        pass
    return path
