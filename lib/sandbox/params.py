"""Request parameters as the resources receive them (already parsed from the wire by
``http/formparse.py``, or passed as Python values by the seeder), and their validation.

``validate`` checks params against a small per-endpoint spec of validators (``string(255)``,
``integer(1)``, ``enum(...)``, ``hash_of({...})``...) and raises Stripe's ``parameter_unknown`` /
``parameter_missing`` / ``parameter_invalid_*`` errors.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .errors import ParamError as InvalidRequest
from .errors import param_missing, param_unknown

INT64_MAX = 2**63 - 1  # SQLite's integer range: larger values cannot even be compared in a query

# --- validation -------------------------------------------------------------------------------

Validator = Callable[[Any, str], Any]


def _name(path: str) -> str:
    return path


def integer(minimum: int | None = None, maximum: int | None = None) -> Validator:
    def check(value: Any, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise InvalidRequest(f"Invalid integer: {str(value)[:50]}", code="parameter_invalid_integer", param=path)
        text = str(value).strip()
        if not re.fullmatch(r"-?[0-9]{1,19}", text):
            raise InvalidRequest(f"Invalid integer: {text[:50]}", code="parameter_invalid_integer", param=path)
        number = int(text)
        if abs(number) > INT64_MAX:
            raise InvalidRequest(f"Invalid integer: {text[:50]}", code="parameter_invalid_integer", param=path)
        if minimum is not None and number < minimum:
            raise InvalidRequest(f"This value must be greater than or equal to {minimum}.",
                                 code="parameter_invalid_integer", param=path)
        if maximum is not None and number > maximum:
            raise InvalidRequest(f"This value must be less than or equal to {maximum}.",
                                 code="parameter_invalid_integer", param=path)
        return number
    return check


def boolean(value: Any, path: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidRequest(f"Invalid boolean: {str(value)[:50]}", param=path)


def string(max_length: int = 5000, blank: bool = False) -> Validator:
    def check(value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise InvalidRequest(f"Invalid string: {str(value)[:50]}", param=path)
        if len(value) > max_length:
            raise InvalidRequest(f"Invalid string: must be at most {max_length} characters",
                                 code="parameter_invalid_string", param=path)
        if not blank and value == "":
            raise InvalidRequest(f"You passed an empty string for '{path}'. We assume empty values are an "
                                 "attempt to unset a parameter; however '" + path + "' cannot be unset. "
                                 "You should remove '" + path + "' from your request or supply a non-empty value.",
                                 code="parameter_invalid_empty", param=path)
        return value
    return check


def enum(*values: str) -> Validator:
    def check(value: Any, path: str) -> str:
        if value not in values:
            listed = ", ".join(values[:-1]) + (", or " if len(values) > 1 else "") + values[-1]
            raise InvalidRequest(f"Invalid {path}: must be one of {listed}", param=path)
        return value
    return check


def currency(value: Any, path: str) -> str:
    from lib.stripe_facts.currencies import SUPPORTED  # local import: data module

    if not isinstance(value, str) or value.lower() not in SUPPORTED:
        raise InvalidRequest(f"Invalid currency: {str(value)[:20].lower()}. Stripe currently supports these "
                             "currencies: " + ", ".join(sorted(SUPPORTED)), param=path)
    return value.lower()


def metadata(value: Any, path: str) -> dict:
    if value == "":
        return {}
    if not isinstance(value, dict):
        raise InvalidRequest("Invalid object", param=path)
    if len(value) > 50:
        raise InvalidRequest("Metadata can have up to 50 keys.", param=path)
    for k, v in value.items():
        if len(k) > 40:
            raise InvalidRequest("Metadata keys can be up to 40 characters long.", param=f"{path}[{k[:40]}]")
        if not isinstance(v, str):
            raise InvalidRequest("Invalid metadata value: must be a string", param=f"{path}[{k}]")
        if len(v) > 500:
            raise InvalidRequest("Metadata values can be up to 500 characters long.", param=f"{path}[{k}]")
    return dict(value)


def string_list(value: Any, path: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise InvalidRequest("Invalid array", param=path)
    return value


def anything(value: Any, path: str) -> Any:
    return value


def hash_any(value: Any, path: str) -> dict | str:
    """A hash whose contents are not checked (``shipping``, ``address``...); ``""`` unsets it."""
    if value == "":
        return ""
    if not isinstance(value, dict):
        raise InvalidRequest("Invalid object", param=path)
    return value


def hash_of(spec: Mapping[str, Validator], required: tuple[str, ...] = ()) -> Validator:
    def check(value: Any, path: str) -> dict:
        if not isinstance(value, dict):
            raise InvalidRequest("Invalid object", param=path)
        return validate(value, spec, required=required, prefix=path)
    return check


def created_filter(value: Any, path: str) -> dict:
    """``created=123`` or ``created[gt|gte|lt|lte]=123`` → dict of bounds."""
    if isinstance(value, str):
        return {"eq": integer()(value, path)}
    if not isinstance(value, dict):
        raise InvalidRequest("Invalid object", param=path)
    out = {}
    for op, v in value.items():
        if op not in ("gt", "gte", "lt", "lte"):
            raise param_unknown(f"{path}[{op}]")
        out[op] = integer()(v, f"{path}[{op}]")
    return out


def validate(params: Mapping[str, Any], spec: Mapping[str, Validator], required: tuple[str, ...] = (),
             prefix: str = "") -> dict:
    out: dict[str, Any] = {}

    def full(k: str) -> str:
        return f"{prefix}[{k}]" if prefix else k

    for key, value in params.items():
        if key not in spec:
            raise param_unknown(full(key))
        out[key] = spec[key](value, full(key))
    for key in required:
        if key not in out or out[key] in ("", None):
            raise param_missing(full(key))
    return out


EXPAND = {"expand": string_list}
LIST_PARAMS: dict[str, Validator] = {
    "limit": integer(1, 100), "starting_after": string(255), "ending_before": string(255),
    "created": created_filter, **EXPAND,
}
