"""The 3-D Secure challenge a PaymentIntent in ``requires_action`` points at, and answering the
sandbox's own challenge page (``/_sandbox/3ds/…``, sandbox-only) as the customer would.

Used by the scenario runner and by the traffic simulator's API engine. On real Stripe only a person
can answer the challenge, so nothing here posts anywhere but the sandbox's page.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import requests

SANDBOX_CHALLENGE = "/_sandbox/3ds/"
ANSWER_TIMEOUT_S = 10


def challenge_url(pi: dict) -> str | None:
    """Where the customer answers the 3DS challenge: redirect_to_url.url, or (sandbox-only) the
    challenge URL the sandbox adds to use_stripe_sdk as ``stripe_js``."""
    action = pi.get("next_action") or {}
    if action.get("type") == "redirect_to_url":
        return (action.get("redirect_to_url") or {}).get("url")
    if action.get("type") == "use_stripe_sdk":
        value = (action.get("use_stripe_sdk") or {}).get("stripe_js")
        return value if isinstance(value, str) else None
    return None


def is_sandbox_challenge(url: str | None) -> bool:
    return bool(url) and SANDBOX_CHALLENGE in urlsplit(url).path


def post_answer(url: str, action: str) -> int:
    """POST ``action`` ("complete" / "fail") to the sandbox's challenge page; returns the HTTP status.
    Raises ``requests.RequestException`` when the page cannot be reached."""
    return requests.post(url, data={"action": action}, allow_redirects=False, timeout=ANSWER_TIMEOUT_S).status_code
