"""The Stripe resources: one module per resource, plus what they share. They never see HTTP: each
endpoint is a function ``(ctx, params, **path args) -> dict`` (app.py routes URLs to them).

Inner layering, bottom up: listing.py (render, expand, list envelope) and ledger.py (balance
transactions and the running balance); then customers' and cards' building blocks
(payment_methods.py, three_d_secure.py, tokens.py, customers.py, charges.py); then
payment_intents.py, balance_transactions.py, refunds.py, disputes.py; the rest (balance,
events, early_fraud_warnings, webhook_endpoints) use only the lower ones.
"""
