"""Streamlit rendering for the Scenario catalog page: one scenario row, an outcome, the 3DS pause,
and the Run all results."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from .challenge import is_sandbox_challenge
from .runner import VERDICT_LABELS, Outcome, summary
from .scenarios import Scenario
from .ui_common import explorer_link, requests_table

BADGE_COLORS = {"pass": "green", "mismatch": "red", "varies": "orange", "needs_person": "violet",
                "paused": "blue", "skipped": "gray", "error": "red"}


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        return " or ".join(_fmt(v) for v in value)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}×{v}" for k, v in value.items())
    return "null" if value is None else str(value)


def scenario_header(s: Scenario, conn_is_sandbox: bool) -> None:
    st.markdown(f"**{s.title}**  \n`{s.card}`" + (f" · TEST_MODE.md §{s.source}" if s.source else ""))
    tags = []
    if s.needs_person:
        tags.append(":material/person: 3DS challenge" + (" (answered automatically in Run all: sandbox-only)" if conn_is_sandbox
                                         else " (needs a person on Stripe)"))
    if s.needs_publishable_key:
        tags.append(":material/key: publishable key")
    if s.account_dependent:
        tags.append(":material/tune: account-dependent")
    if s.async_wait:
        tags.append(":material/hourglass_top: waits for an async change")
    if tags:
        st.caption(" · ".join(tags))


def scenario_expectation(s: Scenario) -> None:
    st.markdown(s.documented)
    expected = s.expected_text()
    events = s.expected.get("events")
    st.caption("Expected: " + (expected or "—") + (f"  \nEvents: {' → '.join(events)}" if events else ""))
    if s.note:
        st.caption(f":material/info: {s.note}")


def outcome_view(o: Outcome, *, key: str, expanded: bool = True) -> None:
    """Actual beside expected, then events, steps and the requests/responses. ``expanded=False`` (rows
    filled by Run all) shows the verdict line and keeps the details in an expander."""
    failed = [c for c in o.checks if not c.ok]
    line = (f"{len(o.checks) - len(failed)}/{len(o.checks)} checks match" if o.checks else "") + \
        (f" · {len(o.events)} events" if o.events else "") + f" · {o.duration_s:.2f} s"
    top = st.columns([1, 5])
    with top[0]:
        st.badge(VERDICT_LABELS[o.verdict], color=BADGE_COLORS[o.verdict])  # type: ignore[arg-type]
    top[1].caption(line + (" — " + "; ".join(f"{c.name}: expected {_fmt(c.expected)}, got {_fmt(c.actual)}"
                                               for c in failed) if failed else ""))
    if o.error:
        st.error(o.error)
    if o.note:
        st.info(o.note)
    body = st.container() if expanded else st.expander("Details: actual vs expected, events, requests")
    with body:
        _details(o, key)


def _details(o: Outcome, key: str) -> None:
    if o.checks:
        rows = [{"": "✓" if c.ok else "✗", "fact": c.name, "expected (Stripe docs)": _fmt(c.expected),
                 "actual": _fmt(c.actual)} for c in o.checks]
        st.table(pd.DataFrame(rows).set_index(""))
    elif o.facts:
        st.caption("Observed: " + ", ".join(f"{k}={v}" for k, v in o.facts.items() if v is not None))
    if o.events:
        st.markdown("**Events emitted:** " + " → ".join(f"`{t}`" for t in o.event_types))
    with st.expander(f"Steps ({len(o.steps)}) and requests ({len(o.requests)})"):
        for step in o.steps:
            st.markdown(f"{':material/check:' if step.ok else ':material/close:'} `{step.description}` → {step.result}")
        requests_table(o.requests, key=f"{key}_req")
    if o.primary_id and o.primary_id.startswith("pi_"):
        explorer_link(o.primary_id, label=f"Open {o.primary_id} in the Payments explorer")


def paused_view(o: Outcome, *, key: str, on_continue: Callable[[str | None], None]) -> None:
    """A run waiting at a 3-D Secure challenge."""
    url = o.challenge_url
    want = next((s.args.get("result", "complete") for s in o.scenario.steps if s.op == "authenticate"), "complete")
    st.info(f"**Waiting for the customer.** The PaymentIntent is `requires_action`. Answer the test challenge "
            f"with **{want.upper()}**, then press *Continue*.", icon=":material/person:")
    if url and is_sandbox_challenge(url):
        st.caption("The offline sandbox's challenge page (sandbox-only; Stripe's looks similar):")
        st.iframe(url, height=300)
        cols = st.columns(3)
        if cols[0].button("I answered — continue", key=f"{key}_cont", type="primary"):
            on_continue(None)
        if cols[1].button("Answer COMPLETE for me", key=f"{key}_auto_ok"):
            on_continue("complete")
        if cols[2].button("Answer FAIL for me", key=f"{key}_auto_fail"):
            on_continue("fail")
    else:
        if url:
            st.link_button("Open Stripe's 3-D Secure test page", url)
        else:
            st.warning("This PaymentIntent asks for Stripe.js (next_action use_stripe_sdk): only Stripe.js in a "
                       "browser can show that challenge. Use a scenario with a return_url, or the Learn page.")
        if st.button("I answered — continue", key=f"{key}_cont", type="primary"):
            on_continue(None)
    if o.error:
        st.warning(o.error)


def run_all_summary(outcomes: list[Outcome], seconds: float, mode_label: str) -> None:
    counts = summary(outcomes)
    cols = st.columns(6)
    cols[0].metric("Scenarios", len(outcomes))
    cols[1].metric("Pass", counts["pass"])
    cols[2].metric("Mismatch", counts["mismatch"])
    cols[3].metric("Account-dependent", counts["varies"])
    cols[4].metric("Needs a person / skipped", counts["needs_person"] + counts["skipped"])
    cols[5].metric("Errors", counts["error"])
    rate = len(outcomes) / seconds if seconds else 0
    st.caption(f"Run all on {mode_label}: {len(outcomes)} scenarios in {seconds:.1f} s ({rate:.1f} scenarios/s).")
    if counts["mismatch"] == 0 and counts["error"] == 0:
        st.success(f"Zero mismatches: every completed scenario behaved as Stripe documents "
                   f"({counts['pass']} passed).", icon=":material/check_circle:")
    else:
        st.error(f"{counts['mismatch']} mismatch(es) and {counts['error']} error(s): see the table.", icon=":material/error:")
