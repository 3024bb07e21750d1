"""Stripe's error envelope for bad requests (TEST_MODE.md §2.6, §5.5, §7.2): the right code, param and
status for each mistake, and malformed input is always a 4xx, never a 500."""

from __future__ import annotations

import socket

import pytest
import stripe

from lib.stripe_facts import currencies

from .sandbox_http import assert_error_shape, raw

PI = "/v1/payment_intents"


def _err(resp, status: int = 400) -> dict:
    assert resp.status_code == status, resp.text[:300]
    return assert_error_shape(resp)


# --- parameters ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "body", "param"), [
    (PI, {"amount": "2000", "currency": "usd", "colour": "red"}, "colour"),
    (PI, {"amount": "2000", "currency": "usd", "created[gt]": "1"}, "created"),
    ("/v1/customers", {"emial": "typo@example.com"}, "emial"),
    ("/v1/payment_methods", {"type": "card", "card[number]": "4242424242424242", "card[colour]": "red"},
     "card[colour]"),
    ("/v1/charges", {"amount": "2000", "currency": "usd", "source": "tok_visa", "payment_method": "pm_card_visa"},
     "payment_method"),
])
def test_unknown_parameter(sandbox, path, body, param) -> None:
    err = _err(raw(sandbox, "POST", path, body))
    assert (err["type"], err["code"], err["param"]) == ("invalid_request_error", "parameter_unknown", param)
    assert err["message"] == f"Received unknown parameter: {param}"


