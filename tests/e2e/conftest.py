"""Browser tests: a real `streamlit run app.py` server driven by Playwright + Debian's Chromium.

The server runs with no STRIPE_* settings (offline sandbox mode), an empty secrets file and a temp
sandbox data dir. The browser is started once per session; each test gets a fresh page.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from lib.config import ENV_SANDBOX_DATA_DIR, ENV_SECRETS_FILE, SETTING_NAMES

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = PROJECT_ROOT / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SERVER_START_TIMEOUT_S = 60
PAGE_TIMEOUT_MS = 20_000


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"streamlit exited with code {process.returncode}:\n{log_path.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    pytest.fail(f"streamlit did not become healthy in {SERVER_START_TIMEOUT_S}s:\n{log_path.read_text()[-3000:]}")


@contextlib.contextmanager
def streamlit_server(workdir: Path, extra_env: dict[str, str] | None = None, *,
                     root: Path = PROJECT_ROOT) -> Iterator[str]:
    """Run `streamlit run app.py` with no STRIPE_* settings (plus ``extra_env``); yield its URL.
    ``root`` is the checkout to run (bench/bench_pages.py compares one with another)."""
    secrets = workdir / "secrets.toml"
    secrets.write_text("")
    env = {name: value for name, value in os.environ.items() if name not in SETTING_NAMES}
    env.update({ENV_SECRETS_FILE: str(secrets), ENV_SANDBOX_DATA_DIR: str(workdir / "sandbox"),
                "MERCHANT_DB_URL": f"sqlite:///{workdir / 'merchant.sqlite3'}",
                "STREAMLIT_BROWSER_GATHER_USAGE_STATS": "false", **(extra_env or {})})
    port = free_port()
    log_path = workdir / "streamlit.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
             "--server.port", str(port), "--server.address", "127.0.0.1",
             "--server.fileWatcherType", "none"],
            cwd=root, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process, log_path)
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)  # our own process group (start_new_session=True)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)


@pytest.fixture(scope="session")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The app in its default mode (offline sandbox), shared by the session."""
    with streamlit_server(tmp_path_factory.mktemp("e2e")) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does it as root).")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


# The two window sizes every audience's main path is walked at (issue: readable at 1280 and 1920 px).
VIEWPORTS = {"1280": {"width": 1280, "height": 800}, "1920": {"width": 1920, "height": 1080}}


def _new_page(browser: Browser, viewport: dict[str, int]) -> Iterator[Page]:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    yield context.new_page()
    context.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh page at 1280 x 800 (the smaller of the two sizes)."""
    yield from _new_page(browser, VIEWPORTS["1280"])


@pytest.fixture(params=list(VIEWPORTS))
def page_at_each_size(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """A fresh page at each of the two window sizes a person is likely to use (the test runs at both):
    the audiences' main paths (test_learn, test_build, test_finance) walk with it."""
    yield from _new_page(browser, VIEWPORTS[request.param])


def wait_for_page(page: Page, title: str) -> None:
    """Wait until the page's h1 shows ``title`` and the script run has finished."""
    expect(page.locator("h1").first).to_have_text(title)
    expect(page.get_by_test_id("stStatusWidget")).to_have_count(0)
    expect(page.locator("[data-stale='true']")).to_have_count(0)


def assert_no_exception(page: Page) -> None:
    """Fail if Streamlit rendered an exception box (an uncaught error with a traceback)."""
    boxes = page.get_by_test_id("stException")
    if boxes.count():
        pytest.fail(f"exception on {page.url}:\n{boxes.first.inner_text()[:2000]}")


def save_screenshot(page: Page, name: str) -> Path:
    """Save a full-page screenshot to screenshots/<name>.png (git-ignored test output)."""
    # Code blocks are highlighted by a lazily loaded chunk; wait until they show text, and for fonts.
    page.wait_for_function("""() => [...document.querySelectorAll('[data-testid="stCode"]')]
        .every(block => (block.querySelector('code')?.textContent || '').trim().length > 0)""")
    page.evaluate("document.fonts.ready.then(() => new Promise(r => requestAnimationFrame(() => r())))")
    SCREENSHOT_DIR.mkdir(exist_ok=True)
    path = SCREENSHOT_DIR / f"{re.sub(r'[^A-Za-z0-9_-]+', '_', name)}.png"
    page.screenshot(path=str(path), full_page=True)
    return path
