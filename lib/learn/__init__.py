"""The Learn section's logic: the walkthrough's steps, amounts and test-card picker, and the pieces
the page draws (flow diagram, timeline, the response's key fields, code snippets). The shop it
pays at — orders database, payment calls, webhook endpoint — is :mod:`lib.shop`.

Nothing here imports Streamlit except the ``ui_*.py`` modules, which hold the page's widgets.
"""
