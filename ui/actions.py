"""Running a core action from a page: one transaction, plain messages, reload on conflict."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session

from core.db.engine import session_scope
from core.errors import Conflict, StoreConnectError
from ui.text import plain

T = TypeVar("T")


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a change that went through returned (an action may return None, so None cannot mean failure)."""

    result: T


def attempt(engine: Engine, action: Callable[[Session], T], *, conflict_fix: str | None = None, forget: tuple[str, ...] = ()) -> Done[T] | None:
    """Run a core change in one transaction: Done(its result), or None after saying why.

    On a conflict (someone else changed the data first) the page's stale state in `forget` is
    dropped, forms are reset, and the message shows on the rerun, with `conflict_fix` as the next step.
    """
    state = st.session_state
    try:
        with session_scope(engine) as session:
            return Done(action(session))
    except Conflict as problem:
        for key in forget:
            state.pop(key, None)
        state["form_version"] = state.get("form_version", 0) + 1
        state["flash_error"] = Conflict(problem.message, conflict_fix or problem.fix)
        st.rerun()
    except StoreConnectError as problem:  # core's messages quote store names, SKUs, file names and gateway text
        st.error(plain(problem.message), icon=":material/error:")
        if problem.fix:
            st.info(plain(problem.fix))
    return None


def run_action(engine: Engine, action: Callable[[Session], object], success: str) -> bool:
    done = attempt(engine, action)
    if done is not None:
        st.session_state["flash"] = success
    return done is not None


def show_flash() -> None:
    state = st.session_state
    if message := state.pop("flash", None):  # flashes quote what was saved: store names, SKUs, file names
        st.success(plain(message), icon=":material/check:")
    if problem := state.pop("flash_error", None):
        st.error(plain(problem.message), icon=":material/error:")
        st.info(plain(problem.fix))


def when(value: datetime | None) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value else "—"
