"""Fleet health: statuses over time, changes and alerts, deadlines, and how to schedule checks."""
import pandas as pd
import streamlit as st

from core.authorization import alerts as events
from core.authorization import history
from core.authorization.outcome import HealthState
from core.db.engine import session_scope
from ui import context
from ui.actions import when
from ui.status import BADGES, CHART_COLOURS

runtime = context.runtime()
settings = runtime.settings
st.title("Fleet health")

with session_scope(runtime.engine) as session:
    days = st.segmented_control("Period", [7, 30, 90], default=30, format_func=lambda d: f"{d} days", key="fleet_days") or 30
    chart = history.fleet_chart(session, days=days)
    changes = events.recent_events(session, limit=200)
    due = history.deadlines(session, settings)

st.subheader("Stores by status, per day")
if chart.empty:
    st.info("No checks in this period yet. Run *Check all* on the Store authorization page, or schedule checks (below).")
else:
    badges = [BADGES[HealthState(status)] for status in chart.columns]  # the statuses checks found
    chart = chart.set_axis([badge.label for badge in badges], axis="columns")
    st.bar_chart(chart, color=[CHART_COLOURS[badge.colour] for badge in badges], stack=True)
    st.caption("Each store counts once a day, with the status of its last check that day.")

st.subheader("Deadlines")
cols = st.columns(2)
cols[0].metric("Days until Delegated Access keys stop", due.days_left, help=f"Configured as {due.delegated_access_deadline:%d %b %Y} (DELEGATED_ACCESS_DEADLINE).")
cols[1].metric(f"Stores with keys older than {due.key_max_age_days} days", len(due.keys_older_than_limit))
if due.stores_on_delegated_keys:
    st.warning(f"{due.stores_on_delegated_keys} store(s) still use Delegated Access keys, which Walmart stops accepting on "
               f"{due.delegated_access_deadline:%d %b %Y}. Plan to move them to OAuth seller authorization.")
if due.keys_older_than_limit:
    st.dataframe(pd.DataFrame(due.keys_older_than_limit, columns=["Store", "Key age (days)"]), hide_index=True, width="stretch")
if due.refresh_tokens_expiring:
    st.warning(f"OAuth refresh tokens run out within {settings.refresh_token_warn_days} days for {len(due.refresh_tokens_expiring)} store(s); "
               "connect them again on the Connect with Walmart page.")
    st.dataframe(pd.DataFrame(due.refresh_tokens_expiring, columns=["Store", "Days left"]), hide_index=True, width="stretch")

st.subheader("Changes and alerts")
webhook = "on" if settings.alert_webhook_url else "off (set ALERT_WEBHOOK_URL)"
st.caption(f"Webhook alerts: {webhook}; the same alert is not repeated within {settings.alert_renotify_hours:g} hours. "
           f"History is kept {settings.history_retention_days} days.")
if changes:
    st.dataframe(
        pd.DataFrame({
            "When (UTC)": [when(event.at) for event, _ in changes],
            "Store": [name for _, name in changes],
            "Change": [event.kind.replace("_", " ") for event, _ in changes],
            "From → to": [f"{event.from_status or '—'} → {event.to_status}" for event, _ in changes],
            "Detail": [event.detail for event, _ in changes],
            "Alert": [event.delivery + (f" ({event.delivery_error})" if event.delivery_error else "") for event, _ in changes],
        }),
        hide_index=True, width="stretch",
    )
else:
    st.caption("No status changes recorded yet.")

with st.expander("Schedule checks (cron, systemd, Kubernetes)"):
    st.markdown(
        f"Run the check from the project folder every few minutes; `--due` checks only stores whose last check is older "
        f"than {settings.check_interval_minutes} minutes (CHECK_INTERVAL_MINUTES), and several machines can run it at once "
        "on PostgreSQL without checking a store twice."
    )
    st.code("*/5 * * * *  cd /opt/store-connect && .venv/bin/python -m core stores check --due --json >> /var/log/store-connect.jsonl", language="bash")
