"""The official Node SDK (npm ``stripe``, pinned in tests/contract/node/package.json) against the sandbox.

Each ``tests/contract/node/*.test.js`` file is one pytest test: it runs under ``node --test`` with
SANDBOX_URL pointing at the session sandbox, and passes only if every JS test in it passed (none
failed, skipped or marked todo). The JS failure messages are in the assertion text. A missing
``node`` or ``node_modules`` (``make node-deps`` installs it) fails, it never skips.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import pytest

from lib.stripe_facts.api_version import API_VERSION

NODE_DIR = Path(__file__).resolve().parent / "node"
JS_FILES = sorted(NODE_DIR.glob("*.test.js"))
NODE_KEY = "sk_test_node"
INSTALL_HINT = "install Node.js 20+ and npm (apt-get install nodejs npm), then run `make node-deps`"
PER_TEST_TIMEOUT_MS = 20_000
RUN_TIMEOUT_S = 120


@dataclass(frozen=True)
class JsResult:
    """One JS test as node's junit reporter wrote it."""

    name: str
    outcome: str  # passed | failed | skipped | todo
    detail: str


def node_binary() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail(f"`node` is not on PATH: {INSTALL_HINT}")
    return node


def check_installed_sdk() -> None:
    """node_modules holds exactly the stripe version package.json pins (else `make node-deps`)."""
    pinned = json.loads((NODE_DIR / "package.json").read_text())["dependencies"]["stripe"]
    installed = NODE_DIR / "node_modules" / "stripe" / "package.json"
    if not installed.is_file():
        pytest.fail(f"{installed.parent} is missing: run `make node-deps`")
    version = json.loads(installed.read_text())["version"]
    assert version == pinned, f"node_modules has stripe {version}, package.json pins {pinned}: run `make node-deps`"


def parse_junit(xml_text: str) -> list[JsResult]:
    results = []
    for case in ET.fromstring(xml_text).iter("testcase"):
        failure = case.find("failure")
        skipped = case.find("skipped")
        if failure is not None:
            text = (failure.text or "").strip()
            results.append(JsResult(case.get("name", "?"), "failed", f"{failure.get('message', '')}\n{text}"))
        elif skipped is not None:
            kind = "todo" if skipped.get("type") == "todo" else "skipped"
            results.append(JsResult(case.get("name", "?"), kind, skipped.get("message", "")))
        else:
            results.append(JsResult(case.get("name", "?"), "passed", ""))
    return results


def run_js_file(js_file: Path, sandbox_url: str, junit_path: Path) -> tuple[subprocess.CompletedProcess, str]:
    """``node --test`` on one file: junit to ``junit_path`` (parsed), spec to stdout (shown on failure)."""
    env = {**os.environ, "SANDBOX_URL": sandbox_url, "STRIPE_SECRET_KEY": NODE_KEY,
           "PROJECT_API_VERSION": API_VERSION, "NO_COLOR": "1", "FORCE_COLOR": "0"}
    cmd = [node_binary(), "--test", f"--test-timeout={PER_TEST_TIMEOUT_MS}",
           "--test-reporter=junit", f"--test-reporter-destination={junit_path}",
           "--test-reporter=spec", "--test-reporter-destination=stdout", js_file.name]
    proc = subprocess.run(cmd, cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT_S,
                          check=False)
    xml_text = junit_path.read_text() if junit_path.is_file() else ""
    return proc, xml_text


def test_the_node_suite_is_there() -> None:
    """The parametrized test below would silently vanish if the JS files did."""
    names = {f.name for f in JS_FILES}
    assert {"payment_intents.test.js", "errors.test.js", "refunds.test.js", "lists.test.js",
            "idempotency.test.js", "webhooks.test.js", "payment_methods.test.js", "saved_cards.test.js", "search.test.js",
            "http_rules.test.js"} <= names, names


@pytest.mark.parametrize("js_file", JS_FILES, ids=lambda f: f.name)
def test_node_sdk_file(sandbox, tmp_path: Path, js_file: Path) -> None:
    check_installed_sdk()
    proc, xml_text = run_js_file(js_file, sandbox.url, tmp_path / "junit.xml")
    output = (proc.stdout + proc.stderr)[-6000:]
    assert xml_text, f"node wrote no junit report (exit {proc.returncode}):\n{output}"
    results = parse_junit(xml_text)
    not_passed = [r for r in results if r.outcome != "passed"]
    report = "\n".join(f"  [{r.outcome}] {r.name}: {r.detail.strip().splitlines()[0] if r.detail.strip() else ''}"
                       for r in not_passed)
    assert results, f"{js_file.name} ran no test:\n{output}"
    assert not not_passed, f"{js_file.name}: {len(not_passed)} of {len(results)} JS tests did not pass\n" \
                           f"{report}\n\n--- node output (spec reporter) ---\n{output}"
    assert proc.returncode == 0, f"node exited {proc.returncode} though every test passed:\n{output}"
