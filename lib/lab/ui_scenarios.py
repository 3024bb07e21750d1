"""Streamlit rendering for the Scenario catalog page: one scenario row, an outcome, the 3DS pause,
and the Run all results.

The catalog's first screen is a few dozen rows, so each row is drawn with as few elements as
possible (one bordered horizontal container, two Markdown blocks and the Run button): the browser
settles sooner. pandas is imported only where a table is drawn.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from lib import ui
from lib.stripe_facts.statuses import Badge

from .challenge import is_sandbox_challenge
from .runner import VERDICT_LABELS, Outcome, summary
from .scenarios import Scenario
from .tables import paginate
from .ui_common import explorer_link, page_number, pager, request_detail, requests_table

BADGE_COLORS = {"pass": "green", "mismatch": "red", "varies": "orange", "needs_person": "violet",
                "paused": "blue", "skipped": "gray", "error": "red"}
# Run all's result column: the verdicts as short badges.
VERDICT_WORDS = {"pass": "Pass", "mismatch": "Mismatch", "varies": "Account-dependent", "needs_person": "Needs a person",
                 "paused": "Waiting for you", "skipped": "Skipped", "error": "Error"}
RESULTS_PER_PAGE = 25


def verdict_badge(verdict: str) -> Badge:
    return Badge(VERDICT_WORDS.get(verdict, verdict), BADGE_COLORS.get(verdict, "gray"))


def _fmt(value: Any) -> str:
    if isinstance(value, tuple):
        return " or ".join(_fmt(v) for v in value)
    if isinstance(value, list):
        return ", ".join(map(str, value)) or "—"
    if isinstance(value, dict):
        return ", ".join(f"{k}×{v}" for k, v in value.items())
    return "null" if value is None else str(value)


def _quiet(text: str) -> str:
    """Small grey text inside a Markdown block (one element instead of a separate st.caption)."""
    return f":small[:gray[{text}]]"


def scenario_row(s: Scenario, conn_is_sandbox: bool) -> bool:
    """One catalog row: what it is and what Stripe documents, beside its Run button. Returns True when
    Run was pressed. The caller has opened the row's container."""
    tags = []
    if s.needs_person:
        tags.append(":material/person: 3DS challenge" + (" (answered automatically in Run all: sandbox-only)"
                                                         if conn_is_sandbox else " (needs a person on Stripe)"))
    if s.needs_publishable_key:
        tags.append(":material/key: publishable key")
    if s.account_dependent:
        tags.append(":material/tune: account-dependent")
    if s.async_wait:
        tags.append(":material/hourglass_top: waits for an async change")
    header = f"**{s.title}**  \n`{s.card}`" + (f" · TEST_MODE.md §{s.source}" if s.source else "")
    if tags:
        header += "  \n" + _quiet(" · ".join(tags))
    st.markdown(header, width=260)
    expected, events = s.expected_text(), s.expected.get("events")
    body = s.documented + "  \n" + _quiet("Expected: " + (expected or "—"))
    if events:
        body += "  \n" + _quiet(f"Events: {' → '.join(events)}")
    if s.note:
        body += "  \n" + _quiet(f":material/info: {s.note}")
    st.markdown(body, width="stretch")
    return st.button("▶ Run", key=f"scen_run_{s.id}", width="content")


def outcome_view(o: Outcome, *, key: str, expanded: bool = True) -> None:
    """Actual beside expected, then events, steps and the requests/responses. ``expanded=False`` (rows
    filled by Run all) shows the verdict line and keeps the details in an expander."""
    failed = [c for c in o.checks if not c.ok]
    line = (f"{len(o.checks) - len(failed)}/{len(o.checks)} checks match" if o.checks else "") + \
        (f" · {len(o.events)} events" if o.events else "") + f" · {o.duration_s:.2f} s"
    st.markdown(ui.badge_md(Badge(VERDICT_LABELS[o.verdict], BADGE_COLORS[o.verdict])) + " " + _quiet(
        line + (" — " + "; ".join(f"{c.name}: expected {_fmt(c.expected)}, got {_fmt(c.actual)}" for c in failed)
                if failed else "")))
    if o.error:
        st.error(o.error)
    if o.note:
        st.info(o.note)
    body = st.container() if expanded else st.expander("Details: actual vs expected, events, requests")
    with body:
        _details(o, key)


def _details(o: Outcome, key: str) -> None:
    if o.checks:
        import pandas as pd  # only here: the catalog's first screen draws no table

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
        if o.requests:
            picked = requests_table(o.requests, key=f"{key}_req", show_time=False)
            if picked is None:
                st.caption("Click a request to see its request and response bodies.")
            else:
                request_detail(picked)
        else:
            st.caption("No requests recorded.")
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
        buttons = st.container(horizontal=True)
        if buttons.button("I answered — continue", key=f"{key}_cont", type="primary"):
            on_continue(None)
        if buttons.button("Answer COMPLETE for me", key=f"{key}_auto_ok"):
            on_continue("complete")
        if buttons.button("Answer FAIL for me", key=f"{key}_auto_fail"):
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
    # Metrics sized to their labels, wrapping to a second line on a narrow window (never cut short).
    row = st.container(horizontal=True, wrap=True, gap="large")
    for label, value in (("Scenarios", len(outcomes)), ("Pass", counts["pass"]), ("Mismatch", counts["mismatch"]),
                         ("Account-dependent", counts["varies"]),
                         ("Needs a person / skipped", counts["needs_person"] + counts["skipped"]),
                         ("Errors", counts["error"])):
        row.metric(label, value, width="content")
    rate = len(outcomes) / seconds if seconds else 0
    st.caption(f"Run all on {mode_label}: {len(outcomes)} scenarios in {seconds:.1f} s ({rate:.1f} scenarios/s).")
    if counts["mismatch"] == 0 and counts["error"] == 0:
        st.success(f"Zero mismatches: every completed scenario behaved as Stripe documents "
                   f"({counts['pass']} passed).", icon=":material/check_circle:")
    else:
        st.error(f"{counts['mismatch']} mismatch(es) and {counts['error']} error(s): see the table.", icon=":material/error:")


def run_all_table(outcomes: list[Outcome], *, key: str) -> None:
    """Run all's results, 25 a page, all rows in view: the verdict as a badge, the scenario and its
    group — or, when something did not pass, what differed. (Cards and expectations are in each row
    of the catalog and in the CSV: with them the table would not fit a 1280 px window.)"""
    page = paginate(outcomes, page_number(f"{key}_page"), RESULTS_PER_PAGE)
    st.session_state[f"{key}_page"] = page.number
    rows = [{"result": o.verdict, "scenario": o.scenario.title, "group": o.scenario.group,
             "differences": o.row()["differences"], "seconds": round(o.duration_s, 2)} for o in page.items]
    columns = ["result", "scenario", "differences" if any(r["differences"] for r in rows) else "group", "seconds"]
    shown, config = ui.badge_rows(rows, {"result": verdict_badge})
    config.update({"scenario": st.column_config.TextColumn("Scenario", width=330),
                   "group": st.column_config.TextColumn("Group", width=190),
                   "differences": st.column_config.TextColumn("Differences", width=330),
                   "seconds": st.column_config.NumberColumn("Seconds", width=70, format="%.2f")})
    if "result" in config:
        config["result"] = {**config["result"], "label": "Result", "width": 150}
    st.dataframe(shown, hide_index=True, width="stretch", key=f"{key}_{page.number}", column_config=config,
                 column_order=columns, placeholder="", height=38 + 35 * len(rows))
    pager(page, key=f"{key}_page")
