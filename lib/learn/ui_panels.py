"""The Learn page's panels: the PaymentIntent's state (beside the step), then across the page the
live flow diagram, the timeline, the whole lifecycle on demand, your database, the webhook endpoint
(with forged / stale / replayed deliveries to try), and the live watcher."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

import streamlit as st

from lib import ui
from lib.learn import flow, testcards, timeline, webhook_demo
from lib.learn import ui_state as S
from lib.learn.flow import BROWSER, DATABASE, PROCESSOR, SERVER
from lib.shop import MerchantDB, WebhookServer, WebhookStatus, payments
from lib.stripe_facts.currencies import format_amount
from lib.stripe_facts.lifecycle import PIStatus, graphviz_dot
from lib.stripe_facts.statuses import dispute_badge, order_badge, pi_status_badge

WATCH_EVERY_S = 1.5
WATCH_GIVE_UP_S = 120
_LOUD_EVENTS = ("payment_intent.", "charge.refunded", "refund.", "charge.dispute.")


def _order(db: MerchantDB) -> dict[str, Any] | None:
    pay = S.last_pay()
    return db.order(pay.order["id"]) if pay else None


def webhook_messages(db: MerchantDB, pi_id: str | None) -> list[flow.Message]:
    """The webhooks of this payment, as diagram messages (from the shop's processed_events table)."""
    if not pi_id:
        return []
    out = []
    for row in db.processed_events(pi_id):
        if not row["type"].startswith(_LOUD_EVENTS):
            continue
        out.append(flow.Message(PROCESSOR, SERVER, f"webhook {row['type']} ✓ signed", "webhook", row["received_at"]))
        if "fulfilment started" in row["result"]:
            out.append(flow.Message(SERVER, DATABASE, "event recorded; fulfilment (exactly once)", "db",
                                    row["received_at"] + 0.001))
    return out


def flow_panel(db: MerchantDB) -> None:
    st.markdown("##### Live flow of this payment")
    pi_id = (S.current_pi() or {}).get("id")
    messages = flow.merge(S.messages(), webhook_messages(db, pi_id))
    # Natural size, never stretched or squeezed: the diagram's 13 px text is what a person reads.
    st.image(flow.render_svg(messages), width="content")
    st.caption(":red[■] card data (only browser → processor) · :violet[■] ids and API calls · :green[■] signed "
               "webhooks · :gray[■] your database. Nothing red ever reaches your server.")


@dataclass(frozen=True)
class History:
    """This run's PaymentIntent and its events, fetched once per rerun for the state and timeline panels."""

    pi: dict[str, Any] | None
    rows: list[timeline.TimelineRow]
    path: list[str]
    error: str | None = None

    @property
    def current(self) -> str | None:
        return (self.pi or {}).get("status")


def history(conn: Any, db: MerchantDB) -> History:
    pi, order = S.current_pi(), _order(db)
    if not pi or not order:
        return History(None, [], [])
    rows, error = timeline.fetch(conn.client, pi["id"], order["created"])
    return History(pi, rows, timeline.status_path(rows, pi["id"], pi.get("status")), error)


def state_panel(h: History) -> None:
    """The side column's diagram: the path taken and the next possible moves (the full graph is
    on demand below the flow diagram, where it has the page's width)."""
    st.markdown("##### The PaymentIntent's state")
    # Top to bottom: the path reads down the narrow column, so the chart keeps a legible scale
    # (left to right, three states and their next moves were shrunk to ~7 px text to fit the width).
    st.graphviz_chart(graphviz_dot(h.current, h.path, focus=True, rankdir="TB"), width="stretch")
    if h.pi is None:
        st.caption("A PaymentIntent starts here. Pay to see yours move; dashed arrows are the next possible moves.")
        return
    if h.current in PIStatus._value2member_map_:
        st.caption(f"**Now {PIStatus(h.current).label}:** {PIStatus(h.current).explanation}  \n"
                   "Dashed arrows: where it can go next.")


def lifecycle_panel(h: History) -> None:
    # Drawn only while open (on_change="rerun" gives the expander an .open state): a closed
    # expander's chart would still be laid out by the browser on every page load.
    box = st.expander("The whole lifecycle: every state and every possible transition", key="learn_lifecycle_open",
                      on_change="rerun")
    if box.open:
        box.graphviz_chart(graphviz_dot(h.current, h.path), width="stretch")


def timeline_panel(h: History) -> None:
    if h.pi is None:
        return
    st.markdown("##### Timeline (from `GET /v1/events`)")
    if h.error:
        st.caption(f"Events unavailable: {h.error}")
        return
    if h.path:
        st.caption("Path: " + " → ".join(pi_status_badge(p).label for p in h.path))
    # A Markdown table: the "meaning" sentences wrap instead of being cut or widening the page.
    ui.markdown_table([r.as_row() for r in h.rows], code=("event", "object"),
                      badges={"status after": pi_status_badge})


def database_panel(db: MerchantDB) -> None:
    st.markdown("##### Your database")
    order = _order(db)
    if db.engine.kind == "postgres":
        st.caption(f"Postgres at `{db.path}`, schema `shop` (from `DATABASE_URL`).")
    else:
        st.caption(f"SQLite at `{db.path}` (set `MERCHANT_DB_URL` to move it, or `DATABASE_URL` for Postgres).")
    # Only the open tab is built (on_change="rerun" gives each tab an .open state): the browser
    # would otherwise draw every hidden tab's tables on each page load.
    tabs = st.tabs(list(DATABASE_TABS), key="learn_db_tab", on_change="rerun")
    for tab, show in zip(tabs, DATABASE_TABS.values()):
        if tab.open:
            with tab:
                show(db, order)


def _orders_tab(db: MerchantDB, order: dict[str, Any] | None) -> None:
    orders = db.orders(6)
    if not orders:
        st.caption("No orders yet: the first one is written when you press Pay (step 3).")
        return
    # The columns that fit the page at 1280 px; how the newest order was paid and fulfilled is said below.
    disputed = any(o["dispute_status"] for o in orders)
    rows, config = ui.badge_rows([{"order": o["id"], "status": o["status"],
                                   "amount": format_amount(o["amount"], o["currency"]),
                                   "refunded": format_amount(o["amount_refunded"], o["currency"]),
                                   **({"dispute": o["dispute_status"]} if disputed else {}),
                                   "PaymentIntent": o["payment_intent"], "card": o["card"]}
                                  for o in orders], {"status": order_badge, "dispute": dispute_badge})
    st.dataframe(rows, column_config=config, hide_index=True, width="stretch", placeholder="")
    newest = orders[0]
    how = {"api_response": "the API's answer", "webhook": "a webhook"}.get(newest["paid_via"] or "",
                                                                          newest["paid_via"] or "")
    st.caption(f"`{newest['id']}`: " + (f"paid, learned from {how}" if newest["paid_at"] else "not paid")
               + (f" · fulfilled at {time.strftime('%H:%M:%S', time.localtime(newest['fulfilled_at']))}"
                  if newest["fulfilled_at"] else " · not fulfilled"))


def attempts_table(db: MerchantDB, order_id: str) -> None:
    """The order's payment attempts, one per Pay or retry, with the idempotency key each one sent."""
    rows = [{"#": a["n"], "at": time.strftime("%H:%M:%S", time.localtime(a["created"])), "request": a["request"],
             "outcome": a["outcome"], "payment method": a["payment_method"], "idempotency key": a["idempotency_key"]}
            for a in db.attempts(order_id)]
    if rows:
        ui.markdown_table(rows, code=("payment method", "idempotency key"))
    else:
        st.caption(NOTHING_YET)


def _attempts_tab(db: MerchantDB, order: dict[str, Any] | None) -> None:
    if not order:
        st.caption(NOTHING_YET)
        return
    attempts_table(db, order["id"])


def _outbox_tab(db: MerchantDB, order: dict[str, Any] | None) -> None:
    if not order:
        st.caption(NOTHING_YET)
        return
    rows = [{k: m[k] for k in ("id", "kind", "subject", "status")} for m in db.outbox(order["id"])]
    if rows:
        ui.markdown_table(rows, code=("id",))
    else:
        st.caption(NOTHING_YET)


def _fulfilments_tab(db: MerchantDB, order: dict[str, Any] | None) -> None:
    rows = [{"order": f["order_id"], "event": f["event_id"], "detail": f["detail"]} for f in db.fulfilments(6)]
    if rows:
        ui.markdown_table(rows, code=("order", "event"))
    else:
        st.caption("No order fulfilled yet.")


def _processed_events_tab(db: MerchantDB, order: dict[str, Any] | None) -> None:
    if not order:
        st.caption(NOTHING_YET)
        return
    pi_id = order.get("payment_intent")
    st.dataframe([{"event": e["event_id"], "type": e["type"], "result": e["result"]}
                  for e in db.processed_events(pi_id)] if pi_id else [], hide_index=True, width="stretch")


def _webhook_log_tab(db: MerchantDB, order: dict[str, Any] | None) -> None:
    pi_id = (order or {}).get("payment_intent")
    rows = _log_rows(db.webhook_log(pi_id, limit=30) if pi_id else db.webhook_log(limit=10))
    if rows:
        ui.markdown_table(rows, code=("type", "event"))
    else:
        st.caption("No webhook received yet.")


NOTHING_YET = "Nothing for this order yet."
DATABASE_TABS = {"orders": _orders_tab, "attempts": _attempts_tab, "outbox": _outbox_tab,
                 "fulfilments": _fulfilments_tab, "processed events": _processed_events_tab,
                 "webhook log": _webhook_log_tab}


def _log_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"time": time.strftime("%H:%M:%S", time.localtime(r["received_at"])), "HTTP": r["http_status"],
             "outcome": r["outcome"], "type": r["type"] or "", "event": r["event_id"] or "", "detail": r["detail"]}
            for r in rows]


