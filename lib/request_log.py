"""In-memory ring buffer of the HTTP requests the app sends to the Stripe API (or the sandbox).

lib.gateway's HTTP client appends one :class:`RequestLogEntry` per attempt (so SDK retries show up
as separate rows with the same idempotency key). Bodies are stored already masked: API keys are
redacted, card numbers/CVCs are hidden, and long responses are truncated.

The default log is process-wide (shared by every browser session of this local app).
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
import threading
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import parse_qsl, urlsplit

from lib.redaction import redact_keys

DEFAULT_CAPACITY = 2000  # a sandbox Run all makes ~900 requests; keep a whole run
MAX_BODY_CHARS = 20_000

# Form fields whose values are hidden in logged request bodies (matched on the last [segment]).
_HIDDEN_FIELDS = frozenset({"number", "cvc", "account_number"})
_KEEP_LAST4_FIELDS = frozenset({"number", "account_number"})

_ESCAPES = str.maketrans({"%": "%25", "&": "%26", "=": "%3D", "\n": "%0A", "\r": "%0D"})

_current_origin: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_origin", default=None)


@dataclass(frozen=True)
class RequestLogEntry:
    """One HTTP attempt. ``status`` is None when no response arrived (network error or blocked)."""

    seq: int
    started_at: datetime
    method: str
    path: str
    status: int | None
    latency_ms: float
    api_base: str
    request_body: str = ""
    response_body: str = ""
    idempotency_key: str | None = None
    request_id: str | None = None
    stripe_version: str | None = None
    idempotent_replayed: bool = False
    attempt: int = 1
    origin: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    def as_row(self) -> dict[str, object]:
        """A flat dict for tables (bodies left out)."""
        return {
            "#": self.seq,
            "time": self.started_at.strftime("%H:%M:%S.%f")[:-3],
            "method": self.method,
            "path": self.path,
            "status": self.status if self.status is not None else "—",
            "ms": round(self.latency_ms, 1),
            "attempt": self.attempt,
            "idempotency key": self.idempotency_key or "",
            "replayed": self.idempotent_replayed,
            "request id": self.request_id or "",
            "origin": self.origin or "",
            "error": self.error or "",
        }


@dataclass
class RequestLog:
    """Thread-safe bounded log; the oldest entries fall off once ``capacity`` is reached."""

    capacity: int = DEFAULT_CAPACITY
    _entries: deque[RequestLogEntry] = field(init=False, repr=False)
    _lock: threading.Lock = field(init=False, repr=False, default_factory=threading.Lock)
    _counter: Iterator[int] = field(init=False, repr=False, default_factory=lambda: itertools.count(1))

    def __post_init__(self) -> None:
        if self.capacity < 1:
            raise ValueError("capacity must be at least 1")
        self._entries = deque(maxlen=self.capacity)

    def record(self, **fields: object) -> RequestLogEntry:
        """Create an entry (``seq``, ``origin`` filled in here) and append it."""
        with self._lock:
            fields.setdefault("origin", _current_origin.get())
            entry = RequestLogEntry(seq=next(self._counter), **fields)  # type: ignore[arg-type]
            self._entries.append(entry)
        return entry

    def entries(self, *, since_seq: int = 0) -> list[RequestLogEntry]:
        """Entries oldest first, optionally only those newer than ``since_seq``."""
        with self._lock:
            return [entry for entry in self._entries if entry.seq > since_seq]

    def latest(self) -> RequestLogEntry | None:
        with self._lock:
            return self._entries[-1] if self._entries else None

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._entries)


REQUEST_LOG = RequestLog()


@contextlib.contextmanager
def origin(label: str) -> Iterator[None]:
    """Tag requests made inside the block, e.g. ``with origin("simulator"): ...``."""
    token = _current_origin.set(label)
    try:
        yield
    finally:
        _current_origin.reset(token)


def path_of(url: str) -> str:
    """``https://api.stripe.com/v1/charges?limit=3`` -> ``/v1/charges?limit=3`` (query masked)."""
    parts = urlsplit(url)
    path = parts.path or "/"
    if parts.query:
        path += "?" + mask_form_body(parts.query)
    return path


def mask_form_body(body: str | bytes | None) -> str:
    """Decode a form-encoded body for display, hiding card numbers, CVCs and API keys.

    ``card[number]=4242424242424242&card[cvc]=123`` -> ``card[number]=••••4242&card[cvc]=•••``.
    Bodies that are not form-encoded (e.g. JSON) are only key-redacted and truncated.
    """
    if not body:
        return ""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if body.lstrip().startswith(("{", "[")):
        return truncate(redact_keys(body))
    pairs = parse_qsl(body, keep_blank_values=True)
    if not pairs:
        return truncate(redact_keys(body))
    shown = [f"{_display_name(name)}={_mask_field(name, value)}" for name, value in pairs]
    return truncate("&".join(shown))


def _display_name(name: str) -> str:
    return _escape(redact_keys(name))


def _mask_field(name: str, value: str) -> str:
    leaf = name.rsplit("[", 1)[-1].rstrip("]")
    if leaf in _HIDDEN_FIELDS:
        if leaf in _KEEP_LAST4_FIELDS and len(value) > 4:
            return "••••" + value[-4:]
        return "•••"
    return _escape(redact_keys(value))


def _escape(text: str) -> str:
    """Escape only what would make the decoded ``a=b&c=d`` text ambiguous or multi-line."""
    return text.translate(_ESCAPES)


def truncate(text: str, limit: int = MAX_BODY_CHARS) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"… [{len(text) - limit} more characters]"


def now_utc() -> datetime:
    return datetime.now(UTC)
