"""Body framing over raw sockets, on all three servers (lib/http_server.py): the sandbox, the shop's
webhook receiver and the tests' receiver. Chunked bodies are decoded; conflicting lengths are
refused and the connection closed, so no second request can hide in the first one's body;
slow reads time out; 64 simultaneous deliveries are all answered; a malformed request line is a
4xx; an over-size body is a 413 and the connection closes."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator

import pytest
from stripe import WebhookSignature

from lib.sandbox import start_sandbox
from lib.shop import MerchantDB
from lib.shop.webhook_receiver import start_webhook_server

from .webhook_receiver import Receiver

SECRET = "whsec_framing_test"
ONE_MB = 1_000_000  # the limit all three servers keep


def exchange(port: int, data: bytes, timeout: float = 10.0) -> tuple[bytes, bool]:
    """Send ``data``, read until the server closes or goes quiet: (bytes read, closed by the server)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(data)
        return read_all(sock, quiet=1.0)


def read_all(sock: socket.socket, quiet: float) -> tuple[bytes, bool]:
    sock.settimeout(quiet)
    out = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return out, False
        except ConnectionResetError:
            return out, True
        if not chunk:
            return out, True
        out += chunk


def status_of(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def body_of(reply: bytes) -> dict:
    return json.loads(reply.partition(b"\r\n\r\n")[2])


def chunked(body: bytes, size: int = 7) -> bytes:
    parts = [body[i:i + size] for i in range(0, len(body), size)]
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n\r\n"


@pytest.fixture
def shop(tmp_path) -> Iterator:
    db = MerchantDB(str(tmp_path / "shop.sqlite3"))
    server = start_webhook_server(db, extra_secrets=(SECRET,))
    yield server
    server.stop()
    db.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as rx:
        yield rx


@pytest.fixture(params=["sandbox", "shop", "receiver"])
def any_server(request) -> tuple[str, int]:
    """(which, port) of each of the three servers."""
    which = request.param
    server = request.getfixturevalue(which)
    return which, server.port


def event_payload(event_id: str) -> bytes:
    obj = {"id": "pi_framing", "object": "payment_intent", "amount": 100, "currency": "usd", "metadata": {}}
    return json.dumps({"id": event_id, "object": "event", "type": "payment_intent.created",
                       "data": {"object": obj}}).encode()


def post(path: str, body: bytes, *extra: bytes) -> bytes:
    return b"\r\n".join([b"POST " + path.encode() + b" HTTP/1.1", b"Host: 127.0.0.1",
                         b"Authorization: Bearer sk_test_framing",
                         b"Content-Type: application/x-www-form-urlencoded", *extra, b"", b""]) + body


# --- chunked bodies --------------------------------------------------------------------------------
def test_chunked_body_is_decoded_by_the_sandbox(sandbox) -> None:
    body = b"email=chunked%40example.com&description=sent+in+chunks"
    reply, _ = exchange(sandbox.port, post("/v1/customers", chunked(body), b"Transfer-Encoding: chunked",
                                           b"Connection: close"))
    assert status_of(reply) == 200, reply[:300]
    customer = body_of(reply)
    assert (customer["email"], customer["description"]) == ("chunked@example.com", "sent in chunks")


def test_chunked_delivery_is_decoded_by_the_receivers(shop, receiver) -> None:
    payload = event_payload("evt_chunked_1")
    signature = WebhookSignature.generate_signature_header(payload.decode(), SECRET)
    head = (b"POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b"Transfer-Encoding: chunked\r\nConnection: close\r\nStripe-Signature: " + signature.encode() + b"\r\n\r\n")
    reply, _ = exchange(shop.port, head + chunked(payload))
    assert status_of(reply) == 200 and body_of(reply)["outcome"] in ("ignored", "noted"), reply[:300]
    assert shop.db.event_processed("evt_chunked_1") is not None  # the signature verified over the decoded bytes
    reply, _ = exchange(receiver.port, head + chunked(payload))
    assert status_of(reply) == 200
    assert receiver.received()[-1].body == payload


# --- lengths that disagree -------------------------------------------------------------------------
SMUGGLED = b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_framing\r\n\r\n"


@pytest.mark.parametrize("framing", [
    [b"Content-Length: 7", b"Content-Length: %d" % (7 + len(SMUGGLED))],          # two lengths
    [b"Content-Length: 7, %d" % (7 + len(SMUGGLED))],                              # a list of lengths
    [b"Content-Length: %d" % (7 + len(SMUGGLED)), b"Transfer-Encoding: chunked"],  # length and chunks
    [b"Transfer-Encoding: gzip, chunked"],                                          # a coding it cannot undo
], ids=["two-lengths", "length-list", "length-and-chunked", "unknown-coding"])
def test_conflicting_lengths_are_400_and_close(any_server, framing) -> None:
    which, port = any_server
    path = "/v1/customers" if which == "sandbox" else "/webhooks/stripe"
    reply, closed = exchange(port, post(path, b"email=x" + SMUGGLED, *framing))
    assert status_of(reply) == 400, reply[:300]
    assert reply.count(b"HTTP/1.1 ") == 1, "a second, smuggled request was answered"
    assert closed and b"connection: close" in reply.lower()
    error = body_of(reply)["error"]
    assert "Invalid HTTP request" in error["message"]
    if which == "sandbox":
        assert error["type"] == "invalid_request_error" and error["request_log_url"].startswith("http")


# --- slow reads ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def impatient_sandbox():
    handle = start_sandbox(memory=True, async_delay=0, background=False, read_timeout=0.5)
    yield handle
    handle.stop()


@pytest.mark.parametrize("partial", [
    b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthor",                                # the head never ends
    post("/v1/customers", b"email=slow", b"Content-Length: 100"),                   # the body never ends
    post("/v1/customers", b"5\r\nemail", b"Transfer-Encoding: chunked"),            # the chunks never end
], ids=["head", "body", "chunks"])
def test_a_slow_request_is_cut_off(impatient_sandbox, partial) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", impatient_sandbox.port), timeout=10) as sock:
        sock.sendall(partial)
        reply, closed = read_all(sock, quiet=5.0)
    waited = time.monotonic() - started
    assert closed and reply == b"", reply[:300]  # closed without answering half a request
    assert 0.4 <= waited < 4.0, waited
    assert impatient_sandbox.stats().get("customer", 0) == 0


def test_dripping_bytes_does_not_extend_the_deadline(impatient_sandbox) -> None:
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", impatient_sandbox.port), timeout=10) as sock:
        sock.sendall(b"GET /v1/balance HTTP/1.1\r\n")
        closed = False
        for _ in range(30):  # a header byte every 0.1 s: each byte is on time, the request is not
            try:
                sock.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            time.sleep(0.1)
            if not closed:
                sock.settimeout(0.01)
                try:
                    closed = sock.recv(1) == b""
                except TimeoutError:
                    pass
                if closed:
                    break
    assert closed and time.monotonic() - started < 2.5


def test_a_whole_request_after_an_idle_pause_is_served(impatient_sandbox) -> None:
    # Idle time before a request is not a slow read (the keep-alive limit applies to it).
    with socket.create_connection(("127.0.0.1", impatient_sandbox.port), timeout=10) as sock:
        time.sleep(1.0)
        sock.sendall(b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\n"
                     b"Connection: close\r\n\r\n")
        reply, _ = read_all(sock, quiet=5.0)
    assert status_of(reply) == 200


# --- many at once ----------------------------------------------------------------------------------
def simultaneous(port: int, requests: list[bytes]) -> list[bytes | BaseException]:
    """Each request on its own connection, all connecting at the same moment."""
    barrier = threading.Barrier(len(requests))
    results: list[bytes | BaseException] = [b""] * len(requests)

    def one(i: int) -> None:
        barrier.wait()
        try:
            results[i] = exchange(port, requests[i], timeout=30)[0]
        except OSError as exc:
            results[i] = exc

    threads = [threading.Thread(target=one, args=(i,)) for i in range(len(requests))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


def delivery(event_id: str) -> bytes:
    payload = event_payload(event_id)
    signature = WebhookSignature.generate_signature_header(payload.decode(), SECRET).encode()
    return (b"POST /webhooks/stripe HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
            b"Stripe-Signature: " + signature + b"\r\nContent-Length: %d\r\n\r\n" % len(payload) + payload)


def test_64_simultaneous_deliveries_to_the_shop_are_all_answered(shop) -> None:
    results = simultaneous(shop.port, [delivery(f"evt_burst_{i}") for i in range(64)])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of 64 connections failed: {errors[:3]}"
    assert [status_of(r) for r in results] == [200] * 64
    assert all(shop.db.event_processed(f"evt_burst_{i}") is not None for i in range(64))


def test_64_simultaneous_deliveries_to_the_test_receiver_are_all_answered(receiver) -> None:
    results = simultaneous(receiver.port, [delivery(f"evt_burst_{i}") for i in range(64)])
    errors = [r for r in results if isinstance(r, BaseException)]
    assert not errors, f"{len(errors)} of 64 connections failed: {errors[:3]}"
    assert [status_of(r) for r in results] == [200] * 64
    assert len(receiver.received()) == 64


# --- malformed requests ----------------------------------------------------------------------------
@pytest.mark.parametrize("line", [b"GET /a /b HTTP/1.1", b"GET /v1/balance HTTP/x", b"NOT-A-METHOD! / HTTP/1.1",
                                  b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", b"GET"])
def test_malformed_request_line_is_a_4xx_json_answer(any_server, line) -> None:
    which, port = any_server
    reply, closed = exchange(port, line + b"\r\nHost: x\r\n\r\n")
    assert 400 <= status_of(reply) < 500, reply[:300]
    assert closed
    assert b"Traceback" not in reply
    assert isinstance(body_of(reply)["error"]["message"], str)


# --- over-size bodies ------------------------------------------------------------------------------
def test_declared_over_size_body_is_413_and_closes(any_server) -> None:
    which, port = any_server
    path = "/v1/customers" if which == "sandbox" else "/webhooks/stripe"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(post(path, b"", b"Content-Length: %d" % (ONE_MB + 1)))  # the body is never sent
        reply, closed = read_all(sock, quiet=5.0)
    assert status_of(reply) == 413 and closed, reply[:300]
    assert "too large" in body_of(reply)["error"]["message"]


def test_chunked_over_size_body_is_413_and_closes(any_server) -> None:
    which, port = any_server
    path = "/v1/customers" if which == "sandbox" else "/webhooks/stripe"
    chunk = b"a" * 65536
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(post(path, b"", b"Transfer-Encoding: chunked"))
        try:
            for _ in range(ONE_MB // len(chunk) + 2):
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        except (BrokenPipeError, ConnectionResetError):
            pass  # closed while we were still sending: what this test wants
        reply, closed = read_all(sock, quiet=5.0)
    assert closed
    assert status_of(reply) == 413, reply[:300]


def test_a_body_at_the_limit_is_accepted(sandbox) -> None:
    body = b"email=limit%40example.com&x="
    body += b"y" * (ONE_MB - len(body))  # exactly 1,000,000 bytes: read whole, refused by the parameter check
    assert len(body) == ONE_MB
    reply, _ = exchange(sandbox.port, post("/v1/customers", body, b"Content-Length: %d" % len(body),
                                           b"Connection: close"))
    assert status_of(reply) == 400 and body_of(reply)["error"].get("param") == "x", reply[:300]
