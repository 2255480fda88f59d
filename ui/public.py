"""The pages a visitor who is no dashboard user may open: where a seller from Walmart's App Store lands
(our Login URL) and where Walmart sends them back (the callback). They never show data (ui/seller_connect.py)."""
from __future__ import annotations

from pathlib import Path

import streamlit as st
from streamlit.navigation.page import StreamlitPage

from core.i18n import _
from core.oauth.seller_started import LOGIN_PATH

CALLBACK_PATH = "walmart_callback"
# Page file (relative to app.py) -> its address.
_PUBLIC = {"pages/walmart_login.py": LOGIN_PATH, "pages/walmart_callback.py": CALLBACK_PATH}
_ROOT = Path(__file__).resolve().parent.parent


def public_pages() -> list[StreamlitPage]:
    """Hidden pages reachable by address; app.py lists them for dashboard users too."""
    titles = {LOGIN_PATH: _("Connect your Walmart store"), CALLBACK_PATH: _("Connecting")}
    return [st.Page(file, title=titles[path], url_path=path, visibility="hidden") for file, path in _PUBLIC.items()]


def _sign_in_first() -> None:
    """Never run: app.py shows the sign-in prompt when public_page() finds no open page."""


def public_page() -> StreamlitPage | None:
    """For a visitor without a role: the open page their address names, or None (then they must sign in)."""
    page = st.navigation([st.Page(_sign_in_first, title="Store Connect", default=True), *public_pages()], position="hidden")
    state = st.session_state
    resume = state.get("resume_page")  # a fresh server ran the page file itself first (see ui/context.runtime())
    if resume and (wanted := Path(resume).resolve().relative_to(_ROOT).as_posix()) in _PUBLIC:
        state.pop("resume_page")
        st.switch_page(wanted, query_params=state.pop("resume_query", None) or None)
    return page if page.url_path in _PUBLIC.values() else None
