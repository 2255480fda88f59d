"""How statuses and findings look on screen."""
from __future__ import annotations

import streamlit as st

from core.stores.prechecks import Finding

BADGES = {
    "authorized": ("Authorized", "green", ":material/check_circle:"),
    "missing_permissions": ("Missing permissions", "orange", ":material/warning:"),
    "rejected": ("Rejected", "red", ":material/block:"),
    "wrong_environment": ("Wrong environment", "red", ":material/swap_horiz:"),
    "invalid_input": ("Invalid keys", "red", ":material/error:"),
    "rate_limited": ("Rate limited", "blue", ":material/hourglass_top:"),
    "unreachable": ("Walmart unreachable", "gray", ":material/cloud_off:"),
    "reconnect_required": ("Re-connect needed", "red", ":material/link_off:"),
    "never_checked": ("Not checked yet", "gray", ":material/radio_button_unchecked:"),
}

_CELL_STYLES = {
    "green": "background-color: #e6f4ea; color: #137333",
    "orange": "background-color: #fef7e0; color: #b06000",
    "red": "background-color: #fce8e6; color: #c5221f",
    "blue": "background-color: #e8f0fe; color: #1967d2",
    "gray": "background-color: #f1f3f4; color: #5f6368",
}
_BY_LABEL = {label: colour for label, colour, _ in BADGES.values()}


def badge_text(status: str) -> str:
    return BADGES.get(status, (status, "gray", ""))[0]


def style_status_column(frame, column: str = "Status"):
    """Colour the status cells of a read-only table (emoji are not in every browser's fonts)."""
    return frame.style.map(lambda label: _CELL_STYLES[_BY_LABEL.get(label, "gray")], subset=[column])


def badge(status: str) -> None:
    label, colour, icon = BADGES.get(status, (status, "gray", None))
    st.badge(label, color=colour, icon=icon)


def show_findings(findings: list[Finding], labels: dict[str, str]) -> None:
    for finding in findings:
        where = labels.get(finding.field, finding.field)
        position = f" (character {finding.position})" if finding.position else ""
        text = f"**{where}{position}:** {finding.message}  \n{finding.fix}"
        (st.error if finding.severity == "error" else st.warning)(text, icon=":material/error:" if finding.severity == "error" else ":material/info:")
