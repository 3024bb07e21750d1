"""Logic behind the Build (developer lab) pages. Nothing here imports Streamlit except the
``ui_*.py`` helper modules.

- :mod:`.scenarios`   the scenario catalog (subpackage: model <- data by topic <- catalog)
- :mod:`.runner`      runs scenarios and compares (subpackage: state <- ops, facts, checks <- run)
- :mod:`.challenge`   the 3-D Secure challenge URL, answering the sandbox's challenge page
- :mod:`.eventlog`    reading events and which object they belong to
- :mod:`.explorer`, :mod:`.payment_detail`   the Payments explorer: list, one payment in depth
- :mod:`.webhooks`    the Events & webhooks page: deliveries, resend, signature demos
- :mod:`.simulator`, :mod:`.sim_api`   the traffic simulator: mix and plans, sandbox seeder; API engine
- :mod:`.ratelimit`   a token bucket below Stripe's test-mode rate limit
- :mod:`.reqlog`      the Request log page's filters and formatting
- ``ui_common``, ``ui_scenarios``, ``ui_explorer``, ``ui_events``   the pages' Streamlit helpers
"""
