"""Who may call: the API key of a request, and where a browser may use it from.

* The key comes from ``Authorization`` (``Bearer <key>``, or Basic with the key as the user name),
  or — on the publishable-key endpoints, as Stripe.js sends it — from a ``key`` form (or query)
  field holding a ``pk_test_`` key. When both are given the header is used; the field is always
  taken out of the parameters on those endpoints.
* Test-mode keys only: ``sk_test_``/``rk_test_`` (secret) and ``pk_test_`` (publishable). A
  publishable key may call only the endpoints marked ``publishable`` (Stripe.js's).
* A **secret key from a web page** is refused (403): a request carrying ``sk_``/``rk_`` with an
  ``Origin`` header other than the sandbox's own is what a browser sends when a page's script
  calls the API. Server-side SDKs send no ``Origin``. So no web page can drive the sandbox with a
  secret key: browsers get only the publishable endpoints (with CORS, as on Stripe). The sandbox's
  own origin is ``http://<Host>`` for a loopback host name or the host it listens on, so a page
  that rebinds its DNS name to 127.0.0.1 is still foreign.

Keys never appear whole in an error message: :func:`mask` keeps the prefix and the last four.
"""

from __future__ import annotations

import base64
import re
from urllib.parse import urlsplit

from ..errors import AuthError, PermissionDenied
from .request import Request

_SECRET = re.compile(r"(sk|rk)_test_[A-Za-z0-9_]{1,250}")
_PUBLISHABLE = re.compile(r"pk_test_[A-Za-z0-9_]{1,250}")
_LIVE = re.compile(r"(sk|rk|pk)_live_[A-Za-z0-9_]{1,250}")
LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})
KEYS_PAGE = "You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys."


def mask(key: str) -> str:
    """Stripe's own masking in 401 messages: the prefix, stars, the last four."""
    head = key[:8] if key[:3] in ("sk_", "pk_", "rk_") else ""
    return f"{head}{'*' * 20}{key[-4:] if len(key) > 12 else ''}"


def classify_key(key: str) -> str:
    """'secret' | 'publishable' | 'live' | 'invalid'."""
    if _SECRET.fullmatch(key):
        return "secret"
    if _PUBLISHABLE.fullmatch(key):
        return "publishable"
    if _LIVE.fullmatch(key):
        return "live"
    return "invalid"


def header_key(header: str) -> str:
    """The key in an ``Authorization`` header ('' when there is none)."""
    if header.startswith("Bearer "):
        return header[7:].strip()
    if header.startswith("Basic "):
        try:
            return base64.b64decode(header[6:]).decode().split(":", 1)[0]
        except Exception:  # not base64, not UTF-8: no key
            return ""
    return ""


def authenticate(request: Request, params: dict, publishable_route: bool, own_hosts: frozenset[str]) -> str:
    """The kind of key the request carries ('secret' or 'publishable'), or a Stripe-shaped 401/403."""
    field = params.pop("key", None) if publishable_route else None
    key = header_key(request.headers.get("authorization", ""))
    if not key and field is not None:
        if not isinstance(field, str) or classify_key(field) != "publishable":
            raise AuthError("The key parameter takes a publishable key (pk_test_…), as Stripe.js sends it. Send a "
                            "secret key in the Authorization header instead, and only from your server.")
        key = field
    if not key:
        raise AuthError("You did not provide an API key. You need to provide your API key in the Authorization "
                        "header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').")
    kind = classify_key(key)
    if kind == "live":
        raise AuthError(f"Invalid API Key provided: {mask(key)}. This offline sandbox only accepts test-mode "
                        "keys (sk_test_…, rk_test_…, pk_test_…).")
    if kind == "invalid":
        raise AuthError(f"Invalid API Key provided: {mask(key)}")
    if kind == "secret":
        origin = request.headers.get("origin")
        if origin is not None and not own_origin(origin, request.headers.get("host", ""), own_hosts):
            raise PermissionDenied(
                f"This request came from a web page ({origin[:100]}) with a secret API key ({mask(key)}). Secret "
                "keys must never be used in a browser, where anyone can read them: call this endpoint from your "
                "server, and use a publishable key (pk_test_…) in the browser, which may call only the "
                "endpoints Stripe.js uses.")
    elif not publishable_route:
        raise AuthError(f"This API call cannot be made with a publishable API key. Please use a secret API key. "
                        f"{KEYS_PAGE}", code="secret_key_required")
    return kind


def own_origin(origin: str, host: str, own_hosts: frozenset[str]) -> bool:
    """``Origin`` is the sandbox itself: ``http://<Host>``, the Host naming loopback or our listening host."""
    if origin.lower() != f"http://{host}".lower():
        return False
    try:
        name = urlsplit(origin).hostname
    except ValueError:
        return False
    return name is not None and (name in LOOPBACK_HOSTS or name in own_hosts)
