"""The Learn section's logic: the merchant's database, its webhook endpoint, the payment calls
the walkthrough makes, and the pieces the page draws (flow diagram, timeline, code snippets).

Nothing here imports Streamlit except the ``ui_*.py`` modules, which hold the page's widgets.
"""
