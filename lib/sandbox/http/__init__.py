"""The HTTP front: ``SandboxApp`` (an ASGI app: CORS, auth and origin, API versions, idempotency,
error mapping with request logs, one transaction per request) run by ``serve`` on uvicorn
(lib/http_server.py), matching requests against a ``RouteTable``.

Inner layering: formparse.py (bracket-notation form bodies), router.py (Route, RouteTable),
request.py (one request, its parameters), then keys.py (API keys, origins), versions.py
(Stripe-Version), request_log.py (request_log_url and the error log), idempotency.py (replays, the
transaction), then server.py (the pipeline, in order, and serve). Nothing here knows a Stripe
resource: the routes are handed to the app (app.py lists them).
"""

from .router import Route, RouteTable
from .server import SandboxApp, serve

__all__ = ["Route", "RouteTable", "SandboxApp", "serve"]
