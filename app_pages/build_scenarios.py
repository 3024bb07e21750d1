"""Scenario catalog — every test-mode behaviour in TEST_MODE.md, runnable one by one or all at once."""

import time

import streamlit as st

from lib import ui
from lib.config import Mode
from lib.lab import runner, scenarios
from lib.lab import ui_scenarios as view
from lib.lab.tables import csv_text
from lib.lab.ui_common import connected_page

conn = connected_page("Scenario catalog", "Each row is a documented Stripe test-mode behaviour: the card to use, what Stripe "
       "says will happen, and a Run button that performs it against the connected API and compares.")
is_sandbox = conn.mode == Mode.SANDBOX
results: dict = st.session_state.setdefault("scen_results", {})
expanded: set = st.session_state.setdefault("scen_expanded", set())  # rows run one by one show everything
catalog = scenarios.catalog()

if conn.read_only:
    st.info("Scenarios create payments, so they cannot run in live read-only mode.")
    st.stop()


def env() -> runner.Env:
    return runner.Env.from_connection(conn)


# --- Run all ------------------------------------------------------------------------------------
with st.container(border=True):
    st.subheader("Run all")
    st.markdown(
        f"Runs all **{len(catalog)}** scenarios and lists passes and mismatches. "
        + ("On the offline sandbox 3-D Secure challenges are answered automatically through its challenge page "
           "(sandbox-only)." if is_sandbox else
           "On Stripe test mode this checks the sandbox's behaviour against Stripe itself; 3-D Secure scenarios "
           "need a person and are reported as such. Requests are rate-limited below 25/s."))
    if st.button("▶ Run all scenarios", type="primary", key="scen_run_all_button"):
        bar = st.progress(0.0, text="Starting…")
        started = time.perf_counter()

        def progress(done: int, total: int, outcome: runner.Outcome) -> None:
            bar.progress(done / total, text=f"{done}/{total} · {outcome.scenario.title}: "
                                            f"{runner.VERDICT_LABELS[outcome.verdict]}")

        try:
            outcomes = runner.run_all(catalog, env(), progress=progress)
        except Exception as exc:  # a connection failure mid-run: say so, keep nothing half-shown
            ui.show_error(exc)
        else:
            seconds = time.perf_counter() - started
            bar.progress(1.0, text="Finished: listing events and comparing…")
            for o in outcomes:
                results[o.scenario.id] = o
            expanded.clear()
            st.session_state["scen_last_run_all"] = {"ids": [o.scenario.id for o in outcomes], "seconds": seconds,
                                                "mode": conn.mode_label}
            bar.empty()
    last = st.session_state.get("scen_last_run_all")
    if last:
        outcomes = [results[i] for i in last["ids"] if i in results]
        view.run_all_summary(outcomes, last["seconds"], last["mode"])
        problems = any(o.verdict != "pass" for o in outcomes)
        only = st.toggle("Only show what did not pass", value=problems, key="scen_only_problems")
        listed = [o for o in outcomes if not only or o.verdict != "pass"]
        if listed:
            view.run_all_table(listed, key=f"scen_results_{'problems' if only else 'all'}")
        else:
            st.caption("Nothing to show: every scenario passed.")
        st.download_button("Download results (CSV)", csv_text([o.row() for o in outcomes]),
                           file_name="scenario_results.csv", mime="text/csv", key="scen_download")

# --- The catalog --------------------------------------------------------------------------------
st.subheader("Catalog")
counts = {g: len(scenarios.in_group(g)) for g in scenarios.GROUPS}
group = st.pills("Group", scenarios.GROUPS, default=scenarios.GROUPS[0], key="scen_group",
                 format_func=lambda g: f"{g} ({counts[g]})")
query = st.text_input("Search scenarios", key="scen_search",
                      placeholder="e.g. 4000 0027 6000 3184, pm_card_visa, insufficient_funds, refund",
                      help="Finds a card number (or its last digits), a pm_card_/tok_ id, a code or words of a title.")
if query:
    shown = scenarios.search(query)
    st.caption(f"{len(shown)} scenario(s) match “{query}” in all groups.")
else:
    shown = scenarios.in_group(group) if group else []

for s in shown:
    with st.container(border=True, key=f"scen_row_{s.id}"):
        with st.container(horizontal=True, gap="medium", wrap=False):
            clicked = view.scenario_row(s, is_sandbox)
        if clicked:
            with st.spinner(f"Running {s.title}…"):
                results[s.id] = runner.run(s, env(), interactive=True)
            expanded.add(s.id)
        outcome = results.get(s.id)
        if outcome is None:
            continue
        if outcome.verdict == "paused":
            def resume(answer: str | None, sid: str = s.id) -> None:
                with st.spinner("Checking the PaymentIntent…"):
                    results[sid] = runner.resume(results[sid], answer=answer)
                st.rerun()
            view.paused_view(outcome, key=f"scen_pause_{s.id}", on_continue=resume)
        else:
            view.outcome_view(outcome, key=f"scen_out_{s.id}", expanded=s.id in expanded)
