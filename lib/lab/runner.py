"""Run catalog scenarios against the connected API and compare what happened with what Stripe documents.

    env = Env.from_connection(conn)
    outcome = run(by_id("decline-insufficient-funds"), env)
    outcome.verdict          # "pass" | "mismatch" | "varies" | "needs_person" | "paused" | "skipped" | "error"
    outcome.checks           # [Check(name, expected, actual, ok)]
    outcome.requests         # the RequestLogEntry slice this scenario made
    results = run_all(catalog(), env, progress=lambda done, total, outcome: ...)

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
from dataclasses import dataclass, field
from typing import Any

import stripe

from lib.config import Mode
from lib.redaction import safe_error_message
from lib.request_log import REQUEST_LOG, RequestLog, RequestLogEntry, origin

from . import eventlog
from .ratelimit import RateLimiter
from .scenarios import RETURN_URL, Scenario

VERDICTS = ("pass", "mismatch", "varies", "needs_person", "paused", "skipped", "error")
# Plain symbols (not emoji): they show in tables and in browsers without an emoji font.
VERDICT_LABELS = {"pass": "✓ pass", "mismatch": "✗ mismatch", "varies": "≈ differs (account-dependent)",
                  "needs_person": "needs a person", "paused": "waiting for you", "skipped": "skipped",
                  "error": "! error"}
TEST_MODE_RATE = 20.0  # requests/second, below Stripe's test-mode limit of ~25


@dataclass
class Env:
    """Where and how scenarios run."""

    client: stripe.StripeClient
    mode: Mode = Mode.SANDBOX
    publishable_key: str | None = None
    request_log: RequestLog | None = field(default_factory=lambda: REQUEST_LOG)
    poll_interval: float = 0.1
    wait_timeout: float = 30.0
    event_settle_s: float = 0.0
    limiter: RateLimiter | None = None
    return_url: str = RETURN_URL   # where the 3DS page sends the customer back to

    @classmethod
    def from_connection(cls, conn: Any, request_log: RequestLog | None = REQUEST_LOG) -> Env:
        sandbox = conn.mode == Mode.SANDBOX
        return cls(client=conn.client, mode=conn.mode, publishable_key=conn.publishable_key,
                   request_log=request_log, poll_interval=0.1 if sandbox else 1.0,
                   wait_timeout=30.0 if sandbox else 90.0, event_settle_s=0.0 if sandbox else 5.0,
                   limiter=None if sandbox else RateLimiter(TEST_MODE_RATE), return_url=_shop_return_url())

    @property
    def is_sandbox(self) -> bool:
        return self.mode == Mode.SANDBOX


@dataclass(frozen=True)
class Check:
    name: str
    expected: Any
    actual: Any
    ok: bool


@dataclass
class StepLog:
    description: str
    result: str
    ok: bool = True


@dataclass
class RunState:
    """Everything a scenario run has seen so far (kept so a paused run can resume)."""

    scenario: Scenario
    env: Env
    label: str
    seq_start: int
    started_at: float = field(default_factory=time.time)
    step_index: int = 0
    pi: dict | None = None
    pi_ids: list[str] = field(default_factory=list)
    charge: dict | None = None           # legacy charge (no PaymentIntent)
    refund: dict | None = None
    refund_initial_status: str | None = None
    dispute: dict | None = None
    customer: str | None = None
    pm: str | None = None
    last_error: dict | None = None
    last_call: tuple[str, dict, dict] | None = None
    replay_info: dict = field(default_factory=dict)
    next_action: str | None = None
    challenge_url: str | None = None
    extra_ids: set[str] = field(default_factory=set)
    steps: list[StepLog] = field(default_factory=list)
    server_start: int | None = None

    def object_ids(self) -> set[str]:
        ids = set(self.pi_ids) | self.extra_ids
        for obj in (self.pi, self.charge, self.refund, self.dispute):
            if obj and obj.get("id"):
                ids.add(obj["id"])
        if self.pi and isinstance(self.pi.get("latest_charge"), (str, dict)):
            latest = self.pi["latest_charge"]
            ids.add(latest if isinstance(latest, str) else latest["id"])
        return ids


@dataclass
class Outcome:
    scenario: Scenario
    verdict: str
    facts: dict[str, Any] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    events: list[dict] = field(default_factory=list)
    requests: list[RequestLogEntry] = field(default_factory=list)
    steps: list[StepLog] = field(default_factory=list)
    error: str | None = None
    note: str | None = None
    duration_s: float = 0.0
    challenge_url: str | None = None
    state: RunState | None = None

    @property
    def event_types(self) -> list[str]:
        return [e["type"] for e in self.events]

    @property
    def primary_id(self) -> str | None:
        st = self.state
        if st is None:
            return None
        if st.pi:
            return st.pi["id"]
        return st.charge["id"] if st.charge else None

    def row(self) -> dict[str, Any]:
        """One line of the pass/mismatch table."""
        failed = [c for c in self.checks if not c.ok]
        return {
            "result": VERDICT_LABELS[self.verdict], "group": self.scenario.group, "scenario": self.scenario.title,
            "card": self.scenario.card, "expected": self.scenario.expected_text(),
            "actual": ", ".join(f"{k}={self.facts.get(k)}" for k in self.scenario.expected if k not in
                                ("events", "no_events")),
            "differences": "; ".join(f"{c.name}: expected {c.expected}, got {c.actual}" for c in failed)
            or (self.error or self.note or ""),
            "object": self.primary_id or "", "seconds": round(self.duration_s, 2), "id": self.scenario.id,
        }


def _shop_return_url() -> str:
    """The app's own return page (served by the Learn page's shop server), else a placeholder URL."""
    try:
        from lib.shop import get_webhook_server

        return get_webhook_server().return_url
    except Exception:
        return RETURN_URL


# --- evaluation ---------------------------------------------------------------------------------
def _matches(expected: Any, actual: Any) -> bool:
    if isinstance(expected, tuple):
        return any(_matches(e, actual) for e in expected)
    return expected == actual


def evaluate(scenario: Scenario, facts: dict[str, Any], event_types: list[str]) -> list[Check]:
    checks = []
    have = Counter(event_types)
    for key, expected in scenario.expected.items():
        if key == "events":
            want = Counter(expected)
            if scenario.events_exact:
                actual = {t: have.get(t, 0) for t in want}
                ok = all(have.get(t, 0) == n for t, n in want.items())
            else:
                missing = want - have
                actual = list(event_types)
                ok = not missing
                if missing:
                    actual = f"missing {', '.join(sorted(missing.elements()))}; got {', '.join(event_types) or '—'}"
            checks.append(Check("events", list(expected), actual, ok))
        elif key == "no_events":
            present = [t for t in expected if have.get(t)]
            checks.append(Check("no events", list(expected), present or "none", not present))
        else:
            actual = facts.get(key)
            checks.append(Check(key, expected, actual, _matches(expected, actual)))
    return checks


def finish(outcome: Outcome, events: list[dict]) -> Outcome:
    """Attach the scenario's events and compute checks and verdict (for a completed run)."""
    outcome.events = events
    outcome.checks = evaluate(outcome.scenario, outcome.facts, outcome.event_types)
    if outcome.verdict in ("pass", "mismatch", "varies"):
        ok = all(c.ok for c in outcome.checks)
        env = outcome.state.env if outcome.state else None
        if ok:
            outcome.verdict = "pass"
        elif outcome.scenario.account_dependent and env is not None and not env.is_sandbox:
            outcome.verdict = "varies"
        else:
            outcome.verdict = "mismatch"
    return outcome


