"""Events & webhooks — the live event feed, the app's webhook endpoint and its deliveries, resend, and
how Stripe-Signature verification rejects tampered and stale deliveries."""

import contextlib
import secrets as pysecrets
import time

import streamlit as st

from lib import ui
from lib.config import Mode
from lib.lab import ui_events as view
from lib.lab import webhooks
from lib.lab.reqlog import POLLING_ORIGIN
from lib.lab.ui_common import connected_page, when
from lib.request_log import origin as request_origin

conn = connected_page("Events & webhooks", "Every change in the API is announced as an event; the app's webhook endpoint "
       "receives them signed, and verifies each signature before trusting it.")
is_sandbox = conn.mode == Mode.SANDBOX
client = conn.client

# --- live feed ----------------------------------------------------------------------------------
st.subheader("Live event feed")
c1, c2, c3 = st.columns([2, 2, 1])
type_pattern = c1.text_input("Type", key="events_type", placeholder="e.g. charge.*, *.failed",
                             help="An event type; * matches any part, e.g. payment_intent.* or *.failed.")
object_id = c2.text_input("Object id", key="events_object", placeholder="e.g. pi_…, ch_…, re_…, du_…").strip()
live = c3.toggle("Auto-refresh (3 s)", value=True, key="events_live")


def polling():
    """Tag the requests of self-refreshing sections, so the Request log can hide them."""
    return request_origin(POLLING_ORIGIN) if live else contextlib.nullcontext()


def feed() -> None:
    try:
        with polling():
            events = view.feed_events(conn, type_pattern.strip(), object_id)
    except Exception as exc:
        ui.show_error(exc)
        return
    st.session_state["events_latest"] = events
    view.feed_table(events)
    st.caption(f"{len(events)} newest event(s) · updated {time.strftime('%H:%M:%S')}"
               + (" · object filter via the sandbox-only GET /_sandbox/events?object_id=…" if object_id and is_sandbox
                  else ""))


st.fragment(feed, run_every=3 if live else None)()

events = st.session_state.get("events_latest") or []
event_ids = [e["id"] for e in events]
picked_id = st.selectbox("Event to inspect, resend or sign", event_ids, key="events_pick",
                         format_func=lambda i: next(f"{e['type']} · {i} · {when(e['created'])[11:19]}"
                                                    for e in events if e["id"] == i)) if event_ids else None
picked = next((e for e in events if e["id"] == picked_id), None)
if picked:
    with st.expander(f"{picked['type']} · {picked['id']} (JSON)"):
        st.json(picked, expanded=2)

# --- the app's endpoint -------------------------------------------------------------------------
st.subheader("The app's webhook endpoint")
try:
    status = webhooks.endpoint(conn)
except Exception as exc:
    status = None
    ui.show_error(exc)
if status is not None:
    view.endpoint_box(status, conn)


def deliveries() -> None:
    if status is None:
        return
    if is_sandbox and status.endpoint_id:
        about = f" for the events about {object_id}" if object_id else ""
        st.markdown(f"**Deliveries{about}, as the sender saw them** (sandbox delivery log — sandbox-only)")
        try:
            with polling():
                rows = webhooks.delivery_rows(client, status.endpoint_id, limit=100)
            if object_id:
                ids = {e["id"] for e in st.session_state.get("events_latest") or []}
                rows = [r for r in rows if r["event"] in ids]
            view.deliveries_table(rows[:50])
        except Exception as exc:
            ui.show_error(exc)
    st.markdown(f"**What the endpoint recorded{' for those events' if object_id else ''}** (verified or rejected, "
                "and why)")
    try:
        rows = webhooks.receiver_rows(limit=200)
        if object_id:
            ids = {e["id"] for e in st.session_state.get("events_latest") or []}
            rows = [r for r in rows if r["event"] in ids or not r["event"]]
        view.receiver_table(rows[:50])
    except Exception as exc:
        ui.show_error(exc)


st.fragment(deliveries, run_every=3 if live else None)()

# --- resend -------------------------------------------------------------------------------------
st.subheader("Resend an event")
if picked is None:
    st.caption("Pick an event above.")
elif is_sandbox and status is not None and status.endpoint_id:
    if st.button(f"Resend {picked['id']} to the app's endpoint", key="events_resend"):
        try:
            queued = webhooks.resend(client, picked["id"], status.endpoint_id)
            st.success(f"Queued {len(queued)} delivery attempt(s); watch them appear above as “resend”. "
                       "The endpoint answers “duplicate” for an event it already processed.")
        except Exception as exc:
            ui.show_error(exc)
    st.caption("Resending uses POST /_sandbox/events/{id}/resend (sandbox-only). On Stripe use the Dashboard or the "
               "CLI command below.")
    st.code(webhooks.resend_command(picked["id"], status.endpoint_id), language="bash", wrap_lines=True)
else:
    st.code(webhooks.resend_command(picked["id"], status.endpoint_id if status else None), language="bash", wrap_lines=True)
    st.caption("Stripe has no resend endpoint in its public API: use the CLI (above) or the Dashboard.")

# --- signature verification demo ----------------------------------------------------------------
st.subheader("Signature verification: tampered and stale deliveries are rejected")
secret = webhooks.signing_secret(conn) if status is not None else None
demo_secret = secret is None
if demo_secret:
    secret = st.session_state.setdefault("events_demo_secret", "whsec_demo" + pysecrets.token_hex(16))
view.show_secret_source(secret, demo_secret)
if picked is None:
    st.caption("Pick an event above to use its payload.")
elif st.button(f"Run the demo with {picked['type']}", key="events_demo", type="primary"):
    try:
        body = webhooks.event_body(client, picked["id"])
        url = status.url if status is not None and not demo_secret else None
        st.session_state["events_demo_cases"] = webhooks.verification_demo(secret, body, endpoint_url=url)
    except Exception as exc:
        ui.show_error(exc)
cases = st.session_state.get("events_demo_cases")
if cases:
    view.demo_cases(cases)
    st.caption("Each case was checked with stripe.Webhook.construct_event(payload, header, secret, tolerance=300) "
               "and POSTed to the app's endpoint, which logged the rejections above.")

# --- step by step -------------------------------------------------------------------------------
st.subheader("Stripe-Signature, step by step")
attempts = []
if is_sandbox and status is not None and status.endpoint_id and picked is not None:
    try:
        attempts = [r for r in webhooks.delivery_rows(client, status.endpoint_id, event_id=picked["id"], limit=20)
                    if r["at"]]
    except Exception as exc:
        ui.show_error(exc)
if picked is None:
    st.caption("Pick an event above.")
else:
    if attempts:
        t = int(attempts[0]["at"])
        st.caption(f"For the delivery of {picked['id']} at {when(t)} (attempt: {attempts[0]['attempt']}): the body is "
                   "the event JSON as fetched now, signed with that attempt's timestamp.")
    else:
        t = int(time.time())
        st.caption(f"No recorded delivery of {picked['id']} to sign: computed for a delivery made now.")
    try:
        body = webhooks.event_body(client, picked["id"])
        header_value = f"t={t},v1={webhooks.compute_v1(secret, t, body)}"
        verified = webhooks.verify(body, header_value, secret) if time.time() - t < webhooks.TOLERANCE_S else (
            False, "This delivery is older than 5 minutes: construct_event would now reject it as stale "
            "(Timestamp outside the tolerance zone). That is the replay protection at work.")
        view.signature_steps(webhooks.signature_steps(secret, body, t), verified)
    except Exception as exc:
        ui.show_error(exc)
