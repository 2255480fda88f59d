"""Running a core action from a page, and showing its result where the action was.

Every action has a key, usually its button's. Its result is kept under that key (`report`) and shown
by `show_result(key)`, which the page calls right beside the button, so it is seen where the person
is looking, in the colour of what happened: green only for a change that went through, red for a
refusal or a failure, orange for something that needs a look, blue for plain information. A result
is shown once; the next action replaces it.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, Literal, TypeVar

import streamlit as st
from sqlalchemy.engine import Engine
from sqlmodel import Session
from streamlit.delta_generator import DeltaGenerator

from core.db.engine import session_scope
from core.errors import Conflict, StoreConnectError
from core.i18n import format_datetime
from ui.text import plain

T = TypeVar("T")
Tone = Literal["success", "failure", "warning", "info"]
_RESULTS = "action_results"  # action key -> Result, until shown


@dataclass(frozen=True)
class Result:
    """What an action did, as the person who pressed the button should read it."""

    tone: Tone
    message: str  # may quote outside text (store names, SKUs, file names): shown through plain()
    fix: str = ""  # the next step, for a refusal or a failure


@dataclass(frozen=True)
class Done(Generic[T]):
    """What a change that went through returned (an action may return None, so None cannot mean failure)."""

    result: T


_SHOW: dict[Tone, tuple[Callable[..., object], str]] = {
    "success": (DeltaGenerator.success, ":material/check_circle:"),
    "failure": (DeltaGenerator.error, ":material/error:"),
    "warning": (DeltaGenerator.warning, ":material/warning:"),
    "info": (DeltaGenerator.info, ":material/info:"),
}


def report(key: str, tone: Tone, message: str, fix: str = "") -> None:
    """Keep an action's result for `show_result(key)`, on this run or the next (after st.rerun)."""
    st.session_state.setdefault(_RESULTS, {})[key] = Result(tone, message, fix)


def forget_result(key: str) -> None:
    st.session_state.get(_RESULTS, {}).pop(key, None)


def render(result: Result, where: DeltaGenerator | None = None) -> None:
    show, icon = _SHOW[result.tone]
    text = plain(result.message)
    if result.fix and result.tone != "success":
        text += "  \n" + plain(result.fix)
    show(where if where is not None else st.container(), text, icon=icon)


def show_problem(problem: StoreConnectError) -> None:
    """A refusal shown where it happened, when it is not kept as an action's result: what went wrong, then what to do."""
    st.error(plain(problem.message), icon=":material/error:")
    st.info(plain(problem.fix))


def show_result(key: str, where: DeltaGenerator | None = None) -> Result | None:
    """Show the action's result here (once), if it has one."""
    result: Result | None = st.session_state.get(_RESULTS, {}).pop(key, None)
    if result is not None:
        render(result, where)
    return result


def attempt(engine: Engine, action: Callable[[Session], T], *, key: str, conflict_fix: str | None = None,
            forget: tuple[str, ...] = ()) -> Done[T] | None:
    """Run a core change in one transaction: Done(its result), or None after keeping why under `key`.

    On a conflict (someone else changed the data first) the page's stale state in `forget` is
    dropped, forms are reset, and the run starts again; the reason shows beside the action, with
    `conflict_fix` as the next step. A refusal is kept the same way, for the show_result(key) that
    follows the button on this run.
    """
    state = st.session_state
    try:
        with session_scope(engine) as session:
            return Done(action(session))
    except Conflict as problem:
        for name in forget:
            state.pop(name, None)
        state["form_version"] = state.get("form_version", 0) + 1
        report(key, "failure", problem.message, conflict_fix or problem.fix)
        st.rerun()
    except StoreConnectError as problem:  # core's messages quote store names, SKUs, file names and gateway text
        report(key, "failure", problem.message, problem.fix)
    return None


def attempt_workflow(action: Callable[[], T], *, key: str) -> Done[T] | None:
    """A core workflow that calls Walmart and opens its own short transactions (reading orders, a check): Done(its
    result), or None after keeping why under `key`. It opens no transaction itself: none may be held across a call."""
    try:
        return Done(action())
    except StoreConnectError as problem:
        report(key, "failure", problem.message, problem.fix)
    return None


def run_action(engine: Engine, action: Callable[[Session], object], success: str, *, key: str) -> bool:
    """`attempt`, and on success keep `success` (green) for show_result(key). True when it went through."""
    done = attempt(engine, action, key=key)
    if done is not None:
        report(key, "success", success)
    return done is not None


def when(value: datetime | None) -> str:
    """A moment (kept in UTC) as people of the page's language write it; '—' for none."""
    return format_datetime(value)
