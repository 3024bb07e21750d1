"""The offline sandbox: a stateful, Stripe-compatible test-mode server.

    from lib.sandbox import start_sandbox
    h = start_sandbox(memory=True, async_delay=0)     # or data_dir=".sandbox"
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": h.url})
    h.stop()

The outside uses this face (``start_sandbox``, ``open_engine``, ``SandboxHandle``, ``ManualClock``)
and ``lib.sandbox.seed`` (bulk seeding); ``python -m lib.sandbox serve|seed`` is the CLI.

Module map, bottom layer first (a module imports only from its own layer's lower modules and from
the layers below it; outside the sandbox it imports only lib.stripe_facts and lib.http_server, the
project's uvicorn runner, which imports nothing of the project):

1. errors.py (Stripe-shaped errors), ids.py (Stripe-style ids), clock.py (the engine's clock,
   ManualClock for tests), params.py (validation of request parameters).
2. storage/ — store.py (SQLite: objects, idempotency, jobs, counters, webhook deliveries),
   bulkstore.py (write-behind view: a request's writes, the seeder's batches).
3. engine.py — Ctx (what domain code receives: store, clock, emit, schedule, charge_captured),
   Engine (store + clock + wiring + the job worker), Wiring (what it runs), private().
4. events/ — webhooks.py (delivery rules: URLs, signing, backoff, event types, the delivery log),
   worker.py (the sender and its engine hooks: on_event, start/stop, deliver_due).
5. resources/ — one module per Stripe resource (balance, balance_transactions, charges,
   customers, disputes, early_fraud_warnings, events, payment_intents, payment_methods, refunds,
   tokens, webhook_endpoints) and what they share: listing.py (render, expand, lists), ledger.py
   (balance transactions, running balance), three_d_secure.py (when to authenticate, next_action).
   State guards and transitions of PaymentIntents come from lib.stripe_facts.lifecycle.
6. admin/ — every /_sandbox/* endpoint: health.py, webhook_tools.py, challenge_page.py (3DS page).
   http/ — formparse.py (the wire format), router.py (Route, RouteTable), request.py, keys.py (API
   keys, browser origins), versions.py (Stripe-Version), request_log.py (request_log_url),
   idempotency.py (replays, one transaction per request), server.py (the ASGI app: the request
   pipeline in order, error mapping; ``serve`` runs it on uvicorn).
   seed/ — plans.py (the mix), seeder.py (a payment through the handlers), parallel.py (several
   processes), history.py (``seed()``, the entry point).
7. app.py — the wiring, in one place: every route, job kind, event and charge-captured listener,
   renderer and engine start/stop hook; open_engine, start_sandbox, SandboxHandle.
8. __init__.py (this face), __main__.py (the CLI).
"""

from __future__ import annotations

from .app import SandboxHandle, open_engine, start_sandbox
from .clock import ManualClock

__all__ = ["ManualClock", "SandboxHandle", "open_engine", "start_sandbox"]
