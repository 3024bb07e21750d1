"""One HTTP request as the sandbox's pipeline sees it, built once from the ASGI scope and body.

Header names are lower-cased and the first occurrence of a repeated header wins (two
``Authorization`` headers: the first is used). uvicorn's parser (lib/http_server.py) has already
checked the framing: the body is complete, decoded from chunks if it came chunked, within limits.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import ParamError
from .formparse import parse_form


@dataclass(slots=True)
class Request:
    method: str
    path: str  # without a trailing slash ("/" stays "/")
    query: str
    headers: dict[str, str]
    body: bytes
    request_id: str

    @classmethod
    def from_scope(cls, scope: dict, body: bytes, request_id: str) -> Request:
        headers: dict[str, str] = {}
        for name, value in scope["headers"]:  # already lower-case (ASGI)
            key = name.decode("latin-1")
            if key not in headers:
                headers[key] = value.decode("latin-1")
        path = scope["raw_path"].decode("latin-1")  # as sent, not percent-decoded (ids are matched as given)
        return cls(scope["method"], path.rstrip("/") or "/", scope["query_string"].decode("latin-1"),
                   headers, body, request_id)

    @property
    def base_url(self) -> str:
        """The sandbox as this client addressed it (links in responses: 3DS pages, request logs)."""
        return f"http://{self.headers.get('host', 'localhost')}"

    def params(self) -> dict:
        """Query string and form body, merged (Stripe takes parameters in either)."""
        params = parse_form(self.query) if self.query else {}
        if self.body:
            if "json" in self.headers.get("content-type", ""):
                raise ParamError("Invalid request: the Stripe API takes form-encoded bodies "
                                 "(Content-Type: application/x-www-form-urlencoded), not JSON.")
            try:
                text = self.body.decode("utf-8")
            except UnicodeDecodeError:
                raise ParamError("Invalid request body: not UTF-8 form data.") from None
            params.update(parse_form(text))
        return params
