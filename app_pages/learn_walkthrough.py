"""Payment walkthrough — the seven steps of a card payment, done live (logic in lib/learn/)."""

import streamlit as st

from lib import ui
from lib.learn import ui_page

st.title("Payment walkthrough")
ui_page.render(ui.require_connection())