def webhook_panel(conn: Any, db: MerchantDB, server: WebhookServer, status: WebhookStatus) -> None:
    st.markdown(f"Endpoint: `POST {server.url}` · signing secret `{status.masked_secret}` · {status.note}")
    if status.error:
        st.warning(status.error)
    order = _order(db)
    secret = next(iter(server.secrets.all()), None)
    st.markdown("**Try to break it.** Each button sends a real HTTP request to the endpoint above.")
    cols = st.columns(3)
    results: list[webhook_demo.DemoResult] = st.session_state.setdefault("learn_webhook_demo", [])
    pi_id = (order or {}).get("payment_intent") or "pi_fake"
    forged_payload = webhook_demo.fake_success_event(pi_id, (order or {}).get("id", "ord_fake"),
                                                     (order or {}).get("amount", 2500), (order or {}).get("currency", "usd"))
    if cols[0].button("Forge payment_intent.succeeded", key="learn_wh_forged", width="stretch"):
        results.append(webhook_demo.forged(server.url, forged_payload))
    events = db.processed_events(order["payment_intent"]) if order and order.get("payment_intent") else []
    last_event = next((e for e in events if e["type"] == "payment_intent.succeeded"), events[-1] if events else None)
    can_replay = bool(secret and last_event)
    if cols[1].button("Replay a real event", key="learn_wh_replay", width="stretch", disabled=not can_replay,
                      help=None if can_replay else "Pay first: a real event is needed."):
        payload = _raw_event(conn, last_event["event_id"]) if last_event else None
        if payload and secret:
            results.append(webhook_demo.replay(server.url, payload, secret))
    if cols[2].button("Resend it 10 minutes late", key="learn_wh_stale", width="stretch", disabled=not can_replay):
        payload = _raw_event(conn, last_event["event_id"]) if last_event else None
        if payload and secret:
            results.append(webhook_demo.stale(server.url, payload, secret))
    for r in results[-3:][::-1]:
        box = st.success if r.http_status < 300 else st.error
        box(f"**{r.name}** → HTTP **{r.http_status}** `{r.body}`")
    st.caption("Forged and stale deliveries are rejected (400) and logged; a replay is recognised by its event id "
               "(`processed_events`) and changes nothing.")


