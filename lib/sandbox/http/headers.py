"""Request-head parsing for the sandbox's HTTP server, without the email package.

``BaseHTTPRequestHandler.parse_request`` reads headers through ``http.client.parse_headers``,
which hands them to ``email.parser``: about a fifth of the server's CPU per create+confirm
(bench/README.md, "Sandbox (part 1)"). ``read_headers`` does the same job for what HTTP/1.x
clients send — ``Name: value`` lines, obsolete line folding, the same limits (65,536 bytes a
line, 100 headers) — into a case-insensitive mapping whose ``get`` returns the first occurrence,
as ``email.message.Message.get`` does.
"""

from __future__ import annotations

from typing import BinaryIO

MAX_LINE = 65536
MAX_HEADERS = 100


class HeaderError(Exception):
    """A header line too long, or too many headers (the server answers 431)."""


class Headers(dict):
    """Header names lower-cased; values as sent (first occurrence wins)."""

    def get(self, name: str, default: str | None = None) -> str | None:  # type: ignore[override]
        return dict.get(self, name.lower(), default)

    def __getitem__(self, name: str) -> str | None:  # email.message.Message returns None when absent
        return dict.get(self, name.lower())

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and dict.__contains__(self, name.lower())


def read_headers(rfile: BinaryIO) -> Headers:
    """Read header lines up to the blank line that ends the head."""
    headers = Headers()
    last: str | None = None
    count = 0
    while True:
        line = rfile.readline(MAX_LINE + 1)
        if len(line) > MAX_LINE:
            raise HeaderError("Line too long")
        if line in (b"\r\n", b"\n", b""):
            return headers
        count += 1
        if count > MAX_HEADERS:
            raise HeaderError("Too many headers")
        text = line.decode("iso-8859-1").rstrip("\r\n")
        if text[:1] in (" ", "\t"):  # obsolete folding: continues the previous header's value
            if last is not None:
                dict.__setitem__(headers, last, f"{dict.__getitem__(headers, last)} {text.strip()}")
            continue
        name, sep, value = text.partition(":")
        if not sep:
            continue  # not a header line; email.parser would also drop it from the mapping
        key = name.strip().lower()
        if not dict.__contains__(headers, key):
            dict.__setitem__(headers, key, value.strip())
            last = key
        else:
            last = None
