from __future__ import annotations

import threading

import pytest

from lib.request_log import MAX_BODY_CHARS, RequestLog, mask_form_body, now_utc, origin, path_of


def record(log: RequestLog, **overrides):
    fields = dict(started_at=now_utc(), method="GET", path="/v1/balance", status=200, latency_ms=1.5,
                  api_base="http://127.0.0.1:1")
    fields.update(overrides)
    return log.record(**fields)


def test_ring_buffer_keeps_the_newest_entries():
    log = RequestLog(capacity=3)
    for index in range(5):
        record(log, path=f"/v1/x/{index}")
    assert len(log) == 3
    assert [entry.path for entry in log.entries()] == ["/v1/x/2", "/v1/x/3", "/v1/x/4"]
    assert [entry.seq for entry in log.entries()] == [3, 4, 5]
    assert log.latest().path == "/v1/x/4"


def test_entries_since_seq_and_clear():
    log = RequestLog()
    first = record(log)
    record(log, method="POST")
    assert [entry.method for entry in log.entries(since_seq=first.seq)] == ["POST"]
    log.clear()
    assert log.entries() == [] and log.latest() is None
    assert record(log).seq == 3  # sequence numbers keep increasing after a clear


def test_capacity_must_be_positive():
    with pytest.raises(ValueError):
        RequestLog(capacity=0)


def test_concurrent_appends_lose_nothing():
    log = RequestLog(capacity=10_000)

    def worker():
        for _ in range(200):
            record(log)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    seqs = [entry.seq for entry in log.entries()]
    assert len(seqs) == 1600 and len(set(seqs)) == 1600


def test_origin_tags_entries_inside_the_block_only():
    log = RequestLog()
    with origin("simulator"):
        inside = record(log)
    outside = record(log)
    assert inside.origin == "simulator" and outside.origin is None


def test_as_row_and_ok():
    entry = record(RequestLog(), status=402, idempotency_key="ik_1", request_id="req_1")
    row = entry.as_row()
    assert row["status"] == 402 and row["idempotency key"] == "ik_1" and row["request id"] == "req_1"
    assert not entry.ok
    assert record(RequestLog(), status=None, error="refused").as_row()["status"] == "—"


def test_mask_form_body_hides_card_details_and_keys():
    body = ("amount=2000&currency=usd&payment_method_data[card][number]=4242424242424242"
            "&payment_method_data[card][cvc]=123&metadata[note]=sk_test_abcdefghijklmnop1234"
            "&description=Order%20%2342")
    masked = mask_form_body(body)
    assert "4242424242424242" not in masked and "[number]=••••4242" in masked
    assert "cvc]=•••" in masked and "123" not in masked.split("cvc]=")[1][:4]
    assert "sk_test_abcdefghijklmnop1234" not in masked and "sk_test_…1234" in masked
    assert "amount=2000" in masked and "currency=usd" in masked
    assert "description=Order #42" in masked
    assert mask_form_body("note=a%26b%3Dc") == "note=a%26b%3Dc"  # stays unambiguous


def test_mask_form_body_handles_bytes_json_empty_and_long():
    assert mask_form_body(b"amount=5") == "amount=5"
    assert mask_form_body('{"key": "sk_live_abcdefghijklmnop9999"}') == '{"key": "sk_live_…9999"}'
    assert mask_form_body(None) == "" and mask_form_body("") == ""
    long = mask_form_body("description=" + "a" * (MAX_BODY_CHARS + 50))
    assert long.endswith("more characters]") and len(long) < MAX_BODY_CHARS + 60


def test_path_of_strips_host_and_masks_query():
    assert path_of("https://api.stripe.com/v1/charges?limit=3") == "/v1/charges?limit=3"
    assert path_of("http://127.0.0.1:5/v1/x?card[number]=4000000000000002") == "/v1/x?card[number]=••••0002"
    assert path_of("http://127.0.0.1:5") == "/"
