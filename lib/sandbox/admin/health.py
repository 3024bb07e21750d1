"""Sandbox-only endpoints under /_sandbox/ (not part of Stripe's API): health and object counts."""

from __future__ import annotations

import json

from ..engine import Ctx


def health(ctx: Ctx, params: dict) -> tuple[int, dict, bytes]:
    body = {"ok": True, "data_dir": ctx.engine.data_dir, "async_delay": ctx.engine.async_delay,
            "counts": ctx.store.counts()}
    return 200, {"Content-Type": "application/json"}, json.dumps(body).encode()
