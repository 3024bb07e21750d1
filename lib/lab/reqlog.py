"""Request log page logic: filter, summarise and format lib.request_log entries like `stripe logs tail`.

Bodies are stored already masked by lib.request_log (keys redacted, card numbers and CVCs hidden);
nothing here reveals more than that.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qsl

from lib.request_log import RequestLogEntry

STATUS_CLASSES = ("2xx", "4xx", "5xx", "no response")
POLLING_ORIGIN = "auto-refresh"   # requests made by pages refreshing themselves (lib.request_log.origin)


@dataclass(frozen=True)
class LogFilter:
    methods: tuple[str, ...] = ()
    statuses: tuple[str, ...] = ()
    text: str = ""
    origin: str = ""
    idempotent_only: bool = False
    hide_polling: bool = False

    def matches(self, e: RequestLogEntry) -> bool:
        if self.hide_polling and (e.origin or "").startswith(POLLING_ORIGIN):
            return False
        if self.methods and e.method not in self.methods:
            return False
        if self.statuses and status_class(e) not in self.statuses:
            return False
        if self.idempotent_only and not e.idempotency_key:
            return False
        if self.origin and self.origin.lower() not in (e.origin or "").lower():
            return False
        if self.text:
            needle = self.text.lower()
            hay = " ".join(filter(None, (e.path, e.request_id, e.idempotency_key, e.request_body, e.response_body,
                                         e.error))).lower()
            if needle not in hay:
                return False
        return True


def status_class(e: RequestLogEntry) -> str:
    if e.status is None:
        return "no response"
    return f"{e.status // 100}xx"


def select(entries: Iterable[RequestLogEntry], flt: LogFilter, *, newest_first: bool = True,
           limit: int | None = None) -> list[RequestLogEntry]:
    out = [e for e in entries if flt.matches(e)]
    if newest_first:
        out.reverse()
    return out[:limit] if limit else out


def tail_line(e: RequestLogEntry) -> str:
    """One line in the format of `stripe logs tail`: time, [status], method, path, [request id]."""
    status = e.status if e.status is not None else "---"
    extra = []
    if e.idempotency_key:
        extra.append(f"idempotency-key={e.idempotency_key}")
    if e.idempotent_replayed:
        extra.append("replayed")
    if e.attempt > 1:
        extra.append(f"retry #{e.attempt - 1}")
    if e.error:
        extra.append(f"error={e.error}")
    tail = f"  ({', '.join(extra)})" if extra else ""
    req = f" [{e.request_id}]" if e.request_id else ""
    return (f"{e.started_at.strftime('%Y-%m-%d %H:%M:%S')} [{status}] {e.method} {e.path.split('?')[0]}"
            f"{req} {e.latency_ms:.0f}ms{tail}")


def table_row(e: RequestLogEntry) -> dict[str, object]:
    """One compact row of the request table: the query string and bodies are left to the detail view.
    ``status`` is the raw HTTP status (None: no response), shown as a coloured badge; ``note`` says
    what is unusual about the attempt (an idempotent replay, an SDK retry, a network error)."""
    notes = (["replayed"] if e.idempotent_replayed else []) + ([f"retry #{e.attempt - 1}"] if e.attempt > 1 else [])
    if e.error:
        notes.append(e.error)
    return {"#": e.seq, "time": e.started_at.strftime("%H:%M:%S"), "method": e.method, "path": e.path.split("?")[0],
            "status": e.status, "ms": round(e.latency_ms), "request id": e.request_id, "note": ", ".join(notes)}


def pretty_body(text: str) -> tuple[str, str]:
    """(language, text) for display: JSON pretty-printed, form bodies one field per line."""
    if not text:
        return "text", ""
    stripped = text.strip()
    if stripped.startswith(("{", "[")):
        try:
            return "json", json.dumps(json.loads(stripped), indent=2)
        except ValueError:
            return "json", text
    if "=" in stripped and "\n" not in stripped:
        pairs = parse_qsl(stripped, keep_blank_values=True)
        if pairs:
            return "properties", "\n".join(f"{k} = {v}" for k, v in pairs)
    return "text", text


def summary(entries: list[RequestLogEntry]) -> dict[str, object]:
    if not entries:
        return {"requests": 0, "errors": 0, "p50 ms": None, "p95 ms": None}
    latencies = sorted(e.latency_ms for e in entries)
    p95 = latencies[min(len(latencies) - 1, int(round(0.95 * (len(latencies) - 1))))]
    return {"requests": len(entries), "errors": sum(1 for e in entries if not e.ok),
            "p50 ms": round(statistics.median(latencies), 1), "p95 ms": round(p95, 1)}


def origins(entries: Iterable[RequestLogEntry]) -> list[str]:
    """Distinct request origins (scenario runs are collapsed to "scenario")."""
    seen = []
    for e in entries:
        label = (e.origin or "").split(":")[0] or "page"
        if label not in seen:
            seen.append(label)
    return seen
