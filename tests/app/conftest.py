"""AppTest helpers: run app.py through st.navigation and switch to any registered page."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

PROJECT_ROOT = Path(__file__).resolve().parents[2]
APP_FILE = PROJECT_ROOT / "app.py"
# A bound on one script run, not a speed check: generous, so a busy machine does not fail a test.
RUN_TIMEOUT_S = 60

# (path relative to app.py, page title) for every page in the navigation.
PAGES = [
    ("app_pages/learn_walkthrough.py", "Payment walkthrough"),
    ("app_pages/build_scenarios.py", "Scenario catalog"),
    ("app_pages/build_explorer.py", "Payments explorer"),
    ("app_pages/build_events.py", "Events & webhooks"),
    ("app_pages/build_simulator.py", "Traffic simulator"),
    ("app_pages/build_request_log.py", "Request log"),
    ("app_pages/finance_dashboard.py", "Finance dashboard"),
    ("app_pages/connection.py", "Connection"),
]


def open_page(page_path: str | None = None) -> AppTest:
    """Run the app once (default page), then switch to ``page_path`` and run it."""
    at = AppTest.from_file(str(APP_FILE), default_timeout=RUN_TIMEOUT_S).run()
    if page_path is not None:
        at.switch_page(page_path).run()
    return at


def texts(elements) -> list[str]:
    return [str(element.value) for element in elements]


def rendered_text(at: AppTest) -> str:
    """Everything the run rendered (main + sidebar): every element's full protobuf text,
    which includes markdown bodies, labels, help texts, code, JSON and dataframe bytes."""
    return "\n".join(str(node.proto) for node in at._tree if getattr(node, "proto", None) is not None)


@pytest.fixture
def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
