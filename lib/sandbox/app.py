"""The app factory: every route, job, listener and hook of the sandbox, listed in one place, and
the functions that put an engine and a server together from them.

Nothing registers itself on import: a resource module only defines functions; this module says
which URL calls which handler, which job kind runs which function, and who hears of an emitted
event or a captured charge. To follow a request, find its path in ``ROUTES``; to follow an async
step, find its kind in ``WIRING.jobs``.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from types import MappingProxyType

from lib.http_server import RunningServer

from .admin import challenge_page, health, webhook_tools
from .clock import Clock
from .engine import Engine, Wiring
from .events import worker
from .http.router import Route, RouteTable
from .http.server import READ_TIMEOUT, serve
from .resources import (
    balance,
    balance_transactions,
    charges,
    customers,
    disputes,
    early_fraud_warnings,
    events,
    ledger,
    payment_intents,
    payment_methods,
    refunds,
    searching,
    setup_intents,
    tokens,
    webhook_endpoints,
)
from .resources.three_d_secure import CHALLENGE_PATH
from .storage.store import Store

# Method, path, handler; publishable=True: also callable with a pk_test_ key (Stripe.js calls);
# raw=True: no auth, the handler answers (status, headers, bytes) itself (pages a browser opens).
# The HTTP app adds its own GET /_sandbox/logs/{request_id} (every error's request_log_url).
ROUTES: tuple[Route, ...] = (
    # Stripe's API
    Route("GET", "/v1/balance", balance.retrieve),
    Route("GET", "/v1/balance_transactions", balance_transactions.list_),
    Route("GET", "/v1/balance_transactions/{txn}", balance_transactions.retrieve),
    Route("POST", "/v1/charges", charges.create_legacy),
    Route("GET", "/v1/charges", charges.list_),
    Route("GET", "/v1/charges/search", searching.charges),  # static paths before the {cid} patterns
    Route("GET", "/v1/charges/{cid}", charges.retrieve),
    Route("POST", "/v1/charges/{cid}", charges.update),
    Route("POST", "/v1/charges/{cid}/capture", charges.capture_legacy),
    Route("POST", "/v1/charges/{cid}/refund", refunds.refund_charge),
    Route("POST", "/v1/charges/{cid}/refunds", refunds.create_for_charge),
    Route("GET", "/v1/charges/{cid}/refunds", refunds.list_for_charge),
    Route("GET", "/v1/charges/{cid}/refunds/{rid}", refunds.retrieve_for_charge),
    Route("POST", "/v1/charges/{cid}/refunds/{rid}", refunds.update_for_charge),
    Route("POST", "/v1/customers", customers.create),
    Route("GET", "/v1/customers", customers.list_),
    Route("GET", "/v1/customers/search", searching.customers),
    Route("GET", "/v1/customers/{cid}", customers.retrieve),
    Route("POST", "/v1/customers/{cid}", customers.update),
    Route("DELETE", "/v1/customers/{cid}", customers.delete),
    Route("GET", "/v1/customers/{cid}/payment_methods", customers.list_payment_methods),
    Route("GET", "/v1/disputes", disputes.list_),
    Route("GET", "/v1/disputes/{did}", disputes.retrieve),
    Route("POST", "/v1/disputes/{did}", disputes.update),
    Route("POST", "/v1/disputes/{did}/close", disputes.close),
    Route("GET", "/v1/events", events.list_),
    Route("GET", "/v1/events/{evt_id}", events.retrieve),
    Route("POST", "/v1/payment_intents", payment_intents.create),
    Route("GET", "/v1/payment_intents", payment_intents.list_),
    Route("GET", "/v1/payment_intents/search", searching.payment_intents),
    Route("GET", "/v1/payment_intents/{pid}", payment_intents.retrieve, publishable=True),
    Route("POST", "/v1/payment_intents/{pid}", payment_intents.update),
    Route("POST", "/v1/payment_intents/{pid}/confirm", payment_intents.confirm_endpoint, publishable=True),
    Route("POST", "/v1/payment_intents/{pid}/capture", payment_intents.capture),
    Route("POST", "/v1/payment_intents/{pid}/cancel", payment_intents.cancel),
    Route("POST", "/v1/payment_methods", payment_methods.create, publishable=True),
    Route("GET", "/v1/payment_methods", payment_methods.list_),
    Route("GET", "/v1/payment_methods/{pm_id}", payment_methods.retrieve),
    Route("POST", "/v1/payment_methods/{pm_id}", payment_methods.update),
    Route("POST", "/v1/payment_methods/{pm_id}/attach", customers.attach),
    Route("POST", "/v1/payment_methods/{pm_id}/detach", payment_methods.detach),
    Route("GET", "/v1/radar/early_fraud_warnings", early_fraud_warnings.list_),
    Route("GET", "/v1/radar/early_fraud_warnings/{wid}", early_fraud_warnings.retrieve),
    Route("POST", "/v1/refunds", refunds.create),
    Route("GET", "/v1/refunds", refunds.list_),
    Route("GET", "/v1/refunds/{rid}", refunds.retrieve),
    Route("POST", "/v1/refunds/{rid}", refunds.update),
    Route("POST", "/v1/refunds/{rid}/cancel", refunds.cancel),
    Route("POST", "/v1/setup_intents", setup_intents.create),
    Route("GET", "/v1/setup_intents", setup_intents.list_),
    Route("GET", "/v1/setup_intents/{sid}", setup_intents.retrieve, publishable=True),
    Route("POST", "/v1/setup_intents/{sid}", setup_intents.update),
    Route("POST", "/v1/setup_intents/{sid}/confirm", setup_intents.confirm_endpoint, publishable=True),
    Route("POST", "/v1/setup_intents/{sid}/cancel", setup_intents.cancel),
    Route("POST", "/v1/tokens", tokens.create, publishable=True),
    Route("GET", "/v1/tokens/{tok_id}", tokens.retrieve),
    Route("POST", "/v1/webhook_endpoints", webhook_endpoints.create),
    Route("GET", "/v1/webhook_endpoints", webhook_endpoints.list_),
    Route("GET", "/v1/webhook_endpoints/{we_id}", webhook_endpoints.retrieve),
    Route("POST", "/v1/webhook_endpoints/{we_id}", webhook_endpoints.update),
    Route("DELETE", "/v1/webhook_endpoints/{we_id}", webhook_endpoints.delete),
    # The sandbox's own (/_sandbox/*): not Stripe's API
    Route("GET", "/_sandbox/health", health.health, raw=True),
    Route("GET", CHALLENGE_PATH, challenge_page.show, raw=True),
    Route("POST", CHALLENGE_PATH, challenge_page.answer, raw=True),
    Route("GET", "/_sandbox/events", webhook_tools.events_for_objects),
    Route("POST", "/_sandbox/events/{evt_id}/resend", webhook_tools.resend),
    Route("GET", "/_sandbox/webhook_deliveries", webhook_tools.delivery_log),
    Route("GET", "/_sandbox/webhooks", webhook_tools.page, raw=True),
)

WIRING = Wiring(
    # Async transitions: Ctx.schedule(delay, kind, payload) -> the jobs table -> this handler.
    jobs=MappingProxyType({
        "balance.make_available": ledger.make_available,
        "refund.settle": refunds.settle_job,
        "refund.fail": refunds.fail_job,
        "dispute.open": disputes.open_dispute,
        "dispute.settle": disputes.settle,
        "dispute.expire": disputes.expire,
        "radar.early_fraud_warning.create": early_fraud_warnings.create_warning,
    }),
    # Every Ctx.emit, inside the emitting transaction: queue webhook deliveries.
    event_listeners=(worker.on_event,),
    # Ctx.charge_captured (a charge has money captured, in the request's transaction).
    charge_captured=(disputes.on_charge_captured, early_fraud_warnings.on_charge_captured),
    # Fields computed when an object is rendered, per object and for a whole list page.
    renderers=MappingProxyType({"charge": charges.render_refunds, "dispute": disputes.render_balance_transactions}),
    page_renderers=MappingProxyType({"charge": charges.render_refunds_page}),
    # Engine.start() / Engine.stop(): the webhook delivery worker.
    on_start=(worker.start_worker,),
    on_stop=(worker.stop_worker,),
)

ROUTE_TABLE = RouteTable(ROUTES)


def open_engine(data_dir: str | None = None, memory: bool = False, async_delay: float = 2.0,
                clock: Clock = time.time) -> Engine:
    """An engine on ``data_dir``/sandbox.sqlite3 (or in memory), wired, not started."""
    path = None if memory or not data_dir else os.path.join(data_dir, "sandbox.sqlite3")
    engine = Engine(Store(path), WIRING, async_delay=async_delay, clock=clock)
    engine.data_dir = None if path is None else os.path.abspath(data_dir)
    return engine


@dataclass
class SandboxHandle:
    url: str
    port: int
    data_dir: str | None
    engine: Engine
    server: RunningServer
    thread: threading.Thread

    def stats(self) -> dict[str, int]:
        return self.engine.store.counts()

    def stop(self) -> None:
        self.server.stop()
        self.engine.stop()
        self.engine.store.close()


def start_sandbox(data_dir: str | None = ".sandbox", memory: bool = False, host: str = "127.0.0.1", port: int = 0,
                  async_delay: float = 2.0, clock: Clock = time.time, background: bool = True,
                  read_timeout: float = READ_TIMEOUT) -> SandboxHandle:
    """Start the sandbox in this process, its HTTP server (uvicorn) on a background thread; ``port=0``
    picks a free port. A request must arrive whole within ``read_timeout`` seconds of its first byte.

    ``background=False`` starts only the HTTP server: no job worker, no webhook worker. The
    caller then runs async steps itself (``engine.run_due_jobs()``, ``events.deliver_due(engine)``),
    usually with a clock.ManualClock as ``clock`` (tests)."""
    engine = open_engine(data_dir, memory, async_delay, clock)
    server = serve(engine, ROUTE_TABLE, host, port, read_timeout)
    if background:
        engine.start()
    engine.base_url = server.url
    return SandboxHandle(engine.base_url, server.port, engine.data_dir, engine, server, server.thread)
