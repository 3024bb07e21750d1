"""The HTTP front: ``SandboxHTTPServer`` (auth, wire format, CORS, idempotency, API versions,
error mapping, one transaction per request), matching requests against a ``RouteTable``.

Inner layering: headers.py (request-head reader), formparse.py (bracket-notation form bodies),
router.py (Route, RouteTable), then server.py. Nothing here knows a Stripe resource: the routes
are handed to the server (app.py lists them).
"""

from .router import Route, RouteTable
from .server import SandboxHTTPServer

__all__ = ["Route", "RouteTable", "SandboxHTTPServer"]
