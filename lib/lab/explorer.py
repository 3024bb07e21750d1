"""Payments explorer: a filtered, paged list of PaymentIntents through the API.

Stripe's ``GET /v1/payment_intents`` filters only by ``customer`` and ``created``; those go to the
API. Everything else (status, amount range, currency, card brand, decline code, free text) is
filtered here, page by page: :func:`browse` reads pages of 100 newest first (``expand[]=
data.latest_charge`` for the brand, the decline code and the refunded/disputed amounts that make
the Dashboard's status word) until it has a screenful of matches or has scanned ``max_scan``
objects, and returns the cursor (``starting_after``) to continue from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

import stripe

from lib.stripe_facts import currencies
from lib.stripe_facts import statuses as shown
from lib.stripe_facts.lifecycle import FLOW_ORDER

from .eventlog import as_dict

PAGE_SIZE = 100
DEFAULT_WANT = 25
DEFAULT_MAX_SCAN = 1000
PI_ID_RE = re.compile(r"^pi_[A-Za-z0-9]{6,}$")
CUSTOMER_ID_RE = re.compile(r"^cus_[A-Za-z0-9]{6,}$")
STATUSES: tuple[str, ...] = tuple(s.value for s in FLOW_ORDER)
# The list's status words (the Dashboard's), in the order its status filter offers them.
PAYMENT_STATUSES: tuple[str, ...] = tuple(b.label for b in (
    shown.SUCCEEDED, shown.PARTIALLY_REFUNDED, shown.REFUNDED, shown.DISPUTED, shown.UNCAPTURED, shown.FAILED,
    shown.BLOCKED, shown.INCOMPLETE, shown.PROCESSING, shown.CANCELED))


class FilterError(ValueError):
    """A filter value the user typed cannot be used; the message says why."""


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ()
    amount_min: Decimal | None = None      # major units (e.g. dollars), compared per currency
    amount_max: Decimal | None = None
    currency: str | None = None
    customer: str | None = None
    created_from: date | None = None
    created_to: date | None = None
    brands: tuple[str, ...] = ()
    decline_code: str | None = None
    text: str = ""
    payment_statuses: tuple[str, ...] = ()   # the Dashboard's words (PAYMENT_STATUSES), as the list shows them

    def api_params(self) -> dict[str, Any]:
        params: dict[str, Any] = {"limit": PAGE_SIZE, "expand": ["data.latest_charge"]}
        if self.customer:
            params["customer"] = self.customer
        created = {}
        if self.created_from:
            created["gte"] = int(datetime.combine(self.created_from, time.min, UTC).timestamp())
        if self.created_to:
            created["lte"] = int(datetime.combine(self.created_to, time.max, UTC).timestamp())
        if created:
            params["created"] = created
        return params

    def matches(self, pi: dict) -> bool:
        if self.statuses and pi.get("status") not in self.statuses:
            return False
        if self.payment_statuses and shown.payment_badge_of(pi).label not in self.payment_statuses:
            return False
        if self.currency and pi.get("currency") != self.currency:
            return False
        major = currencies.minor_to_major(int(pi.get("amount") or 0), pi.get("currency") or "usd")
        if self.amount_min is not None and major < self.amount_min:
            return False
        if self.amount_max is not None and major > self.amount_max:
            return False
        if self.brands and card_brand(pi) not in self.brands:
            return False
        if self.decline_code and decline_code(pi) != self.decline_code:
            return False
        if self.text:
            haystack = " ".join(str(v) for v in (pi.get("id"), pi.get("description"), pi.get("customer"),
                                                 pi.get("receipt_email"), *(pi.get("metadata") or {}).values())
                                if v).lower()
            if self.text.lower() not in haystack:
                return False
        return True


def parse_filters(*, statuses=(), amount_min: str = "", amount_max: str = "", currency: str = "",
                  customer: str = "", created_from: date | None = None, created_to: date | None = None,
                  brands=(), decline_code: str = "", text: str = "", payment_statuses=()) -> Filters:
    """Validate what the user typed (raises :class:`FilterError` with a readable message)."""
    def money(value: str, label: str) -> Decimal | None:
        value = (value or "").strip().replace(",", "")
        if not value:
            return None
        try:
            out = Decimal(value)
        except InvalidOperation:
            raise FilterError(f"{label} must be a number such as 10 or 12.50 (got {value!r}).") from None
        if out < 0:
            raise FilterError(f"{label} cannot be negative.")
        return out

    low, high = money(amount_min, "Minimum amount"), money(amount_max, "Maximum amount")
    if low is not None and high is not None and low > high:
        raise FilterError("The minimum amount is larger than the maximum amount.")
    customer = (customer or "").strip()
    if customer and not CUSTOMER_ID_RE.match(customer):
        raise FilterError(f"Customer must be a customer id like cus_… (got {customer!r}).")
    if created_from and created_to and created_from > created_to:
        raise FilterError("The start date is after the end date.")
    currency = (currency or "").strip().lower()
    if currency and not re.fullmatch(r"[a-z]{3}", currency):
        raise FilterError(f"Currency must be a 3-letter ISO code such as usd (got {currency!r}).")
    unknown = [w for w in payment_statuses if w not in PAYMENT_STATUSES]
    if unknown:
        raise FilterError(f"Unknown status {unknown[0]!r}: use one of {', '.join(PAYMENT_STATUSES)}.")
    return Filters(tuple(statuses), low, high, currency or None, customer or None, created_from, created_to,
                   tuple(brands), (decline_code or "").strip() or None, (text or "").strip(), tuple(payment_statuses))


def _charge(pi: dict) -> dict:
    latest = pi.get("latest_charge")
    return latest if isinstance(latest, dict) else {}


def card_brand(pi: dict) -> str | None:
    return ((_charge(pi).get("payment_method_details") or {}).get("card") or {}).get("brand")


def card_last4(pi: dict) -> str | None:
    return ((_charge(pi).get("payment_method_details") or {}).get("card") or {}).get("last4")


def decline_code(pi: dict) -> str | None:
    """The decline code of the payment's latest failure (or of its latest charge)."""
    error = pi.get("last_payment_error") or {}
    code = error.get("decline_code") or error.get("code")
    if code:
        return code
    charge = _charge(pi)
    if charge.get("status") == "failed":
        return (charge.get("outcome") or {}).get("reason") or charge.get("failure_code")
    return None


