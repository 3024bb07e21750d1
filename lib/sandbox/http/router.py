"""The route table the HTTP server matches requests against (its routes come from app.py).

Matching is a dict lookup by method, then the method's patterns in the order given; a path
without ``{params}`` is a dict hit with no regex at all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Route:
    """``path`` may hold ``{name}`` segments, passed to the handler as keyword arguments.

    ``publishable``: callable with a pk_test_ key (Stripe.js endpoints). ``raw``: no auth; the
    handler gets (ctx, params, **path args) and returns (status, headers, bytes)."""

    method: str
    path: str
    handler: Callable[..., Any]
    publishable: bool = False
    raw: bool = False
    pattern: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.path) + "$"
        object.__setattr__(self, "pattern", re.compile(regex))

    @property
    def static(self) -> bool:
        return "{" not in self.path


_NO_ARGS: dict[str, str] = {}


class RouteTable:
    """Routes in the order given; the first that matches a request wins."""

    def __init__(self, routes: Iterable[Route]):
        self.routes: tuple[Route, ...] = tuple(routes)
        self._static: dict[tuple[str, str], Route] = {}
        self._patterns: dict[str, list[Route]] = {}
        for r in self.routes:
            if r.static:
                # A static path behind a pattern that also matches it would be unreachable in order.
                shadow = next((p for p in self._patterns.get(r.method, ()) if p.pattern.match(r.path)), None)
                if shadow is not None or (r.method, r.path) in self._static:
                    raise ValueError(f"route {r.method} {r.path} is shadowed by an earlier one")
                self._static[(r.method, r.path)] = r
            else:
                self._patterns.setdefault(r.method, []).append(r)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route for ``method path`` and its path arguments, or None."""
        r = self._static.get((method, path))
        if r is not None:
            return r, _NO_ARGS
        for r in self._patterns.get(method, ()):
            m = r.pattern.match(path)
            if m:
                return r, m.groupdict()
        return None
