"""Streamlit rendering for the Events & webhooks page."""

from __future__ import annotations

import fnmatch
from typing import Any

import streamlit as st

from lib import ui
from lib.column_widths import fitted_width
from lib.config import Mode, mask_key
from lib.stripe_facts.statuses import Badge, http_status_badge, object_status_badge

from . import eventlog, webhooks
from .ui_common import when

FEED_SIZE = 50
# A delivery's verdict (lib.lab.webhooks rows) as a badge: verified green, rejected/failed red.
_VERDICTS = {"verified": Badge("Verified", "green"), "rejected": Badge("Rejected", "red"),
             "failed": Badge("Failed", "red"), "pending": Badge("Pending", "blue")}


def verdict_badge(verdict: str) -> Badge:
    """``"verified ✓"`` → Verified (green); ``"rejected ✗"`` → Rejected (red); ``"pending…"`` → Pending."""
    word = str(verdict).split(" ")[0].rstrip("…")
    return _VERDICTS.get(word, Badge(str(verdict), "gray"))


def _time(ts: Any) -> str:
    return when(ts)[11:19]


def _show(rows: list[dict[str, Any]], badges: dict[str, Any], columns: list[str], *, key: str,
          widths: dict[str, Any]) -> None:
    shown, config = ui.badge_rows(rows, badges)
    present = [c for c in columns if any(r.get(c) not in (None, "") for r in rows)]
    # Text columns as wide as their longest value (the grid sizes a column by its first rows, and
    # cut "payment_intent.amount_capturable_updated" further down); the fixed widths given win.
    fitted = {c: fitted_width(c, [r.get(c) for r in rows]) for c in present if c not in badges}
    for name, width in {**{c: w for c, w in fitted.items() if w}, **widths}.items():
        base = config.get(name) or st.column_config.Column(name)
        config[name] = {**base, "width": width}
    st.dataframe(shown, hide_index=True, width="stretch", key=key, column_order=present, column_config=config,
                 placeholder="")


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
    rows = []
    for e in events:
        row = eventlog.event_row(e)
        row["status"] = object_status_badge(row["object"], row["status"]) if row["status"] else None
        rows.append({**row, "time": _time(e.get("created"))})
    # What fits a 1280 px window; the event id, its request and pending webhooks are in its JSON below.
    _show(rows, {"status": lambda badge: badge}, ["time", "type", "object id", "status"], key="events_feed_table",
          widths={"time": 70})


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
    shown = [{**r, "at": _time(r["at"]), "next retry": when(r["next retry"]) or None} for r in rows]
    _show(shown, {"http": http_status_badge, "verdict": verdict_badge},
          ["at", "type", "attempt", "http", "verdict", "latency ms", "receiver said", "next retry"],
          key="events_deliveries_table", widths={"at": 75, "http": 70, "verdict": 95, "attempt": 75, "latency ms": 85})


def receiver_table(rows: list[dict]) -> None:
    if not rows:
        st.caption("The endpoint has not received anything yet.")
        return
    # A Markdown table: the receiver's "detail" is a sentence (why a signature was refused), which
    # wraps here instead of being cut or widening the page.
    ui.markdown_table([{k: (_time(r["at"]) if k == "at" else r.get(k)) for k in
                        ("at", "type", "http", "verdict", "outcome", "detail")} for r in rows],
                      code=("type",), badges={"http": http_status_badge, "verdict": verdict_badge},
                      headers={"at": "At", "http": "HTTP"})


def demo_cases(cases: list[webhooks.DemoCase]) -> None:
    """One row per case: what was sent on the left, what construct_event and the endpoint said on the
    right (three narrow columns would break the error names and signatures mid-word)."""
    for case in cases:
        with st.container(border=True, horizontal=True, gap="medium", wrap=False):
            st.markdown(f"**{case.name}**  \n:small[:gray[{case.what}]]", width=240)
            with st.container():
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
