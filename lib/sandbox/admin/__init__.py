"""The sandbox's own endpoints under ``/_sandbox/`` (not Stripe's API), kept apart from the Stripe
resources: health.py (health and counts), webhook_tools.py (delivery log, resend, events by
object, the webhooks page) and challenge_page.py (the 3-D Secure test page). They sit above
resources/ and events/ and use them; nothing below imports them."""
