"""Streamlit rendering for the Events & webhooks page."""

from __future__ import annotations

import fnmatch
from typing import Any

import pandas as pd
import streamlit as st

from lib import ui
from lib.config import Mode, mask_key

from . import eventlog, webhooks
from .ui_common import when

FEED_SIZE = 50


def feed_events(conn: Any, type_pattern: str, object_id: str) -> list[dict]:
    """Newest events, filtered by type (wildcards ok) and/or the object they describe."""
    client = conn.client
    if object_id:
        if conn.mode == Mode.SANDBOX:
            ids = related_objects(client, object_id)
            data = client.raw_request("get", "/_sandbox/events", object_id=ids, limit=100).data["data"]
        else:
            data = eventlog.list_events(client, ids=[object_id], max_pages=5, want=FEED_SIZE).events
        if type_pattern:
            data = [e for e in data if fnmatch.fnmatchcase(e["type"], type_pattern)]
        return data[:FEED_SIZE]
    page = eventlog.list_events(client, type_pattern=type_pattern or None, max_pages=1)
    return page.events[:FEED_SIZE]


def related_objects(client: Any, object_id: str) -> list[str]:
    """The object and what belongs to it (a PaymentIntent's charges, refunds and disputes), at most 20."""
    ids = [object_id]
    key = {"pi_": "payment_intent", "ch_": "charge", "py_": "charge"}.get(object_id[:3])
    if key:
        for service in ((client.v1.charges,) if key == "payment_intent" else ()) + (client.v1.refunds,
                                                                                     client.v1.disputes):
            ids += [o.id for o in service.list(params={key: object_id, "limit": 10}).data]
    return ids[:20]


def feed_table(events: list[dict]) -> None:
    if not events:
        st.caption("No events match.")
        return
    rows = [{**eventlog.event_row(e), "created": when(e.get("created"))} for e in events]
    st.dataframe(pd.DataFrame(rows), hide_index=True, width="stretch", key="events_feed_table")


def endpoint_box(status: Any, conn: Any) -> None:
    st.markdown(f"**Endpoint URL:** `{status.url}`  \n"
                f"**Registered with the processor:** {'yes, as `' + status.endpoint_id + '`' if status.registered else 'no'}"
                f"  \n**Signing secret:** `{status.masked_secret}`")
    st.caption(webhooks.webhook_mode_note(conn))
    if status.note and not status.registered:
        st.caption(status.note)
    if status.error:
        st.warning(status.error)


def deliveries_table(rows: list[dict]) -> None:
    if not rows:
        st.caption("No deliveries yet. Make a payment (Scenario catalog, Learn page) and they appear here.")
        return
    verified = sum(1 for r in rows if r["verdict"].startswith("verified"))
    rejected = sum(1 for r in rows if r["verdict"].startswith("rejected"))
    retries = sum(1 for r in rows if r["attempt"].startswith("retry"))
    latencies = [r["latency ms"] for r in rows if r["latency ms"] is not None]
    cols = st.columns(4)
    cols[0].metric("Verified", verified)
    cols[1].metric("Rejected / failed", len(rows) - verified - sum(1 for r in rows if r["verdict"] == "pending…"))
    cols[2].metric("Retries", retries)
    cols[3].metric("Median latency", f"{sorted(latencies)[len(latencies) // 2]:.0f} ms" if latencies else "—")
    if rejected:
        st.caption(f"{rejected} attempt(s) were rejected by signature verification (HTTP 400).")
    latest = rows[0]
    st.caption(f"Latest delivery: {latest['type']} ({latest['event']}) → {latest['verdict']} · HTTP "
               f"{latest['http'] or '—'} · {latest['latency ms'] if latest['latency ms'] is not None else '—'} ms · "
               f"{latest['attempt']} attempt")
    frame = pd.DataFrame([{**r, "at": when(r["at"]), "next retry": when(r["next retry"])} for r in rows])
    st.dataframe(frame, hide_index=True, width="stretch", key="events_deliveries_table",
                 column_config={"delivery": None})


def receiver_table(rows: list[dict]) -> None:
    if not rows:
        st.caption("The endpoint has not received anything yet.")
        return
    st.dataframe(pd.DataFrame([{**r, "at": when(r["at"])} for r in rows]), hide_index=True, width="stretch",
                 key="events_receiver_table")


def demo_cases(cases: list[webhooks.DemoCase]) -> None:
    cols = st.columns(len(cases))
    for col, case in zip(cols, cases):
        with col.container(border=True):
            st.markdown(f"**{case.name}**")
            st.caption(case.what)
            if case.verified:
                st.success(case.message, icon=":material/verified:")
            else:
                st.error(case.message, icon=":material/block:")
            st.code(f"Stripe-Signature: {case.header}", language="text", wrap_lines=True)
            if case.endpoint_status is not None or case.endpoint_said:
                st.caption(f"The app's endpoint answered HTTP {case.endpoint_status or '—'}: {case.endpoint_said}")


def signature_steps(steps: list[tuple[str, str]], verified: tuple[bool, str]) -> None:
    for label, value in steps:
        st.markdown(label)
        st.code(value, language="text", wrap_lines=True)
    ok, message = verified
    (st.success if ok else st.error)(message)


def show_secret_source(secret: str | None, demo: bool) -> None:
    if demo:
        st.caption(f"No signing secret is configured, so the demo uses a throwaway secret ({mask_key(secret)}).")
    else:
        st.caption(f"Signed with the endpoint's secret {mask_key(secret)} (never shown in full).")


def error_box(exc: Exception) -> None:
    ui.show_error(exc)
