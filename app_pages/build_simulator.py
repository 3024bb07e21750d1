"""Traffic simulator — N payments over D days with an adjustable mix, via the sandbox's bulk seeder or
through the API (rate-limited, resumable, cancellable)."""

import streamlit as st

from lib import ui_pages
from lib.config import Mode
from lib.lab import sim_api, simulator
from lib.lab.simulator import SimEngine
from lib.lab.ui_common import connected_page

conn = connected_page("Traffic simulator", "Fill the account with realistic payments — declines, 3-D Secure, manual capture, "
       "refunds and disputes in the proportions you choose — to explore them and feed the Finance dashboard.")
if conn.read_only:
    st.info("The simulator creates payments, so it cannot run in live read-only mode.")
    st.stop()
is_sandbox = conn.mode == Mode.SANDBOX and conn.sandbox is not None
sim_engine = st.radio("Engine", [SimEngine.SEEDER, SimEngine.API] if is_sandbox else [SimEngine.API],
                      key="sim_engine", horizontal=True, format_func=lambda engine: engine.label)
if sim_engine == SimEngine.SEEDER:
    st.caption("Runs in-process on the embedded sandbox's database with the same code as the API: thousands of "
               "payments per second, spread over the last D days (sandbox-only; no webhooks for backdated history).")
else:
    st.caption(f"Every payment is real API traffic, rate-limited to {sim_api.RATE:.0f} requests/s (Stripe's test-mode "
               "limit is about 25/s), checkpointed to .data/ after each payment so it can resume, and cancellable. "
               "Stripe dates objects when they are created, so API payments are all dated now (the intended date "
               "is kept in metadata.simulated_for)."
               + ("" if conn.mode == Mode.SANDBOX else " 3-D Secure payments stay in requires_action: only a person can "
                  "answer Stripe's challenge."))

job = simulator.get_job(st.session_state.get("sim_job")) or simulator.running_job()

with st.form("sim_form"):
    c1, c2, c3 = st.columns(3)
    payments = c1.number_input("Payments", 1, sim_engine.max_payments,
                               2000 if sim_engine == SimEngine.SEEDER else 50, key="sim_payments")
    days = c2.number_input("Over the last … days", 1, 730, 30, key="sim_days")
    seed = c3.number_input("Random seed", 0, 10**9, 1, key="sim_seed")
    c4, c5, c6 = st.columns(3)
    decline = c4.slider("Declined %", 0.0, 50.0, 8.0, 0.5, key="sim_decline")
    threeds = c5.slider("3-D Secure %", 0.0, 50.0, 5.0, 0.5, key="sim_3ds")
    dispute = c6.slider("Disputed %", 0.0, 10.0, 0.8, 0.1, key="sim_dispute")
    c7, c8, c9 = st.columns(3)
    refund = c7.slider("Refunded % (of succeeded)", 0.0, 50.0, 5.5, 0.5, key="sim_refund")
    manual = c8.slider("Manual capture %", 0.0, 50.0, 10.0, 0.5, key="sim_manual")
    customer_share = c9.slider("With a customer %", 0.0, 100.0, 65.0, 5.0, key="sim_customer_share")
    c10, c11 = st.columns([2, 1])
    chosen = c10.multiselect("Currencies (weighted like a US shop)", simulator.SUPPORTED_CURRENCIES,
                             default=list(simulator.SUPPORTED_CURRENCIES), key="sim_currencies")
    pool = c11.number_input("Distinct customers (at most)", 0, 100_000, 200, key="sim_pool")
    start = st.form_submit_button("Start", type="primary", disabled=bool(job and job.running))

mix = simulator.Mix(payments=int(payments), days=int(days), decline_rate=decline / 100, threeds_share=threeds / 100,
                    dispute_rate=dispute / 100, refund_rate=refund / 100, manual_capture_rate=manual / 100,
                    currencies=tuple(chosen), customer_share=customer_share / 100, customers=int(pool), seed=int(seed))


def launch(cp: sim_api.Checkpoint) -> None:
    st.session_state["sim_job"] = sim_api.start_api_job(conn, cp).id


if start:
    problems = mix.problems(sim_engine)
    if problems:
        for p in problems:
            st.error(p)
    else:
        try:
            if sim_engine == SimEngine.SEEDER:
                st.session_state["sim_job"] = simulator.start_sandbox_job(conn.sandbox.engine, mix).id
            else:
                launch(sim_api.new_checkpoint(conn.api_base, mix))
        except RuntimeError as exc:
            st.error(str(exc))
        job = simulator.get_job(st.session_state.get("sim_job"))

if sim_engine == SimEngine.API and not (job and job.running):
    cp = sim_api.load_checkpoint()
    if cp is not None and cp.resumable and cp.api_base == conn.api_base:
        with st.container(border=True):
            st.markdown(f"**Unfinished API run `{cp.run_id}`**: {cp.next_index:,}/{cp.total:,} payments "
                        f"({cp.status}). Resuming repeats nothing: each request reuses its idempotency key.")
            r1, r2, _ = st.columns([1, 1, 4])
            if r1.button("Resume", key="sim_resume", type="primary"):
                launch(cp)
                st.rerun()
            if r2.button("Discard", key="sim_discard"):
                sim_api.clear_checkpoint()
                st.rerun()


def progress_panel() -> None:
    current = simulator.get_job(st.session_state.get("sim_job")) or simulator.running_job()
    if current is None:
        return
    if not current.running and st.session_state.get("sim_polling"):
        st.session_state["sim_polling"] = False
        st.rerun()  # the whole page: stop polling, re-enable Start
    with st.container(border=True):
        label = "Bulk seeder" if current.engine == SimEngine.SEEDER else "API"
        st.progress(current.fraction, text=f"{label}: {current.done:,}/{current.total:,} payments · "
                                           f"{current.elapsed:.1f} s · {current.status}")
        if current.running:
            if st.button("Cancel", key="sim_cancel"):
                current.cancel()
            st.caption("You can leave this page: the run continues in the background.")
        elif current.status == "done":
            rate = current.done / current.elapsed if current.elapsed else 0
            st.success(f"Done: {current.done:,} payments in {current.elapsed:.1f} s ({rate:,.0f}/s).")
        elif current.status == "canceled":
            st.warning(f"Canceled after {current.done:,} payments"
                       + (" — resume it below." if current.engine == SimEngine.API else " (every finished batch is kept)."))
        elif current.status == "failed":
            st.error(f"Stopped: {current.message}"
                     + (" The checkpoint is kept: resume when the API is reachable." if current.engine == SimEngine.API
                        else ""))
        if current.stats:
            st.dataframe([{"what": k.replace("_", " "), "count": v} for k, v in current.stats.items()
                           if isinstance(v, int) and not isinstance(v, bool)], hide_index=True, key="sim_stats",
                         width="content")
        log = current.extra.get("log")
        if log is not None and len(log):
            with st.expander(f"Last {len(log)} API requests of this run (kept out of the app's request log)"):
                st.code("\n".join(f"{e.method} {e.path.split('?')[0]} → {e.status} {e.latency_ms:.0f} ms"
                                  for e in log.entries()[-30:]), language="text")
        if not current.running:
            st.page_link(ui_pages.page(ui_pages.EXPLORER), label="Browse the payments in the explorer", icon=":material/search:")


polling = bool(job and job.running)
st.session_state["sim_polling"] = polling
st.fragment(progress_panel, run_every=1.0 if polling else None)()
