"""Thin Streamlit helpers shared by every page: the connection, the sidebar status, errors.

Streamlit is imported only by modules named ``ui*.py`` (this one, ``ui_pages.py`` and each
section's ``ui_*.py`` helpers). The one way for a page to get its connection and client is
:func:`require_connection` (the Connection page, which explains a failed connection itself, uses
:func:`connection_or_error`). Typical page::

    from lib import ui
    conn = ui.require_connection()      # shows a readable error and stops the page if not connected
    try:
        pi = conn.client.v1.payment_intents.create(params={...})
    except Exception as exc:
        ui.show_error(exc)
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib import shop, ui_pages
from lib.column_widths import text_px
from lib.config import Mode, Settings, load_settings
from lib.gateway import Connection, HealthStatus, open_connection
from lib.redaction import describe_error, safe_error_message
from lib.stripe_facts.statuses import Badge

logger = logging.getLogger(__name__)

HEALTH_CACHE_TTL_S = 30

_BADGE_COLORS = {Mode.SANDBOX: "violet", Mode.TEST: "blue", Mode.CUSTOM: "orange", Mode.LIVE_READONLY: "red"}
_BADGE_ICONS = {Mode.SANDBOX: ":material/science:", Mode.TEST: ":material/bug_report:",
                Mode.CUSTOM: ":material/dns:", Mode.LIVE_READONLY: ":material/visibility:"}


@st.cache_resource(show_spinner="Connecting…", max_entries=4)
def _connection_for(fingerprint: str, _settings: Settings) -> Connection:
    """One Connection per distinct configuration, shared by all sessions and reruns."""
    return open_connection(_settings)


def get_connection() -> Connection:
    """The app's connection. Settings are re-read on every call, so editing secrets.toml takes
    effect on the next rerun. Raises ConfigError / SandboxUnavailableError on bad configuration."""
    settings = load_settings()
    return _connection_for(settings.fingerprint(), settings)


def connection_or_error() -> Connection | Exception:
    """Like :func:`get_connection` but returns the exception instead of raising it."""
    try:
        return get_connection()
    except Exception as exc:  # every failure becomes a readable message, never a traceback
        logger.warning("No connection: %s", safe_error_message(exc))
        return exc


def require_connection() -> Connection:
    """Return the connection, or show why there is none and stop the page."""
    conn = connection_or_error()
    if isinstance(conn, Exception):
        show_error(conn)
        _connection_link("Open the Connection page for setup help")
        st.stop()
    return conn


@st.cache_data(ttl=HEALTH_CACHE_TTL_S, show_spinner=False, max_entries=16)
def _cached_health(fingerprint: str, _conn: Connection) -> HealthStatus:
    return _conn.health()


def connection_health(conn: Connection, *, fresh: bool = False) -> HealthStatus:
    """Health of ``conn``, cached for a short while so page reruns do not hammer the API."""
    if fresh:
        _cached_health.clear()
    return _cached_health(conn.settings.fingerprint(), conn)


def mode_badge(conn: Connection) -> None:
    st.badge(conn.mode_label, icon=_BADGE_ICONS.get(conn.mode),
             color=_BADGE_COLORS.get(conn.mode, "gray"))  # type: ignore[arg-type]


def sidebar_status(conn: Connection | Exception) -> None:
    """Mode badge and reachability in the sidebar (or a red error when not connected)."""
    with st.sidebar:
        if isinstance(conn, Exception):
            summary = describe_error(conn)
            st.error(f"**Not connected.** {summary.title}: {_plain(_first_sentence(summary.detail))}",
                     icon=":material/block:")
            _connection_link("Connection help")
            return
        mode_badge(conn)
        health = connection_health(conn)
        if health.ok:
            st.caption(f"API reachable · {health.latency_ms:.0f} ms  \nAPI version {conn.api_version}")
        else:
            st.error(f"**API unreachable** ({conn.api_base}). {_plain(_first_sentence(health.detail))}",
                     icon=":material/warning:")
            _connection_link("Connection help")


def _connection_link(label: str) -> None:
    """Link to the Connection page; plain text when it is not registered (e.g. a page run alone)."""
    try:
        st.page_link(ui_pages.page(ui_pages.CONNECTION), label=label, icon=":material/power:")
    except StreamlitAPIException:
        st.caption("See the **Connection** page for setup help.")


def _first_sentence(text: str) -> str:
    """The sidebar is narrow: keep the first sentence, the Connection page shows the rest."""
    head, dot, rest = text.partition(". ")
    return head + dot.strip() if rest else text


def _plain(text: str) -> str:
    """Escape what Streamlit markdown would otherwise interpret in API messages ($…$ is LaTeX)."""
    return text.replace("\\", "\\\\").replace("$", "\\$").replace("~", "\\~")


def show_error(exc: BaseException) -> None:
    """Render ``exc`` as a readable message with Stripe's error code; never a traceback or a key."""
    summary = describe_error(exc)
    lines = [f"**{summary.title}.** {_plain(summary.detail)}"]
    codes = [f"{label} `{value}`" for label, value in (
        ("code", summary.code), ("decline code", summary.decline_code), ("param", summary.param),
        ("HTTP", summary.http_status), ("request", summary.request_id)) if value]
    if codes:
        lines.append(" · ".join(codes))
    if summary.doc_url:
        lines.append(f"[What this code means]({summary.doc_url})")
    render = st.warning if summary.severity == "warning" else st.error
    render("  \n".join(lines))


