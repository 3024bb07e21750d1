"""The sandbox's HTTP-level rules (lib/sandbox/http): blank Idempotency-Key refused, no secret key
from a web page, Stripe.js's ``key`` form field, unknown Stripe-Version refused, and a
``request_log_url`` on every error (TEST_MODE.md §7.1, §7.2, §8.4)."""

from __future__ import annotations

import json
import re
import socket

import pytest
import requests
import stripe

from .sandbox_http import PUBLISHABLE, SECRET, assert_error_shape, client, raw

LOG_URL = re.compile(r"^(?P<base>http://[^/]+)/_sandbox/logs/(?P<id>req_[A-Za-z0-9]+)\?t=(?P<t>\d{10})$")


def raw_head(sandbox, head: bytes, body: bytes = b"") -> tuple[int, dict[str, str], dict]:
    """A request written byte for byte (header values requests would refuse to send)."""
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sock.sendall(head + b"Content-Length: %d\r\nConnection: close\r\n\r\n" % len(body) + body)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head_part, _, payload = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split(" ")[1]), headers, json.loads(payload)


def customers_count(sandbox) -> int:
    return sandbox.stats().get("customer", 0)


# --- Idempotency-Key -------------------------------------------------------------------------------
@pytest.mark.parametrize("blank", [b"", b" ", b"\t", b" \t "], ids=["empty", "space", "tab", "mixed"])
def test_a_blank_idempotency_key_is_refused(sandbox, blank) -> None:
    before = customers_count(sandbox)
    status, headers, body = raw_head(
        sandbox, b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_blank\r\n"
                 b"Content-Type: application/x-www-form-urlencoded\r\nIdempotency-Key:" + blank + b"\r\n",
        b"email=blank%40example.com")
    assert status == 400
    err = body["error"]
    assert (err["type"], err["param"]) == ("invalid_request_error", "Idempotency-Key")
    assert "blank" in err["message"]
    assert customers_count(sandbox) == before  # nothing ran, so nothing can be replayed to the next caller
    assert "original-request" not in headers and "idempotent-replayed" not in headers


def test_two_callers_with_blank_keys_never_share_an_answer(sandbox) -> None:
    answers = [raw_head(sandbox, b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_"
                                 + who + b"\r\nContent-Type: application/x-www-form-urlencoded\r\nIdempotency-Key: \r\n",
                        b"email=" + who + b"%40example.com") for who in (b"alice", b"bob")]
    assert [a[0] for a in answers] == [400, 400]
    assert all("email" not in a[2] for a in answers)


def test_a_real_key_still_replays(sandbox) -> None:
    first = raw(sandbox, "POST", "/v1/customers", {"email": "once@example.com"}, headers={"Idempotency-Key": "k-1 2"})
    again = raw(sandbox, "POST", "/v1/customers", {"email": "once@example.com"}, headers={"Idempotency-Key": "k-1 2"})
    assert first.status_code == again.status_code == 200 and first.json()["id"] == again.json()["id"]
    assert again.headers["Idempotent-Replayed"] == "true"


# --- secret keys from web pages --------------------------------------------------------------------
@pytest.mark.parametrize("origin", ["https://evil.example", "http://localhost:8501", "null",
                                    "http://127.0.0.1:1", "http://evil.example:{port}"])
def test_a_secret_key_from_a_web_page_is_refused(sandbox, origin) -> None:
    origin = origin.format(port=sandbox.port)
    before = customers_count(sandbox)
    resp = raw(sandbox, "POST", "/v1/customers", {"email": "page@example.com"}, headers={"Origin": origin})
    assert resp.status_code == 403, resp.text[:300]
    err = assert_error_shape(resp)
    assert "browser" in err["message"] and "secret" in err["message"].lower()
    assert SECRET not in err["message"]  # masked, never whole
    assert customers_count(sandbox) == before
    assert raw(sandbox, "GET", "/v1/balance", key="rk_test_restricted", headers={"Origin": origin}).status_code == 403


