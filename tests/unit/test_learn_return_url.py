"""The Learn page's return_url lesson (lib.learn.return_url): the classic example is the one that
fails on today's Stripe, each way out is one the changelog allows (TEST_MODE.md §2.1), and the
"send it" button reports Stripe's 400. Fakes only: a stand-in SDK client."""

from __future__ import annotations

from types import SimpleNamespace

import stripe

from lib.learn import return_url

# TEST_MODE §2.1, as quoted there.
MESSAGE_START = "A `return_url` must be specified because this Payment Intent is configured to automatically accept"


def _allowed_without_return_url(params: dict) -> bool:
    """The changelog: return_url, or off_session, or allow_redirects=never, or payment_method_types."""
    apm = params.get("automatic_payment_methods") or {}
    return bool(params.get("return_url") or params.get("off_session") or params.get("payment_method_types")
                or apm.get("allow_redirects") == "never")


def test_the_classic_example_is_the_one_that_breaks():
    assert return_url.CLASSIC["confirm"] is True and "payment_method" in return_url.CLASSIC
    assert not _allowed_without_return_url(return_url.CLASSIC)
    text = return_url.code()
    assert "client.v1.payment_intents.create(" in text and '"confirm": True' in text and "return_url" not in text
    assert return_url.RETURN_URL_REQUIRED.startswith(MESSAGE_START)


def test_each_way_out_is_allowed_and_shown_in_its_code():
    assert len(return_url.WAYS_OUT) == 3
    for way in return_url.WAYS_OUT:
        params = {**return_url.CLASSIC, **way.extra}
        assert _allowed_without_return_url(params), way.title
        shown = return_url.code(way.extra)
        assert all(f'"{key}"' in shown for key in way.extra), shown


def _client(create):
    return SimpleNamespace(v1=SimpleNamespace(payment_intents=SimpleNamespace(create=create)))


def test_send_classic_reports_the_400():
    sent = []

    def create(params):
        sent.append(params)
        raise stripe.InvalidRequestError(return_url.RETURN_URL_REQUIRED, None, http_status=400,
                                         headers={"request-id": "req_fake"})

    answer = return_url.send_classic(_client(create))
    assert sent == [return_url.CLASSIC]
    assert (answer.status, answer.message, answer.request_id) == (400, return_url.RETURN_URL_REQUIRED, "req_fake")


def test_send_classic_says_so_when_an_old_api_version_accepts_it():
    pi = SimpleNamespace(id="pi_1", status="succeeded", last_response=None)
    answer = return_url.send_classic(_client(lambda params: pi))
    assert answer.status == 200 and "pi_1 is succeeded" in answer.message and return_url.SINCE in answer.message
