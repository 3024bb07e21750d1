"""What a scenario run works with and produces: where it runs (:class:`Env`), what it has seen so far
(:class:`RunState`), and what it found (:class:`Outcome` with its :class:`Check` list), plus the
verdicts, the exceptions the step operations raise and :func:`poll`, their wait for an asynchronous
change. The bottom of the runner: it imports no sibling module.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import stripe

from lib import shop
from lib.config import Mode
from lib.gateway import Connection
from lib.redaction import safe_error_message
from lib.request_log import REQUEST_LOG, RequestLog, RequestLogEntry

from ..challenge import challenge_url
from ..eventlog import as_dict
from ..ratelimit import RateLimiter
from ..scenarios import RETURN_URL, Scenario

logger = logging.getLogger(__name__)

VERDICTS = ("pass", "mismatch", "varies", "needs_person", "paused", "skipped", "error")
# Plain symbols (not emoji): they show in tables and in browsers without an emoji font.
VERDICT_LABELS = {"pass": "✓ pass", "mismatch": "✗ mismatch", "varies": "≈ differs (account-dependent)",
                  "needs_person": "needs a person", "paused": "waiting for you", "skipped": "skipped",
                  "error": "! error"}
TEST_MODE_RATE = 20.0  # requests/second, below Stripe's test-mode limit of ~25


class NeedsPerson(Exception):
    """The next step needs a person to answer a 3-D Secure challenge."""

    def __init__(self, url: str | None):
        super().__init__(url or "")
        self.url = url


class WaitTimeout(Exception):
    """An asynchronous change (refund status, dispute…) did not happen in time."""


class StepFailed(Exception):
    """A step could not run (e.g. no PaymentIntent to capture); the scenario stops there."""


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
    def from_connection(cls, conn: Connection, request_log: RequestLog | None = REQUEST_LOG) -> Env:
        sandbox = conn.mode == Mode.SANDBOX
        return cls(client=conn.client, mode=Mode(conn.mode), publishable_key=conn.publishable_key,
                   request_log=request_log, poll_interval=0.1 if sandbox else 1.0,
                   wait_timeout=30.0 if sandbox else 90.0, event_settle_s=0.0 if sandbox else 5.0,
                   limiter=None if sandbox else RateLimiter(TEST_MODE_RATE), return_url=shop_return_url())

    @property
    def is_sandbox(self) -> bool:
        return self.mode == Mode.SANDBOX


def shop_return_url() -> str:
    """The app's own return page (served by the shop's receiver), else the placeholder URL."""
    try:
        return shop.get_webhook_server().return_url
    except Exception as exc:  # the receiver could not start (port taken, database down): 3DS still works
        logger.warning("Shop return page unavailable, using %s: %s", RETURN_URL, safe_error_message(exc))
        return RETURN_URL


def poll(state: RunState, what: str, probe: Callable[[], Any]) -> Any:
    """``probe()`` every ``poll_interval`` until it returns something other than None (returned);
    ``WaitTimeout`` after the run's ``wait_timeout``. For changes that happen asynchronously."""
    deadline = time.monotonic() + state.env.wait_timeout
    while True:
        found = probe()
        if found is not None:
            return found
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"Timed out after {state.env.wait_timeout:.0f} s waiting for {what}.")
        time.sleep(state.env.poll_interval)


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
    si: dict | None = None               # the SetupIntent of a "save a card" step
    acting_on: str = "payment_intent"    # which intent a 3-D Secure answer is for (or "setup_intent")
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
    # Marks this run's objects (a customer's email) so a search finds them and nothing else.
    tag: str = field(default_factory=lambda: uuid.uuid4().hex[:12])
    search: dict | None = None           # the last search: {"ids": [...], "own": bool}

    def call(self, fn, *args: Any, **kwargs: Any) -> Any:
        """Call the SDK, waiting for the rate limiter first when the run has one (Stripe test mode)."""
        if self.env.limiter is not None:
            self.env.limiter.acquire()
        return fn(*args, **kwargs)

    def set_pi(self, obj: Any) -> dict:
        """Remember the PaymentIntent the run acts on (and its 3DS challenge, when it asks for one)."""
        pi = as_dict(obj)
        self.pi = pi
        if pi["id"] not in self.pi_ids:
            self.pi_ids.append(pi["id"])
        self.note_start(pi)
        if pi.get("status") == "requires_action" and pi.get("next_action"):
            self.next_action = pi["next_action"].get("type")
            self.challenge_url = challenge_url(pi)
        return pi

    def set_si(self, obj: Any) -> dict:
        """Remember the SetupIntent the run saves a card with (and its 3DS challenge, when it asks)."""
        si = as_dict(obj)
        self.si = si
        self.extra_ids.add(si["id"])
        if isinstance(si.get("payment_method"), str):
            self.pm = si["payment_method"]
            self.extra_ids.add(si["payment_method"])
        self.note_start(si)
        if si.get("status") == "requires_action" and si.get("next_action"):
            self.next_action = si["next_action"].get("type")
            self.challenge_url = challenge_url(si)
        return si

    def note_start(self, obj: dict) -> None:
        """Keep the earliest server ``created`` seen: the scenario's events are listed from there."""
        created = obj.get("created")
        if isinstance(created, int) and (self.server_start is None or created < self.server_start):
            self.server_start = created

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
        if st.si:
            return st.si["id"]
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
