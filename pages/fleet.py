"""Fleet health: statuses over time, changes and alerts, deadlines, and how to schedule checks.
The address keeps the period, and the changes' store search and page (`/fleet?days=7&q=acme&page=2`)."""
import math

import altair as alt
import pandas as pd
import streamlit as st
from babel.dates import format_skeleton

from core.authorization import alerts as events
from core.authorization import history
from core.authorization.outcome import HealthState
from core.db.engine import session_scope
from core.db.models import utc_now
from core.i18n import _, babel_locale, format_date, format_number, ngettext
from ui import context
from ui.actions import when
from ui.links import Address, Linked, last_page, page_number
from ui.status import badge_text, chart_colours, delivery_label, event_kind_label, legend, status_label

PERIODS = [7, 30, 90]
PAGE_SIZE = 50  # status changes a page
runtime = context.runtime()
settings = runtime.settings
address = Address("fleet", [Linked("days", "fleet_days", lambda text: int(text) if text.strip() in {str(p) for p in PERIODS} else None),
                            Linked("q", "fleet_search"), page_number("page", "fleet_page")])
if (followed := address.follow()).applied & {"q"} and "page" not in followed.applied:
    st.session_state["fleet_page"] = 1
st.title(_("Fleet health"))

days = st.segmented_control(_("Period"), PERIODS, default=30, format_func={d: _("{days} days", days=d) for d in PERIODS}.__getitem__, key="fleet_days") or 30
address.publish()
with session_scope(runtime.engine) as session:
    chart = history.fleet_chart(session, days=days)
    due = history.deadlines(session, settings)


def status_chart(chart: pd.DataFrame, days: int) -> alt.Chart:
    """Stacked bars, one per day of the period, each state in its own colour (the legend's). The days are categories,
    not points on a time axis, so every bar has the width of a day however few days have checks: one day of history
    is a bar among the period's days, not a hairline."""
    states = [HealthState(status) for status in chart.columns]
    labels, colours = chart_colours(states)
    period = pd.date_range(end=max(chart.index.max(), pd.Timestamp(utc_now().date())), periods=days, freq="D")
    frame = chart.set_axis([badge_text(state) for state in states], axis="columns").reindex(period, fill_value=0)
    frame.index = [format_skeleton("MMMd", day, locale=babel_locale()) for day in frame.index]
    long = frame.rename_axis("day").reset_index().melt("day", var_name="status", value_name="stores")
    return alt.Chart(long).mark_bar().encode(
        x=alt.X("day:O", title=None, sort=list(frame.index), axis=alt.Axis(labelAngle=0, labelOverlap=True)),
        y=alt.Y("sum(stores):Q", title=_("Stores"), axis=alt.Axis(tickMinStep=1)),
        color=alt.Color("status:N", scale=alt.Scale(domain=labels, range=colours), legend=None),
        order=alt.Order("status:N"),
        tooltip=[alt.Tooltip("day:O", title=_("Day")), alt.Tooltip("status:N", title=_("Status")), alt.Tooltip("stores:Q", title=_("Stores"))],
    ).properties(height=280)


st.subheader(_("Stores by status, per day"))
if chart.empty:
    st.info(_("No checks in this period yet. Run *Check all* on the Store authorization page, or schedule checks (below)."))
else:
    st.altair_chart(status_chart(chart, days), width="stretch")
    legend(with_disabled=False)
    st.caption(_("Each store counts once a day, with the status of its last check that day."))

st.subheader(_("Deadlines"))
cols = st.columns(2)
cols[0].metric(_("Days until Delegated Access keys stop"), format_number(due.days_left),
               help=_("Configured as {day} (DELEGATED_ACCESS_DEADLINE).", day=format_date(due.delegated_access_deadline)))
cols[1].metric(_("Stores with keys older than {days} days", days=due.key_max_age_days), format_number(len(due.keys_older_than_limit)))
if due.stores_on_delegated_keys:
    st.warning(ngettext("{n} store still uses Delegated Access keys, which Walmart stops accepting on {day}. Plan to move it to OAuth seller authorization.",
                        "{n} stores still use Delegated Access keys, which Walmart stops accepting on {day}. Plan to move them to OAuth seller authorization.",
                        due.stores_on_delegated_keys, day=format_date(due.delegated_access_deadline)))
if due.keys_older_than_limit:
    st.dataframe(pd.DataFrame(due.keys_older_than_limit, columns=[_("Store"), _("Key age (days)")]), hide_index=True, width="stretch")
if due.refresh_tokens_expiring:
    st.warning(ngettext("OAuth refresh tokens run out within {days} days for {n} store; connect it again on the Connect with Walmart page.",
                        "OAuth refresh tokens run out within {days} days for {n} stores; connect them again on the Connect with Walmart page.",
                        len(due.refresh_tokens_expiring), days=settings.refresh_token_warn_days))
    st.dataframe(pd.DataFrame(due.refresh_tokens_expiring, columns=[_("Store"), _("Days left")]), hide_index=True, width="stretch")

st.subheader(_("Changes and alerts"))
webhook = _("on") if settings.alert_webhook_url else _("off (set ALERT_WEBHOOK_URL)")
st.caption(_("Webhook alerts: {webhook}; the same alert is not repeated within {hours} hours. History is kept {days} days.",
             webhook=webhook, hours=format_number(settings.alert_renotify_hours), days=settings.history_retention_days))

search = st.text_input(_("Search stores"), key="fleet_search", placeholder=_("Store name"),
                       on_change=lambda: st.session_state.update(fleet_page=1))
with session_scope(runtime.engine) as session:  # one page of the changes and their count, never the whole history
    total = events.count_events(session, search)
    pages = max(1, math.ceil(total / PAGE_SIZE))
    number = last_page("fleet_page", pages)
    changes = events.find_events(session, search, offset=(number - 1) * PAGE_SIZE, limit=PAGE_SIZE)
address.publish()

if changes:
    st.dataframe(
        pd.DataFrame({
            _("When (UTC)"): [when(event.at) for event, _name in changes],
            _("Store"): [name for _event, name in changes],
            _("Change"): [event_kind_label(event.kind) for event, _name in changes],
            _("From → to"): [f"{status_label(event.from_status)} → {status_label(event.to_status)}" for event, _name in changes],
            _("Detail"): [event.detail for event, _name in changes],
            _("Alert"): [delivery_label(event.delivery, event.delivery_error) for event, _name in changes],
        }),
        hide_index=True, width="stretch",
    )
    if pages > 1:
        st.pagination(pages, key="fleet_page")
    st.caption(ngettext("{count} change matches; page {page} of {pages}, newest first.", "{count} changes match; page {page} of {pages}, newest first.",
                        total, count=format_number(total), page=number, pages=pages))
elif search.strip():
    st.caption(_("No changes match."))
else:
    st.caption(_("No status changes recorded yet."))

with st.expander(_("Schedule checks (cron, systemd, Kubernetes)")):
    st.markdown(_(
        "Run the check from the project folder every few minutes; `--due` checks only stores whose last check is older "
        "than {minutes} minutes (CHECK_INTERVAL_MINUTES), and several machines can run it at once "
        "on PostgreSQL without checking a store twice.", minutes=settings.check_interval_minutes))
    st.code("*/5 * * * *  cd /opt/store-connect && .venv/bin/python -m core stores check --due --json >> /var/log/store-connect.jsonl", language="bash")
