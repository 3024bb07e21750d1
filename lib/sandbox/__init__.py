"""The offline sandbox: a stateful, Stripe-compatible test-mode server.

    from lib.sandbox import start_sandbox
    h = start_sandbox(memory=True, async_delay=0)     # or data_dir=".sandbox"
    client = stripe.StripeClient("sk_test_x", base_addresses={"api": h.url})
    h.stop()

Module map: server.py (HTTP, auth, idempotency), store.py (SQLite), core.py (request context, events,
jobs), formparse.py (wire format), listing.py (lists, expand), errors.py, resources/* (one module
per Stripe resource), threeds.py (the challenge page), ledger.py + fees.py + currencies.py (money),
cards.py (the test-card table), webhooks.py (signed deliveries), seed.py (bulk seeding).
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass

from .core import Engine
from .server import SandboxHTTPServer
from .store import Store

_loaded = False


def load_resources() -> None:
    """Import every resource module so its routes and jobs register (idempotent)."""
    global _loaded
    if _loaded:
        return
    import importlib
    import pkgutil

    from . import resources, threeds  # noqa: F401

    for mod in pkgutil.iter_modules(resources.__path__):
        importlib.import_module(f"{resources.__name__}.{mod.name}")
    for optional in ("webhooks",):
        try:
            importlib.import_module(f"{__name__}.{optional}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{__name__}.{optional}":
                raise
    _loaded = True


def open_engine(data_dir: str | None = None, memory: bool = False, async_delay: float = 2.0) -> Engine:
    load_resources()
    path = None if memory or not data_dir else os.path.join(data_dir, "sandbox.sqlite3")
    engine = Engine(Store(path), async_delay=async_delay)
    engine.data_dir = None if path is None else os.path.abspath(data_dir)
    return engine


@dataclass
class SandboxHandle:
    url: str
    port: int
    data_dir: str | None
    engine: Engine
    server: SandboxHTTPServer
    thread: threading.Thread

    def stats(self) -> dict[str, int]:
        return self.engine.store.counts()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.engine.stop()
        self.engine.store.close()


def start_sandbox(data_dir: str | None = ".sandbox", memory: bool = False, host: str = "127.0.0.1", port: int = 0,
                  async_delay: float = 2.0) -> SandboxHandle:
    """Start the sandbox in this process on a background thread; ``port=0`` picks a free port."""
    engine = open_engine(data_dir, memory, async_delay)
    server = SandboxHTTPServer((host, port), engine)
    actual = server.server_address[1]
    engine.start()
    thread = threading.Thread(target=server.serve_forever, name="sandbox-http", daemon=True)
    thread.start()
    engine.base_url = f"http://{host}:{actual}"
    return SandboxHandle(engine.base_url, actual, engine.data_dir, engine, server, thread)
