"""Process-wide resources for the pages, built once per process (st.cache_resource)
and shared by every session, so tokens stay cached across page views and reruns."""
from __future__ import annotations

import streamlit as st

from core.runtime import Runtime, open_runtime


@st.cache_resource(show_spinner=False)
def runtime() -> Runtime:
    app = open_runtime()
    app.vault  # noqa: B018  (fail at startup, not mid-action, on a wrong key or dead database)
    return app
