"""Payment Flow Lab — Streamlit entry point. Owns the navigation (pages are defined once in
lib/ui_pages.py; each page's file lives in app_pages/), starts the shop, then runs the page."""

import streamlit as st

from lib import ui, ui_pages
from lib.redaction import install_log_redaction

install_log_redaction()
st.set_page_config(page_title="Payment Flow Lab", page_icon="💳", layout="wide")

page = st.navigation(ui_pages.navigation())
connection = ui.connection_or_error()
ui.sidebar_status(connection)
ui.start_shop(connection)
page.run()
