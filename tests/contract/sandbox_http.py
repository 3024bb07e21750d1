"""Helpers shared by the part-1 contract tests: raw HTTP calls, the 3DS challenge, store queries.

Only plain functions live here (no fixtures): the fixtures ``sandbox`` and ``stripe_client`` come
from tests/conftest.py.
"""

from __future__ import annotations

import json
from typing import Any

import requests
import stripe

SECRET = "sk_test_contract"
PUBLISHABLE = "pk_test_contract"
PI_STATUSES = frozenset({"requires_payment_method", "requires_confirmation", "requires_action", "processing",
                         "requires_capture", "canceled", "succeeded"})
# Card-only intents: what a card integration sends so that today's Stripe (automatic_payment_methods on
# by default since 2023-08-16, TEST_MODE §2.1) lets it confirm without a return_url.
CARD_ONLY = {"payment_method_types": ["card"]}
ERROR_TYPES = frozenset({"invalid_request_error", "card_error", "idempotency_error", "api_error"})


def client(sandbox, key: str = SECRET, **kw: Any) -> stripe.StripeClient:
    return stripe.StripeClient(key, base_addresses={"api": sandbox.url}, max_network_retries=0, **kw)


def raw(sandbox, method: str, path: str, data: Any = None, key: str | None = SECRET,
        headers: dict[str, str] | None = None, session: requests.Session | None = None) -> requests.Response:
    """One HTTP request to the sandbox, bypassing the SDK (headers, malformed bodies...)."""
    hdrs = dict(headers or {})
    if key is not None:
        hdrs.setdefault("Authorization", f"Bearer {key}")
    sender = session or requests
    return sender.request(method, sandbox.url + path, data=data, headers=hdrs, timeout=30)


def challenge_url(pi: Any) -> str:
    """The sandbox's 3DS page for a PI in requires_action (SDK flow or redirect flow)."""
    action = pi["next_action"]
    if action["type"] == "redirect_to_url":
        return action["redirect_to_url"]["url"]
    return action["use_stripe_sdk"]["stripe_js"]


def answer_challenge(pi: Any, action: str) -> requests.Response:
    """Press COMPLETE or FAIL on the 3DS page, as the customer would."""
    resp = requests.post(challenge_url(pi), data={"action": action}, timeout=30, allow_redirects=False)
    assert resp.status_code in (200, 303), resp.text[:300]
    return resp


def assert_error_shape(resp: requests.Response) -> dict:
    """A 4xx body in Stripe's v1 error envelope; returns the ``error`` dict."""
    assert resp.headers.get("Content-Type", "").startswith("application/json"), resp.headers
    body = resp.json()
    assert set(body) == {"error"}, body
    err = body["error"]
    assert err["type"] in ERROR_TYPES, err
    assert isinstance(err["message"], str) and err["message"], err
    for key in ("code", "param", "decline_code", "doc_url"):
        if key in err:
            assert isinstance(err[key], str), err
    if "code" in err:
        assert err["doc_url"] == "https://stripe.com/docs/error-codes/" + err["code"].replace("_", "-")
    return err


# --- the store, read directly (the invariants no single API call can show) -----------------------
def sql(sandbox, query: str, args: tuple = ()) -> list[tuple]:
    store = sandbox.engine.store
    with store.tx():
        return store.execute(query, args).fetchall()


def objects(sandbox, kind: str) -> list[dict]:
    return [json.loads(r[0]) for r in sql(sandbox, "SELECT data FROM objects WHERE kind=?", (kind,))]


def event_marker(sandbox) -> int:
    return sql(sandbox, "SELECT coalesce(max(rowid), 0) FROM objects")[0][0]


def events_since(sandbox, marker: int, sources: tuple[str, ...]) -> list[str]:
    """Event types recorded after ``marker`` about any of ``sources``, in order."""
    marks = ",".join("?" * len(sources))
    rows = sql(sandbox, f"SELECT type FROM objects WHERE kind='event' AND rowid > ? AND source IN ({marks}) "
                        "ORDER BY rowid", (marker, *sources))
    return [r[0] for r in rows]


def ledger_consistency(sandbox) -> tuple[dict[str, int], dict[str, int]]:
    """(balance counters, sums of balance-transaction nets) per status, read in one transaction."""
    store = sandbox.engine.store
    with store.tx():
        counters = dict(store.execute("SELECT name, value FROM counters WHERE name LIKE 'balance:%'").fetchall())
        sums = dict(store.execute("SELECT status, sum(json_extract(data, '$.net')) FROM objects "
                                  "WHERE kind='balance_transaction' GROUP BY status").fetchall())
    by_status = {name.split(":")[1]: value for name, value in counters.items()}
    return ({s: by_status.get(s, 0) for s in ("available", "pending")},
            {s: sums.get(s) or 0 for s in ("available", "pending")})


def check_invariants(sandbox) -> None:
    """What no sequence of requests may break: PI statuses and amounts, charges and their PIs and
    balance transactions, and GET /v1/balance's counters against the ledger."""
    store = sandbox.engine.store
    with store.tx():  # one snapshot, even while jobs run
        pis = {pi["id"]: pi for pi in objects(sandbox, "payment_intent")}
        charge_objs = {ch["id"]: ch for ch in objects(sandbox, "charge")}
        bts = {bt["id"] for bt in objects(sandbox, "balance_transaction")}
        counters, sums = ledger_consistency(sandbox)
    for pi in pis.values():
        assert pi["status"] in PI_STATUSES, pi["id"]
        assert 0 <= pi["amount_received"] <= pi["amount"], pi["id"]
        assert 0 <= pi["amount_capturable"] <= pi["amount"], pi["id"]
        if pi["latest_charge"] is not None:
            assert pi["latest_charge"] in charge_objs, f"{pi['id']} latest_charge missing"
            assert charge_objs[pi["latest_charge"]]["payment_intent"] == pi["id"]
        if pi["status"] == "succeeded":
            charge = charge_objs[pi["latest_charge"]]
            assert charge["status"] == "succeeded" and charge["captured"], pi["id"]
            assert charge["amount_captured"] == pi["amount_received"], pi["id"]
    for ch in charge_objs.values():
        if ch["payment_intent"] is not None:
            assert ch["payment_intent"] in pis, f"charge {ch['id']} without its PI"
        if ch["captured"]:
            assert ch["balance_transaction"] in bts, f"captured charge {ch['id']} without its BT"
        else:
            assert ch["balance_transaction"] is None, ch["id"]
    assert counters == sums, f"balance counters {counters} != sum of nets {sums}"
