"""Running a core action from a page: one transaction, plain messages, reload on conflict."""
from __future__ import annotations

import streamlit as st

from core.db.engine import session_scope
from core.errors import Conflict, StoreConnectError


def attempt(engine, action, *, conflict_fix: str | None = None, forget: tuple[str, ...] = ()) -> tuple[bool, object]:
    """Run a core change in one transaction: (True, its result), or (False, None) after saying why.

    On a conflict (someone else changed the data first) the page's stale state in `forget` is
    dropped, forms are reset, and the message shows on the rerun, with `conflict_fix` as the next step.
    """
    state = st.session_state
    try:
        with session_scope(engine) as session:
            return True, action(session)
    except Conflict as problem:
        for key in forget:
            state.pop(key, None)
        state["form_version"] = state.get("form_version", 0) + 1
        state["flash_error"] = Conflict(problem.message, conflict_fix or problem.fix)
        st.rerun()
    except StoreConnectError as problem:
        st.error(problem.message, icon=":material/error:")
        if problem.fix:
            st.info(problem.fix)
    return False, None


def run_action(engine, action, success: str) -> bool:
    ok, _ = attempt(engine, action)
    if ok:
        st.session_state["flash"] = success
    return ok


def show_flash() -> None:
    state = st.session_state
    if message := state.pop("flash", None):
        st.success(message, icon=":material/check:")
    if problem := state.pop("flash_error", None):
        st.error(problem.message, icon=":material/error:")
        st.info(problem.fix)


def when(value) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"
