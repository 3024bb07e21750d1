"""The run loop: start a scenario, perform its steps, read its facts, list its events, check them;
pause and resume for a person's 3-D Secure answer; run the whole catalog concurrently.

3-D Secure: on the offline sandbox the challenge page (``/_sandbox/3ds/…``, sandbox-only) is
answered automatically in batch runs. On real Stripe only a person can answer Stripe's test page,
so batch runs report ``needs_person``; interactive runs pause (``paused``) and :func:`resume`
continues once the person has answered.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor, as_completed
from typing import Any

from lib.redaction import safe_error_message
from lib.request_log import RequestLogEntry, origin

from .. import eventlog
from ..scenarios import Scenario
from . import ops
from .checks import finish
from .facts import collect_facts
from .state import VERDICTS, Env, NeedsPerson, Outcome, RunState, WaitTimeout


def start(scenario: Scenario, env: Env) -> RunState:
    log = env.request_log
    seq = log.latest().seq if log is not None and log.latest() is not None else 0
    return RunState(scenario, env, label=f"scenario:{scenario.id}:{uuid.uuid4().hex[:6]}", seq_start=seq)


def advance(state: RunState, *, interactive: bool) -> Outcome:
    """Run the remaining steps of ``state`` and build the outcome (events not yet attached)."""
    scenario, env = state.scenario, state.env
    t0 = time.perf_counter()
    if scenario.needs_publishable_key and not env.publishable_key:
        return Outcome(scenario, "skipped", note="Needs STRIPE_PUBLISHABLE_KEY: raw card numbers are sent with the "
                       "publishable key, as Stripe.js does.", state=state)
    verdict, error, url = "pass", None, None
    with origin(state.label):
        try:
            while state.step_index < len(scenario.steps):
                step = scenario.steps[state.step_index]
                stop = ops.perform(state, step, interactive=interactive)
                state.step_index += 1
                if stop:
                    break
        except NeedsPerson as exc:
            url = exc.url
            verdict = "paused" if interactive else "needs_person"
        except WaitTimeout as exc:
            error = str(exc)
        except Exception as exc:  # connection errors, rate limits, bugs: reported, never raised
            verdict, error = "error", safe_error_message(exc)
        facts: dict[str, Any] = {}
        if verdict != "error":
            try:
                facts = collect_facts(state)
            except Exception as exc:
                verdict, error = "error", f"Could not read the final state: {safe_error_message(exc)}"
    outcome = Outcome(scenario, verdict, facts=facts, steps=list(state.steps), error=error,
                      duration_s=time.perf_counter() - t0, challenge_url=url or state.challenge_url, state=state)
    if verdict == "needs_person":
        outcome.note = ("Stripe's 3-D Secure test page needs a person: run this scenario on its own and answer "
                        "the challenge.")
    outcome.requests = request_slice(state)
    return outcome


def request_slice(state: RunState) -> list[RequestLogEntry]:
    log = state.env.request_log
    if log is None:
        return []
    return [e for e in log.entries(since_seq=state.seq_start) if e.origin == state.label]


def collect_events(outcome: Outcome) -> list[dict]:
    st = outcome.state
    if st is None:
        return []
    expected = [t for t in outcome.scenario.expected.get("events", ())]
    since = st.server_start or int(st.started_at)
    with origin(st.label):
        return eventlog.events_for(st.env.client, st.object_ids(), since, expected=expected,
                                   settle_s=st.env.event_settle_s)


def run(scenario: Scenario, env: Env, *, interactive: bool = False) -> Outcome:
    """Run one scenario to the end (or to a pause), with its events and checks."""
    return _complete(advance(start(scenario, env), interactive=interactive))


def resume(outcome: Outcome, *, answer: str | None = None) -> Outcome:
    """Continue a paused run. ``answer`` ("complete"/"fail") answers the sandbox's challenge page for
    the person; without it the PaymentIntent must have left requires_action already."""
    state = outcome.state
    if state is None or outcome.verdict != "paused":
        return outcome
    with origin(state.label):
        try:
            ops.after_person(state, answer)
        except NeedsPerson:
            outcome.error = ("The PaymentIntent is still requires_action: answer the challenge first, then "
                             "press Continue.")
            return outcome
        except Exception as exc:
            outcome.error = safe_error_message(exc)
            return outcome
    state.step_index += 1
    return _complete(advance(state, interactive=True))


def _complete(outcome: Outcome) -> Outcome:
    if outcome.verdict in ("pass", "mismatch"):
        try:
            events = collect_events(outcome)
        except Exception as exc:
            outcome.error = f"Could not list events: {safe_error_message(exc)}"
            events = []
        finish(outcome, events)
        outcome.requests = request_slice(outcome.state)
    return outcome


def run_all(scenarios: Iterable[Scenario], env: Env, *, workers: int | None = None,
            progress: Callable[[int, int, Outcome], None] | None = None,
            cancel: threading.Event | None = None) -> list[Outcome]:
    """Run scenarios concurrently (3DS answered automatically on the sandbox), then list the events
    once for all of them. Results come back in catalog order."""
    items = list(scenarios)
    workers = workers or (12 if env.is_sandbox else 4)
    results: dict[str, Outcome] = {}
    since = int(time.time())

    def one(scenario: Scenario) -> Outcome:
        if cancel is not None and cancel.is_set():
            return Outcome(scenario, "skipped", note="Run all was stopped before this scenario.")
        return advance(start(scenario, env), interactive=False)

    # Start the scenarios that wait for asynchronous changes first, so their waiting overlaps the rest.
    order = sorted(items, key=lambda s: (not s.async_wait, not s.needs_person))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="scenario") as pool:
        futures = {pool.submit(one, s): s for s in order}
        for done, future in enumerate(as_completed(futures), start=1):
            outcome = future.result()
            results[outcome.scenario.id] = outcome
            if progress is not None:
                progress(done, len(items), outcome)
    completed = [o for o in results.values() if o.verdict in ("pass", "mismatch") and o.state is not None]
    if completed:
        starts = [o.state.server_start for o in completed if o.state.server_start]
        since = min([since, *starts])
        ids = set().union(*(o.state.object_ids() for o in completed))
        try:
            if not env.is_sandbox:
                time.sleep(env.event_settle_s)
            page = eventlog.list_events(env.client, since=since - 2, ids=ids, max_pages=200)
            everything = eventlog.oldest_first(page.events)
        except Exception as exc:
            everything = []
            for o in completed:
                o.error = f"Could not list events: {safe_error_message(exc)}"
        for o in completed:
            mine = o.state.object_ids()
            finish(o, [e for e in everything if eventlog.is_related(e, mine)])
    return [results[s.id] for s in items]


def summary(outcomes: list[Outcome]) -> dict[str, int]:
    counts = Counter(o.verdict for o in outcomes)
    return {v: counts.get(v, 0) for v in VERDICTS}
