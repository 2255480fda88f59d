"""Where Walmart sends the seller's browser after they approve the app."""
import streamlit as st

from core.i18n import _
from ui import context
from ui.connect import finish_connect

runtime = context.runtime()
st.title(_("Connecting the store"))
finish_connect(runtime, st.query_params.to_dict() or None, key="callback")
st.query_params.clear()  # a code works once; don't leave it in the address bar
st.page_link("pages/connect.py", label=_("Back to Connect with Walmart"), icon=":material/arrow_back:")
