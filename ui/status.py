"""How health states, check statuses and findings look on screen."""
from __future__ import annotations

from typing import TYPE_CHECKING, Literal, NamedTuple

import streamlit as st

from core.authorization.outcome import HealthState, Status
from core.stores.prechecks import Finding
from ui.text import plain

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

Colour = Literal["green", "orange", "red", "blue", "gray"]


class Badge(NamedTuple):
    label: str
    colour: Colour
    icon: str


BADGES: dict[HealthState, Badge] = {
    HealthState.authorized: Badge("Authorized", "green", ":material/check_circle:"),
    HealthState.missing_permissions: Badge("Missing permissions", "orange", ":material/warning:"),
    HealthState.rejected: Badge("Rejected", "red", ":material/block:"),
    HealthState.wrong_environment: Badge("Wrong environment", "red", ":material/swap_horiz:"),
    HealthState.invalid_input: Badge("Invalid keys", "red", ":material/error:"),
    HealthState.rate_limited: Badge("Rate limited", "blue", ":material/hourglass_top:"),
    HealthState.unreachable: Badge("Walmart unreachable", "gray", ":material/cloud_off:"),
    HealthState.reconnect_required: Badge("Re-connect needed", "red", ":material/link_off:"),
    HealthState.channel_mismatch: Badge("Not linked to the seller", "orange", ":material/link_off:"),
    HealthState.never_checked: Badge("Not checked yet", "gray", ":material/radio_button_unchecked:"),
}

_CELL_STYLES: dict[Colour, str] = {
    "green": "background-color: #e6f4ea; color: #137333",
    "orange": "background-color: #fef7e0; color: #b06000",
    "red": "background-color: #fce8e6; color: #c5221f",
    "blue": "background-color: #e8f0fe; color: #1967d2",
    "gray": "background-color: #f1f3f4; color: #5f6368",
}
_BY_LABEL = {label: colour for label, colour, _ in BADGES.values()}
CHART_COLOURS: dict[Colour, str] = {"green": "#34a853", "orange": "#fbbc04", "red": "#ea4335", "blue": "#4285f4", "gray": "#9aa0a6"}


def _badge(status: HealthState | Status) -> Badge:
    """Every health state has a badge; a check's Status shows as the same state."""
    return BADGES[status if isinstance(status, HealthState) else HealthState.of(status)]


def badge_text(status: HealthState | Status) -> str:
    return _badge(status).label


def style_status_column(frame: pd.DataFrame, column: str = "Status") -> Styler:
    """Colour the status cells of a read-only table (emoji are not in every browser's fonts)."""
    return frame.style.map(lambda label: _CELL_STYLES[_BY_LABEL.get(label, "gray")], subset=[column])


def badge(status: HealthState | Status) -> None:
    label, colour, icon = _badge(status)
    st.badge(label, color=colour, icon=icon)


def show_findings(findings: list[Finding], labels: dict[str, str]) -> None:
    for finding in findings:
        where = labels.get(finding.field, finding.field)
        position = f" (character {finding.position})" if finding.position else ""
        text = f"**{where}{position}:** {plain(finding.message)}  \n{plain(finding.fix)}"  # findings quote what was pasted
        (st.error if finding.severity == "error" else st.warning)(text, icon=":material/error:" if finding.severity == "error" else ":material/info:")
