"""How health states, check statuses and findings look on screen.

Every state has its own colour (`Badge.hex`), used alike in the store table, the Fleet health chart
and the legend beside both (`legend`), so one colour never means two states. A disabled store is
shown as Disabled whatever its last check said: it is not checked, so its old status is not news.
The badge and the alert of a check use the nearest of Streamlit's few named colours (`colour`),
which also decides the alert: green only when authorized, red for a refusal.
"""
from __future__ import annotations

import html
from typing import TYPE_CHECKING, Literal, NamedTuple

import streamlit as st

from core.authorization.outcome import HealthState, Status
from core.authorization.scopes import level_name
from core.i18n import N_, _
from core.stores.prechecks import Finding
from ui.text import plain

if TYPE_CHECKING:
    import pandas as pd
    from pandas.io.formats.style import Styler

Colour = Literal["green", "orange", "yellow", "red", "violet", "blue", "gray"]
DISABLED = "disabled"  # not a health state: a store nobody checks


class Badge(NamedTuple):
    label: str  # N_(): translated where shown
    colour: Colour  # the badge's and the alert's named colour
    icon: str
    hex: str  # the state's own colour in tables, charts and the legend
    ink: str  # text on a light tint of `hex` (table cells): dark enough to read


BADGES: dict[HealthState, Badge] = {
    HealthState.authorized: Badge(N_("Authorized"), "green", ":material/check_circle:", "#1e8e3e", "#0d652d"),
    HealthState.missing_permissions: Badge(N_("Missing permissions"), "orange", ":material/warning:", "#e8710a", "#9a4b06"),
    HealthState.rejected: Badge(N_("Rejected"), "red", ":material/block:", "#d93025", "#a50e0e"),
    HealthState.wrong_environment: Badge(N_("Wrong environment"), "violet", ":material/swap_horiz:", "#9334e6", "#681da8"),
    HealthState.invalid_input: Badge(N_("Invalid keys"), "red", ":material/error:", "#7b1113", "#5c0b0d"),
    HealthState.rate_limited: Badge(N_("Rate limited"), "blue", ":material/hourglass_top:", "#1a73e8", "#174ea6"),
    HealthState.unreachable: Badge(N_("Walmart unreachable"), "gray", ":material/cloud_off:", "#5f6368", "#3c4043"),
    HealthState.reconnect_required: Badge(N_("Re-connect needed"), "red", ":material/link_off:", "#d01884", "#8f0e5a"),
    HealthState.channel_mismatch: Badge(N_("Not linked to the seller"), "yellow", ":material/link_off:", "#f9ab00", "#7a5300"),
    HealthState.never_checked: Badge(N_("Not checked yet"), "gray", ":material/radio_button_unchecked:", "#bdc1c6", "#5f6368"),
}
DISABLED_BADGE = Badge(N_("Disabled"), "gray", ":material/do_not_disturb_on:", "#8d6e63", "#5d4037")
# Codes kept in the database, in words (the words the Fleet health page uses). Unknown codes (a newer version's) are
# shown as they are.
EVENT_KINDS = {
    "lost_authorization": N_("Lost authorization"),
    "lost_permission": N_("Lost a permission"),
    "recovered": N_("Authorized again"),
    "still_failing": N_("Still failing (reminder)"),
}
DELIVERIES = {
    "off": N_("not sent (webhook off)"),
    "pending": N_("waiting to be sent"),
    "sending": N_("being sent"),
    "sent": N_("sent"),
    "failed": N_("failed, will be retried"),
    "suppressed": N_("not repeated (sent recently)"),
}
ALERT_OF: dict[Colour, Literal["success", "warning", "error", "info"]] = {
    "green": "success", "orange": "warning", "yellow": "warning", "red": "error", "violet": "error", "blue": "info", "gray": "info",
}


