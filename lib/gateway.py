"""The one way the app talks to Stripe (or the offline sandbox).

* :func:`make_client` builds a ``stripe.StripeClient`` with a pinned API version, retries,
  timeouts, the read-only guard and the request log hook (see lib.http_client).
* :func:`get_sandbox` starts the embedded sandbox once per process and returns its handle.
* :func:`open_connection` bundles settings, client and sandbox into a :class:`Connection`.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol

import stripe

from lib import sandbox
from lib.config import DEFAULT_SANDBOX_DATA_DIR, ConfigError, Mode, ReadOnlyError, Settings, mask_key
from lib.http_client import GatewayHTTPClient
from lib.redaction import safe_error_message
from lib.request_log import REQUEST_LOG, RequestLog
from lib.stripe_facts.api_version import API_VERSION

__all__ = ["API_VERSION", "Connection", "ConfigError", "HealthStatus", "ReadOnlyError",
           "SandboxUnavailableError", "get_sandbox", "make_client", "open_connection",
           "safe_error_message"]

logger = logging.getLogger(__name__)

MAX_NETWORK_RETRIES: Final = 2
CONNECT_TIMEOUT_S: Final = 3.05
READ_TIMEOUT_S: Final = 10.0
HEALTH_TIMEOUT: Final = (2.0, 3.0)
HEALTH_PATH: Final = "/v1/balance"

class SandboxUnavailableError(RuntimeError):
    """The embedded sandbox could not be started. The message says why (without keys)."""


class SandboxHandle(Protocol):
    """What lib.sandbox.start_sandbox returns (see lib/sandbox/__init__.py)."""

    url: str
    port: int
    data_dir: Any

    def stats(self) -> dict[str, int]: ...

    def stop(self) -> None: ...


def make_client(settings: Settings, *, api_base: str | None = None,
                max_network_retries: int = MAX_NETWORK_RETRIES,
                timeout: float | tuple[float, float] = (CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
                request_log: RequestLog | None = REQUEST_LOG) -> stripe.StripeClient:
    """Build a StripeClient for ``settings``.

    ``api_base`` defaults to the mode's base (the embedded sandbox is started if needed).
    Pass ``request_log=None`` to keep the client's requests out of the request log.
    In live read-only mode the client refuses every non-GET request before sending it.
    """
    base = api_base or api_base_for(settings)
    http_client = GatewayHTTPClient(timeout=timeout, read_only=settings.mode == Mode.LIVE_READONLY,
                                    request_log=request_log)
    # A sandbox/custom server also serves the files and connect hosts; real Stripe keeps its defaults.
    bases = {"api": base} if base == stripe.DEFAULT_API_BASE else {"api": base, "files": base, "connect": base}
    return stripe.StripeClient(
        settings.effective_secret_key,
        stripe_version=API_VERSION,
        base_addresses=bases,  # type: ignore[arg-type]
        max_network_retries=max_network_retries,
        http_client=http_client,
    )


def api_base_for(settings: Settings) -> str:
    """The API base URL for the configured mode (starts the embedded sandbox in sandbox mode)."""
    if settings.mode == Mode.SANDBOX:
        return get_sandbox(settings.sandbox_data_dir).url
    return settings.api_base or stripe.DEFAULT_API_BASE


# --- embedded sandbox -------------------------------------------------------------------------

_sandbox_lock = threading.Lock()
_sandbox: SandboxHandle | None = None
_sandbox_dir: Path | None = None


def get_sandbox(data_dir: Path | str | None = None) -> SandboxHandle:
    """Return the process-wide embedded sandbox, starting it on first use (thread-safe).

    The first caller's ``data_dir`` wins for the life of the process; later calls with another
    directory get the running sandbox and a logged warning.
    """
    global _sandbox, _sandbox_dir
    wanted = Path(data_dir or DEFAULT_SANDBOX_DATA_DIR).expanduser().resolve()
    with _sandbox_lock:
        if _sandbox is None:
            _sandbox = _start_sandbox(wanted)
            _sandbox_dir = wanted
            atexit.register(_stop_sandbox_quietly, _sandbox)
        elif wanted != _sandbox_dir:
            logger.warning("Sandbox already running with data dir %s; ignoring request for %s",
                           _sandbox_dir, wanted)
        return _sandbox


def _start_sandbox(data_dir: Path) -> SandboxHandle:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise SandboxUnavailableError(
            f"Cannot create the sandbox data directory {data_dir} ({exc.strerror or exc}). "
            "Set SANDBOX_DATA_DIR to a writable folder.") from None
    try:
        handle = sandbox.start_sandbox(data_dir=str(data_dir))
    except Exception as exc:
        raise SandboxUnavailableError(
            f"The offline sandbox failed to start: {safe_error_message(exc)}") from exc
    logger.info("Embedded sandbox listening on %s (data dir %s)", handle.url, data_dir)
    return handle


def _stop_sandbox_quietly(handle: SandboxHandle) -> None:
    try:
        handle.stop()
    except Exception:  # interpreter shutdown: nothing useful to do
        pass


def sandbox_running() -> SandboxHandle | None:
    """The embedded sandbox if it has been started in this process, else None (never starts it)."""
    return _sandbox


# --- connection --------------------------------------------------------------------------------

@dataclass(frozen=True)
class HealthStatus:
    ok: bool
    detail: str
    latency_ms: float


@dataclass(frozen=True)
class Connection:
    """Everything a page needs to talk to the API: the client plus display-safe facts."""

    settings: Settings
    client: stripe.StripeClient
    api_base: str
    sandbox: SandboxHandle | None = None

    @property
    def mode(self) -> str:
        return self.settings.mode

    @property
    def mode_label(self) -> str:
        return Mode(self.mode).label

    @property
    def mode_description(self) -> str:
        return Mode(self.mode).description

    @property
    def read_only(self) -> bool:
        return self.mode == Mode.LIVE_READONLY

    @property
    def api_version(self) -> str:
        return API_VERSION

    @property
    def publishable_key(self) -> str | None:
        """The key handed to the browser (public by design; display it masked anyway)."""
        return self.settings.effective_publishable_key

    @property
    def masked_secret_key(self) -> str:
        if self.settings.secret_key is None:
            return f"{mask_key(self.settings.effective_secret_key)} (built-in sandbox key)"
        return self.settings.secret_key.masked

    @property
    def masked_publishable_key(self) -> str:
        return mask_key(self.publishable_key)

    @property
    def masked_webhook_secret(self) -> str:
        return mask_key(self.settings.webhook_secret)

    @property
    def sandbox_data_dir(self) -> str:
        """Where the running embedded sandbox keeps its data (the first configured dir wins)."""
        if self.sandbox is None:
            return ""
        return str(self.sandbox.data_dir or "(in memory)")

    def health(self, timeout: tuple[float, float] = HEALTH_TIMEOUT) -> HealthStatus:
        """``GET /v1/balance`` with a short timeout and no retries; never raises."""
        probe = make_client(self.settings, api_base=self.api_base, max_network_retries=0,
                            timeout=timeout, request_log=None)
        start = time.perf_counter()
        try:
            probe.v1.balance.retrieve()
        except Exception as exc:
            return HealthStatus(False, safe_error_message(exc), _elapsed_ms(start))
        latency = _elapsed_ms(start)
        return HealthStatus(True, f"GET {HEALTH_PATH} answered in {latency:.0f} ms", latency)

    def facts(self) -> list[dict[str, str]]:
        """Display-safe rows describing the connection (no full keys)."""
        rows = [
            ("Mode", self.mode_label),
            ("API base", self.api_base),
            ("API version", self.api_version),
            ("Secret key", self.masked_secret_key),
            ("Publishable key", self.masked_publishable_key),
            ("Webhook signing secret", self.masked_webhook_secret),
            ("Writes", "blocked (read-only)" if self.read_only else "allowed"),
        ]
        if self.sandbox is not None:
            rows.append(("Sandbox data dir", self.sandbox_data_dir))
        return [{"setting": label, "value": value} for label, value in rows]


def open_connection(settings: Settings, *, request_log: RequestLog | None = REQUEST_LOG) -> Connection:
    """Create the :class:`Connection` for ``settings`` (starts the sandbox in sandbox mode).

    Raises :class:`SandboxUnavailableError` if the embedded sandbox cannot start. Creating the
    connection sends no request; use :meth:`Connection.health` to check reachability.
    """
    sandbox = get_sandbox(settings.sandbox_data_dir) if settings.mode == Mode.SANDBOX else None
    api_base = sandbox.url if sandbox is not None else api_base_for(settings)
    client = make_client(settings, api_base=api_base, request_log=request_log)
    return Connection(settings=settings, client=client, api_base=api_base, sandbox=sandbox)


def _elapsed_ms(start: float) -> float:
    return (time.perf_counter() - start) * 1000
