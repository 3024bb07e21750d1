"""The scenario runner without a server: checks and verdicts, connection failures, a canceled Run all."""

from __future__ import annotations

import threading

import stripe

from lib.config import Mode
from lib.lab import runner, scenarios
from lib.lab.runner import checks
from lib.lab.runner.state import RunState
from lib.lab.scenarios import Scenario, pay, step

UNREACHABLE = "http://127.0.0.1:9"   # the discard port: nothing listens there


def unreachable_client() -> stripe.StripeClient:
    return stripe.StripeClient("sk_test_x", base_addresses={"api": UNREACHABLE}, max_network_retries=0)


def test_connection_failures_are_errors_not_exceptions():
    client = unreachable_client()
    outcome = runner.run(scenarios.by_id("brand-visa"), runner.Env(client=client, request_log=None))
    assert outcome.verdict == "error"
    assert "reach" in outcome.error.lower() or "connect" in outcome.error.lower()


def test_evaluate_events_subset_exact_and_absent():
    s = Scenario("x", "Cancel", "t", "c", "d", (step("create"),),
                 {"events": ("a.created", "a.created"), "no_events": ("a.deleted",)})
    ok = runner.evaluate(s, {}, ["a.created", "b.x", "a.created"])
    assert all(c.ok for c in ok)
    missing = runner.evaluate(s, {}, ["a.created", "a.deleted"])
    assert [c.ok for c in missing] == [False, False]
    exact = Scenario("y", "Cancel", "t", "c", "d", (step("create"),), {"events": ("a.created",)}, events_exact=True)
    assert runner.evaluate(exact, {}, ["a.created", "b.x"])[0].ok
    assert not runner.evaluate(exact, {}, ["a.created", "a.created"])[0].ok


def test_evaluate_alternatives_and_null():
    s = Scenario("x", "Cancel", "t", "c", "d", (step("create"),), {"status": ("a", "b"), "code": None})
    assert all(c.ok for c in runner.evaluate(s, {"status": "b", "code": None}, []))
    assert [c.ok for c in runner.evaluate(s, {"status": "c", "code": "x"}, [])] == [False, False]


def test_cancelled_run_all_skips_the_rest():
    cancel = threading.Event()
    cancel.set()
    outcomes = runner.run_all(scenarios.in_group("Cancel"), runner.Env(client=unreachable_client(), request_log=None),
                              cancel=cancel)
    assert [o.verdict for o in outcomes] == ["skipped"] * 6
    assert all("stopped" in o.note for o in outcomes)


def _finished(scenario: Scenario, facts: dict, mode: Mode) -> runner.Outcome:
    env = runner.Env(client=unreachable_client(), mode=mode, request_log=None)
    state = RunState(scenario, env, label="t", seq_start=0)
    return checks.finish(runner.Outcome(scenario, "pass", facts=facts, state=state), [])


def test_a_failed_check_is_a_mismatch_and_varies_only_off_the_sandbox_for_account_dependent_rows():
    fixed = Scenario("x-fixed", "Radar", "t", "pm_card_visa", "d", (pay("pm_card_visa"),), {"status": "succeeded"})
    dependent = Scenario("x-dep", "Radar", "t", "pm_card_visa", "d", (pay("pm_card_visa"),),
                         {"status": "succeeded"}, account_dependent=True)
    assert _finished(fixed, {"status": "succeeded"}, Mode.TEST).verdict == "pass"
    assert _finished(fixed, {"status": "canceled"}, Mode.TEST).verdict == "mismatch"
    assert _finished(dependent, {"status": "canceled"}, Mode.SANDBOX).verdict == "mismatch"
    outcome = _finished(dependent, {"status": "canceled"}, Mode.TEST)
    assert outcome.verdict == "varies"
    assert outcome.row()["differences"] == "status: expected succeeded, got canceled"
    assert runner.summary([outcome])["varies"] == 1


def test_unknown_step_fails_the_run_without_a_request():
    odd = Scenario("x-odd", "Cancel", "t", "—", "d", (step("teleport"),), {"status": "succeeded"})
    outcome = runner.run(odd, runner.Env(client=unreachable_client(), request_log=None))
    assert outcome.verdict == "error" and "Unknown step 'teleport'" in outcome.error
