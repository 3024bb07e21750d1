"""Stripe's wire format for request parameters: form encoding with bracket notation.

Bodies and query strings look like ``metadata[k]=v``, ``expand[]=a`` or ``expand[0]=a``,
``card[number]=4242...``; ``parse_form`` turns them into nested dicts and lists, which the
resources then check with ``lib.sandbox.params``.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl

from ..errors import ParamError as InvalidRequest

_KEY_RE = re.compile(r"^([^\[\]]+)((?:\[[^\[\]]*\])*)$")
_INDEX_RE = re.compile(r"[0-9]+\Z")  # ASCII only: str.isdigit() also accepts "²", which int() refuses
MAX_DEPTH = 6


def parse_form(raw: str) -> dict:
    """Parse a form-encoded string with bracket notation into nested dicts/lists."""
    try:
        pairs = parse_qsl(raw, keep_blank_values=True, strict_parsing=False, max_num_fields=2000)
    except ValueError as exc:
        raise InvalidRequest(f"Invalid request body: {exc}") from None
    root: dict = {}
    for key, value in pairs:
        m = _KEY_RE.match(key) if "\x00" not in key else None  # NUL marks appended list items below
        if not m:
            raise InvalidRequest(f"Invalid parameter name: {key[:100]}", code="parameter_unknown", param=key[:100])
        parts = [m.group(1)] + re.findall(r"\[([^\[\]]*)\]", m.group(2))
        if len(parts) > MAX_DEPTH:
            raise InvalidRequest(f"Parameter nested too deeply: {key[:100]}", param=key[:100])
        _assign(root, parts, value, key)
    return {k: _lists(v) for k, v in root.items()}  # the top level stays a hash, even for "0=a"


def _assign(node: dict, parts: list[str], value: str, key: str) -> None:
    for part in parts[:-1]:
        nxt = node.get(part)
        if nxt is None:
            nxt = node[part] = {}
        elif not isinstance(nxt, dict):
            raise InvalidRequest(f"Invalid parameter: {key[:100]} mixes a value and a hash", param=key[:100])
        node = nxt
    last = parts[-1]
    if last == "":  # expand[]=a&expand[]=b -> append
        last = f"\x00{len(node)}"
    if isinstance(node.get(last), dict):
        raise InvalidRequest(f"Invalid parameter: {key[:100]} mixes a value and a hash", param=key[:100])
    node[last] = value


def _lists(node: Any) -> Any:
    """Turn dicts whose keys are all indexes (``0``, ``1``, or appended ``[]``) into lists."""
    if not isinstance(node, dict):
        return node
    out = {k: _lists(v) for k, v in node.items()}
    if out and all(k.startswith("\x00") or _INDEX_RE.match(k) for k in out):
        def order(k: str) -> int:
            return int(k.lstrip("\x00"))
        return [out[k] for k in sorted(out, key=order)]
    return out
