"""Every page renders through app.py's navigation, with the sidebar status on each."""

from __future__ import annotations

import ast

import pytest

from lib import ui_pages
from tests.app.conftest import APP_FILE, PAGES, PROJECT_ROOT, RUN_TIMEOUT_S, open_page, texts


@pytest.mark.parametrize(("page_path", "title"), PAGES, ids=[p for p, _ in PAGES])
def test_page_renders_without_exception(page_path, title):
    at = open_page(page_path)
    assert not at.exception, [e.value for e in at.exception]
    assert texts(at.title)[0] == title
    sidebar = " ".join(str(node.value) for node in at.sidebar.children.values())
    assert "Offline sandbox" in sidebar, "sidebar_status must run on every page"


def test_default_page_is_the_walkthrough():
    at = open_page()
    assert not at.exception
    assert texts(at.title) == ["Payment walkthrough"]


def test_navigation_lists_exactly_the_page_files():
    """lib/ui_pages.py and app_pages/ stay in sync: every page file is in the navigation and vice versa."""
    registered = {spec.path for specs in ui_pages.SECTIONS.values() for spec in specs}
    on_disk = {f"app_pages/{path.name}" for path in (PROJECT_ROOT / "app_pages").glob("*.py")}
    assert registered == on_disk == {path for path, _ in PAGES}


def test_no_page_path_is_written_as_a_string_outside_the_page_table():
    """Links reuse the st.Page objects of lib/ui_pages.py; a path typed anywhere else would rot."""
    offenders = []
    for path in [APP_FILE, *(PROJECT_ROOT / "lib").rglob("*.py"), *(PROJECT_ROOT / "app_pages").glob("*.py")]:
        if path.name == "ui_pages.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "app_pages/" in node.value \
                    and node.value.rstrip().endswith(".py"):
                offenders.append(f"{path.relative_to(PROJECT_ROOT)}: {node.value}")
    assert offenders == []


def test_there_is_no_pages_directory():
    """A folder named pages/ next to app.py switches Streamlit into its legacy multipage mode on the
    first run of a process (deep links then bypass app.py and st.navigation). Keep pages in app_pages/."""
    assert not (PROJECT_ROOT / "pages").exists()



def test_app_start_starts_the_shop_and_registers_its_endpoint_whatever_the_first_page():
    """app.py starts the shop once, before any page: a first visit to the Connection page already has
    the shop's webhook endpoint registered with the sandbox, so fulfilment never waits for Learn."""
    from streamlit.testing.v1 import AppTest

    from lib import shop, ui

    shop.forget_registrations()
    at = AppTest.from_file(str(APP_FILE), default_timeout=RUN_TIMEOUT_S)
    at.switch_page("app_pages/connection.py").run()  # the first and only run: Learn never renders
    assert not at.exception and at.title[0].value == "Connection"
    conn = ui.get_connection()
    endpoints = conn.client.v1.webhook_endpoints.list(params={"limit": 100}).data
    assert shop.get_webhook_server().url in {e.url for e in endpoints}
