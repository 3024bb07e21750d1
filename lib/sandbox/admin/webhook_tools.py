"""Sandbox-only webhook tools under /_sandbox/ (not Stripe's API; used by the Build page).

* ``GET /_sandbox/webhook_deliveries`` — the delivery log, newest attempt first, as a list object.
  Filters ``endpoint=we_…``, ``event=evt_…``; ``limit`` 1..100 (default 50); ``starting_after=<id>``
  (delivery ids are integers, increasing with creation). Each row: ``id, event_id, endpoint_id,
  event_type, attempt, manual, status (pending|sending|succeeded|failed|canceled), http_status,
  latency_ms, error, response_body, created, attempted_at, next_at``.
* ``POST /_sandbox/events/{id}/resend?endpoint=we_…`` — send one event again (one attempt, not
  retried, not counted in ``pending_webhooks``). Without ``endpoint``: to every enabled endpoint
  subscribed to the event's type. Answers the queued rows.
* ``GET /_sandbox/events?object_id=…`` (repeatable: ``object_id[]=pi_…&object_id[]=ch_…``) —
  the events whose ``data.object`` is one of those objects, newest first, Stripe list semantics
  (Stripe has no such filter; the Build page uses it to show one payment's events).
* ``GET /_sandbox/webhooks`` — a small HTML page: endpoints and the last 100 attempts.

The JSON routes need an ``sk_test_`` key like the API (they are ordinary, authenticated routes);
the HTML page is a raw route a browser can open, and shows no secret.
"""

from __future__ import annotations

import html
import time

from .. import params as fp
from ..engine import Ctx
from ..errors import InvalidRequest
from ..events import webhooks, worker
from ..resources.events import get_event
from ..resources.listing import list_response
from ..resources.webhook_endpoints import get_endpoint


def delivery_log(ctx: Ctx, params: dict) -> dict:
    p = fp.validate(params, {"endpoint": fp.string(255), "event": fp.string(255), "limit": fp.integer(1, 100),
                             "starting_after": fp.integer(0)})
    rows, has_more = webhooks.deliveries(ctx.store, p.get("endpoint"), p.get("event"), p.get("limit", 50),
                                         p.get("starting_after"))
    return {"object": "list", "data": rows, "has_more": has_more, "url": "/_sandbox/webhook_deliveries",
            "worker": worker.describe(ctx.engine)}


def resend(ctx: Ctx, params: dict, evt_id: str) -> dict:
    p = fp.validate(params, {"endpoint": fp.string(255)})
    event = get_event(ctx, evt_id)
    if p.get("endpoint"):
        endpoint = get_endpoint(ctx, p["endpoint"])
        if endpoint["status"] != "enabled":
            raise InvalidRequest(f"Webhook endpoint {endpoint['id']} is disabled; enable it to resend events.",
                                 param="endpoint")
        targets = [endpoint]
    else:
        targets = [ep for ep in webhooks.endpoints(ctx.store)
                   if ep["status"] == "enabled" and webhooks.subscribed(ep, event["type"])]
        if not targets:
            raise InvalidRequest(f"No enabled webhook endpoint is subscribed to {event['type']}.", param="endpoint")
    now = ctx.engine.clock()
    ids = [webhooks.enqueue(ctx.store, now, event["id"], event["type"], ep["id"], manual=True) for ep in targets]
    worker.wake(ctx.engine)
    return {"object": "list", "data": [webhooks.delivery(ctx.store, i) for i in ids], "has_more": False, "url": f"/_sandbox/events/{evt_id}/resend"}


def events_for_objects(ctx: Ctx, params: dict) -> dict:
    ids = params.get("object_id")
    if isinstance(ids, str):
        ids = [ids]
    if not ids or not isinstance(ids, list) or not all(isinstance(i, str) and i for i in ids):
        raise fp.param_missing("object_id")
    if len(ids) > 20:
        raise InvalidRequest("You may pass at most 20 object ids.", param="object_id")
    return list_response(ctx, "event", "/_sandbox/events", params, {"object_id": fp.anything},
                         filters={"source": ids if len(ids) > 1 else ids[0]})


# --- HTML view -------------------------------------------------------------------------------
PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Sandbox webhooks</title>
<meta http-equiv="refresh" content="5">
<style>body{{font-family:system-ui,sans-serif;margin:24px;color:#1f2937}} table{{border-collapse:collapse;width:100%}}
td,th{{border-bottom:1px solid #e5e7eb;padding:4px 8px;text-align:left;font-size:13px}}
.succeeded{{color:#047857}} .failed{{color:#b42318}} .pending,.sending{{color:#92400e}} .canceled{{color:#6b7280}}
code{{font-size:12px}}</style></head><body><h1>Webhooks (offline sandbox)</h1>
<p>Refreshes every 5 s. Retries: {retries}. Remote URLs {remote}.</p>
<h2>Endpoints</h2><table><tr><th>id</th><th>url</th><th>status</th><th>events</th></tr>{endpoints}</table>
<h2>Last 100 delivery attempts</h2><table><tr><th>#</th><th>when</th><th>event</th><th>type</th><th>endpoint</th>
<th>attempt</th><th>status</th><th>HTTP</th><th>ms</th><th>error</th></tr>{rows}</table></body></html>"""


def _when(ts: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ts)) if ts else ""


def page(ctx: Ctx, params: dict) -> tuple[int, dict, bytes]:
    e = html.escape
    with ctx.store.tx():
        eps = webhooks.endpoints(ctx.store)
        rows, _ = webhooks.deliveries(ctx.store, limit=100)
    ep_html = "".join(f"<tr><td><code>{e(ep['id'])}</code></td><td>{e(ep['url'])}</td><td>{e(ep['status'])}</td>"
                      f"<td>{e(', '.join(ep['enabled_events']))}</td></tr>" for ep in eps) \
        or '<tr><td colspan="4">No endpoints yet: POST /v1/webhook_endpoints.</td></tr>'
    row_html = "".join(
        f"<tr><td>{r['id']}</td><td>{_when(r['attempted_at'] or r['created'])}</td><td><code>{e(r['event_id'])}</code>"
        f"</td><td>{e(r['event_type'])}</td><td><code>{e(r['endpoint_id'])}</code></td>"
        f"<td>{r['attempt']}{' (resend)' if r['manual'] else ''}</td><td class=\"{e(r['status'])}\">{e(r['status'])}"
        f"</td><td>{r['http_status'] or ''}</td><td>{'' if r['latency_ms'] is None else r['latency_ms']}</td>"
        f"<td>{e(r['error'] or '')}</td></tr>" for r in rows) or '<tr><td colspan="10">No deliveries yet.</td></tr>'
    info = worker.describe(ctx.engine)
    body = PAGE.format(retries=e(", ".join(f"{s:g} s" for s in info["backoff_s"])),
                       remote="allowed" if info["allow_remote_webhooks"] else "refused (loopback only)",
                       endpoints=ep_html, rows=row_html)
    return 200, {"Content-Type": "text/html; charset=utf-8"}, body.encode()
