"""Stripe facts: pure data and functions, no I/O and no Streamlit.

Everyone who needs to know how Stripe behaves reads it here — the sandbox (to behave so), the
Learn and Build sections (to explain it) and Finance (to format money):

- :mod:`.lifecycle`  the PaymentIntent lifecycle as data: states, transitions, events, explanations
- :mod:`.setup_lifecycle` the SetupIntent lifecycle in the same style (saving a card)
- :mod:`.automatic_payment_methods` the 2023-08-16 default and Stripe's return_url 400
- :mod:`.labels`     readable labels for Stripe's enums (dispute and refund statuses and reasons …)
- :mod:`.cards`      the test cards of TEST_MODE.md §1 and what each one does
- :mod:`.currencies` minor units, minimums, exchange rates and THE amount formatter
- :mod:`.fees`       US standard pricing and the fee lines of a balance transaction
- :mod:`.api_version` the API version the app pins and the sandbox speaks
"""
