"""Run catalog scenarios against the connected API and compare what happened with what Stripe documents.

    env = Env.from_connection(conn)
    outcome = run(by_id("decline-insufficient-funds"), env)
    outcome.verdict          # "pass" | "mismatch" | "varies" | "needs_person" | "paused" | "skipped" | "error"
    outcome.checks           # [Check(name, expected, actual, ok)]
    outcome.requests         # the RequestLogEntry slice this scenario made
    results = run_all(catalog(), env, progress=lambda done, total, outcome: ...)

Inside, lower modules never import higher ones:

- :mod:`.state`   Env, RunState, Outcome, Check, the verdicts, the step exceptions and ``poll`` (the bottom)
- :mod:`.payment_ops` the payment and saved-card steps (``pay``, ``confirm``, ``setup``, ``capture`` …) and
                  the return_url rule they follow
- :mod:`.search_step`  the ``search`` step (Stripe's Search API on the run's own objects)
- :mod:`.ops`     the other steps (``refund``, ``wait_dispute``, ``authenticate`` …), ``OPS`` and ``perform``
- :mod:`.facts`   the final state read into flat facts
- :mod:`.checks`  facts and events compared with the expectation, and the verdict
- :mod:`.run`     the run loop: run, resume, run_all, summary

The outside (the Scenario catalog page, its ui helpers, the benchmark, tests) uses what this face names.
"""

from .checks import evaluate
from .ops import OPS
from .run import resume, run, run_all, summary
from .state import VERDICT_LABELS, VERDICTS, Check, Env, Outcome, StepLog

__all__ = ["OPS", "VERDICTS", "VERDICT_LABELS", "Check", "Env", "Outcome", "StepLog", "evaluate", "resume",
           "run", "run_all", "summary"]