def customer_id(pi: dict) -> str | None:
    customer = pi.get("customer")
    return customer if isinstance(customer, str) else (customer or {}).get("id")


def card_label(pi: dict) -> str:
    """``"visa •••• 4242"``, or "" when the payment has no card charge yet."""
    brand, last4 = card_brand(pi), card_last4(pi)
    return f"{brand} •••• {last4}" if brand and last4 else (brand or "")


def row(pi: dict) -> dict[str, Any]:
    """A flat row for the list table. ``status`` is the Dashboard's word for the payment (a Badge: a
    succeeded payment refunded $10 of $25 reads Partially refunded); ``customer`` is None when the
    payment has none (the table shows it blank)."""
    amount, cur = int(pi.get("amount") or 0), pi.get("currency") or "usd"
    return {
        "id": pi["id"],
        "created": datetime.fromtimestamp(int(pi.get("created") or 0), UTC),
        "amount": currencies.format_amount(amount, cur),
        "currency": cur.upper(),
        "status": shown.payment_badge_of(pi),
        "card": card_label(pi),
        "brand": card_brand(pi) or "",
        "last4": card_last4(pi) or "",
        "decline code": decline_code(pi) or "",
        "customer": customer_id(pi),
        "description": pi.get("description") or "",
    }


@dataclass
class BrowseResult:
    items: list[dict] = field(default_factory=list)
    next_cursor: str | None = None     # starting_after for the next page (None: nothing more)
    scanned: int = 0
    requests: int = 0

    @property
    def exhausted(self) -> bool:
        return self.next_cursor is None


def browse(client: stripe.StripeClient, filters: Filters, *, cursor: str | None = None, want: int = DEFAULT_WANT,
           max_scan: int = DEFAULT_MAX_SCAN) -> BrowseResult:
    """Up to ``want`` matching PaymentIntents, newest first, starting after ``cursor``."""
    params = filters.api_params()
    if cursor:
        params["starting_after"] = cursor
    out = BrowseResult()
    while True:
        page = client.v1.payment_intents.list(params=params)
        out.requests += 1
        data = [as_dict(p) for p in page.data]
        for index, pi in enumerate(data):
            out.scanned += 1
            if filters.matches(pi):
                out.items.append(pi)
                if len(out.items) >= want:
                    more = index + 1 < len(data) or bool(page.has_more)
                    out.next_cursor = pi["id"] if more else None
                    return out
        if not page.has_more or not data:
            out.next_cursor = None
            return out
        params["starting_after"] = data[-1]["id"]
        if out.scanned >= max_scan:
            out.next_cursor = data[-1]["id"]
            return out


def normalize_pi_id(value: str) -> str:
    """Accept a pasted PaymentIntent id (or its client secret); raise FilterError otherwise."""
    value = (value or "").strip()
    if "_secret_" in value:
        value = value.split("_secret_", 1)[0]
    if not PI_ID_RE.match(value):
        raise FilterError(f"That is not a PaymentIntent id (they look like pi_3Mx…): {value[:40]!r}")
    return value