def test_unknown_parameter_through_the_sdk(stripe_client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", "colour": "red"})
    assert (info.value.http_status, info.value.code, info.value.param) == (400, "parameter_unknown", "colour")


@pytest.mark.parametrize(("path", "body", "param"), [
    (PI, {"currency": "usd"}, "amount"),
    (PI, {"amount": "2000"}, "currency"),
    ("/v1/charges", {"currency": "usd", "source": "tok_visa"}, "amount"),
    ("/v1/payment_methods/pm_card_visa/attach", {}, "customer"),
    ("/v1/payment_methods", {"type": "card"}, "card"),
    ("/v1/tokens", {}, "card"),
])
def test_missing_parameter(sandbox, path, body, param) -> None:
    key = "pk_test_contract" if path in ("/v1/payment_methods", "/v1/tokens") else "sk_test_contract"
    err = _err(raw(sandbox, "POST", path, body, key=key))
    assert (err["code"], err["param"]) == ("parameter_missing", param)
    assert err["message"] == f"Missing required param: {param}."


@pytest.mark.parametrize(("method", "path", "body", "param"), [
    ("POST", PI, {"amount": "twenty", "currency": "usd"}, "amount"),
    ("POST", PI, {"amount": "20.00", "currency": "usd"}, "amount"),
    ("POST", PI, {"amount": "0", "currency": "usd"}, "amount"),
    ("POST", PI, {"amount": "-100", "currency": "usd"}, "amount"),
    ("GET", PI + "?limit=ten", None, "limit"),
    ("GET", PI + "?created[gte]=yesterday", None, "created[gte]"),
])
def test_invalid_integer(sandbox, method, path, body, param) -> None:
    err = _err(raw(sandbox, method, path, body))
    assert (err["code"], err["param"]) == ("parameter_invalid_integer", param)


def test_invalid_integer_message_for_zero(sandbox) -> None:
    err = _err(raw(sandbox, "POST", PI, {"amount": "0", "currency": "usd"}))
    assert err["message"] == "This value must be greater than or equal to 1."


@pytest.mark.parametrize(("body", "param"), [
    ({"amount": "2000", "currency": "usd", "confirm": "yes"}, "confirm"),
    ({"amount": "2000", "currency": "usd", "metadata": "x"}, "metadata"),
    ({"amount": "2000", "currency": "usd", "capture_method": "later"}, "capture_method"),
    ({"amount": "2000", "currency": "usd", "metadata[k]": "v" * 501}, "metadata[k]"),
])
def test_other_invalid_values(sandbox, body, param) -> None:
    err = _err(raw(sandbox, "POST", PI, body))
    assert err["param"] == param


# TEST_MODE.md §5.5 minimums (minor units).
REFERENCE_MINIMUMS = {"usd": 50, "aed": 200, "aud": 50, "bgn": 100, "brl": 50, "cad": 50, "chf": 50, "czk": 1500,
                      "dkk": 250, "eur": 50, "gbp": 30, "hkd": 400, "huf": 17500, "inr": 50, "jpy": 50,
                      "mxn": 1000, "myr": 200, "nok": 300, "nzd": 50, "pln": 200, "ron": 200, "sek": 300,
                      "sgd": 50, "thb": 1000}


@pytest.mark.parametrize("currency", sorted(REFERENCE_MINIMUMS))
def test_amount_below_minimum(stripe_client, currency) -> None:
    minimum = REFERENCE_MINIMUMS[currency]
    assert currencies.minimum_amount(currency) == minimum
    below = minimum - (100 if currency == "huf" else 1)
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.create(params={"amount": below, "currency": currency})
    assert (info.value.http_status, info.value.code, info.value.param) == (400, "amount_too_small", "amount")
    assert info.value.user_message.startswith("Amount must be at least")
    lowest = currencies.effective_minimum_amount(currency)
    pi = stripe_client.v1.payment_intents.create(params={"amount": lowest, "currency": currency})
    assert pi.amount == lowest and pi.currency == currency


def test_amount_too_small_message_usd(stripe_client) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.create(params={"amount": 49, "currency": "usd"})
    assert info.value.user_message == "Amount must be at least $0.50 usd"


@pytest.mark.parametrize(("amount", "currency"), [(100_000_000, "usd"), (100_000_000, "eur"),
                                                  (10**15, "usd"), (1_000_000_000_000, "idr")])
def test_amount_too_large(stripe_client, amount, currency) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        stripe_client.v1.payment_intents.create(params={"amount": amount, "currency": currency})
    assert (info.value.code, info.value.param) == ("amount_too_large", "amount")


def test_eight_digits_is_fine(stripe_client) -> None:
    assert stripe_client.v1.payment_intents.create(params={"amount": 99_999_999, "currency": "usd"}).amount == \
        99_999_999


@pytest.mark.parametrize("currency", ["xyz", "usdollar", "US", ""])
def test_unsupported_currency(sandbox, currency) -> None:
    err = _err(raw(sandbox, "POST", PI, {"amount": "2000", "currency": currency}))
    assert err["param"] == "currency"


def test_huge_integers_are_refused_cleanly(sandbox) -> None:
    for path in (PI + "?created[gt]=99999999999999999999", PI + "?created=9999999999999999999",
                 PI + "?limit=99999999999999999999"):
        resp = raw(sandbox, "GET", path)
        assert resp.status_code == 400, path
        assert_error_shape(resp)


# --- not found -------------------------------------------------------------------------------------
@pytest.mark.parametrize(("path", "message", "param"), [
    ("/v1/payment_intents/pi_missing", "No such payment_intent: 'pi_missing'", "intent"),
    ("/v1/charges/ch_missing", "No such charge: 'ch_missing'", "id"),
    ("/v1/customers/cus_missing", "No such customer: 'cus_missing'", "id"),
    ("/v1/payment_methods/pm_missing", "No such PaymentMethod: 'pm_missing'", "payment_method"),
    ("/v1/tokens/tok_missing", "No such token: 'tok_missing'", "id"),
    ("/v1/balance_transactions/txn_missing", "No such balance transaction: 'txn_missing'", "id"),
])
def test_unknown_id_is_404(sandbox, path, message, param) -> None:
    err = _err(raw(sandbox, "GET", path), 404)
    assert (err["code"], err["message"], err["param"]) == ("resource_missing", message, param)


@pytest.mark.parametrize("verb", ["confirm", "capture", "cancel"])
def test_unknown_pi_on_actions(stripe_client, verb) -> None:
    with pytest.raises(stripe.InvalidRequestError) as info:
        getattr(stripe_client.v1.payment_intents, verb)("pi_doesNotExist")
    assert (info.value.http_status, info.value.code) == (404, "resource_missing")


def test_unknown_references_inside_a_request(stripe_client) -> None:
    for params, param in (({"customer": "cus_nope"}, "customer"), ({"payment_method": "pm_nope"}, "payment_method"),
                          ({"payment_method": "pm_card_noSuchCard"}, "payment_method")):
        with pytest.raises(stripe.InvalidRequestError) as info:
            stripe_client.v1.payment_intents.create(params={"amount": 2000, "currency": "usd", **params})
        assert (info.value.http_status, info.value.code, info.value.param) == (404, "resource_missing", param)


def test_unknown_url(sandbox) -> None:
    err = _err(raw(sandbox, "GET", "/v1/nonsense"), 404)
    assert err["message"].startswith("Unrecognized request URL (GET: /v1/nonsense)")
    assert _err(raw(sandbox, "DELETE", "/v1/payment_intents"), 404)


# --- malformed bodies ------------------------------------------------------------------------------
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


@pytest.mark.parametrize("body", [
    b"amount[=2000&currency=usd", b"amount]=2000&currency=usd", b"[amount]=2000", b"amount[a]b=1",
    b"amount=2000&amount[x]=1", b"metadata[a]=1&metadata=2", b"a[b][c][d][e][f][g]=1",
    b"expand[0][0]=x", b"amount=\xff\xfe&currency=usd", b"\x00\x01\x02", b"%", b"amount=%zz&currency=usd",
    b"&&&==&=", b"amount=2000&currency=usd&" + b"x=1&" * 3000, "metadata[\u00b2]=1".encode(),
    "expand[\u00b2]=latest_charge".encode(), "expand[\u0663]=latest_charge".encode(),
])
def test_malformed_form_bodies_are_400(sandbox, body: bytes) -> None:
    resp = raw(sandbox, "POST", PI, body, headers=FORM)
    assert resp.status_code == 400, resp.text[:300]
    assert_error_shape(resp)


def test_json_body_is_refused(sandbox) -> None:
    resp = raw(sandbox, "POST", PI, b'{"amount": 2000, "currency": "usd"}', headers={"Content-Type": "application/json"})
    err = _err(resp)
    assert "form-encoded" in err["message"]


def test_query_string_on_post_is_merged(sandbox) -> None:
    resp = raw(sandbox, "POST", PI + "?amount=2000", {"currency": "usd"})
    assert resp.status_code == 200 and resp.json()["amount"] == 2000


def _raw_socket(sandbox, request: bytes) -> bytes:
    with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
        sock.sendall(request)
        chunks = []
        while True:
            try:
                data = sock.recv(65536)
            except TimeoutError:
                break
            if not data:
                break
            chunks.append(data)
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                length = [int(line.split(b":")[1]) for line in head.split(b"\r\n")
                          if line.lower().startswith(b"content-length:")]
                if length and len(rest) >= length[0]:
                    break
        return b"".join(chunks)


@pytest.mark.parametrize("length", [b"abc", b"-5", b"99999999999"])
def test_bad_content_length(sandbox, length: bytes) -> None:
    reply = _raw_socket(sandbox, b"POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer sk_test_x\r\n"
                                 b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\n"
                                 b"Content-Length: " + length + b"\r\n\r\nemail=a")
    status = int(reply.split(b" ", 2)[1])
    assert 400 <= status < 500, reply[:300]


def test_server_still_serves_after_garbage(sandbox, stripe_client) -> None:
    _raw_socket(sandbox, b"\x16\x03\x01garbage that is not http\r\n\r\n")
    _raw_socket(sandbox, b"GET /v1/balance HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert stripe_client.v1.balance.retrieve().object == "balance"


@pytest.mark.parametrize(("path", "body"), [
    ("/v1/customers", {"invoice_settings": "x"}), ("/v1/customers", {"address": "x"}),
    ("/v1/customers", {"shipping": "x"}), (PI, {"amount": "2000", "currency": "usd", "shipping": "x"}),
    (PI, {"amount": "2000", "currency": "usd", "payment_method_options": "x"}),
    (PI, {"amount": "2000", "currency": "usd", "automatic_payment_methods": "x"}),
    ("/v1/charges/ch_x", {"fraud_details": "x"}),
])
def test_hash_parameters_given_a_string(sandbox, path, body) -> None:
    resp = raw(sandbox, "POST", path, body)
    assert 400 <= resp.status_code < 500
    assert_error_shape(resp)


def test_customer_update_hash_parameters_given_a_string(sandbox) -> None:
    cus = raw(sandbox, "POST", "/v1/customers", {}).json()["id"]
    for field in ("invoice_settings", "address", "shipping"):
        resp = raw(sandbox, "POST", f"/v1/customers/{cus}", {field: "x"})
        assert resp.status_code == 400, resp.text[:200]
        assert assert_error_shape(resp)["param"] == field
