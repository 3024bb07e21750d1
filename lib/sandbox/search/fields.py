"""The searchable fields of each resource and how to read them from a stored Stripe object.

From TEST_MODE.md §8.3 and Stripe's "Supported query fields for each resource" table, which gives
each field one of three types:

- ``token``: exact match with ``:`` only, case-insensitive (status, currency, customer, metadata,
  card details, postal code, disputed, refunded);
- ``string``: exact match with ``:`` (the query's words, in order, inside the value's words) and
  substring match with ``~`` (at least 3 characters), case-insensitive (customer email, name, phone);
- ``numeric``: ``:``, ``>``, ``<``, ``>=``, ``<=`` (amount, created).

Two token fields take only some values: ``disputed`` "true" / "false"; ``refunded`` "true" (fully
refunded), "false" (partially refunded) or null (not refunded) - so its value is derived from
``refunded`` and ``amount_refunded`` rather than read. Pure data and functions: no I/O.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

TOKEN = "token"
STRING = "string"
NUMERIC = "numeric"

# The operators each field type accepts (Stripe: an unsupported operator is an error).
OPERATORS: dict[str, tuple[str, ...]] = {
    TOKEN: (":",),
    STRING: (":", "~"),
    NUMERIC: (":", ">", "<", ">=", "<="),
}

METADATA = "metadata"

# Store kind (an object's ``object``) -> the resource name Stripe's messages and URLs use.
RESOURCES: dict[str, str] = {"payment_intent": "payment_intents", "charge": "charges", "customer": "customers"}


@dataclass(frozen=True)
class SearchField:
    """One searchable field: its query name, type, and where its value lives in the object."""

    name: str
    type: str
    path: tuple[str, ...]
    # The only values a query may compare with (lowercase; None stands for null); None = any value.
    accepts: tuple[str | None, ...] | None = None
    # Computes the value instead of reading ``path`` (charge.refunded).
    derive: Callable[[dict], Any] | None = None

    def value_of(self, obj: dict) -> Any:
        """The field's value in ``obj``: a str, int, float or bool, or None when absent."""
        if self.derive is not None:
            return self.derive(obj)
        value: Any = obj
        for part in self.path:
            if not isinstance(value, dict):
                return None
            value = value.get(part)
        if isinstance(value, dict):  # an expanded object (customer): Stripe searches its id
            value = value.get("id")
        return value if isinstance(value, str | int | float) else None


def metadata_of(obj: dict) -> dict[str, str]:
    """The object's metadata keys and values (non-string values as text, empty values dropped)."""
    metadata = obj.get(METADATA)
    if not isinstance(metadata, dict):
        return {}
    return {str(k): str(v) for k, v in metadata.items() if v is not None and str(v) != ""}


def _refunded(charge: dict) -> str | None:
    if charge.get("refunded"):
        return "true"
    if (charge.get("amount_refunded") or 0) > 0:
        return "false"
    return None


def _field(name: str, type_: str, **kw: Any) -> SearchField:
    return SearchField(name, type_, tuple(name.split(".")), **kw)


_CARD_SOURCES = ("card", "card_present", "interac_present")
_CARD_DETAILS = ("last4", "exp_month", "exp_year", "brand", "fingerprint")

FIELDS: dict[str, dict[str, SearchField]] = {
    "payment_intent": {f.name: f for f in (
        _field("amount", NUMERIC),
        _field("created", NUMERIC),
        _field("currency", TOKEN),
        _field("customer", TOKEN),
        _field(METADATA, TOKEN),
        _field("status", TOKEN),
    )},
    "charge": {f.name: f for f in (
        _field("amount", NUMERIC),
        _field("billing_details.address.postal_code", TOKEN),
        _field("created", NUMERIC),
        _field("currency", TOKEN),
        _field("customer", TOKEN),
        _field("disputed", TOKEN, accepts=("true", "false")),
        _field(METADATA, TOKEN),
        *(_field(f"payment_method_details.{source}.{detail}", TOKEN)
          for source in _CARD_SOURCES for detail in _CARD_DETAILS),
        _field("refunded", TOKEN, accepts=("true", "false", None), derive=_refunded),
        _field("status", TOKEN),
    )},
    "customer": {f.name: f for f in (
        _field("created", NUMERIC),
        _field("email", STRING),
        _field(METADATA, TOKEN),
        _field("name", STRING),
        _field("phone", STRING),
    )},
}


def _by_parent(fields: dict[str, SearchField]) -> tuple[tuple[tuple[str, ...], tuple[SearchField, ...]], ...]:
    """The read fields (not metadata, not derived) grouped by the object holding them, so that
    ``values_of`` walks to ``payment_method_details.card`` once for its five fields, and not at all
    to a ``card_present`` the charge does not have."""
    groups: dict[tuple[str, ...], list[SearchField]] = {}
    for spec in fields.values():
        if spec.name != METADATA and spec.derive is None:
            groups.setdefault(spec.path[:-1], []).append(spec)
    return tuple((parent, tuple(specs)) for parent, specs in groups.items())


_READ = {kind: _by_parent(fields) for kind, fields in FIELDS.items()}
_DERIVED = {kind: tuple(f for f in fields.values() if f.derive is not None) for kind, fields in FIELDS.items()}


def values_of(kind: str, obj: dict) -> Iterator[tuple[SearchField, Any]]:
    """Each field of ``kind`` (metadata aside) that ``obj`` has, with its value: what
    ``SearchField.value_of`` gives, for the fields where that is not None (rows are made per object
    written, so this is on every write's path)."""
    for parent, specs in _READ[kind]:
        node: Any = obj
        for part in parent:
            node = node.get(part) if isinstance(node, dict) else None
        if not isinstance(node, dict):
            continue
        for spec in specs:
            value = node.get(spec.path[-1])
            if isinstance(value, dict):  # an expanded object (customer): Stripe searches its id
                value = value.get("id")
            if isinstance(value, str | int | float):
                yield spec, value
    for spec in _DERIVED[kind]:
        value = spec.derive(obj)
        if value is not None:
            yield spec, value
