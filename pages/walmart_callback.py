"""Where Walmart sends the seller's browser after they approve the app."""
import streamlit as st

from core.i18n import _
from ui import context
from ui.connect import finish_connect
from ui.seller_connect import seller_callback

runtime = context.runtime(public=True)
# A seller-started connect (or a visitor who is no dashboard user) is answered there; it keeps the address,
# so a reload finds the connection already received instead of exchanging the spent code again.
# Walmart's parameters; the page's own (?lang=) is not one of them.
params = {name: value for name, value in st.query_params.to_dict().items() if name != "lang"}
if not seller_callback(runtime, params):
    st.title(_("Connecting the store"))
    finish_connect(runtime, params or None, key="callback")
    for name in params:  # a code works once; don't leave it in the address bar
        del st.query_params[name]
    st.page_link("pages/connect.py", label=_("Back to Connect with Walmart"), icon=":material/arrow_back:")