def _raw_event(conn: Any, event_id: str) -> str | None:
    try:
        event = conn.client.v1.events.retrieve(event_id)
    except Exception:
        return None
    resp = getattr(event, "last_response", None)
    return getattr(resp, "body", None)


# --- the live watcher ----------------------------------------------------------------------------

def _signature(db: MerchantDB, order: dict[str, Any] | None) -> tuple:
    if not order:
        return ()
    pi_id = order.get("payment_intent")
    events = len(db.processed_events(pi_id)) if pi_id else 0
    return (order["status"], order.get("fulfilled_at"), order.get("amount_refunded"), order.get("dispute_status"),
            events, tuple(r["status"] for r in db.refunds(order["id"])))


def _needs_watching(db: MerchantDB, order: dict[str, Any] | None) -> bool:
    """Whether something is expected to change soon (so the page should poll)."""
    if not order or not order.get("payment_intent"):
        return False
    now = time.time()
    if (S.current_pi() or {}).get("status") == "requires_action":
        return True
    if order.get("paid_at") and not order.get("fulfilled_at"):
        return True
    if any(r["status"] in ("pending", "succeeded") and r["updated"] > now - 60 for r in db.refunds(order["id"])):
        return True  # refunds can still settle or fail
    dispute = order.get("dispute_status")
    if dispute in ("under_review", "warning_under_review"):
        return True
    card = testcards.by_key(st.session_state.get("learn_card_key"))
    last4 = ((st.session_state.get("learn_pm") or {}).get("card") or {}).get("last4")
    dispute_card = (card is not None and card.dispute) or last4 in {p.number[-4:] for p in testcards.picker_cards()
                                                                    if p.dispute}
    expecting = dispute_card and order.get("paid_at") and now - order["paid_at"] < 30
    return bool(expecting and not dispute) or bool(dispute and order["updated"] > now - 15)


