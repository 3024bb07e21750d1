"""Webhook deliveries of the events ``Ctx.emit`` (engine.py) records: which endpoints get an event,
signing, retries, the delivery log, and the worker that sends them.

Inner layering: webhooks.py (rules, enqueueing, the log), then worker.py (the sender and its
engine hooks: ``on_event``, ``start_worker``, ``stop_worker``, ``wake``, ``deliver_due``).
"""

from .webhooks import KNOWN_EVENT_TYPES
from .worker import deliver_due

__all__ = ["KNOWN_EVENT_TYPES", "deliver_due"]
