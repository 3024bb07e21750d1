"""Property-based fuzzing of every route in lib.sandbox.app.ROUTES over raw HTTP.

Hypothesis throws random parameters at random endpoints: known parameter names and random keys,
bracket nesting (hashes and arrays, indexed and appended), huge and negative integers, unicode,
empty strings, real ids of every kind (and magic ids, and junk) in path parameters and values,
publishable keys, idempotency keys, API versions. Whatever it sends, the sandbox must answer with
JSON (HTML only for the 3DS page), never a 5xx, and every 4xx in Stripe's error envelope. Then the
store must still satisfy the invariants no request may break: valid PI statuses,
amount_received <= amount, every latest_charge present, no charge without its PI, and the balance
counters equal to the sum of the balance transactions' nets.
"""

from __future__ import annotations

import json
import os
import re
import time
from urllib.parse import quote, urlencode

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lib.sandbox.app import ROUTES
from lib.sandbox.http.router import Route
from lib.sandbox.resources import charges, customers, payment_intents, payment_methods, setup_intents

from .money_helpers import CONFIRM, RETURN_URL, run_jobs
from .sandbox_http import PUBLISHABLE, SECRET, assert_error_shape, check_invariants, sql

MAX_EXAMPLES = 1500  # ~15 s on an idle 2-core machine, ~25 s on a busy one
ID = "\x00ID\x00"  # placeholder for a real id, substituted when the request is built



def _template(rt: Route) -> str:
    return rt.path


KNOWN = sorted({*payment_intents.CREATE, *payment_intents.CONFIRM, *setup_intents.CREATE, *charges.LEGACY, *payment_methods.CREATE,
                *payment_methods.CARD_FIELDS, *customers.FIELDS,
                "limit", "starting_after", "ending_before", "created", "amount_to_capture", "cancellation_reason",
                "action", "client_secret", "charge", "payment_intent", "reason", "url", "enabled_events",
                "evidence", "submit", "object_id", "refund_application_fee", "instructions_email", "type",
                "delivery_success", "status", "gt", "gte", "lt", "lte", "number", "exp_month", "exp_year", "cvc"})
MAGIC = ["pm_card_visa", "pm_card_chargeDeclined", "pm_card_threeDSecure2Required", "pm_card_createDispute",
         "pm_card_refundFail", "pm_card_pendingRefund", "tok_visa", "tok_chargeDeclined", "4242424242424242",
         "378282246310005", "usd", "eur", "jpy", "bhd", "manual", "automatic", "automatic_async", "true", "false",
         "duplicate", "complete", "fail", "any", "challenge", "card", "data.latest_charge", "latest_charge",
         "latest_charge.balance_transaction", "payment_method", "charge.succeeded", "*",
         "http://127.0.0.1:9/hook", "requested_by_customer", "fraudulent", "2034", "12", "123", "0", "-1"]

keys = st.one_of(st.sampled_from(KNOWN), st.text(min_size=1, max_size=12),
                 st.text(alphabet="ab_0[]", min_size=1, max_size=8))
