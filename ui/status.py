"""How statuses and findings look on screen."""
from __future__ import annotations

import streamlit as st

from core.credentials import Finding

BADGES = {
    "authorized": ("Authorized", "green", ":material/check_circle:"),
    "missing_permissions": ("Missing permissions", "orange", ":material/warning:"),
    "rejected": ("Rejected", "red", ":material/block:"),
    "wrong_environment": ("Wrong environment", "red", ":material/swap_horiz:"),
    "invalid_input": ("Invalid keys", "red", ":material/error:"),
    "rate_limited": ("Rate limited", "blue", ":material/hourglass_top:"),
    "unreachable": ("Walmart unreachable", "gray", ":material/cloud_off:"),
    "never_checked": ("Not checked yet", "gray", ":material/radio_button_unchecked:"),
}

_TEXT_ICONS = {"green": "🟢", "orange": "🟠", "red": "🔴", "blue": "🔵", "gray": "⚪"}


def badge_text(status: str) -> str:
    label, colour, _ = BADGES.get(status, (status, "gray", ""))
    return f"{_TEXT_ICONS[colour]} {label}"


def badge(status: str) -> None:
    label, colour, icon = BADGES.get(status, (status, "gray", None))
    st.badge(label, color=colour, icon=icon)


def show_findings(findings: list[Finding], labels: dict[str, str]) -> None:
    for finding in findings:
        where = labels.get(finding.field, finding.field)
        position = f" (character {finding.position})" if finding.position else ""
        text = f"**{where}{position}:** {finding.message}  \n{finding.fix}"
        (st.error if finding.severity == "error" else st.warning)(text, icon=":material/error:" if finding.severity == "error" else ":material/info:")
