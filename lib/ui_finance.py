"""Streamlit UI for the Finance dashboard (app_pages/finance_dashboard.py stays a thin wrapper).

All numbers come from :mod:`lib.finance.metrics` (DuckDB); this module only lays them out.
Session-state keys are prefixed ``fin_``. Errors are shown as readable messages, never tracebacks
or key text. The DuckDB file is opened per run and closed again, so a sync from the command line
(``python -m lib.sync``) can write between two page runs.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from lib.finance import default_db_path
from lib.finance import metrics as m
from lib.finance.money import exponent, format_amount, format_rate
from lib.finance.schema import PAY_STATUSES

logger = logging.getLogger(__name__)

EXPLORER_PAGE = "app_pages/build_explorer.py"
EXPLORER_URL = "/build_explorer"
TABLE_PAGE_SIZE = 100
RANGES = ("Last 7 days", "Last 30 days", "Last 90 days", "Last 365 days", "Year to date", "All time",
          "Custom")
DEFAULT_RANGE = "Last 30 days"
REFRESH_CHOICES = {"Off": None, "Every 30 s": 30, "Every minute": 60, "Every 5 minutes": 300}
STATUS_LABELS = {"succeeded": "Succeeded", "partially_refunded": "Partially refunded",
                 "refunded": "Refunded", "disputed": "Disputed", "uncaptured": "Uncaptured",
                 "canceled": "Canceled", "pending": "Pending", "failed": "Failed"}
COLORS = {"succeeded": "#2e7d32", "refunded": "#f9a825", "disputed": "#c62828", "failed": "#c62828",
          "fees": "#6d4c41", "net": "#1565c0", "gross": "#90caf9"}


# ---------------------------------------------------------------------------------------------
# data access


def db_path() -> Path:
    return default_db_path()


def _data_version(path: Path) -> tuple:
    """Changes whenever the DB (or its write-ahead log) changes: the cache key for results."""
    parts = []
    for p in (path, path.with_name(path.name + ".wal")):
        try:
            stat = p.stat()
            parts.append((stat.st_mtime_ns, stat.st_size))
        except OSError:
            parts.append(None)
    return tuple(parts)


def open_db(path: Path, attempts: int = 8):
    """A short-lived connection; waits briefly when another process is writing."""
    last = None
    for _ in range(attempts):
        try:
            return duckdb.connect(str(path))
        except duckdb.IOException as exc:
            last = exc
            time.sleep(0.25)
    raise RuntimeError("The finance database is busy: a sync in another process is writing to it. "
                       "Try again in a moment.") from last


@st.cache_data(show_spinner=False, max_entries=64)
def _cached_dashboard(path: str, version: tuple, filters: tuple) -> tuple[m.Dashboard, dict, dict, float]:
    f = m.Filters(*filters)
    con = open_db(Path(path))
    try:
        t0 = time.perf_counter()
        dash = m.compute_dashboard(con, f)
        prev = _previous_period(f)
        prev_ledger = m.ledger_kpis(con, prev).set_index("settlement_currency").to_dict("index")
        prev_totals = m.payment_totals(con, prev)
        server_ms = (time.perf_counter() - t0) * 1000
    finally:
        con.close()
    return dash, prev_ledger, prev_totals, server_ms


def _previous_period(f: m.Filters) -> m.Filters:
    days = (f.end - f.start).days + 1
    return dataclasses.replace(f, start=f.start - timedelta(days=days), end=f.start - timedelta(days=1))


def _read(path: Path, fn: Callable, *args):
    con = open_db(path)
    try:
        return fn(con, *args)
    finally:
        con.close()


def _export_bytes(path: str, filters: tuple, fmt: str) -> bytes:
    return _read(Path(path), m.export_payments, m.Filters(*filters), fmt)


def sync_client():
    """The client "Sync now" uses (the app's connection settings). Tests replace this."""
    from lib.sync import client_from_settings

    return client_from_settings()


# ---------------------------------------------------------------------------------------------
# formatting helpers


def _major(values: pd.Series, currency: str) -> pd.Series:
    return values.astype("float64") / (10 ** exponent(currency))


def _fmt_money_cols(df: pd.DataFrame, cols: list[str], currency_col: str) -> pd.DataFrame:
    """A display copy with money columns formatted per row currency (numbers stay in the CSV)."""
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [format_amount(int(round(v)), cur) if pd.notna(v) else "–"
                      for v, cur in zip(out[c], out[currency_col])]
    return out


def _fmt_rate_cols(df: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    out = df.copy()
    for c in cols:
        if c in out.columns:
            out[c] = [format_rate(None if pd.isna(v) else float(v)) for v in out[c]]
    return out


def _delta(now: float | int | None, before: float | int | None, *, pct: bool = True) -> str | None:
    if now is None or before is None:
        return None
    if pct:
        if not before:
            return None
        return f"{(now - before) / abs(before) * 100:+.1f}% vs previous period"
    return f"{(now - before) * 100:+.2f} pts vs previous period"


def _numbers(df: pd.DataFrame, label: str = "Show numbers", *, key: str, display: pd.DataFrame | None = None):
    with st.expander(label):
        st.dataframe(display if display is not None else df, hide_index=True, width="stretch", key=key)


# ---------------------------------------------------------------------------------------------
# filters


def _resolve_range(choice: str, options: dict, today: date) -> tuple[date, date]:
    first, last = options.get("first_day"), options.get("last_day")
    if choice == "All time" and first and last:
        return first, max(last, first)
    if choice == "Year to date":
        return date(today.year, 1, 1), today
    days = {"Last 7 days": 7, "Last 30 days": 30, "Last 90 days": 90, "Last 365 days": 365}.get(choice, 30)
    return today - timedelta(days=days - 1), today


def render_filters(options: dict) -> m.Filters | None:
    today = datetime.now(UTC).date()
    # values chosen earlier may have left the data (e.g. after a re-sync): drop them, don't fail
    for key, opts in (("fin_currencies", "currencies"), ("fin_brands", "brands"),
                      ("fin_countries", "countries"), ("fin_statuses", "statuses")):
        if key in st.session_state:
            kept = [v for v in st.session_state[key] if v in options[opts]]
            if kept != list(st.session_state[key]):
                st.session_state[key] = kept
    with st.sidebar:
        st.subheader("Finance filters")
        choice = st.selectbox("Date range", RANGES, index=RANGES.index(DEFAULT_RANGE), key="fin_range")
        start, end = _resolve_range(choice, options, today)
        if choice == "Custom":
            picked = st.date_input("From – to (UTC)", value=(start, end), key="fin_dates")
            if not isinstance(picked, tuple | list) or len(picked) != 2:
                st.info("Pick an end date.")
                return None
            start, end = picked
        else:
            st.caption(f"{start:%d %b %Y} – {end:%d %b %Y} (UTC)")
        gran = st.segmented_control("Granularity", list(m.GRANULARITIES), default="day",
                                    format_func=str.capitalize, key="fin_granularity",
                                    required=True)
        currencies = st.multiselect("Currency", options["currencies"], key="fin_currencies",
                                    format_func=str.upper, placeholder="All currencies")
        brands = st.multiselect("Card brand", options["brands"], key="fin_brands", placeholder="All brands")
        countries = st.multiselect("Card country", options["countries"], key="fin_countries",
                                   placeholder="All countries")
        statuses = st.multiselect("Payment status", [s for s in PAY_STATUSES if s in options["statuses"]],
                                  key="fin_statuses", format_func=lambda s: STATUS_LABELS.get(s, s),
                                  placeholder="All statuses")
    try:
        return m.Filters(start, end, gran or "day", tuple(currencies), tuple(brands), tuple(countries),
                         tuple(statuses))
    except ValueError as exc:
        st.error(str(exc))
        return None


# ---------------------------------------------------------------------------------------------
# sync


def render_sync_bar(path: Path, status: dict, *, show_problems: bool = True) -> None:
    last = status.get("last_run")
    cols = st.columns([1.2, 1.2, 4])
    with cols[0]:
        clicked = st.button("Sync now", type="primary", key="fin_sync", icon=":material/sync:",
                            help="Fetch what changed since the last sync (events), or everything the first time.")
    with cols[1]:
        full = st.checkbox("Full re-sync", key="fin_full",
                           help="Re-list every object instead of reading events since the last sync.")
        refresh = st.selectbox("Auto-refresh", list(REFRESH_CHOICES), key="fin_refresh",
                               label_visibility="collapsed")
    with cols[2]:
        if last:
            when = pd.Timestamp(last["finished_at"]).strftime("%d %b %Y %H:%M:%S UTC")
            counts = status.get("counts", {})
            st.caption(
                f"Last sync **{when}** · {last['mode']} · {last['status']} · {int(last['requests'] or 0):,} "
                f"requests · {int(last['objects'] or 0):,} objects written  \n"
                + " · ".join(f"{t.replace('_', ' ')} {n:,}" for t, n in counts.items()))
            if last["status"] != "ok" and show_problems:
                (st.warning if last["status"] == "partial" else st.error)(last["message"])
        else:
            st.caption("Not synced yet.")
    if clicked:
        run_sync_ui(path, full=full)
    interval = REFRESH_CHOICES.get(refresh)
    if interval:
        _auto_refresh(path, interval)


def run_sync_ui(path: Path, *, full: bool = False) -> None:
    from lib.finance.syncer import SyncProgress
    from lib.sync import sync

    bar = st.progress(0.0, text="Starting sync…")

    def on_progress(p: SyncProgress) -> None:
        bar.progress(min(1.0, max(0.0, p.fraction)), text=p.message[:120])

    try:
        client = sync_client()
    except Exception as exc:  # noqa: BLE001 - a readable message, never a traceback
        from lib.redaction import safe_error_message

        bar.empty()
        st.error(f"Cannot connect for the sync: {safe_error_message(exc)}")
        return
    result = sync(client, path, full=full, progress=on_progress)
    bar.empty()
    _cached_dashboard.clear()
    st.session_state["fin_last_result"] = (result.status, result.message)
    st.rerun()


def _auto_refresh(path: Path, seconds: int) -> None:
    @st.fragment(run_every=seconds)
    def ticker():
        stamp = st.session_state.get("fin_refresh_stamp")
        now = time.monotonic()
        if stamp is not None and now - stamp >= seconds * 0.9:
            from lib.sync import sync

            try:
                result = sync(sync_client(), path)
                if result.objects:
                    _cached_dashboard.clear()
                    st.session_state["fin_refresh_stamp"] = now
                    st.rerun(scope="app")
            except Exception as exc:  # noqa: BLE001
                logger.warning("auto-refresh sync failed: %s", type(exc).__name__)
        st.session_state["fin_refresh_stamp"] = now
        st.caption(f"Auto-refresh on (every {seconds} s).")

    ticker()


# ---------------------------------------------------------------------------------------------
# KPI tiles


def render_kpis(dash: m.Dashboard, prev_ledger: dict, prev_totals: dict) -> None:
    led = dash.ledger
    sparks = dash.fees_net
    if led.empty:
        st.info("No balance transactions in this range: gross, fees and net are zero.")
    for _, r in led.iterrows():
        cur = r["settlement_currency"]
        before = prev_ledger.get(cur, {})
        spark = sparks[sparks.settlement_currency == cur]
        st.caption(f"Ledger in **{cur.upper()}** (settlement currency, from balance transactions)")
        # Two rows: five amounts side by side truncate ("$20,15…") at common widths.
        cols = [*st.columns(3), *st.columns(3)[:2]]
        tiles = [
            ("Gross volume", "gross_volume", "gross", "Captured payments (balance transactions of category charge)."),
            ("Refunds", "refunds", "refunds", "Refunded amounts (refund and refund-failure lines)."),
            ("Dispute losses", "dispute_losses", "dispute_losses",
             "Amounts withdrawn for disputes, minus reversals of won disputes (dispute fees are in Fees)."),
            ("Fees", "fees", "fees", "Stripe fees on every line, including $15 dispute fees."),
            ("Net volume", "net_volume", "net", "Gross − refunds − dispute losses − fees (+ other adjustments)."),
        ]
        for col, (label, key, spark_key, help_text) in zip(cols, tiles):
            value = int(r[key])
            col.metric(label, format_amount(value, cur), _delta(value, before.get(key)), help=help_text,
                       border=True, chart_data=_major(spark[spark_key], cur).tolist() if len(spark) > 1 else None,
                       delta_color="inverse" if key in ("refunds", "dispute_losses", "fees") else "normal")
        if int(r["other_adjustments"]):
            st.caption(f"Other adjustments: {format_amount(int(r['other_adjustments']), cur)}")

    t = dash.totals
    cols = st.columns(5)
    cols[0].metric("Successful payments", f"{t['successful_payments']:,}",
                   _delta(t["successful_payments"], prev_totals.get("successful_payments")), border=True)
    cols[1].metric("Authorization rate", format_rate(t["auth_rate"]),
                   _delta(t["auth_rate"], prev_totals.get("auth_rate"), pct=False), border=True,
                   help="Charges authorized / charges attempted (succeeded + failed), all currencies.")
    cols[2].metric("Refund rate", format_rate(t["refund_rate_count"]),
                   _delta(t["refund_rate_count"], prev_totals.get("refund_rate_count"), pct=False),
                   delta_color="inverse", border=True,
                   help="Payments in the range with a refund / successful payments in the range.")
    cols[3].metric("Dispute rate", format_rate(t["dispute_rate_count"]),
                   _delta(t["dispute_rate_count"], prev_totals.get("dispute_rate_count"), pct=False),
                   delta_color="inverse", border=True,
                   help=f"Disputes opened in the range (inquiries excluded) / successful payments. Card "
                        f"networks start monitoring at {m.DISPUTE_RATE_THRESHOLD:.2%}.")
    od = dash.open_disputes
    due = od["evidence_due_by"].dropna().min() if len(od) else None
    cols[4].metric("Open disputes", f"{len(od):,}", border=True,
                   delta=f"next due {pd.Timestamp(due):%d %b}" if due is not None else None,
                   delta_color="off", help="Disputes waiting for your response (all dates).")
    if t["dispute_rate_flag"]:
        st.error(f"Dispute rate {format_rate(t['dispute_rate_count'])} is at or above the card networks' "
                 f"{m.DISPUTE_RATE_THRESHOLD:.2%} monitoring threshold.", icon=":material/warning:")

    pk = dash.payments
    if len(pk):
        with st.expander("Payments per currency (average payment, rates by count and amount)"):
            show = _fmt_money_cols(pk, ["successful_volume", "refunded_amount", "disputed_amount",
                                        "average_payment"], "currency")
            show = _fmt_rate_cols(show, ["auth_rate", "refund_rate_count", "refund_rate_amount",
                                         "dispute_rate_count", "dispute_rate_amount"])
            show["currency"] = show["currency"].str.upper()
            st.dataframe(show, hide_index=True, width="stretch", key="fin_tbl_payments_kpi")
            flagged = pk[pk.dispute_rate_flag]
            if len(flagged):
                st.warning("Dispute rate above 0.75% in: " + ", ".join(flagged.currency.str.upper()))


def render_open_disputes(dash: m.Dashboard) -> None:
    od = dash.open_disputes
    st.subheader("Disputes needing a response")
    if od.empty:
        st.caption("No open disputes. 🎉")
        return
    show = od[["id", "payment_intent", "amount", "currency", "status", "reason", "evidence_due_by",
               "days_left", "overdue"]].copy()
    show = _fmt_money_cols(show, ["amount"], "currency")
    show["days_left"] = show["days_left"].round(1)
    show["explorer"] = [f"{EXPLORER_URL}?pi={p}" if p else None for p in od.payment_intent]
    st.dataframe(show, hide_index=True, width="stretch", key="fin_tbl_disputes", column_config={
        "evidence_due_by": st.column_config.DatetimeColumn("Evidence due (UTC)", format="D MMM YYYY, HH:mm"),
        "explorer": st.column_config.LinkColumn("Explorer", display_text="Open"),
        "overdue": st.column_config.CheckboxColumn("Overdue"),
    })


# ---------------------------------------------------------------------------------------------
# charts


def _currency_picker(currencies: list[str], key: str) -> str | None:
    if not currencies:
        return None
    if len(currencies) == 1:
        return currencies[0]
    return st.selectbox("Chart currency (amounts are never added across currencies)", currencies,
                        format_func=str.upper, key=key)


def _layout(fig: go.Figure, y_title: str = "") -> go.Figure:
    fig.update_layout(margin=dict(l=10, r=10, t=30, b=10), height=320, legend=dict(orientation="h", y=1.1),
                      yaxis_title=y_title, hovermode="x unified")
    return fig


def render_charts(dash: m.Dashboard) -> None:
    vol = dash.volume
    # The settlement currency first (the usual default a finance reader expects), then alphabetical.
    currencies = sorted(vol.currency.unique(), key=lambda c: (c != "usd", c)) if len(vol) else []
    st.subheader("Volume over time")
    cur = _currency_picker(currencies, "fin_chart_currency")
    if cur:
        v = vol[vol.currency == cur]
        fig = go.Figure()
        for col, name in (("succeeded", "Succeeded"), ("refunded", "Refunded"), ("disputed", "Disputed")):
            fig.add_bar(x=v.period, y=_major(v[col], cur), name=name, marker_color=COLORS[col])
        fig.update_layout(barmode="group")
        st.plotly_chart(_layout(fig, cur.upper()), key="fin_chart_volume")
    else:
        st.caption("No payments in this range.")
    _numbers(vol, key="fin_num_volume", display=_fmt_money_cols(vol, ["succeeded", "refunded", "disputed"],
                                                                  "currency") if len(vol) else vol)

    left, right = st.columns(2)
    with left:
        st.subheader("Success vs failure")
        sf = dash.success_failure
        fig = go.Figure()
        fig.add_bar(x=sf.period, y=sf.succeeded, name="Succeeded", marker_color=COLORS["succeeded"])
        fig.add_bar(x=sf.period, y=sf.failed, name="Failed", marker_color=COLORS["failed"])
        fig.add_scatter(x=sf.period, y=sf.success_rate * 100, name="Success rate %", yaxis="y2",
                        mode="lines", line=dict(color="#424242"))
        fig.update_layout(barmode="stack", yaxis2=dict(overlaying="y", side="right", range=[0, 100],
                                                         title="%"))
        st.plotly_chart(_layout(fig, "Charges"), key="fin_chart_success")
        _numbers(sf, key="fin_num_success", display=_fmt_rate_cols(sf, ["success_rate"]))
    with right:
        st.subheader("Decline reasons")
        dr = dash.declines
        if len(dr):
            fig = go.Figure(go.Bar(x=dr.failed_payments, y=dr.decline_code, orientation="h",
                                   marker_color=COLORS["failed"]))
            fig.update_yaxes(autorange="reversed")
            st.plotly_chart(_layout(fig), key="fin_chart_declines")
        else:
            st.caption("No failed payments in this range.")
        _numbers(dr, key="fin_num_declines", display=_fmt_rate_cols(dr, ["share"]))

    left, right = st.columns(2)
    with left:
        st.subheader("Refunds over time")
        rf = dash.refunds
        if cur and len(rf[rf.currency == cur]):
            r = rf[rf.currency == cur]
            fig = go.Figure(go.Bar(x=r.period, y=_major(r.refunded_amount, cur), name="Refunded",
                                   marker_color=COLORS["refunded"], customdata=r.refunds,
                                   hovertemplate="%{y:,.2f} (%{customdata} refunds)<extra></extra>"))
            st.plotly_chart(_layout(fig, cur.upper()), key="fin_chart_refunds")
        else:
            st.caption(f"No refunds in {cur.upper()} in this range." if cur else "No refunds in this range.")
        _numbers(rf, key="fin_num_refunds",
                 display=_fmt_money_cols(rf, ["refunded_amount"], "currency") if len(rf) else rf)
    with right:
        st.subheader("Fees and net")
        fn = dash.fees_net
        scur = sorted(fn.settlement_currency.unique()) if len(fn) else []
        if scur:
            sc = scur[0] if len(scur) == 1 else st.selectbox("Settlement currency", scur, format_func=str.upper,
                                                               key="fin_chart_settlement")
            x = fn[fn.settlement_currency == sc]
            fig = go.Figure()
            fig.add_bar(x=x.period, y=_major(x.fees, sc), name="Fees", marker_color=COLORS["fees"])
            fig.add_scatter(x=x.period, y=_major(x.net, sc), name="Net", mode="lines",
                            line=dict(color=COLORS["net"]))
            fig.add_scatter(x=x.period, y=_major(x.gross, sc), name="Gross", mode="lines",
                            line=dict(color=COLORS["gross"], dash="dot"))
            st.plotly_chart(_layout(fig, f"{sc.upper()} (settlement)"), key="fin_chart_fees")
        else:
            st.caption("No balance transactions in this range.")
        _numbers(fn, key="fin_num_fees", display=_fmt_money_cols(
            fn, ["gross", "refunds", "dispute_losses", "fees", "net"], "settlement_currency") if len(fn) else fn)

    left, right = st.columns(2)
    for col, frame, field, title, key in ((left, dash.disputes_status, "status", "Disputes by status", "status"),
                                          (right, dash.disputes_reason, "reason", "Disputes by reason", "reason")):
        with col:
            st.subheader(title)
            if len(frame):
                agg = frame.groupby(field, as_index=False)["disputes"].sum().sort_values("disputes")
                fig = go.Figure(go.Bar(x=agg.disputes, y=agg[field], orientation="h",
                                       marker_color=COLORS["disputed"]))
                st.plotly_chart(_layout(fig, ""), key=f"fin_chart_disputes_{key}")
            else:
                st.caption("No disputes opened in this range.")
            _numbers(frame, key=f"fin_num_disputes_{key}",
                     display=_fmt_money_cols(frame, ["amount"], "currency") if len(frame) else frame)

    left, right = st.columns(2)
    for col, frame, field, title, key in ((left, dash.by_brand, "brand", "Payments by card brand", "brand"),
                                          (right, dash.by_country, "country", "Payments by card country",
                                           "country")):
        with col:
            st.subheader(title)
            if len(frame):
                agg = frame.groupby(field, as_index=False)["successful_payments"].sum() \
                    .sort_values("successful_payments").tail(15)
                fig = go.Figure(go.Bar(x=agg.successful_payments, y=agg[field], orientation="h",
                                       marker_color=COLORS["net"]))
                st.plotly_chart(_layout(fig, ""), key=f"fin_chart_{key}")
                st.caption("Counts of successful payments (all currencies); volumes per currency in the table.")
            else:
                st.caption("No payments in this range.")
            _numbers(frame, key=f"fin_num_{key}", display=_fmt_rate_cols(
                _fmt_money_cols(frame, ["volume"], "currency"), ["auth_rate", "share_of_payments"])
                if len(frame) else frame)

    st.subheader("PaymentIntent funnel")
    fu = dash.funnel
    if fu.payment_intents.iloc[0]:
        fig = go.Figure(go.Funnel(y=fu.stage, x=fu.payment_intents, textinfo="value+percent initial"))
        st.plotly_chart(_layout(fig), key="fin_chart_funnel")
    else:
        st.caption("No PaymentIntents created in this range.")
    st.caption("The payment-status filter does not apply to the funnel.")
    _numbers(fu, key="fin_num_funnel", display=_fmt_rate_cols(fu, ["pct_of_created", "pct_of_previous"]))
    _numbers(dash.pi_statuses, "PaymentIntents by status", key="fin_num_pi_status",
             display=_fmt_rate_cols(dash.pi_statuses, ["share"]))


# ---------------------------------------------------------------------------------------------
# payments table and export


def render_payments(path: Path, f: m.Filters) -> None:
    st.subheader("Payments")
    key = dataclasses.astuple(f)
    total = _read(path, m.count_payments, f)
    pages = max(1, -(-total // TABLE_PAGE_SIZE))
    cols = st.columns([1, 1, 1, 3])
    page = cols[0].number_input("Page", min_value=1, max_value=pages, value=1, step=1, key="fin_page")
    cols[1].download_button("CSV", data=lambda: _export_bytes(str(path), key, "csv"),
                            file_name=f"payments_{f.start}_{f.end}.csv", mime="text/csv", key="fin_csv",
                            icon=":material/download:", on_click="ignore", disabled=total == 0,
                            help="Every payment the filters select (amounts in minor units + exact decimals).")
    cols[2].download_button("Parquet", data=lambda: _export_bytes(str(path), key, "parquet"),
                            file_name=f"payments_{f.start}_{f.end}.parquet",
                            mime="application/vnd.apache.parquet", key="fin_parquet",
                            icon=":material/download:", on_click="ignore", disabled=total == 0)
    cols[3].caption(f"{total:,} payments match the filters · page {page} of {pages} · newest first")
    if total == 0:
        return
    df = _read(path, m.payments_table, f, TABLE_PAGE_SIZE, (int(page) - 1) * TABLE_PAGE_SIZE)
    show = df.copy()
    show.insert(4, "amount_display", [format_amount(int(a), c) for a, c in zip(df.amount, df.currency)])
    show["explorer"] = [f"{EXPLORER_URL}?pi={p}" if p else None for p in df.payment_intent]
    st.dataframe(show, hide_index=True, width="stretch", key="fin_tbl_payments", column_config={
        "created": st.column_config.DatetimeColumn("Created (UTC)", format="D MMM YYYY, HH:mm:ss"),
        "amount_display": st.column_config.TextColumn("Amount"),
        "amount": st.column_config.NumberColumn("Amount (minor units)", format="%d"),
        "explorer": st.column_config.LinkColumn("Explorer", display_text="Open"),
    })
    pis = [p for p in df.payment_intent.dropna().unique()]
    if pis:
        c1, c2 = st.columns([2, 1])
        chosen = c1.selectbox("Drill down into a payment", pis, key="fin_drill")
        with c2:
            st.page_link(EXPLORER_PAGE, label=f"Open {chosen} in the explorer", icon=":material/travel_explore:",
                         query_params={"pi": chosen})


# ---------------------------------------------------------------------------------------------
# the page


def render_dashboard() -> None:
    st.title("Finance dashboard")
    st.caption("Volume, fees, refunds, disputes and net, computed in DuckDB from the synced Stripe data. "
               "Dates are UTC; amounts are never added across currencies.")
    path = db_path()
    last = st.session_state.pop("fin_last_result", None)
    if last:
        status_word, message = last
        {"ok": st.success, "partial": st.warning}.get(status_word, st.error)(message)
    try:
        options, status = _read_meta(path)
    except Exception as exc:  # noqa: BLE001 - readable message instead of a traceback
        st.error(_readable(exc))
        return
    render_sync_bar(path, status, show_problems=last is None)
    if not options.get("ready"):
        st.info("No finance data yet. Click **Sync now** to pull PaymentIntents, charges, refunds, disputes, "
                "balance transactions and customers into the local database "
                f"(`{path.name}`), or run `python -m lib.sync`.")
        return
    f = render_filters(options)
    if f is None:
        return
    try:
        dash, prev_ledger, prev_totals, server_ms = _cached_dashboard(
            str(path), _data_version(path), dataclasses.astuple(f))
    except Exception as exc:  # noqa: BLE001
        st.error(_readable(exc))
        return
    if dash.totals["attempts"] == 0 and dash.ledger.empty and options.get("last_day"):
        st.info(f"No payments between {f.start:%d %b %Y} and {f.end:%d %b %Y}. The data runs from "
                f"{options['first_day']:%d %b %Y} to {options['last_day']:%d %b %Y}; choose **All time** "
                "in the date range.")
    render_kpis(dash, prev_ledger, prev_totals)
    render_open_disputes(dash)
    render_charts(dash)
    try:
        render_payments(path, f)
    except Exception as exc:  # noqa: BLE001
        st.error(_readable(exc))
    st.caption(f"Queries: {dash.total_ms:.0f} ms in DuckDB for {len(dash.timings_ms)} metrics "
               f"(+ previous period: {server_ms:.0f} ms total) · database `{path}`")


def _read_meta(path: Path) -> tuple[dict, dict]:
    if not path.exists():
        return {"ready": False}, {}
    con = open_db(path)
    try:
        options = m.filter_options(con)
        options["ready"] = m.has_data(con)
        status = m.sync_status(con)
    finally:
        con.close()
    return options, status


def _readable(exc: BaseException) -> str:
    from lib.redaction import safe_error_message

    if isinstance(exc, duckdb.Error):
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"Could not read the finance database: {first}"
    if isinstance(exc, RuntimeError):
        return str(exc)
    return safe_error_message(exc)
