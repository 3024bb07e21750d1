"""Where the Stripe reference lives: ``../shared/stripe-reference`` beside the checkout (CI lays a
copy there), else the workplace's own ``/work/shared`` (a clone elsewhere on a developer machine)."""

from __future__ import annotations

import json
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = (PROJECT_ROOT.parent / "shared" / "stripe-reference", Path("/work/shared/stripe-reference"))


def reference_dir() -> Path:
    for path in CANDIDATES:
        if (path / "TEST_MODE.md").exists():
            return path
    raise FileNotFoundError("Stripe reference not found; expected one of: " + ", ".join(map(str, CANDIDATES)))


TEST_MODE_MD = reference_dir() / "TEST_MODE.md"


def fixtures() -> dict:
    """Stripe's published example objects, by resource name."""
    return json.loads((reference_dir() / "fixtures.json").read_text())["resources"]
