"""The app's pages, defined once. ``app.py`` builds ``st.navigation`` from :data:`SECTIONS`, and
every link in the app reuses the same ``st.Page`` objects through :func:`page` (no page paths as
strings anywhere else).

``st.Page`` needs a running script to resolve its file, so each object is made on first use in a
run and then kept for the life of the process (one per main-script folder, so AppTest runs of
another entry file get their own).
"""

from __future__ import annotations

from dataclasses import dataclass

import streamlit as st
from streamlit.navigation.page import StreamlitPage


@dataclass(frozen=True)
class PageSpec:
    path: str
    title: str
    icon: str
    default: bool = False

    @property
    def url_path(self) -> str:
        """The page's URL path, as Streamlit derives it from the file name (``/build_explorer``)."""
        return "/" + self.path.rsplit("/", 1)[-1].removesuffix(".py")


LEARN_WALKTHROUGH = PageSpec("app_pages/learn_walkthrough.py", "Payment walkthrough", ":material/school:", default=True)
SCENARIOS = PageSpec("app_pages/build_scenarios.py", "Scenario catalog", ":material/extension:")
EXPLORER = PageSpec("app_pages/build_explorer.py", "Payments explorer", ":material/travel_explore:")
EVENTS = PageSpec("app_pages/build_events.py", "Events & webhooks", ":material/webhook:")
SIMULATOR = PageSpec("app_pages/build_simulator.py", "Traffic simulator", ":material/traffic:")
REQUEST_LOG = PageSpec("app_pages/build_request_log.py", "Request log", ":material/receipt_long:")
FINANCE = PageSpec("app_pages/finance_dashboard.py", "Finance dashboard", ":material/monitoring:")
CONNECTION = PageSpec("app_pages/connection.py", "Connection", ":material/power:")

SECTIONS: dict[str, tuple[PageSpec, ...]] = {
    "Learn": (LEARN_WALKTHROUGH,),
    "Build": (SCENARIOS, EXPLORER, EVENTS, SIMULATOR, REQUEST_LOG),
    "Finance": (FINANCE,),
    "Setup": (CONNECTION,),
}

_made: dict[tuple[str, PageSpec], StreamlitPage] = {}


def page(spec: PageSpec) -> StreamlitPage:
    """The one ``st.Page`` object for ``spec`` (made on first use, then reused for nav and links)."""
    from streamlit.runtime.scriptrunner_utils.script_run_context import get_script_run_ctx

    ctx = get_script_run_ctx()
    root = str(ctx.pages_manager.main_script_parent) if ctx else ""
    key = (root, spec)
    if key not in _made:
        _made[key] = st.Page(spec.path, title=spec.title, icon=spec.icon, default=spec.default)
    return _made[key]


def navigation() -> dict[str, list[StreamlitPage]]:
    """The sections for ``st.navigation``."""
    return {section: [page(spec) for spec in specs] for section, specs in SECTIONS.items()}


def explorer_url(pi_id: str) -> str:
    """A deep link to one PaymentIntent in the explorer (for link columns in tables)."""
    return f"{EXPLORER.url_path}?pi={pi_id}"
