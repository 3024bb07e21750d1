"""Step 4's "the code that ran": Python, curl and Node versions with the run's real values.

Keys are masked (``sk_test_…abcd``); everything else is exactly what was sent.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode, urlsplit

STRIPE_API = "https://api.stripe.com"


def _flatten(params: dict[str, Any], prefix: str = "") -> list[tuple[str, str]]:
    """Stripe's form encoding: nested dicts become ``metadata[order_id]=…``."""
    out: list[tuple[str, str]] = []
    for key, value in params.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            out += _flatten(value, name)
        elif isinstance(value, list):
            for i, item in enumerate(value):
                out += _flatten({str(i): item}, name) if isinstance(item, dict) else [(f"{name}[]", str(item))]
        elif isinstance(value, bool):
            out.append((name, "true" if value else "false"))
        else:
            out.append((name, str(value)))
    return out


def form_body(params: dict[str, Any]) -> str:
    return urlencode(_flatten(params), safe="[]:/")


def _py_literal(value: Any, indent: int) -> str:
    """A Python literal, one dict entry per line (strings in double quotes, like the docs)."""
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        if not value:
            return "{}"
        items = [f"{pad}{json.dumps(str(k))}: {_py_literal(v, indent + 4)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + "\n" + " " * indent + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_py_literal(v, indent) for v in value) + "]"
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def python(method: str, path: str, params: dict[str, Any], *, key: str, api_base: str,
           idempotency_key: str | None, order_id: str | None = None) -> str:
    resource, verb, target = _sdk_call(method, path)
    base = "" if api_base.rstrip("/") == STRIPE_API else f',\n                             base_addresses={{"api": "{api_base}"}}'
    lines = ["import stripe", "", f'client = stripe.StripeClient("{key}"{base})', ""]
    if order_id and verb in ("create", "confirm") and resource == "payment_intents":
        lines += ["# 1. Your database first: the order exists (pending) before any money moves.",
                  f'order = db.create_order(id="{order_id}", amount={params.get("amount", "order.amount")}, status="pending")' if verb == "create"
                  else f'order = db.get_order("{order_id}")  # retry: same order, same PaymentIntent', "",
                  "# 2. Ask the processor to charge the card (the PaymentMethod id came from the browser)."]
    args = [f'"{target}"'] if target else []
    if params:
        args.append(f"params={_py_literal(params, 4)}")
    if idempotency_key:
        args.append(f'options={{"idempotency_key": "{idempotency_key}"}}')
    call = f"client.v1.{resource}.{verb}(" + ("\n    " + ",\n    ".join(args) + ",\n)" if args else ")")
    lines.append(("intent = " if resource == "payment_intents" else "result = ") + call)
    if order_id and resource == "payment_intents" and verb == "create":
        lines += ["", "# 3. Remember which PaymentIntent pays for this order (the webhook finds it by metadata too).",
                  "db.attach_payment_intent(order.id, intent.id)"]
    return "\n".join(lines)


def curl(method: str, path: str, params: dict[str, Any], *, key: str, api_base: str,
         idempotency_key: str | None) -> str:
    url = api_base.rstrip("/") + path
    lines = [f"curl {url} \\", f'  -u "{key}:" \\']
    if method == "GET":
        lines[0] = f"curl -G {url} \\"
    if idempotency_key:
        lines.append(f'  -H "Idempotency-Key: {idempotency_key}" \\')
    for name, value in _flatten(params):
        lines.append(f'  -d "{name}={value}" \\')
    lines[-1] = lines[-1].removesuffix(" \\")
    return "\n".join(lines)


def node(method: str, path: str, params: dict[str, Any], *, key: str, api_base: str,
         idempotency_key: str | None) -> str:
    resource, verb, target = _sdk_call(method, path)
    camel = "".join(w.title() if i else w for i, w in enumerate(resource.split("_")))
    opts = ""
    if api_base.rstrip("/") != STRIPE_API:
        parts = urlsplit(api_base)
        opts = (f", {{\n  host: '{parts.hostname}',\n  port: {parts.port or (443 if parts.scheme == 'https' else 80)},"
                f"\n  protocol: '{parts.scheme}',\n}}")
    args = [f"'{target}'"] if target else []
    if params or idempotency_key:
        args.append(json.dumps(params, indent=2))
    if idempotency_key:
        args.append(f"{{ idempotencyKey: '{idempotency_key}' }}")
    return "\n".join([f"const stripe = require('stripe')('{key}'{opts});", "",
                      f"const result = await stripe.{camel}.{verb}({', '.join(args)});"])


def _sdk_call(method: str, path: str) -> tuple[str, str, str | None]:
    """``POST /v1/payment_intents/pi_1/confirm`` → ("payment_intents", "confirm", "pi_1")."""
    parts = [p for p in path.split("?")[0].split("/") if p][1:]
    resource = parts[0] if parts else ""
    if len(parts) == 1:
        return resource, "create" if method == "POST" else "list", None
    if len(parts) == 2:
        return resource, {"POST": "update", "GET": "retrieve", "DELETE": "delete"}.get(method, "retrieve"), parts[1]
    return resource, parts[2], parts[1]


def all_languages(method: str, path: str, params: dict[str, Any], *, key: str, api_base: str,
                  idempotency_key: str | None, order_id: str | None = None) -> dict[str, str]:
    return {"Python": python(method, path, params, key=key, api_base=api_base, idempotency_key=idempotency_key,
                             order_id=order_id),
            "curl": curl(method, path, params, key=key, api_base=api_base, idempotency_key=idempotency_key),
            "Node": node(method, path, params, key=key, api_base=api_base, idempotency_key=idempotency_key)}
