"""Payment Flow Lab — Streamlit entry point. Owns the navigation; every page lives in app_pages/."""

import streamlit as st

from lib import ui
from lib.redaction import install_log_redaction

install_log_redaction()
st.set_page_config(page_title="Payment Flow Lab", page_icon="💳", layout="wide")

PAGES = {
    "Learn": [
        st.Page("app_pages/learn_walkthrough.py", title="Payment walkthrough", icon=":material/school:", default=True),
    ],
    "Build": [
        st.Page("app_pages/build_scenarios.py", title="Scenario catalog", icon=":material/extension:"),
        st.Page("app_pages/build_explorer.py", title="Payments explorer", icon=":material/travel_explore:"),
        st.Page("app_pages/build_events.py", title="Events & webhooks", icon=":material/webhook:"),
        st.Page("app_pages/build_simulator.py", title="Traffic simulator", icon=":material/traffic:"),
        st.Page("app_pages/build_request_log.py", title="Request log", icon=":material/receipt_long:"),
    ],
    "Finance": [
        st.Page("app_pages/finance_dashboard.py", title="Finance dashboard", icon=":material/monitoring:"),
    ],
    "Setup": [
        st.Page("app_pages/connection.py", title="Connection", icon=":material/power:"),
    ],
}

page = st.navigation(PAGES)
connection = ui.connection_or_error()
ui.sidebar_status(connection)
ui.start_shop(connection)
page.run()
