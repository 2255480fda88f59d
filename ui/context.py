"""Process-wide resources for the pages, built once per process (st.cache_resource)
and shared by every session, so tokens stay cached across page views and reruns."""
from __future__ import annotations

import streamlit as st

from core.runtime import Runtime, open_runtime
from ui.language import choose_language


@st.cache_resource(show_spinner=False)
def shared_runtime() -> Runtime:
    """For app.py, which runs before any page and checks who the user is."""
    app = open_runtime()
    app.vault  # noqa: B018  (fail at startup, not mid-action, on a wrong key or dead database)
    return app


def runtime(*, public: bool = False) -> Runtime:
    """For pages. If the very first request of a fresh server opens a page's own address, Streamlit
    runs that page without the router (its pages/ auto-discovery); send it through app.py so sign-in,
    roles and settings checks always run first. The same when a page runs that way for a visitor who is
    no dashboard user: only the `public` pages (a seller's, ui/public.py) may run for them."""
    actor = st.session_state.get("actor")
    if actor is None or not (public or (actor.name and actor.role is not None)):
        import inspect

        st.session_state["resume_page"] = inspect.stack()[1].filename  # come back here once the router has run
        # Switching pages drops the query parameters (a shared FAQ link's ?q=); keep every value of each.
        st.session_state["resume_query"] = {name: st.query_params.get_all(name) for name in st.query_params}
        st.switch_page("app.py")
    shared = shared_runtime()
    choose_language(shared.settings)  # the router chose it already; a page run on its own (tests, a rerun of one page) too
    return shared