def _badge(status: HealthState | Status | str) -> Badge:
    """Every health state has a badge; a check's Status shows as the same state; 'disabled' as Disabled."""
    if status == DISABLED:
        return DISABLED_BADGE
    return BADGES[status if isinstance(status, HealthState) else HealthState.of(Status(status))]


def shown_state(status: HealthState, enabled: bool) -> HealthState | str:
    """What a store's row shows: its health, or Disabled."""
    return status if enabled else DISABLED


def badge_text(status: HealthState | Status | str) -> str:
    return _(_badge(status).label)


def status_label(value: str | None) -> str:
    """A status kept as its value (a status change's from and to) in words; '—' for none."""
    return badge_text(HealthState(value)) if value in {state.value for state in HealthState} else (value or "—")


def _words(table: dict[str, str], code: str | None) -> str:
    code = code or ""
    return _(table[code]) if code in table else code.replace("_", " ")


def event_kind_label(kind: str) -> str:
    """A status event's kind (lost_authorization ...) in words."""
    return _words(EVENT_KINDS, kind)


def delivery_label(delivery: str, error: str | None = None) -> str:
    """Where an alert's webhook delivery stands, in words, with why it failed (outside text) when it did."""
    words = _words(DELIVERIES, delivery)
    return _("{delivery} ({error})", delivery=words, error=error) if error else words


def access_label(level: str | None) -> str:
    """A permission level (full_access, view_only, no_access, or "not granted"; '' for a scope that is not required) in words."""
    return level_name(level) if level else _("not required")


def _styles() -> dict[str, str]:
    badges = [*BADGES.values(), DISABLED_BADGE]
    return {_(badge.label): f"background-color: {badge.hex}26; color: {badge.ink}" for badge in badges}


def style_status_column(frame: pd.DataFrame, column: str | None = None) -> Styler:
    """Colour the status cells of a read-only table, each state in its own colour (emoji are not in every browser's fonts).
    `column`: the status column's heading as shown (the translated "Status" unless said)."""
    styles = _styles()
    return frame.style.map(lambda label: styles.get(label, ""), subset=[column or _("Status")])


def chart_colours(states: list[HealthState]) -> tuple[list[str], list[str]]:
    """(labels, colours) for a chart of these states, in the legend's order."""
    ordered = [state for state in BADGES if state in states]
    return [badge_text(state) for state in ordered], [BADGES[state].hex for state in ordered]


def legend(*, with_disabled: bool = True) -> None:
    """The one legend of the states' colours, the same under the store table and the Fleet health chart."""
    badges = [*BADGES.values(), *([DISABLED_BADGE] if with_disabled else [])]
    chips = "".join(
        f'<span style="white-space:nowrap;margin-right:1.1em"><span style="display:inline-block;width:0.8em;height:0.8em;'
        f'border-radius:2px;margin-right:0.35em;vertical-align:-0.05em;background:{badge.hex}"></span>{html.escape(_(badge.label))}</span> '
        for badge in badges
    )
    st.markdown(f'<div class="status-legend" style="font-size:0.85em;line-height:1.9">{chips}</div>', unsafe_allow_html=True)


def badge(status: HealthState | Status | str) -> None:
    label, colour, icon, _hex, _ink = _badge(status)
    st.badge(_(label), color=colour, icon=icon)


def show_findings(findings: list[Finding], labels: dict[str, str]) -> None:
    """Each pre-check finding in its severity's colour. `labels`: field -> its name, marked with N_() (translated here)."""
    for finding in findings:
        where = _(labels[finding.field]) if finding.field in labels else finding.field
        heading = (_("{field} (character {position}):", field=where, position=finding.position) if finding.position
                   else _("{field}:", field=where))
        text = f"**{heading}** {plain(finding.message)}  \n{plain(finding.fix)}"  # findings quote what was pasted
        (st.error if finding.severity == "error" else st.warning)(text, icon=":material/error:" if finding.severity == "error" else ":material/info:")