def connection_facts(conn: Connection) -> list[dict[str, str]]:
    """The Connection page's table. The webhook row shows the secret the shop's endpoint really
    verifies with — the one the sandbox returned when the endpoint was registered, or the configured
    ``STRIPE_WEBHOOK_SECRET`` on Stripe — the same one the Events page shows."""
    rows = conn.facts()
    try:
        status = shop.ensure_webhooks(conn)
    except Exception as exc:  # the page still renders; the row says why
        secret = f"unavailable ({safe_error_message(exc)})"
    else:
        how = f"registered with the processor as {status.endpoint_id}" if status.registered else (
            "from STRIPE_WEBHOOK_SECRET" if status.ready else "set STRIPE_WEBHOOK_SECRET (see below)")
        secret = f"{status.masked_secret} ({how})"
    return [{**row, "value": secret} if row["setting"] == "Webhook signing secret" else row for row in rows]


def start_shop(conn: Connection | Exception) -> None:
    """Start the shop (orders database, webhook endpoint) and, in sandbox/custom mode, register the
    endpoint with the processor. app.py calls this once per run, before the page; the shop itself
    starts only once per process (lib/shop/runtime.py), so fulfilment by webhook works whichever
    page a user opens first. A failure is shown on the pages that use it."""
    if isinstance(conn, Exception):
        return
    try:
        shop.ensure_webhooks(conn)
    except Exception as exc:  # never break navigation over webhooks
        logger.warning("Webhook endpoint not started: %s", safe_error_message(exc))


# --- statuses as badges (the Dashboard's words and colours: lib/stripe_facts/statuses.py) ----------

BADGE_HEX = {"green": "#1f7a3a", "red": "#c0262d", "orange": "#b45309", "blue": "#1d63c4", "violet": "#5b45d6",
             "gray": "#5f6b7a"}


def status_badge(badge: Badge) -> None:
    """One status as a coloured badge (st.badge), e.g. the explorer's detail header."""
    st.badge(badge.label, color=badge.color)  # type: ignore[arg-type]


def badge_rows(rows: list[dict[str, Any]], columns: dict[str, Callable[[Any], Badge]]
               ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Rows for ``st.dataframe`` whose status columns show coloured pills in Stripe's words.

    ``columns`` maps a column name to the function that turns its raw value into a Badge. Returns
    the display rows (raw values replaced by their label) and the ``column_config`` to pass along.
    Empty values (None) are shown blank, never as "None".
    """
    shown: list[dict[str, Any]] = []
    seen: dict[str, dict[str, Badge]] = {name: {} for name in columns}
    for row in rows:
        out = {k: ("" if v is None else v) for k, v in row.items()}
        for name, to_badge in columns.items():
            if name in row and row[name] not in (None, ""):
                badge = to_badge(row[name])
                seen[name][badge.label] = badge
                out[name] = [badge.label]
            elif name in row:
                out[name] = []
        shown.append(out)
    # Wide enough for the longest label's pill ("Partially refunded", measured in the grid's font plus
    # the pill's padding): the grid sizes a column by its first rows' text, not by the pills, and a
    # pill cut at the column edge reads "Requires".
    config = {name: st.column_config.MultiselectColumn(
        name.replace("_", " "), options=list(badges), color=[BADGE_HEX.get(b.color, BADGE_HEX["gray"])
                                                             for b in badges.values()], disabled=True,
        width=max(110, int(44 + max(text_px(label) for label in badges))))
        for name, badges in seen.items() if badges}
    return shown, config


def badge_md(badge: Badge) -> str:
    """One status as an inline Markdown badge (``:green-badge[Succeeded]``), for text that wraps:
    timelines, captions, headings."""
    label = badge.label.replace("[", "(").replace("]", ")")
    return f":{badge.color}-badge[{label}]"


def _md_cell(value: Any, code: bool) -> str:
    text = "" if value is None else str(value).replace("\n", " ").replace("|", "\\|")
    if code and text:
        return "`" + text.replace("`", "'") + "`"
    return text


def markdown_table(rows: list[dict[str, Any]], *, code: tuple[str, ...] = (),
                   badges: dict[str, Callable[[Any], Badge]] | None = None,
                   headers: dict[str, str] | None = None) -> None:
    """Rows as a Markdown table, for tables with sentences in them (what a field means, why an
    event came): its cells wrap, where a dataframe would cut a sentence at the column's edge or
    grow wider than the page. ``code`` columns are shown as code (ids, field names), ``badges``
    columns as coloured status badges in Stripe's words; empty cells stay blank."""
    if not rows:
        return
    columns = list(rows[0])
    names = {c: (headers or {}).get(c, c.replace("_", " ").capitalize()) for c in columns}
    lines = ["| " + " | ".join(names[c] for c in columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c)
            if badges and c in badges and value not in (None, ""):
                cells.append(badge_md(badges[c](value)))
            else:
                cells.append(_md_cell(value, c in code))
        lines.append("| " + " | ".join(cells) + " |")
    st.markdown("\n".join(lines))