leaves = st.one_of(
    st.sampled_from(MAGIC), st.just(ID), st.just(""),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.integers(min_value=-5, max_value=100_000_000).map(str),
    st.text(max_size=24),
    st.booleans().map(lambda b: str(b).lower()),
)
values = st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                      st.dictionaries(keys, inner, max_size=3)), max_leaves=8)
param_sets = st.dictionaries(keys, values, max_size=6)
# Mostly-valid starting points, so the fuzzer also gets past validation into the endpoints' logic.
CARD = {"number": "4242424242424242", "exp_month": "12", "exp_year": "2034", "cvc": "123"}
BASES: dict[str, dict] = {
    "POST /v1/payment_intents": {"amount": "2000", "currency": "usd", "payment_method": "pm_card_visa",
                                 "confirm": "true", "return_url": RETURN_URL},
    "POST /v1/payment_intents/{pid}/confirm": {"payment_method": "pm_card_visa", "return_url": RETURN_URL},
    "POST /v1/setup_intents": {"payment_method": "pm_card_threeDSecure2Required", "confirm": "true",
                               "return_url": RETURN_URL},
    "POST /v1/setup_intents/{sid}/confirm": {"payment_method": "pm_card_visa", "return_url": RETURN_URL},
    "POST /v1/charges": {"amount": "2000", "currency": "usd", "source": "tok_visa"},
    "POST /v1/payment_methods": {"type": "card", "card": CARD},
    "POST /v1/tokens": {"card": CARD},
    "POST /v1/refunds": {"charge": ID},
    "POST /v1/charges/{cid}/refunds": {"amount": "100"},
    "POST /v1/webhook_endpoints": {"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]},
    "POST /_sandbox/3ds/{pi_id}": {"action": "complete", "client_secret": ID},
    "POST /v1/payment_methods/{pm_id}/attach": {"customer": ID},
    "POST /v1/customers": {"email": "fuzz@example.com"},
}


def _pairs(prefix: str, value, appended: bool, out: list[tuple[str, str]]) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _pairs(f"{prefix}[{k}]", v, appended, out)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _pairs(f"{prefix}[]" if appended else f"{prefix}[{i}]", v, appended, out)
    else:
        out.append((prefix, value))


def _real_ids(sandbox) -> list[str]:
    rows = sql(sandbox, "SELECT id FROM objects WHERE kind <> 'event' ORDER BY random() LIMIT 40")
    rows += sql(sandbox, "SELECT id FROM objects WHERE kind = 'event' ORDER BY random() LIMIT 5")
    return [r[0] for r in rows]


@pytest.fixture(scope="module")
def fuzz_sandbox():
    """A sandbox of its own (the invariants are checked on everything in it), seeded with one
    object of each interesting kind so real ids exist from the first example."""
    from lib.sandbox import start_sandbox

    from .sandbox_http import client

    handle = start_sandbox(memory=True, async_delay=0)
    c = client(handle)
    cus = c.v1.customers.create(params={"email": "fuzz@example.com"})
    for params in ({"payment_method": "pm_card_visa", **CONFIRM},
                   {"payment_method": "pm_card_visa", **CONFIRM, "capture_method": "manual"},
                   {"payment_method": "pm_card_threeDSecure2Required", **CONFIRM},
                   {"payment_method": "pm_card_createDispute", **CONFIRM},
                   {"payment_method": "pm_card_visa", "customer": cus.id}, {}):
        c.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", **params})
    try:
        c.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", **CONFIRM,
                                            "payment_method": "pm_card_chargeDeclined"})
    except Exception:  # noqa: BLE001 - the decline is the point
        pass
    c.v1.charges.create(params={"amount": 1500, "currency": "usd", "source": "tok_visa"})
    yield handle
    handle.stop()


def check_response(rt: Route, resp: requests.Response, label: str) -> None:
    assert resp.status_code < 500, f"{label} -> {resp.status_code}: {resp.text[:400]}"
    ctype = resp.headers.get("Content-Type", "")
    if resp.status_code >= 400:
        assert_error_shape(resp)
        return
    if rt.raw and not ctype.startswith("application/json"):
        assert ctype.startswith("text/") or resp.status_code in (204, 303), label
        return
    body = resp.json()
    assert isinstance(body, dict) and ("object" in body or "ok" in body or "data" in body), label