# --- running ------------------------------------------------------------------------------------
class NeedsPerson(Exception):
    """The next step needs a person to answer a 3-D Secure challenge."""

    def __init__(self, url: str | None):
        super().__init__(url or "")
        self.url = url


def start(scenario: Scenario, env: Env) -> RunState:
    log = env.request_log
    seq = log.latest().seq if log is not None and log.latest() is not None else 0
    return RunState(scenario, env, label=f"scenario:{scenario.id}:{uuid.uuid4().hex[:6]}", seq_start=seq)


def advance(state: RunState, *, interactive: bool) -> Outcome:
    """Run the remaining steps of ``state`` and build the outcome (events not yet attached)."""
    from . import runner_facts, runner_ops

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
                stop = runner_ops.perform(state, step, interactive=interactive)
                state.step_index += 1
                if stop:
                    break
        except NeedsPerson as exc:
            url = exc.url
            verdict = "paused" if interactive else "needs_person"
        except runner_ops.WaitTimeout as exc:
            error = str(exc)
        except Exception as exc:  # connection errors, rate limits, bugs: reported, never raised
            verdict, error = "error", safe_error_message(exc)
        facts: dict[str, Any] = {}
        if verdict != "error":
            try:
                facts = runner_facts.collect_facts(state)
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
    from . import runner_ops

    state = outcome.state
    if state is None or outcome.verdict != "paused":
        return outcome
    with origin(state.label):
        try:
            runner_ops.after_person(state, answer)
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