def test_a_rebound_host_name_is_not_the_sandbox_itself(sandbox) -> None:
    # A page at evil.example whose DNS now points at 127.0.0.1 sends Host and Origin that agree.
    host = f"evil.example:{sandbox.port}"
    resp = raw(sandbox, "GET", "/v1/balance", headers={"Origin": f"http://{host}", "Host": host})
    assert resp.status_code == 403


def test_server_side_and_same_origin_calls_pass(sandbox, stripe_client) -> None:
    assert stripe_client.v1.balance.retrieve().object == "balance"  # the SDK sends no Origin
    own = raw(sandbox, "GET", "/v1/balance", headers={"Origin": sandbox.url})
    assert own.status_code == 200


def test_browsers_keep_the_publishable_endpoints(sandbox) -> None:
    origin = {"Origin": "http://localhost:8501"}
    pm = raw(sandbox, "POST", "/v1/payment_methods", {"type": "card", "card[number]": "4242424242424242",
                                                      "card[exp_month]": "12", "card[exp_year]": "2034",
                                                      "card[cvc]": "123"}, key=PUBLISHABLE, headers=origin)
    assert pm.status_code == 200 and pm.json()["card"]["last4"] == "4242"
    assert pm.headers["Access-Control-Allow-Origin"] == "*"
    secret_only = raw(sandbox, "GET", "/v1/customers", key=PUBLISHABLE, headers=origin)
    assert secret_only.status_code == 401 and assert_error_shape(secret_only)["code"] == "secret_key_required"


# --- Stripe.js's key field -------------------------------------------------------------------------
CARD = {"type": "card", "card[number]": "4242424242424242", "card[exp_month]": "12", "card[exp_year]": "2034",
        "card[cvc]": "123"}


def test_publishable_key_as_the_key_form_field(sandbox, stripe_client) -> None:
    pm = raw(sandbox, "POST", "/v1/payment_methods", {**CARD, "key": PUBLISHABLE}, key=None)
    assert pm.status_code == 200, pm.text[:300]
    assert pm.json()["object"] == "payment_method" and "key" not in pm.json()
    pi = stripe_client.v1.payment_intents.create(params={"amount": 1500, "currency": "usd",
                                                         "payment_method_types": ["card"]})
    confirm = raw(sandbox, "POST", f"/v1/payment_intents/{pi.id}/confirm",
                  {"key": PUBLISHABLE, "client_secret": pi.client_secret, "payment_method": pm.json()["id"]}, key=None)
    assert confirm.status_code == 200 and confirm.json()["status"] == "succeeded", confirm.text[:300]
    fetched = raw(sandbox, "GET", f"/v1/payment_intents/{pi.id}?key={PUBLISHABLE}&client_secret={pi.client_secret}",
                  key=None)
    assert fetched.status_code == 200 and fetched.json()["status"] == "succeeded"


def test_key_field_takes_only_publishable_keys_on_publishable_endpoints(sandbox) -> None:
    secret_in_form = raw(sandbox, "POST", "/v1/payment_methods", {**CARD, "key": SECRET}, key=None)
    assert secret_in_form.status_code == 401
    assert "publishable" in assert_error_shape(secret_in_form)["message"]
    elsewhere = raw(sandbox, "POST", "/v1/customers", {"key": PUBLISHABLE}, key=None)
    assert elsewhere.status_code == 401
    assert "did not provide an API key" in assert_error_shape(elsewhere)["message"]


# --- Stripe-Version --------------------------------------------------------------------------------
# Stripe's formats (TEST_MODE.md §8.4): YYYY-MM-DD before 2024-09-30, then YYYY-MM-DD.<release>.
@pytest.mark.parametrize("version", ["2099-01-01", "2025-07-30", "2024-02-30", "2026-10-28.zebra",
                                     "2025-01-15.basil", "2027-01-01.endive", "2024-06-20.acacia", "2010-05-01"])
def test_an_unknown_version_is_400(stripe_client, version) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.balance.retrieve(options={"stripe_version": version})
    assert info.value.http_status == 400
    assert info.value.user_message == f"Invalid Stripe API version: {version}"
    assert info.value.error.type == "invalid_request_error"