@pytest.mark.timeout(300)
def test_fuzz_every_route(fuzz_sandbox) -> None:
    session = requests.Session()
    started = time.monotonic()
    stats = {"requests": 0, "2xx": 0, "4xx": 0}
    routes_hit: set[str] = set()

    # CI replays one fixed exploration (a landing must not hinge on luck); locally every run explores anew.
    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, print_blob=True,
              derandomize=bool(os.environ.get("CI")),
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def one_request(data) -> None:
        rt = data.draw(st.sampled_from(ROUTES), label="route")
        template = _template(rt)
        pool = _real_ids(fuzz_sandbox) or ["pi_none"]

        def real_id() -> str:
            return pool[data.draw(st.integers(0, 10**6), label="id") % len(pool)]

        def path_value(_m) -> str:
            choice = data.draw(st.sampled_from(["real", "real", "real", "magic", "junk"]), label="path")
            if choice == "real":
                return quote(real_id(), safe="")
            if choice == "magic":
                return data.draw(st.sampled_from(MAGIC[:8]))
            return quote(data.draw(st.text(min_size=1, max_size=20)), safe="") or "x"

        path = re.sub(r"\{\w+\}", path_value, template)
        mode = data.draw(st.sampled_from(["none", "base", "base+random", "random", "random"]), label="mode")
        base = dict(BASES.get(f"{rt.method} {template}", {})) if mode.startswith("base") else {}
        if mode == "base" and base and data.draw(st.booleans(), label="drop"):
            base.pop(data.draw(st.sampled_from(sorted(base)), label="dropped"))
        params = {**base, **(data.draw(param_sets, label="params") if "random" in mode else {})}
        pairs: list[tuple[str, str]] = []
        appended = data.draw(st.booleans(), label="appended")
        for k, v in params.items():
            _pairs(k, v, appended, pairs)
        pairs = [(k, real_id() if v == ID else v) for k, v in pairs]
        if data.draw(st.booleans(), label="junk keys"):
            pairs += data.draw(st.lists(st.tuples(st.text(alphabet="ab[]_0\x00", min_size=1, max_size=8),
                                                  st.text(max_size=5)), max_size=3), label="junk")
        headers = {"Authorization": f"Bearer {data.draw(st.sampled_from([SECRET, SECRET, SECRET, PUBLISHABLE]))}"}
        if rt.method == "POST" and data.draw(st.booleans(), label="idem"):
            headers["Idempotency-Key"] = data.draw(st.sampled_from(["k1", "k2", "k3"]), label="idem key")
        if data.draw(st.integers(0, 9), label="version") == 0:
            headers["Stripe-Version"] = data.draw(st.sampled_from(["2024-04-10", "2023-10-16", "bogus", ""]))
        encoded = urlencode(pairs)
        if rt.method == "POST":
            resp = session.post(fuzz_sandbox.url + path, data=encoded, timeout=30,
                                headers={**headers, "Content-Type": "application/x-www-form-urlencoded"})
        else:
            url = fuzz_sandbox.url + path + ("?" + encoded if encoded else "")
            resp = session.request(rt.method, url, headers=headers, timeout=30)
        stats["requests"] += 1
        took = resp.elapsed.total_seconds()
        if took > stats.get("slowest", (0, ""))[0]:
            stats["slowest"] = (round(took, 3), f"{rt.method} {path} {encoded[:200]!r}")
        stats["2xx" if resp.status_code < 400 else "4xx"] += 1
        routes_hit.add(f"{rt.method} {template}")
        check_response(rt, resp, f"{rt.method} {path} {encoded[:300]!r}")

    one_request()
    print(f"fuzz: {stats} in {time.monotonic() - started:.1f}s, {len(routes_hit)} routes")
    # The fuzzer must have reached most routes and got past validation sometimes.
    assert len(routes_hit) >= 0.8 * len({f"{r.method} {_template(r)}" for r in ROUTES}), sorted(routes_hit)
    assert stats["2xx"] >= 10, stats
    run_jobs(fuzz_sandbox)  # async steps (settlement, refunds...) too, so the final state is checked
    check_invariants(fuzz_sandbox)


def test_invariants_hold_on_a_busy_store(sandbox, stripe_client) -> None:
    """The same invariants on the shared session sandbox, after whatever other tests did to it."""
    stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd",
                                                    "payment_method": "pm_card_visa", **CONFIRM})
    run_jobs(sandbox)
    check_invariants(sandbox)


def test_fuzz_helpers_encode_brackets() -> None:
    out: list[tuple[str, str]] = []
    _pairs("a", {"b": ["x", {"c": "y"}]}, False, out)
    assert out == [("a[b][0]", "x"), ("a[b][1][c]", "y")]
    out = []
    _pairs("e", ["1", "2"], True, out)
    assert out == [("e[]", "1"), ("e[]", "2")]
    assert json.loads(json.dumps(KNOWN)) == KNOWN
