"""The sandbox's wiring (lib/sandbox/app.py) without starting anything: the route table matches
every route and only it, every job kind the code schedules has a handler, and the clock tests use
moves only forward."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from lib.sandbox import ManualClock
from lib.sandbox.app import ROUTE_TABLE, ROUTES, WIRING
from lib.sandbox.http.router import Route, RouteTable

SANDBOX = Path(__file__).resolve().parents[2] / "lib" / "sandbox"


def _handler(ctx, params, **kw):
    return kw


def test_static_and_parameterised_routes_match_with_their_arguments() -> None:
    table = RouteTable([Route("GET", "/v1/things", _handler), Route("GET", "/v1/things/{tid}", _handler),
                        Route("POST", "/v1/things/{tid}/poke", _handler, publishable=True)])
    route, args = table.match("GET", "/v1/things")
    assert route.path == "/v1/things" and args == {}
    route, args = table.match("GET", "/v1/things/th_1")
    assert route.path == "/v1/things/{tid}" and args == {"tid": "th_1"}
    route, args = table.match("POST", "/v1/things/th_2/poke")
    assert route.publishable and args == {"tid": "th_2"}
    assert table.match("POST", "/v1/things") is None  # the method counts
    assert table.match("GET", "/v1/things/th_1/poke") is None
    assert table.match("GET", "/v1/things/") is None  # a parameter is never empty


def test_a_route_no_request_could_reach_is_refused() -> None:
    with pytest.raises(ValueError, match="shadowed"):
        RouteTable([Route("GET", "/v1/things/{tid}", _handler), Route("GET", "/v1/things/search", _handler)])
    with pytest.raises(ValueError, match="shadowed"):
        RouteTable([Route("GET", "/v1/a", _handler), Route("GET", "/v1/a", _handler)])


def test_every_listed_route_is_reached_by_its_own_path() -> None:
    assert len({(r.method, r.path) for r in ROUTES}) == len(ROUTES)
    for route in ROUTES:
        path = re.sub(r"\{(\w+)\}", lambda m: f"{m.group(1)}_123", route.path)
        found = ROUTE_TABLE.match(route.method, path)
        assert found is not None and found[0] is route, (route.method, route.path)
    # the sandbox's own endpoints are kept under /_sandbox/, the others are Stripe's /v1/
    assert all(r.path.startswith(("/v1/", "/_sandbox/")) for r in ROUTES)
    assert all(r.path.startswith("/_sandbox/") for r in ROUTES if r.raw)


def test_every_scheduled_job_kind_has_a_handler() -> None:
    scheduled = set()
    for path in SANDBOX.rglob("*.py"):
        scheduled |= set(re.findall(r"\.schedule(?:_at)?\([^,]+, \"([a-z_.]+)\"", path.read_text()))
    assert scheduled == {"balance.make_available", "refund.settle", "refund.fail", "dispute.open", "dispute.settle",
                         "dispute.expire", "radar.early_fraud_warning.create"}
    assert set(WIRING.jobs) == scheduled


def test_wiring_cannot_be_changed_after_the_fact() -> None:
    with pytest.raises(TypeError):
        WIRING.jobs["extra"] = _handler  # type: ignore[index]
    with pytest.raises(AttributeError):
        WIRING.event_listeners = ()  # type: ignore[misc]


def test_manual_clock_moves_only_when_told() -> None:
    clock = ManualClock(100.0)
    assert clock() == 100.0 and clock() == 100.0
    assert clock.advance(2.5) == 102.5 and clock() == 102.5
    clock.set(200)
    assert clock() == 200.0
    with pytest.raises(ValueError):
        clock.advance(-1)
    with pytest.raises(ValueError):
        clock.set(199)
