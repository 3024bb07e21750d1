"""Durability and concurrency.

* Crash: the CLI server runs as a subprocess on a data dir while client threads create and
  confirm PaymentIntents; it is killed with SIGKILL mid-stream and restarted on the same dir.
  Every response a client received (acknowledged) must be there with the status it reported, and
  nothing may be half-applied (a succeeded PI without its charge or balance transaction, a charge
  without its PI, balance counters that disagree with the ledger).
* Concurrency: 8 threads hammer one in-process sandbox; everything succeeds, counts add up, and a
  shared idempotency key creates exactly one object.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import stripe

from lib.sandbox.storage import Store

from .money_helpers import CONFIRM
from .sandbox_http import check_invariants, client, ledger_consistency, objects, sql

ROOT = Path(__file__).resolve().parents[2]
CARDS = ["pm_card_visa", "pm_card_visa", "pm_card_mastercard", "pm_card_visa_chargeDeclined",
         "pm_card_visa_chargeDeclinedInsufficientFunds", "pm_card_createDispute"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``python -m lib.sandbox serve`` as a child process."""

    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Server:
        env = {**os.environ, "PYTHONPATH": str(ROOT)}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "lib.sandbox", "serve", "--port", str(self.port), "--data-dir",
             str(self.data_dir), "--async-delay", "0"], cwd=ROOT, env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                if requests.get(self.url + "/_sandbox/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                time.sleep(0.05)
        self.kill()
        raise AssertionError("sandbox subprocess did not come up")

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()


def _load(server: Server, acked: dict[str, tuple[str, str | None]], in_flight: dict[str, str],
          stop: threading.Event, seed: int) -> None:
    """Create+confirm PIs until the server dies; record every acknowledged outcome:
    acked[pi_id] = (status, latest_charge). in_flight[pi_id] = the status an unanswered request on an
    acknowledged PI would lead to."""
    c = stripe.StripeClient("sk_test_crash", base_addresses={"api": server.url}, max_network_retries=0)
    i = seed
    while not stop.is_set():
        i += 1
        card = CARDS[i % len(CARDS)]
        manual = i % 5 == 0
        params = {"amount": 1000 + i, "currency": "usd", "payment_method": card, **CONFIRM}
        if manual:
            params["capture_method"] = "manual"
        try:
            pi = c.v1.payment_intents.create(params=params)
            acked[pi.id] = (pi.status, pi.latest_charge)
            if manual and pi.status == "requires_capture" and i % 2 == 0:
                in_flight[pi.id] = "succeeded"  # if the kill lands during the capture, either state is fine
                done = c.v1.payment_intents.capture(pi.id)
                acked[done.id] = (done.status, done.latest_charge)
                del in_flight[pi.id]
        except stripe.CardError as exc:  # an acknowledged decline
            failed = exc.error.payment_intent
            acked[failed.id] = (failed.status, exc.error.charge)
        except stripe.APIConnectionError:
            return  # the server is gone
        except stripe.StripeError as exc:  # anything else is a bug worth seeing
            acked[f"error-{i}"] = ("error", str(exc))
            return


def _run_until_kill(server: Server, acked: dict, in_flight: dict, at_least: int, threads: int = 4) -> None:
    stop = threading.Event()
    workers = [threading.Thread(target=_load, args=(server, acked, in_flight, stop, n * 100_000), daemon=True)
               for n in range(threads)]
    before = len(acked)
    for w in workers:
        w.start()
    deadline = time.monotonic() + 30
    while len(acked) - before < at_least and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()  # mid-stream: the threads are still sending
    stop.set()
    for w in workers:
        w.join(timeout=30)
    assert len(acked) - before >= at_least, "the load did not get going"


def _offline(data_dir: Path) -> SimpleNamespace:
    """The store of a stopped server, shaped like a sandbox handle for the shared checks."""
    return SimpleNamespace(engine=SimpleNamespace(store=Store(str(data_dir / "sandbox.sqlite3"))))


def _verify(server: Server, acked: dict[str, tuple[str, str | None]], in_flight: dict[str, str]) -> None:
    errors = {k: v for k, v in acked.items() if k.startswith("error-")}
    assert not errors, errors
    c = client(SimpleNamespace(url=server.url))
    for pi_id, (status, charge_id) in acked.items():
        pi = c.v1.payment_intents.retrieve(pi_id)
        assert pi.status in (status, in_flight.get(pi_id)), (pi_id, pi.status, status)
        if pi.status != status:  # the unanswered capture did commit: acknowledge it now
            acked[pi_id] = (pi.status, charge_id)
            status = pi.status
        if charge_id:
            charge = c.v1.charges.retrieve(charge_id)
            assert charge.payment_intent == pi_id
            if status == "requires_payment_method":
                assert charge.status == "failed" and charge.balance_transaction is None
            if status == "succeeded":
                assert charge.captured and charge.balance_transaction


def test_kill_dash_nine_loses_nothing_acknowledged(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    acked: dict[str, tuple[str, str | None]] = {}
    in_flight: dict[str, str] = {}
    server = Server(data_dir).start()
    try:
        _run_until_kill(server, acked, in_flight, at_least=120)
        server = Server(data_dir).start()  # restart on the same dir (a new port)
        _verify(server, acked, in_flight)
        in_flight.clear()
        _run_until_kill(server, acked, in_flight, at_least=80)  # and once more, on the recovered store
        server = Server(data_dir).start()
        _verify(server, acked, in_flight)
        health = requests.get(server.url + "/_sandbox/health", timeout=5).json()
        assert health["counts"]["payment_intent"] >= len(acked)
    finally:
        server.stop()
    store_view = _offline(data_dir)
    try:
        check_invariants(store_view)
        pis = {pi["id"] for pi in objects(store_view, "payment_intent")}
        assert set(acked) <= pis
        # Every charge's PaymentMethod and every BT's source exist too.
        ids = {r[0] for r in sql(store_view, "SELECT id FROM objects")}
        for ch in objects(store_view, "charge"):
            assert ch["payment_method"] in ids
        for bt in objects(store_view, "balance_transaction"):
            assert bt["source"] in ids
    finally:
        store_view.engine.store.close()


def test_clean_shutdown_and_restart_keeps_everything(tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    c = client(SimpleNamespace(url=server.url))
    pi = c.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method": "pm_card_visa",
                                             **CONFIRM}, options={"idempotency_key": "restart-1"})
    server.stop()
    server = Server(tmp_path / "data").start()
    try:
        c = client(SimpleNamespace(url=server.url))
        assert c.v1.payment_intents.retrieve(pi.id).status == "succeeded"
        again = c.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "payment_method":
                                                    "pm_card_visa", **CONFIRM},
                                            options={"idempotency_key": "restart-1"})
        assert again.id == pi.id  # idempotency keys survive a restart too
    finally:
        server.stop()


