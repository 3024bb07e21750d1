"""The Stripe API version this project pins (the one stripe-python 16.1.0 is generated for).

The gateway sends it on every request; the sandbox answers in it and renders events at it.
"""

from typing import Final

API_VERSION: Final = "2026-10-28.endive"
