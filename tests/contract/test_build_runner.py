"""The scenario runner against the offline sandbox: every scenario passes, what it observes is what
TEST_MODE.md documents, and the verdicts of single runs (3DS pause and resume, skips, varies)."""

from __future__ import annotations

from collections import Counter

import stripe

from lib.config import Mode
from lib.http_client import GatewayHTTPClient
from lib.lab import runner, scenarios
from lib.lab.runner import ops
from lib.lab.scenarios import Scenario, pay, step
from lib.request_log import RequestLog
from tests import scenario_facts


def make_env(sandbox, **kw) -> runner.Env:
    client = stripe.StripeClient("sk_test_runner", base_addresses={"api": sandbox.url}, max_network_retries=0,
                                 http_client=GatewayHTTPClient(timeout=10, request_log=kw.pop("log", None)))
    defaults = {"mode": Mode.SANDBOX, "publishable_key": "pk_test_runner", "poll_interval": 0.02,
                "wait_timeout": 20}
    return runner.Env(client=client, request_log=kw.pop("request_log", None), **{**defaults, **kw})


def test_run_all_on_the_sandbox_has_zero_mismatches_and_observes_what_test_mode_md_documents(sandbox):
    log = RequestLog(capacity=5000)
    env = make_env(sandbox, log=log, request_log=log)
    seen = []
    outcomes = runner.run_all(scenarios.catalog(), env, progress=lambda done, total, o: seen.append((done, total)))
    problems = {o.scenario.id: o.row()["differences"] for o in outcomes if o.verdict != "pass"}
    assert problems == {}
    assert len(outcomes) == 229 == len(seen)
    # What happened, against facts written from TEST_MODE.md (not the catalog's own expectations).
    by_id = {o.scenario.id: o for o in outcomes}
    observed = {sid: {key: by_id[sid].facts.get(key) for key in facts} for sid, facts in scenario_facts.FACTS.items()}
    assert observed == scenario_facts.FACTS
    for sid, event_types in scenario_facts.EVENTS.items():
        missing = Counter(event_types) - Counter(by_id[sid].event_types)
        assert not missing, (sid, by_id[sid].event_types)
    assert seen[-1] == (len(outcomes), len(outcomes))
    assert [o.scenario.id for o in outcomes] == [s.id for s in scenarios.catalog()]
    # Every scenario that expects events really saw them, and kept its own request slice.
    for o in outcomes:
        assert o.checks, o.scenario.id
        if "events" in o.scenario.expected:
            assert o.events, o.scenario.id
        assert o.requests and all(e.origin and e.origin.startswith(f"scenario:{o.scenario.id}:") for e in o.requests)
    assert runner.summary(outcomes)["pass"] == len(outcomes)


def test_single_decline_run_shows_actual_equal_to_expected(sandbox):
    log = RequestLog()
    env = make_env(sandbox, log=log, request_log=log)
    outcome = runner.run(scenarios.by_id("decline-insufficient-funds"), env)
    assert outcome.verdict == "pass"
    checks = {c.name: c for c in outcome.checks}
    assert checks["decline_code"].actual == "insufficient_funds" and checks["decline_code"].ok
    assert checks["http_status"].actual == 402
    assert outcome.event_types == ["payment_intent.created", "charge.failed", "payment_intent.payment_failed"]
    first = outcome.requests[0]
    assert (first.method, first.path, first.status) == ("POST", "/v1/payment_intents", 402)
    assert "pm_card_visa_chargeDeclinedInsufficientFunds" in first.request_body
    assert outcome.primary_id.startswith("pi_")


def test_interactive_3ds_pauses_then_resumes(sandbox):
    env = make_env(sandbox)
    outcome = runner.run(scenarios.by_id("3ds2-required-complete"), env, interactive=True)
    assert outcome.verdict == "paused"
    assert "/_sandbox/3ds/" in outcome.challenge_url
    assert runner.resume(outcome).verdict == "paused"  # nobody answered yet
    assert "still requires_action" in (outcome.error or "")
    done = runner.resume(outcome, answer="complete")
    assert done.verdict == "pass", done.row()
    assert done.facts["card.three_d_secure"] == "authenticated"


def test_interactive_3ds_answered_wrongly_is_a_mismatch(sandbox):
    env = make_env(sandbox)
    paused = runner.run(scenarios.by_id("3ds2-required-complete"), env, interactive=True)
    done = runner.resume(paused, answer="fail")
    assert done.verdict == "mismatch"
    assert {c.name for c in done.checks if not c.ok} >= {"status"}


def test_challenge_that_is_not_the_sandbox_needs_a_person(sandbox, monkeypatch):
    monkeypatch.setattr(ops, "is_sandbox_challenge", lambda url: False)
    outcome = runner.run(scenarios.by_id("3ds2-required-complete"), make_env(sandbox, mode=Mode.TEST))
    assert outcome.verdict == "needs_person"
    assert outcome.facts["status"] == "requires_action"
    assert "needs a person" in outcome.note or "needs a person" in outcome.row()["differences"]


def test_publishable_key_scenarios_are_skipped_without_one(sandbox):
    outcome = runner.run(scenarios.by_id("invalid-cvc"), make_env(sandbox, publishable_key=None))
    assert outcome.verdict == "skipped"
    assert "STRIPE_PUBLISHABLE_KEY" in outcome.note


def test_account_dependent_mismatch_is_reported_as_varies_off_the_sandbox(sandbox):
    wrong = Scenario("x-varies", "Radar", "t", "pm_card_visa", "d", (pay("pm_card_visa"),),
                     {"status": "canceled"}, account_dependent=True)
    assert runner.run(wrong, make_env(sandbox)).verdict == "mismatch"
    assert runner.run(wrong, make_env(sandbox, mode=Mode.TEST, event_settle_s=0)).verdict == "varies"


def test_step_failure_stops_the_scenario(sandbox):
    s = Scenario("x-no-pi", "Cancel", "t", "—", "d", (step("capture"),), {"status": "succeeded"})
    outcome = runner.run(s, make_env(sandbox))
    assert outcome.verdict == "mismatch"
    assert not outcome.steps[0].ok and "no PaymentIntent" in outcome.steps[0].result