@pytest.mark.parametrize("version", ["2022-11-15", "2024-06-20", "2024-09-30.acacia", "2024-12-18.acacia",
                                     "2025-03-31.basil", "2025-08-27.basil", "2025-09-30.clover",
                                     "2026-04-22.dahlia", "2026-10-28.endive"])
def test_known_versions_are_accepted_and_echoed(sandbox, version) -> None:
    resp = raw(sandbox, "GET", "/v1/balance", headers={"Stripe-Version": version})
    assert resp.status_code == 200 and resp.headers["Stripe-Version"] == version


# --- request_log_url -------------------------------------------------------------------------------
def check_log_url(sandbox, err: dict, request_id: str) -> dict:
    m = LOG_URL.match(err["request_log_url"])
    assert m, err["request_log_url"]
    assert m["id"] == request_id
    page = requests.get(err["request_log_url"], timeout=10)
    assert page.status_code == 200
    return page.json()


@pytest.mark.parametrize(("method", "path", "data", "key", "status"), [
    ("POST", "/v1/payment_intents", {"currency": "usd"}, SECRET, 400),
    ("GET", "/v1/customers/cus_nobody", None, SECRET, 404),
    ("GET", "/v1/balance", None, "sk_live_nope1234567890", 401),
    ("GET", "/v1/nowhere", None, SECRET, 404),
    ("POST", "/v1/payment_intents", {"amount": "2000", "currency": "usd", "payment_method": "pm_card_chargeDeclined",
                                     "confirm": "true", "payment_method_types[]": "card"}, SECRET, 402),
])
def test_every_error_has_a_request_log_url(sandbox, method, path, data, key, status) -> None:
    resp = raw(sandbox, method, path, data, key=key)
    assert resp.status_code == status
    err = assert_error_shape(resp)
    logged = check_log_url(sandbox, err, resp.headers["Request-Id"])
    assert (logged["status"], logged["method"], logged["path"]) == (status, method, path)
    assert logged["error"]["message"] == err["message"] and logged["error"]["type"] == err["type"]
    assert "payment_intent" not in logged["error"]  # the log keeps the error, not the objects it embeds


def test_request_log_url_through_the_sdk(sandbox, stripe_client) -> None:
    with pytest.raises(stripe.CardError) as info:
        stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "confirm": True,
                                                        "payment_method": "pm_card_visa_chargeDeclinedInsufficientFunds",
                                                        "payment_method_types": ["card"]})
    url = info.value.error.request_log_url
    logged = check_log_url(sandbox, {"request_log_url": url}, info.value.request_id)
    assert logged["error"]["decline_code"] == "insufficient_funds"
    with pytest.raises(stripe.AuthenticationError) as auth:
        client(sandbox, "sk_live_0123456789abcdef").v1.balance.retrieve()
    assert LOG_URL.match(auth.value.error.request_log_url)


def test_a_replayed_error_keeps_the_first_requests_log_url(sandbox) -> None:
    body = {"amount": "2000", "currency": "usd", "payment_method": "pm_card_chargeDeclined", "confirm": "true",
            "payment_method_types[]": "card"}
    first = raw(sandbox, "POST", "/v1/payment_intents", body, headers={"Idempotency-Key": "log-url-replay"})
    again = raw(sandbox, "POST", "/v1/payment_intents", body, headers={"Idempotency-Key": "log-url-replay"})
    assert first.status_code == again.status_code == 402
    assert again.json() == first.json()  # a replay is the stored answer, byte for byte
    assert LOG_URL.match(again.json()["error"]["request_log_url"])["id"] == first.headers["Request-Id"]


def test_framing_errors_have_a_request_log_url_too(sandbox) -> None:
    status, headers, body = raw_head(sandbox, b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\n")
    assert status == 400
    assert LOG_URL.match(body["error"]["request_log_url"])["id"] == headers["request-id"]


def test_an_unknown_log_is_a_404(sandbox) -> None:
    resp = requests.get(f"{sandbox.url}/_sandbox/logs/req_neverSeen?t=1", timeout=10)
    assert resp.status_code == 404 and assert_error_shape(resp)["code"] == "resource_missing"