def test_close_folds_the_write_ahead_log_into_the_database_file(tmp_path: Path) -> None:
    """Requests never fsync (synchronous=OFF); close() checkpoints, so a closed store is one file."""
    path = tmp_path / "store.db"
    store = Store(str(path))
    store.insert({"id": "cus_wal1", "object": "customer", "created": 1_700_000_000, "email": "a@example.com"})
    assert store.execute("PRAGMA synchronous").fetchone()[0] == 0
    assert os.path.getsize(str(path) + "-wal") > 0  # the write sits in the WAL, not yet in the file
    store.close()
    assert not os.path.exists(str(path) + "-wal") or os.path.getsize(str(path) + "-wal") == 0
    reopened = Store(str(path))
    try:
        assert reopened.execute("SELECT id FROM objects WHERE kind='customer'").fetchall() == [("cus_wal1",)]
    finally:
        reopened.close()


# --- concurrency -----------------------------------------------------------------------------------
@pytest.fixture
def disk_sandbox(tmp_path: Path):
    from lib.sandbox import start_sandbox

    handle = start_sandbox(data_dir=str(tmp_path / "conc"), async_delay=0)
    yield handle
    handle.stop()


def test_eight_threads(disk_sandbox) -> None:
    threads, per_thread = 8, 30
    results: list[tuple[str, str]] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def work(n: int) -> None:
        c = client(disk_sandbox)
        for i in range(per_thread):
            try:
                if i % 3 == 2:
                    cus = c.v1.customers.create(params={"email": f"t{n}-{i}@example.com"})
                    pi = c.v1.payment_intents.create(params={"amount": 500 + i, "currency": "usd",
                                                             "customer": cus.id, "payment_method": "pm_card_visa",
                                                             **CONFIRM})
                else:
                    pi = c.v1.payment_intents.create(params={"amount": 500 + i, "currency": "usd",
                                                             "payment_method": "pm_card_visa", **CONFIRM})
                with lock:
                    results.append((pi.id, pi.status))
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                with lock:
                    errors.append(exc)

    before = disk_sandbox.stats()
    workers = [threading.Thread(target=work, args=(n,)) for n in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=120)
    assert not errors, errors[:3]
    total = threads * per_thread
    assert len(results) == total and {s for _, s in results} == {"succeeded"}
    assert len({pi for pi, _ in results}) == total
    after = disk_sandbox.stats()
    for kind in ("payment_intent", "charge", "payment_method", "balance_transaction"):
        assert after.get(kind, 0) - before.get(kind, 0) == total, kind
    assert after.get("customer", 0) - before.get("customer", 0) == threads * (per_thread // 3)
    succeeded_events = sql(disk_sandbox, "SELECT count(*) FROM objects WHERE kind='event' AND "
                                         "type='payment_intent.succeeded'")[0][0]
    assert succeeded_events == total
    counters, sums = ledger_consistency(disk_sandbox)
    assert counters == sums
    check_invariants(disk_sandbox)


def test_concurrent_requests_with_one_idempotency_key(disk_sandbox) -> None:
    ids: list[str] = []
    barrier = threading.Barrier(8)

    def work() -> None:
        c = client(disk_sandbox)
        barrier.wait()
        pi = c.v1.payment_intents.create(params={"amount": 777, "currency": "usd", "payment_method": "pm_card_visa",
                                                 **CONFIRM}, options={"idempotency_key": "one-for-all"})
        ids.append(pi.id)

    before = disk_sandbox.stats().get("payment_intent", 0)
    workers = [threading.Thread(target=work) for _ in range(8)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(timeout=60)
    assert len(ids) == 8 and len(set(ids)) == 1
    assert disk_sandbox.stats()["payment_intent"] - before == 1
