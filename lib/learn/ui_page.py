"""The Learn page's layout: stepper, the current step with the state diagram beside it, then the
live flow diagram across the page, the shop's database and the Charges-vs-PaymentIntents section."""

from __future__ import annotations

from typing import Any

import streamlit as st

from lib.config import Mode
from lib.learn import ui_after, ui_collect, ui_panels, ui_payment
from lib.learn import ui_state as S
from lib.shop import ensure_webhooks, get_db, get_webhook_server

INTRO = (
    "Pay for a sticker pack, one step at a time, against a real payments API — the built-in offline sandbox, "
    "or Stripe's test mode with your own keys. Each step **does** the thing and shows what crossed which boundary: "
    "the card goes from the browser straight to the processor; your server and database only ever see ids.")
STEP_ICONS = ("①", "②", "③", "④", "⑤", "⑥", "⑦")


def _stepper() -> None:
    current = st.session_state.learn_step
    unlocked = max(S.unlocked_step(), current)
    options = [n for n, _ in S.STEPS]
    picked = st.segmented_control(
        "Steps", options, default=current, key=f"learn_nav_{current}", label_visibility="collapsed",
        format_func=lambda n: f"{STEP_ICONS[n - 1]} {S.STEP_TITLES[n]}" + ("" if n <= unlocked else " :material/lock:"))
    if picked is not None and picked != current:
        if picked <= unlocked:
            S.go(picked)
            st.rerun()
        st.session_state.learn_notice = ("info", f"Step {picked} opens once step {unlocked} is done.")


def _header(conn: Any, status: Any) -> None:
    st.markdown(INTRO)
    where = f"offline sandbox at `{conn.api_base}`" if conn.mode == Mode.SANDBOX else f"`{conn.api_base}` ({conn.mode_label})"
    hook = "registered" if status.registered else ("configured" if status.ready else "not configured")
    left, right = st.columns([5, 1])
    left.caption(f"Processor: {where} · your webhook endpoint `{status.url}` ({hook}) · order "
                 f"`{st.session_state.learn_order_id}`")
    if right.button("Start over", key="learn_start_over", width="stretch"):
        S.new_run()
        st.rerun()


def render(conn: Any) -> None:
    S.init()
    db = get_db()
    server = get_webhook_server()
    status = ensure_webhooks(conn, server)
    pk = conn.publishable_key
    server.publish(pk if pk and pk.startswith("pk_test_") else None)  # the card form fetches it from GET /config
    _header(conn, status)
    _stepper()
    notice = st.session_state.learn_notice
    if notice:
        getattr(st, notice[0], st.info)(notice[1])
        st.session_state.learn_notice = None
    step = st.session_state.learn_step
    main, side = st.columns([5, 3], gap="medium")
    with main:
        st.subheader(f"Step {step} · {S.STEP_TITLES[step]}")
        if step == 1:
            ui_collect.step1(conn, server)
        elif step == 2:
            ui_collect.step2(conn)
        elif step == 3:
            ui_collect.step3(conn, server)
        elif step == 4:
            ui_payment.step4(conn, db)
        elif step == 5:
            ui_payment.step5(conn, db)
        elif step == 6:
            ui_payment.step6(conn, db, server.url)
        else:
            ui_after.step7(conn, db, server)
    h = ui_panels.history(conn, db)
    with side:
        ui_panels.state_panel(h)
        ui_panels.watch(conn, db)
    ui_panels.flow_panel(db)  # full width: a sequence diagram needs room for its four lanes
    ui_panels.timeline_panel(h)
    ui_panels.lifecycle_panel(h)
    ui_panels.database_panel(db)
    with st.expander("Your webhook endpoint — and how it rejects forged, stale and replayed deliveries"):
        ui_panels.webhook_panel(conn, db, server, status)
    st.subheader("Charges vs PaymentIntents")
    ui_after.compare_section(conn, server)