def watch(conn: Any, db: MerchantDB) -> None:
    """Follow the payment without a manual refresh: poll while something is expected to change."""
    order = _order(db)
    active = _needs_watching(db, order)
    since = st.session_state.learn_watch_since
    if active and since and time.time() - since > WATCH_GIVE_UP_S:
        st.caption("Stopped checking for changes after 2 minutes.")
        if st.button("Check again", key="learn_watch_again"):
            st.session_state.learn_watch_since = time.time()
            st.rerun()
        return
    if not active:
        st.session_state.learn_watch_since = 0.0
        st.session_state.learn_watch_sig = _signature(db, order)
        return
    if not since:
        st.session_state.learn_watch_since = time.time()
    st.session_state.learn_watch_sig = _signature(db, order)
    _watcher(conn, db)


@st.fragment(run_every=WATCH_EVERY_S)
def _watcher(conn: Any, db: MerchantDB) -> None:
    order = _order(db)
    if not order:
        return
    pi = S.current_pi() or {}
    changed = False
    if pi.get("status") == "requires_action":
        call = payments.refresh(conn.client, db, order["id"], via="return_url")
        fresh = (call.response if call and call.ok else None) or pi
        if fresh.get("status") != "requires_action":
            S.set_latest_pi(fresh)
            _after_challenge(fresh, _answered_at(db, fresh.get("id")))
            changed = True
    if changed or _signature(db, db.order(order["id"])) != st.session_state.learn_watch_sig:
        st.session_state.learn_watch_since = time.time()
        st.rerun(scope="app")
    st.caption(f":material/sync: Watching the payment… ({time.strftime('%H:%M:%S')})")


def _answered_at(db: MerchantDB, pi_id: str | None) -> float:
    """When the customer answered the challenge: just before the first webhook that followed it
    (the poll that notices the change can come later than the webhook)."""
    since = max((m.t for m in S.messages()), default=0.0)
    later = [e["received_at"] for e in db.processed_events(pi_id) if e["received_at"] > since] if pi_id else []
    return min(later) - 0.01 if later else time.time()


def _after_challenge(pi: dict[str, Any], answered: float) -> None:
    ok = pi.get("status") in ("succeeded", "requires_capture", "processing")
    S.add(BROWSER, PROCESSOR, "customer answers the bank: " + ("Complete" if ok else "Fail / declined"), "redirect",
          answered)
    S.add(PROCESSOR, BROWSER, f"redirect to return_url (redirect_status={'succeeded' if ok else 'failed'})", "redirect",
          answered + 0.002)
    S.add(BROWSER, SERVER, "back at the shop: what is the real status?", "id")
    S.add(SERVER, PROCESSOR, f"GET /v1/payment_intents/{pi.get('id')}", "api")
    S.add(PROCESSOR, SERVER, f"200 {pi.get('status')}", "api" if ok else "error")
    if ok:
        S.add(SERVER, DATABASE, "UPDATE order → paid, receipt → outbox", "db")
