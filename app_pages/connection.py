"""Connection — which API the app talks to, with which (masked) keys, and whether it answers."""

import streamlit as st

from lib import ui
from lib.column_widths import fitted_width

SETUP_ENV = """\
# Option 1: environment variables (restart `make run` afterwards)
export STRIPE_SECRET_KEY=sk_test_…        # Dashboard → Developers → API keys (test mode)
export STRIPE_PUBLISHABLE_KEY=pk_test_…
export STRIPE_WEBHOOK_SECRET=whsec_…      # printed by `stripe listen` (optional)
make run"""

SETUP_SECRETS = """\
# Option 2: .streamlit/secrets.toml (git-ignored; picked up on the next page load)
STRIPE_SECRET_KEY = "sk_test_…"
STRIPE_PUBLISHABLE_KEY = "pk_test_…"
STRIPE_WEBHOOK_SECRET = "whsec_…"
# STRIPE_API_BASE = "http://localhost:12111"   # any Stripe-compatible server instead of Stripe"""

WEBHOOKS = """\
# Streamlit cannot receive POSTs, so the app takes webhooks on its own small server.
# Give that server a fixed port, start the app, then forward your test account's events to it:
export MERCHANT_WEBHOOK_PORT=8502
make run
stripe login
stripe listen --forward-to localhost:8502/webhooks/stripe
# put the printed whsec_… into STRIPE_WEBHOOK_SECRET (restart), then try:
stripe trigger payment_intent.succeeded"""

st.title("Connection")
conn = ui.connection_or_error()

if isinstance(conn, Exception):
    ui.show_error(conn)
    st.markdown("Fix the setting above (see **How to connect** below), then reload the page. "
                "Remove all `STRIPE_*` settings to use the built-in offline sandbox.")
else:
    ui.mode_badge(conn)
    st.markdown(conn.mode_description)
    for warning in conn.settings.warnings:
        st.warning(warning)
    facts = ui.connection_facts(conn)
    # The value column as wide as its longest value (the webhook row's is ~500 px): the grid would
    # size it by its first rows and cut that one.
    st.dataframe(facts, hide_index=True, width="stretch", column_config={"value": st.column_config.TextColumn(
        "value", width=fitted_width("value", [row["value"] for row in facts], max_px=640))})

    st.subheader("Health")
    recheck = st.button("Check again", key="connection_recheck")
    health = ui.connection_health(conn, fresh=recheck)
    if health.ok:
        st.success(f"API reachable at {conn.api_base}: {health.detail}.")
    else:
        st.error(f"API unreachable at {conn.api_base}. {health.detail}")

    if conn.sandbox is not None:
        st.subheader("Offline sandbox")
        try:
            counts, stats_error = conn.sandbox.stats(), None
        except Exception as exc:
            counts, stats_error = {}, exc
        left, middle, right = st.columns(3)
        left.metric("Status", "Up" if health.ok else "Down")
        middle.metric("Port", conn.sandbox.port)
        right.metric("Objects stored", sum(counts.values()) if stats_error is None else "—")
        st.caption(f"Data directory: `{conn.sandbox_data_dir}` (set SANDBOX_DATA_DIR and restart to move it)")
        if stats_error is not None:
            ui.show_error(stats_error)
        elif counts:
            rows = [{"object": name, "count": count} for name, count in sorted(counts.items())]
            st.dataframe(rows, hide_index=True, width="content")

st.subheader("How to connect")
st.markdown("With no keys set, the app uses its **offline sandbox**. To use your own Stripe "
            "**test** account instead, set the keys in one of these ways:")
st.code(SETUP_ENV, language="bash")
st.code(SETUP_SECRETS, language="toml")
st.markdown("Live keys (`sk_live_…`) are refused. `STRIPE_LIVE_READONLY=1` allows browsing live data; "
            "every write is then blocked before it is sent.")
st.subheader("Receive real webhooks")
st.markdown("In the sandbox modes webhooks are wired up automatically. With a real test account, "
            "install the [Stripe CLI](https://docs.stripe.com/stripe-cli) and forward events:")
st.code(WEBHOOKS, language="bash")
