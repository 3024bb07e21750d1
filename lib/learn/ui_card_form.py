"""The card form component (Streamlit custom component, v1 protocol, served from lib/learn/card_form/).

Why a v1 ``declare_component(path=…)`` and not ``st.components.v2``: a v2 component's HTML/JS is
sent to the browser over the Streamlit websocket and runs in the app's own page, while a v1
component is an iframe whose files are fetched over plain HTTP. The iframe keeps the card fields
out of the app's document (like Stripe Elements), and the test-card numbers (cards.json) never
travel through the websocket — so the e2e test can assert that no card digits ever do.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit.components.v1 as components

from lib.config import Mode
from lib.learn.testcards import ensure_catalog_file

FORM_DIR = Path(__file__).resolve().parent / "card_form"
ensure_catalog_file(FORM_DIR)
_component = components.declare_component("learn_card_form", path=str(FORM_DIR))

SANDBOX, STRIPE_JS, UNAVAILABLE = "sandbox", "stripejs", "unavailable"


def processor_kind(mode: str, publishable_key: str | None) -> str:
    """How the browser reaches the processor: the sandbox's REST endpoint, or Stripe.js Elements."""
    if not publishable_key or not publishable_key.startswith("pk_test_"):
        return UNAVAILABLE
    return STRIPE_JS if mode == Mode.TEST else SANDBOX


def card_form(*, processor: str, api_base: str, config_url: str, fill_key: str | None, fill_nonce: int,
              reset_nonce: int, button_label: str, key: str) -> dict[str, Any] | None:
    """Render the form; returns the last event it sent ({event, id | codes, nonce, …}) or None.

    The form fetches the publishable key from ``config_url`` (the shop's ``GET /config``)."""
    label = "api.stripe.com via Stripe.js" if processor == STRIPE_JS else api_base
    value = _component(processor=processor, api_base=api_base, config_url=config_url, processor_label=label,
                       fill={"key": fill_key, "nonce": fill_nonce} if fill_key else None,
                       reset_nonce=reset_nonce, button_label=button_label, key=key, default=None)
    return value if isinstance(value, dict) else None
