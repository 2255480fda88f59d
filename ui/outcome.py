"""A check's outcome shown where the action happened, in the colour of its status: green only when
authorized, orange or yellow when something needs a look, red when refused, blue or grey when it may
clear by itself."""
from __future__ import annotations

from collections.abc import Callable

import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from core.authorization.outcome import HealthState, Outcome
from core.i18n import _
from ui.status import ALERT_OF, BADGES
from ui.text import plain

_ALERTS: dict[str, Callable[..., object]] = {
    "success": DeltaGenerator.success,
    "warning": DeltaGenerator.warning,
    "error": DeltaGenerator.error,
    "info": DeltaGenerator.info,
}


def show_outcome(outcome: Outcome, where: DeltaGenerator | None = None, subject: str | None = None, *, brief: bool = False) -> None:
    """One alert in the status's badge colour (ui.status.BADGES decides, so badge and alert never disagree):
    the status title, what happened (outside text, shown as text) and, unless authorized, the next step.
    `brief`: the title only, where the rest is on the page already."""
    badge = BADGES[HealthState.of(outcome.status)]
    lead = _("{store}: {title}.", store=plain(subject), title=outcome.title) if subject else _("{title}.", title=outcome.title)
    text = lead if brief else f"**{lead}**  \n{plain(outcome.summary)}"
    if badge.colour != "green" and not brief:
        text += "  \n" + _("Next step: {step}", step=outcome.next_step)
    _ALERTS[ALERT_OF[badge.colour]](where if where is not None else st.container(), text, icon=badge.icon)
