"""Running a core action from a page: one transaction, plain messages, reload on conflict."""
from __future__ import annotations

import streamlit as st

from core.db import session_scope
from core.errors import Conflict, StoreConnectError


def run_action(engine, action, success: str) -> bool:
    state = st.session_state
    try:
        with session_scope(engine) as session:
            action(session)
    except Conflict as problem:
        # Reload so the forms show the other person's version, and say why.
        state["form_version"] = state.get("form_version", 0) + 1
        state["flash_error"] = problem
        st.rerun()
    except StoreConnectError as problem:
        st.error(problem.message, icon=":material/error:")
        if problem.fix:
            st.info(problem.fix)
        return False
    state["flash"] = success
    return True


def show_flash() -> None:
    state = st.session_state
    if message := state.pop("flash", None):
        st.success(message, icon=":material/check:")
    if problem := state.pop("flash_error", None):
        st.error(problem.message, icon=":material/error:")
        st.info(problem.fix)


def when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"
