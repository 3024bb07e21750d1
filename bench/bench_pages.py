"""Time to settled for every page, in Chromium at 1280×800 against a warm `streamlit run app.py`.

    .venv/bin/python bench/bench_pages.py [--rounds 5] [--pages walkthrough,scenario] [--baseline DIR]
                                          [--apptest-rounds 3] [--profile] [--no-apptest] [--no-empty] [--trace]

Starts the app the way the e2e tests do (tests/e2e/conftest.py ``streamlit_server``: no STRIPE_*
settings, so the offline sandbox; temp secrets, sandbox and merchant paths; headless; no file
watcher), opens Debian's Chromium through Playwright, opens every page once (the warm-up), then
for each page of ``lib/ui_pages.SECTIONS`` — plus a deep link ``/build_explorer?pi=…`` to a
PaymentIntent created through the sandbox's API — measures ``--rounds`` page loads, each in a new
tab of one browser context (its HTTP cache warm, like a returning visitor's).

**Time to settled** runs from ``page.goto(url)`` until, all at once: the page's h1 shows its title;
Streamlit's status widget is gone; no ``[data-stale="true"]`` element remains; the script run has
finished (``script_finished`` came over the websocket: the status widget shows only after a delay,
so a page can look done while its script still runs); on Learn, the card form iframe has rendered
its card-number input (the learner can type); on the deep link, the PaymentIntent's id is shown.

Where the time goes, per load, from the websocket frames as the network saw them (CDP timestamps,
not when the busy page got to them): *boot* = navigation → first message from the server (HTML, JS
bundle, websocket), *server* = the script runs (``new_session`` → ``script_finished``), *after* =
last ``script_finished`` → settled (the browser's own work). Then main-thread long tasks, CDP's
JavaScript and layout durations, and the CPU the streamlit process and Chromium spent (from
/proc). Each round also loads an empty Streamlit page (title only; ``--no-empty`` skips it): on a
shared, loaded machine the ratio to it is steadier than seconds. ``--baseline DIR`` serves
another checkout (e.g. ``git archive`` of an older commit) side by side, its loads alternating with
this one's. Unless ``--no-apptest``, each page's script run alone with ``streamlit.testing``'s
AppTest in this process (a fresh session per run, like a page load; ``--profile`` adds a cProfile).
Always exits 0: a benchmark, not a test.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import cProfile
import io
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from lib.config import ENV_SANDBOX_DATA_DIR, ENV_SECRETS_FILE, SANDBOX_SECRET_KEY, SETTING_NAMES  # noqa: E402
from lib.ui_pages import EXPLORER, LEARN_WALKTHROUGH, SECTIONS  # noqa: E402
from tests.e2e.conftest import CHROMIUM, CHROMIUM_ARGS, streamlit_server  # noqa: E402

GOAL_S = 1.5
VIEWPORT = {"width": 1280, "height": 800}
SETTLE_TIMEOUT_MS = 30_000
QUIET_AFTER_MS = 400  # after settling, watch this long for a late rerun (not counted in the time)

# Long tasks (≥ 50 ms) on the page's main thread, from the start of the navigation.
LONG_TASKS = """(() => {
  window.__benchLongTasks = [];
  try {
    new PerformanceObserver((list) => list.getEntries().forEach((e) => window.__benchLongTasks.push([e.startTime, e.duration])))
      .observe({type: "longtask", buffered: true});
  } catch (e) {}
})();"""

# True (as performance.now()) once the page shows its title and Streamlit says it is done.
SETTLED = """([title, cardForm, mustShow]) => {
  const h1 = document.querySelector("h1");
  if (!h1 || h1.innerText.trim() !== title) return false;
  if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
  if (document.querySelector('[data-stale="true"]')) return false;
  if (mustShow && !(document.querySelector('[data-testid="stMain"]')?.innerText || "").includes(mustShow)) return false;
  if (cardForm) {
    const frame = document.querySelector('iframe[title*="learn_card_form"]');
    const doc = frame && frame.contentDocument;
    if (!doc || !doc.body || doc.body.dataset.ready !== "1") return false;
    const input = doc.getElementById("card-number");
    if (!input || input.getBoundingClientRect().height === 0 || frame.getBoundingClientRect().height < 100) return false;
  }
  return performance.now();
}"""

# The card form iframe's own timings (same origin): when its document and script arrived.
FRAME_TIMES = """() => {
  const frame = document.querySelector('iframe[title*="learn_card_form"]');
  if (!frame || !frame.contentWindow) return null;
  const offset = frame.contentWindow.performance.timeOrigin - performance.timeOrigin;
  const nav = frame.contentWindow.performance.getEntriesByType("navigation")[0];
  return {created: offset, html_end: nav ? offset + nav.responseEnd : null,
          loaded: nav ? offset + nav.loadEventEnd : null};
}"""


@dataclass(frozen=True)
class Target:
    name: str
    url: str           # path and query
    title: str         # the h1
    page_file: str     # for AppTest
    card_form: bool = False
    must_show: str | None = None
    query: tuple[tuple[str, str], ...] = ()


@dataclass
class Load:
    """One measured page load (times in ms from the start of the navigation unless named _s)."""

    wall_s: float
    boot_ms: float        # first websocket message from the server
    script_ms: float      # the server's script runs: new_session → script_finished, as frames arrived
    after_ms: float       # last script_finished → settled: the browser's own work
    long_tasks_ms: float  # main-thread tasks ≥ 50 ms before settling, summed
    script_js_ms: float   # main-thread JavaScript until settled (CDP Performance.ScriptDuration)
    layout_ms: float      # layout + style recalculation until settled
    server_cpu_ms: float  # CPU the streamlit process spent from goto to settled (10 ms ticks)
    browser_cpu_ms: float  # CPU Chromium's processes spent from goto to settled
    runs: int
    late_runs: int
    msgs_in: int
    bytes_in: int
    back_msgs: int
    frame: dict | None = None


@dataclass
class Row:
    target: Target
    loads: list[Load] = field(default_factory=list)
    apptest_ms: list[float] = field(default_factory=list)
    empty_s: list[float] = field(default_factory=list)  # the empty page, loaded in the same rounds
    load_average: str = ""


def targets(pi_id: str | None) -> list[Target]:
    out = [Target(spec.title, "/" if spec.default else spec.url_path, spec.title, spec.path, card_form=spec is LEARN_WALKTHROUGH)
           for specs in SECTIONS.values() for spec in specs]
    if pi_id:
        out.append(Target(f"{EXPLORER.title} ?pi=", f"{EXPLORER.url_path}?pi={pi_id}", EXPLORER.title, EXPLORER.path,
                          must_show=pi_id, query=(("pi", pi_id),)))
    return out


def chosen(all_targets: list[Target], pages: str | None) -> list[Target]:
    if not pages:
        return all_targets
    words = [w.strip().lower() for w in pages.split(",") if w.strip()]
    return [t for t in all_targets if any(w in f"{t.name} {t.url} {t.page_file}".lower() for w in words)]


# --- one page load in Chromium ------------------------------------------------------------------

def message_kind(direction: str, raw: bytes) -> str:
    """The ForwardMsg/BackMsg type of a websocket frame (deltas: ``delta:new_element:markdown``)."""
    msg = ForwardMsg() if direction == "in" else BackMsg()
    try:
        msg.ParseFromString(raw)
    except Exception:
        return "?"
    kind = msg.WhichOneof("type") or "?"
    if kind == "delta":
        what = msg.delta.WhichOneof("type") or ""
        inner = getattr(msg.delta, what, None) if what in ("new_element", "add_block") else None
        kind = f"delta:{what}:{inner.WhichOneof('type') if inner is not None else ''}"
    return kind


class FrameRecorder:
    """Websocket frames as the network saw them (CDP timestamps, not when the busy page got to
    them), mapped onto the page's clock (ms since its navigation started)."""

    def __init__(self, page: Page) -> None:
        self.cdp = page.context.new_cdp_session(page)
        self.raw: list[tuple[float, str, str, int]] = []  # (monotonic s, direction, kind, bytes)
        self.doc: tuple[float, float] | None = None  # (monotonic s, wall s) of the document request
        self.cdp.on("Network.webSocketFrameReceived", lambda e: self._frame(e, "in"))
        self.cdp.on("Network.webSocketFrameSent", lambda e: self._frame(e, "out"))
        self.cdp.on("Network.requestWillBeSent", self._request)
        self.cdp.send("Network.enable")
        self.cdp.send("Performance.enable")

    def _frame(self, event: dict, direction: str) -> None:
        response = event["response"]
        raw = base64.b64decode(response.get("payloadData", "")) if response.get("opcode") == 2 else b""
        self.raw.append((event["timestamp"], direction, message_kind(direction, raw) if raw else "text", len(raw)))

    def _request(self, event: dict) -> None:
        if self.doc is None and event.get("type") == "Document":
            self.doc = (event["timestamp"], event["wallTime"])

    def running(self) -> bool:
        """Whether a script run has started and not finished yet."""
        open_run = False
        for _, direction, kind, _ in self.raw:
            if direction == "in" and kind == "new_session":
                open_run = True
            elif direction == "in" and kind == "script_finished":
                open_run = False
        return open_run

    def frames(self, time_origin_ms: float) -> list[tuple[float, str, str, int]]:
        """(page ms, "in"/"out", message type, bytes) for each frame."""
        def page_ms(ts: float) -> float:
            return (self.doc[1] + ts - self.doc[0]) * 1000 - time_origin_ms if self.doc else float("nan")
        return [(page_ms(ts), direction, kind, size) for ts, direction, kind, size in self.raw]

    def metrics(self) -> dict[str, float]:
        return {m["name"]: m["value"] for m in self.cdp.send("Performance.getMetrics")["metrics"]}


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_by_process() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of each live descendant of this process, with its kind:
    ``server`` (the streamlit run), ``browser`` (Chromium's processes) or ``other``."""
    children: dict[int, list[int]] = {}
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent, cpu = int(fields[1]), (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
        stats[int(entry)] = (parent, cpu)
        children.setdefault(parent, []).append(int(entry))
    out: dict[int, tuple[str, float]] = {}
    todo = list(children.get(os.getpid(), []))
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        kind = "server" if "streamlit run" in cmd else "browser" if "chromium" in cmd else "other"
        out[pid] = (kind, stats[pid][1])
    return out


def cpu_spent(before: dict[int, tuple[str, float]], after: dict[int, tuple[str, float]]) -> dict[str, float]:
    """CPU ms by kind between two snapshots (processes started in between count in full)."""
    spent: dict[str, float] = {}
    for pid, (kind, cpu) in after.items():
        spent[kind] = spent.get(kind, 0.0) + (cpu - before.get(pid, (kind, 0.0))[1]) * 1000
    return spent


def load_once(context: BrowserContext, base_url: str, target: Target, trace: bool = False) -> Load:
    page = context.new_page()
    try:
        recorder = FrameRecorder(page)
        cpu_before = cpu_by_process()
        started = time.perf_counter()
        page.goto(base_url + target.url, wait_until="commit")
        handle = page.wait_for_function(SETTLED, arg=[target.title, target.card_form, target.must_show],
                                        polling="raf", timeout=SETTLE_TIMEOUT_MS)
        wall = time.perf_counter() - started
        dom_t = float(handle.json_value())
        deadline = time.monotonic() + SETTLE_TIMEOUT_MS / 1000
        while recorder.running() and time.monotonic() < deadline:  # the page can look done before its script is
            page.wait_for_timeout(10)
        cpu = cpu_spent(cpu_before, cpu_by_process())
        metrics = recorder.metrics()
        page.wait_for_timeout(QUIET_AFTER_MS)
        frames = recorder.frames(page.evaluate("performance.timeOrigin"))
        long_tasks = page.evaluate("window.__benchLongTasks || []")
        frame_times = page.evaluate(FRAME_TIMES) if target.card_form else None
    finally:
        page.close()
    if trace:
        print(f"    trace {target.name}: DOM settled at {dom_t:.0f} ms; long tasks "
              + " ".join(f"{s:.0f}+{d:.0f}" for s, d in long_tasks) + (f"; card iframe {frame_times}" if frame_times else ""))
        for t, direction, kind, size in frames:
            print(f"      {t:7.0f} {direction:3} {kind} {size}")
    ins = [f for f in frames if f[1] == "in"]
    runs = []  # [start, end] of each script run
    for t, _, kind, _ in ins:
        if kind == "new_session":
            runs.append([t, None])
        elif kind == "script_finished" and runs and runs[-1][1] is None:
            runs[-1][1] = t
    # The page can look done before its script is: then it settles when the started run finishes.
    settled_t = dom_t
    for start, end in runs:
        if start <= dom_t and end is not None:
            settled_t = max(settled_t, end)
    counted = [(s, e) for s, e in runs if s <= settled_t and e is not None]
    last_end = max((e for _, e in counted), default=settled_t)
    return Load(wall_s=wall + (settled_t - dom_t) / 1000, boot_ms=ins[0][0] if ins else float("nan"),
                script_ms=sum(e - s for s, e in counted), after_ms=settled_t - last_end,
                long_tasks_ms=sum(d for s, d in long_tasks if s < settled_t),
                script_js_ms=metrics.get("ScriptDuration", 0) * 1000,
                layout_ms=(metrics.get("LayoutDuration", 0) + metrics.get("RecalcStyleDuration", 0)) * 1000,
                server_cpu_ms=cpu.get("server", 0.0), browser_cpu_ms=cpu.get("browser", 0.0),
                runs=len(counted), late_runs=sum(1 for s, _ in runs if s > settled_t),
                msgs_in=sum(1 for f in ins if f[0] <= settled_t), bytes_in=sum(f[3] for f in ins if f[0] <= settled_t),
                back_msgs=sum(1 for f in frames if f[1] == "out" and f[2] == "rerun_script"), frame=frame_times)


def sandbox_url(context: BrowserContext, base_url: str) -> str | None:
    """The embedded sandbox's address, as the Learn page's header names it."""
    page = context.new_page()
    try:
        page.goto(base_url + LEARN_WALKTHROUGH.url_path)
        caption = page.get_by_text(re.compile("offline sandbox at")).first
        caption.wait_for(timeout=SETTLE_TIMEOUT_MS)
        match = re.search(r"offline sandbox at\s+(http://[\w.:-]+)", caption.inner_text())
        return match.group(1) if match else None
    finally:
        page.close()


def create_payment(api_base: str) -> str:
    """A real succeeded PaymentIntent on the app's sandbox, through the SDK."""
    import stripe

    client = stripe.StripeClient(SANDBOX_SECRET_KEY, base_addresses={"api": api_base})
    pi = client.v1.payment_intents.create(params={"amount": 2500, "currency": "usd", "payment_method": "pm_card_visa",
                                                  "confirm": True, "automatic_payment_methods": {
                                                      "enabled": True, "allow_redirects": "never"}})
    return pi.id


# --- server-side script time (AppTest in this process) ------------------------------------------

@contextlib.contextmanager
def app_environment(workdir: Path) -> Iterator[None]:
    """The same settings as the server, in this process (its own sandbox and shop database)."""
    saved = dict(os.environ)
    secrets = workdir / "secrets.toml"
    secrets.write_text("")
    for name in SETTING_NAMES:
        os.environ.pop(name, None)
    os.environ.update({ENV_SECRETS_FILE: str(secrets), ENV_SANDBOX_DATA_DIR: str(workdir / "sandbox"),
                       "MERCHANT_DB_URL": f"sqlite:///{workdir / 'merchant.sqlite3'}"})
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def profiling_script_threads(profiler: cProfile.Profile | None) -> Iterator[None]:
    """AppTest runs the script in its own thread: profile that thread's runs."""
    if profiler is None:
        yield
        return
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    original = LocalScriptRunner._run_script_thread

    def profiled(self: LocalScriptRunner) -> None:
        profiler.enable()
        try:
            original(self)
        finally:
            profiler.disable()

    LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
    try:
        yield
    finally:
        LocalScriptRunner._run_script_thread = original  # type: ignore[method-assign]


def apptest_times(rows: list[Row], rounds: int, profile: bool) -> dict[str, str]:
    """Each page's first run in a fresh AppTest session, ``rounds`` times (after one warm-up run)."""
    from streamlit.testing.v1 import AppTest

    from lib import gateway

    def session(target: Target, pi_id: str | None) -> AppTest:
        at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
        at.switch_page(target.page_file)
        for name, value in target.query:
            at.query_params[name] = pi_id if name == "pi" and pi_id else value
        return at

    reports: dict[str, str] = {}
    with tempfile.TemporaryDirectory(prefix="bench-pages-apptest-") as tmp, app_environment(Path(tmp)):
        AppTest.from_file(str(ROOT / "app.py"), default_timeout=60).run()  # starts the sandbox and the shop
        handle = gateway.sandbox_running()
        pi_id = create_payment(handle.url) if handle else None
        for row in rows:
            session(row.target, pi_id).run()  # warm-up (module imports, caches)
            profiler = cProfile.Profile() if profile else None
            with profiling_script_threads(profiler):
                for _ in range(rounds):
                    at = session(row.target, pi_id)
                    t0 = time.perf_counter()
                    at.run()
                    row.apptest_ms.append((time.perf_counter() - t0) * 1000)
                    if at.exception:
                        print(f"  ! {row.target.name}: exception in AppTest: {at.exception[0].value}", file=sys.stderr)
            if profiler is not None:
                out = io.StringIO()
                pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(35)
                reports[row.target.name] = out.getvalue()
    return reports


# --- report ---------------------------------------------------------------------------------------

def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "?"


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def print_table(rows: list[Row]) -> None:
    print(f"\n{'page':<26} {'median':>6} {'min':>5} {'max':>5} {'n':>2} {'/1.5s':>6} | {'boot':>5} {'server':>6} "
          f"{'after':>5} | {'long':>5} {'js':>5} {'layout':>6} | {'srvCPU':>6} {'brCPU':>6} | {'apptest':>7} | runs msgs   KB"
          f" | {'empty':>5} {'/empty':>6} | load average  notes")
    for row in rows:
        loads = row.loads
        if not loads:
            continue
        walls = [x.wall_s for x in loads]
        med = median(walls)
        notes = []
        late = sum(x.late_runs for x in loads)
        if late:
            notes.append(f"{late} run(s) started after settling")
        backs = median([x.back_msgs for x in loads])
        if backs > 1:
            notes.append(f"{backs:g} rerun requests from the browser")
        frames = [x.frame for x in loads if x.frame and x.frame.get("loaded")]
        if frames:
            notes.append(f"card iframe created at {median([f['created'] for f in frames]):.0f} ms, "
                         f"loaded at {median([f['loaded'] for f in frames]):.0f} ms")

        def mid(name: str, loads: list[Load] = loads) -> float:
            return median([getattr(x, name) for x in loads])

        print(f"{row.target.name:<26} {med:6.2f} {min(walls):5.2f} {max(walls):5.2f} {len(walls):>2} "
              f"{med / GOAL_S:5.2f}x | {mid('boot_ms'):5.0f} {mid('script_ms'):6.0f} {mid('after_ms'):5.0f} | "
              f"{mid('long_tasks_ms'):5.0f} {mid('script_js_ms'):5.0f} {mid('layout_ms'):6.0f} | "
              f"{mid('server_cpu_ms'):6.0f} {mid('browser_cpu_ms'):6.0f} | "
              f"{median(row.apptest_ms):7.0f} | {mid('runs'):4g} {mid('msgs_in'):4g} {mid('bytes_in') / 1024:4.0f} | "
              f"{median(row.empty_s):5.2f} {med / median(row.empty_s) if row.empty_s else float('nan'):5.2f}x | "
              f"{row.load_average:<12}  " + "; ".join(notes))


def print_legend() -> None:
    print("\nmedian/min/max: seconds from page.goto to settled; /1.5s: the median over the goal. Then medians in ms: "
          "boot = navigation → first websocket message; server = the script run(s), new_session → script_finished as "
          "the frames arrived; after = last script_finished → settled (the browser's own work); long = main-thread "
          "tasks ≥ 50 ms before settling; js / layout = main-thread JavaScript / layout+style time (CDP); srvCPU / "
          "brCPU = CPU spent by the streamlit process / all of Chromium's processes from goto to settled; apptest = "
          "the page's script run alone in AppTest; runs = script runs per load; msgs/KB = websocket messages/KB in; "
          "empty = median seconds of an empty Streamlit page (title only) loaded in the same rounds, /empty = the "
          "page's median over it; load average = 1/5/15-minute load when the page's rounds ended.")


@dataclass
class Server:
    """One running checkout: this one, or the ``--baseline`` one it is compared with."""

    label: str
    url: str
    rows: list[Row]


EMPTY_TITLE = "Empty page"
# The floor: a Streamlit page with nothing but its title, served and measured the same way, in the
# same rounds. On a loaded machine it says how much of a page's time is Streamlit's own start.
EMPTY_PAGE = f"""import streamlit as st

st.set_page_config(layout="wide")
st.title("{EMPTY_TITLE}")
"""
EMPTY_TARGET = Target("(empty page)", "/", EMPTY_TITLE, "app.py")


def start_servers(stack: contextlib.ExitStack, roots: dict[str, Path]) -> dict[str, str]:
    urls = {}
    for label, root in roots.items():
        workdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix=f"bench-pages-{label}-")))
        urls[label] = stack.enter_context(streamlit_server(workdir, root=root))
    return urls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=5, help="measured loads per page (default 5)")
    ap.add_argument("--pages", help="comma-separated words matching page titles, URLs or files (default: all)")
    ap.add_argument("--baseline", type=Path, help="another checkout (e.g. `git archive` of the old commit) to "
                    "serve side by side: its loads alternate with this one's, under the same load")
    ap.add_argument("--no-empty", action="store_true", help="skip the empty page loaded in every round")
    ap.add_argument("--apptest-rounds", type=int, default=3)
    ap.add_argument("--no-apptest", action="store_true", help="skip the AppTest (server-side) timings")
    ap.add_argument("--profile", action="store_true", help="print a cProfile of the AppTest runs per page")
    ap.add_argument("--trace", action="store_true", help="print each page's last load: frames and long tasks")
    args = ap.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"{CHROMIUM} is missing: install Debian's chromium.", file=sys.stderr)
        return 0
    print(f"load average at start: {load_average()}")
    started = time.perf_counter()
    roots = {"this": ROOT, **({"baseline": args.baseline.resolve()} if args.baseline else {})}
    with contextlib.ExitStack() as stack:
        urls = start_servers(stack, roots)
        empty_url = None
        if not args.no_empty:
            empty_root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-pages-empty-")))
            (empty_root / "app.py").write_text(EMPTY_PAGE)
            empty_url = start_servers(stack, {"empty": empty_root})["empty"]
        playwright = stack.enter_context(sync_playwright())
        browser: Browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        context.add_init_script(LONG_TASKS)
        servers = []
        for label, url in urls.items():
            api_base = sandbox_url(context, url)
            pi_id = create_payment(api_base) if api_base else None
            if not pi_id:
                print(f"  ! {label}: no sandbox address on the Learn page, so no deep link", file=sys.stderr)
            servers.append(Server(label, url, [Row(t) for t in chosen(targets(pi_id), args.pages)]))
            for row in servers[-1].rows:  # warm-up: each page once
                load_once(context, url, row.target)
        if empty_url:
            load_once(context, empty_url, EMPTY_TARGET)
        print(f"servers {', '.join(f'{s.label} {s.url}' for s in servers)} warmed; load average {load_average()}")
        for index in range(len(servers[0].rows)):
            for i in range(args.rounds):  # alternating servers, each first every other round
                for server in servers if i % 2 == 0 else servers[::-1]:
                    row = server.rows[index]
                    row.loads.append(load_once(context, server.url, row.target, trace=args.trace and i == args.rounds - 1))
                if empty_url:
                    empty = load_once(context, empty_url, EMPTY_TARGET).wall_s
                    for server in servers:
                        server.rows[index].empty_s.append(empty)
            for server in servers:
                row = server.rows[index]
                row.load_average = load_average()
                print(f"  {row.target.name} ({server.label}): " + " ".join(f"{x.wall_s:.2f}" for x in row.loads)
                      + f"  (load average {load_average()})", flush=True)
        browser.close()
    rows = servers[0].rows
    reports = apptest_times(rows, args.apptest_rounds, args.profile) if not args.no_apptest else {}
    for server in servers:
        print(f"\n--- {server.label}: {roots[server.label]}")
        print_table(server.rows)
    if len(servers) > 1:
        print("\nthis / baseline, medians: " + "; ".join(
            f"{a.target.name} {median([x.wall_s for x in a.loads]) / median([x.wall_s for x in b.loads]):.2f}x"
            for a, b in zip(servers[0].rows, servers[1].rows) if a.loads and b.loads))
    print_legend()
    for name, report in reports.items():
        print(f"\n=== cProfile of {args.apptest_rounds} AppTest run(s): {name} ===\n{report}")
    print(f"\nload average at end: {load_average()}; {time.perf_counter() - started:.0f} s in all")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as exc:  # a benchmark reports, it does not fail a build
        print(f"bench_pages: {type(exc).__name__}: {exc}", file=sys.stderr)
        sys.exit(0)
