"""The Stripe resources: one module per resource, plus what they share. They never see HTTP: each
endpoint is a function ``(ctx, params, **path args) -> dict`` (app.py routes URLs to them), and
the seeder calls the same functions.

Inner layering, bottom up (a module imports only from the steps below it):

1. listing.py (render, expand, list envelope), ledger.py (balance transactions, running
   balance), three_d_secure.py (when to authenticate, the challenge ``next_action``);
2. payment_methods.py;
3. customers.py (also attaching payment methods), charges.py, tokens.py, and the read-mostly
   balance.py, balance_transactions.py, events.py, early_fraud_warnings.py,
   webhook_endpoints.py (which checks URLs with events/webhooks.py), searching.py (the Search
   API over the search package's index);
4. payment_intents.py, refunds.py;
5. disputes.py.
"""
