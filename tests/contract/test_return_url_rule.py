"""Every payment the Build section sends is one real Stripe accepts today.

Since API 2023-08-16 PaymentIntents and SetupIntents have automatic payment methods on unless
``payment_method_types`` is given, and then (TEST_MODE.md §2.1, [D changelog 2023-08-16]):

* confirming a PaymentIntent needs a ``return_url``, unless ``off_session=true``;
* confirming a SetupIntent needs a ``return_url``;
* ``automatic_payment_methods[allow_redirects]=never`` lifts the requirement;
* without one, Stripe answers 400.

The rule is written here from that text (not imported from the sandbox, which enforces its own
copy): each create-with-confirm and confirm request the scenario runner and the traffic simulator
send is read back from the request log and checked against it. Only the two scenarios that show
the 400 on purpose may break it, and they must get the 400.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from urllib.parse import parse_qsl

import stripe

from lib.config import Mode
from lib.http_client import GatewayHTTPClient
from lib.lab import runner, scenarios, sim_api, simulator
from lib.lab.ratelimit import RateLimiter
from lib.request_log import RequestLog

INTENT_CREATE = re.compile(r"^/v1/(payment_intents|setup_intents)$")
INTENT_CONFIRM = re.compile(r"^/v1/(payment_intents|setup_intents)/([A-Za-z0-9_]+)/confirm$")
SHOWS_THE_400 = {"apm-return-url-required", "apm-setup-return-url-required"}


def _fields(body: str) -> dict[str, str]:
    return dict(parse_qsl(body, keep_blank_values=True))


def _created_without_redirects(fields: dict[str, str]) -> bool:
    """The intent was created card-only, or with redirect-based methods refused."""
    return (any(k.startswith("payment_method_types") for k in fields)
            or fields.get("automatic_payment_methods[allow_redirects]") == "never")


def stripe_accepts(resource: str, fields: dict[str, str], created_without_redirects: bool) -> bool:
    """TEST_MODE §2.1: may this confirm go without a return_url, or does it carry one?"""
    if fields.get("return_url"):
        return True
    if created_without_redirects or _created_without_redirects(fields):
        return True
    return resource == "payment_intents" and fields.get("off_session") == "true"


def violations(log: RequestLog) -> tuple[list[tuple[str | None, int | None, str]], int]:
    """(origin, status, path) of each confirm Stripe would refuse, and how many confirms were checked."""
    without_redirects: set[str] = set()
    found, checked = [], 0
    for entry in log.entries():
        if entry.method != "POST":
            continue
        fields = _fields(entry.request_body)
        create, confirm = INTENT_CREATE.match(entry.path), INTENT_CONFIRM.match(entry.path)
        if create and entry.ok and _created_without_redirects(fields):
            without_redirects.add(json.loads(entry.response_body)["id"])
        if create and fields.get("confirm") == "true":
            resource, intent = create.group(1), None
        elif confirm:
            resource, intent = confirm.group(1), confirm.group(2)
        else:
            continue
        checked += 1
        if not stripe_accepts(resource, fields, intent in without_redirects):
            found.append((entry.origin, entry.status, entry.path))
    return found, checked


def _client(sandbox, log: RequestLog) -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_rule", base_addresses={"api": sandbox.url}, max_network_retries=0,
                               http_client=GatewayHTTPClient(timeout=10, request_log=log))


def test_the_rule_reads_the_changelog_as_written():
    """The checker itself, on hand-made requests (no sandbox involved)."""
    assert not stripe_accepts("payment_intents", {"confirm": "true", "payment_method": "pm_card_visa"}, False)
    assert stripe_accepts("payment_intents", {"confirm": "true", "return_url": "https://x.test/r"}, False)
    assert stripe_accepts("payment_intents", {"confirm": "true", "off_session": "true"}, False)
    assert stripe_accepts("payment_intents", {"confirm": "true", "payment_method_types[0]": "card"}, False)
    assert stripe_accepts("payment_intents", {"automatic_payment_methods[allow_redirects]": "never"}, False)
    assert stripe_accepts("payment_intents", {"payment_method": "pm_card_visa"}, True)  # confirm of a card-only PI
    assert not stripe_accepts("setup_intents", {"confirm": "true", "off_session": "true"}, False)


def test_every_scenario_confirm_is_one_stripe_accepts(sandbox):
    log = RequestLog(capacity=20_000)
    env = runner.Env(client=_client(sandbox, log), mode=Mode.SANDBOX, publishable_key="pk_test_rule",
                     request_log=log, poll_interval=0.02, wait_timeout=20)
    outcomes = runner.run_all(scenarios.catalog(), env)
    assert {o.scenario.id for o in outcomes if o.verdict != "pass"} == set()
    found, checked = violations(log)
    assert checked >= 200  # nearly every scenario confirms at least once (217 confirms for 222 scenarios)
    by_scenario = defaultdict(list)
    for origin, status, _ in found:
        by_scenario[(origin or "").split(":")[1] if origin else None].append(status)
    assert dict(by_scenario) == {sid: [400] for sid in SHOWS_THE_400}


def test_every_simulator_payment_is_one_stripe_accepts(sandbox, tmp_path):
    log = RequestLog(capacity=20_000)
    mix = simulator.Mix(payments=60, days=3, decline_rate=0.3, threeds_share=0.2, dispute_rate=0.05,
                        refund_rate=0.1, manual_capture_rate=0.2, customers=5, seed=11)
    cp = sim_api.new_checkpoint(sandbox.url, mix)
    sim = sim_api.ApiSimulation(_client(sandbox, log), cp, sandbox=True, limiter=RateLimiter(1000),
                                checkpoint=tmp_path / "checkpoint.json")
    result = sim.run()
    assert result.stats.get("payment_intents") == 60 and not result.errors
    found, checked = violations(log)
    assert checked >= 60 and found == []
    assert result.stats.get("retried_ok", 0) + result.stats.get("3ds", 0) > 0  # the confirm path ran too
