"""The route table: resource modules register their endpoints with ``@route``."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern
    handler: Callable[..., Any]
    publishable: bool = False   # callable with a pk_test_ key (Stripe.js endpoints)
    raw: bool = False           # no auth, handler gets (ctx, params, request) and returns (status, headers, bytes)


ROUTES: list[Route] = []


def route(method: str, path: str, *, publishable: bool = False, raw: bool = False) -> Callable:
    regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", path) + "$"

    def register(fn: Callable) -> Callable:
        ROUTES.append(Route(method, re.compile(regex), fn, publishable, raw))
        return fn
    return register


def match(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    for r in ROUTES:
        if r.method == method:
            m = r.pattern.match(path)
            if m:
                return r, m.groupdict()
    return None


def path_known(path: str) -> bool:
    return any(r.pattern.match(path) for r in ROUTES)
