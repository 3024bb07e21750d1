"""The merchant's shop: what a real shop's backend does around Stripe.

- :mod:`.db`               the orders database (orders, attempts, outbox, fulfilments, refunds,
                           processed webhook events, the webhook log)
- :mod:`.payments`         the payment calls a shop's server makes (create + confirm, refresh,
                           refund, dispute evidence), each recorded as an :class:`.api_calls.ApiCall`
- :mod:`.webhook_handler`  applies a verified event exactly once (fulfilment, receipts)
- :mod:`.webhook_receiver` the shop's small HTTP server: ``POST /webhooks/stripe``, ``/return``, ``/config``
- :mod:`.receipts`         the customer-facing texts the shop writes into its outbox
- :mod:`.runtime`          the shop started once per process, and its registration with the processor

Learn, Build and ``app.py`` use the shop through this face.
"""

from .api_calls import ApiCall
from .db import DuplicateEvent, MerchantDB
from .runtime import WebhookStatus, ensure_webhooks, forget_registrations, get_db, get_webhook_server
from .webhook_receiver import WebhookServer

__all__ = ["ApiCall", "DuplicateEvent", "MerchantDB", "WebhookServer", "WebhookStatus", "ensure_webhooks",
           "forget_registrations", "get_db", "get_webhook_server"]
