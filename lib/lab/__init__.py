"""Logic behind the Build (developer lab) pages: scenario catalog and runner, payments explorer,
events and webhooks, traffic simulator, request log. Nothing here imports Streamlit except the
``ui_*.py`` helper modules."""
