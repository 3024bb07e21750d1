"""The sandbox's request heads over raw sockets (uvicorn + httptools, lib/http_server.py): header
names in any case, the first of a repeated header, obsolete folding refused, head limits,
keep-alive and Expect: 100-continue, HTTP/1.0 and odd request lines answered with Stripe-shaped
errors. The body framing rules are in test_http_framing.py."""

from __future__ import annotations

import json
import socket

import pytest

from lib.http_server import MAX_HEADERS
from tests.contract.test_errors import _raw_socket


def _status(reply: bytes) -> int:
    return int(reply.split(b" ", 2)[1])


def _body(reply: bytes) -> dict:
    return json.loads(reply.partition(b"\r\n\r\n")[2])


def test_header_names_are_case_insensitive(sandbox) -> None:
    reply = _raw_socket(sandbox, b"GET /v1/balance HTTP/1.1\r\nhOsT: x\r\nAUTHORIZATION: Bearer sk_test_x\r\n"
                                 b"stripe-version: 2024-06-20\r\nconnection: close\r\n\r\n")
    assert _status(reply) == 200, reply[:300]
    assert b"stripe-version: 2024-06-20" in reply.lower()  # header names are case-insensitive (uvicorn sends lower case)
    assert _body(reply)["object"] == "balance"


def test_first_occurrence_of_a_repeated_header_wins(sandbox) -> None:
    reply = _raw_socket(sandbox, b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_live_nope\r\n"
                                 b"Authorization: Bearer sk_test_x\r\nConnection: close\r\n\r\n")
    assert _status(reply) == 401  # as email.message.Message.get: the first one


def test_folded_header_value_is_refused(sandbox) -> None:
    # RFC 9112 §5.2 lets a server reject obs-fold with a 400 or unfold it; two parsers that disagree
    # on it can read different requests from the same bytes, so the sandbox refuses it.
    reply = _raw_socket(sandbox, b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer\r\n"
                                 b" sk_test_x\r\nConnection: close\r\n\r\n")
    assert _status(reply) == 400, reply[:300]
    assert _body(reply)["error"]["type"] == "invalid_request_error"
    assert b"connection: close" in reply.lower()


def test_too_many_headers_is_431(sandbox) -> None:
    many = b"".join(b"X-H%d: v\r\n" % i for i in range(MAX_HEADERS + 1))
    reply = _raw_socket(sandbox, b"GET /v1/balance HTTP/1.1\r\nHost: x\r\n" + many + b"\r\n")
    assert _status(reply) == 431 and "Too many headers" in _body(reply)["error"]["message"]


def test_header_line_too_long_is_431(sandbox) -> None:
    reply = _raw_socket(sandbox, b"GET /v1/balance HTTP/1.1\r\nX-Long: " + b"a" * 70000 + b"\r\n\r\n")
    assert _status(reply) == 431


def test_keep_alive_serves_several_requests_on_one_connection(sandbox) -> None:
    request = b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\n\r\n"
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        replies = []
        for _ in range(3):
            sock.sendall(request)
            data = b""
            while b"\r\n\r\n" not in data or len(data.partition(b"\r\n\r\n")[2]) < _length(data):
                data += sock.recv(65536)
            replies.append(data)
    assert [_status(r) for r in replies] == [200, 200, 200]


def _length(reply: bytes) -> int:
    head = reply.partition(b"\r\n\r\n")[0]
    return next(int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length"))


def test_http10_closes_after_the_response(sandbox) -> None:
    reply = _raw_socket(sandbox, b"GET /v1/balance HTTP/1.0\r\nAuthorization: Bearer sk_test_x\r\n\r\n")
    assert _status(reply) == 200 and _body(reply)["object"] == "balance"  # _raw_socket read to EOF: closed


def test_expect_100_continue_is_answered_then_the_request(sandbox) -> None:
    body = b"email=wire%40example.com"
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sock.sendall(b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\n"
                     b"Content-Type: application/x-www-form-urlencoded\r\nExpect: 100-continue\r\n"
                     b"Connection: close\r\nContent-Length: %d\r\n\r\n" % len(body))
        first = sock.recv(65536)
        assert first.startswith(b"HTTP/1.1 100"), first
        sock.sendall(body)
        data = first
        while chunk := sock.recv(65536):
            data += chunk
    final = data.split(b"\r\n\r\n", 1)[1]
    assert _status(final) == 200 and _body(final)["email"] == "wire@example.com"


@pytest.mark.parametrize(("line", "status"), [(b"GET /v1/balance HTTP/2.0", 505), (b"GET /v1/balance HTTP/x", 400),
                                              (b"GET /a /b HTTP/1.1", 400)])
def test_unusual_request_lines_get_stripe_shaped_errors(sandbox, line: bytes, status: int) -> None:
    reply = _raw_socket(sandbox, line + b"\r\nHost: x\r\n\r\n")
    assert _status(reply) == status, reply[:300]
    assert _body(reply)["error"]["type"] == "invalid_request_error"
