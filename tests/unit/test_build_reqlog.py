"""Request log page logic: filters, the `stripe logs tail` line, bodies, summary."""

from __future__ import annotations

from datetime import UTC, datetime

from lib.lab import reqlog
from lib.request_log import RequestLog


def _log() -> RequestLog:
    log = RequestLog()
    at = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    log.record(started_at=at, method="POST", path="/v1/payment_intents", status=402, latency_ms=12.3,
               api_base="http://x", request_body="amount=2000&payment_method=pm_card_visa_chargeDeclined",
               response_body='{"error": {"code": "card_declined"}}', idempotency_key="k-1", request_id="req_1",
               origin="scenario:decline:abc")
    log.record(started_at=at, method="GET", path="/v1/events?limit=100", status=200, latency_ms=3.0, api_base="http://x",
               response_body='{"object": "list"}', request_id="req_2")
    log.record(started_at=at, method="POST", path="/v1/payment_intents", status=200, latency_ms=5.0,
               api_base="http://x", idempotency_key="k-1", idempotent_replayed=True, attempt=2, request_id="req_3")
    log.record(started_at=at, method="GET", path="/v1/balance", status=None, latency_ms=3000.0, api_base="http://x",
               error="timed out")
    return log


def test_filters():
    entries = _log().entries()
    assert [e.seq for e in reqlog.select(entries, reqlog.LogFilter())] == [4, 3, 2, 1]
    assert [e.seq for e in reqlog.select(entries, reqlog.LogFilter(methods=("GET",)))] == [4, 2]
    assert [e.seq for e in reqlog.select(entries, reqlog.LogFilter(statuses=("4xx", "no response")))] == [4, 1]
    assert [e.seq for e in reqlog.select(entries, reqlog.LogFilter(text="card_declined"))] == [1]
    assert [e.seq for e in reqlog.select(entries, reqlog.LogFilter(origin="scenario"))] == [1]
    assert [e.seq for e in reqlog.select(entries, reqlog.LogFilter(idempotent_only=True))] == [3, 1]
    assert reqlog.select(entries, reqlog.LogFilter(), newest_first=False, limit=2)[0].seq == 1
    assert reqlog.origins(entries) == ["scenario", "page"]


def test_tail_line_like_stripe_logs_tail():
    first, _, replay, timeout = _log().entries()
    assert reqlog.tail_line(first) == ("2026-01-02 03:04:05 [402] POST /v1/payment_intents [req_1] 12ms  "
                                       "(idempotency-key=k-1)")
    assert reqlog.tail_line(replay).endswith("(idempotency-key=k-1, replayed, retry #1)")
    assert "[---] GET /v1/balance" in reqlog.tail_line(timeout) and "error=timed out" in reqlog.tail_line(timeout)


def test_pretty_body():
    assert reqlog.pretty_body('{"a": 1}') == ("json", '{\n  "a": 1\n}')
    assert reqlog.pretty_body("amount=2000&currency=usd") == ("properties", "amount = 2000\ncurrency = usd")
    assert reqlog.pretty_body("") == ("text", "")
    assert reqlog.pretty_body("{broken") == ("json", "{broken")


def test_summary():
    stats = reqlog.summary(_log().entries())
    assert stats == {"requests": 4, "errors": 2, "p50 ms": 8.7, "p95 ms": 3000.0}
    assert reqlog.summary([])["requests"] == 0


def test_table_rows_are_compact_and_keep_the_raw_status():
    first, _, replay, timeout = _log().entries()
    assert reqlog.table_row(first) == {"#": 1, "time": "03:04:05", "method": "POST", "path": "/v1/payment_intents",
                                       "status": 402, "ms": 12, "request id": "req_1", "note": ""}
    assert reqlog.table_row(replay)["note"] == "replayed, retry #1"
    assert reqlog.table_row(timeout)["status"] is None and reqlog.table_row(timeout)["note"] == "timed out"
    assert reqlog.table_row(_log().entries()[1])["path"] == "/v1/events"  # the query string is in the detail
