"""One store: its status, permission matrix, streaks and history, and the edit actions."""
from __future__ import annotations

import pandas as pd
import streamlit as st

from core.access import Permission
from core.authorization import alerts as events
from core.authorization import check as authorization
from core.authorization import history
from core.authorization.outcome import STATUS_TEXT, HealthState, Status
from core.authorization.scopes import ScopeDict
from core.db.engine import session_scope
from core.db.models import CredentialKind, utc_now
from core.runtime import Runtime
from core.stores import registry as stores
from core.stores.credential import refresh_token_days_left, refresh_token_expiring
from core.stores.prechecks import precheck
from ui.actions import run_action, when
from ui.identity import actor
from ui.status import badge, badge_text, show_findings, style_status_column

FIELDS = {"client_id": "Client ID", "client_secret": "Client Secret", "both": "Client ID and Client Secret"}


def permission_matrix(scopes: list[ScopeDict]) -> None:
    st.markdown("**Permissions: granted against required**")
    matrix = pd.DataFrame(scopes).rename(columns={"scope": "Scope", "granted": "Granted", "required": "Required", "ok": "OK"})
    matrix["Required"] = matrix["Required"].replace("", "not required")
    matrix[["Granted", "Required"]] = matrix[["Granted", "Required"]].apply(lambda column: column.str.replace("_", " "))
    st.dataframe(
        matrix.style.apply(lambda row: ["background-color: #e6f4ea" if row["OK"] else "background-color: #fce8e6"] * len(row), axis=1),
        hide_index=True,
        width="stretch",
        height="content",
    )


def history_tables(runtime: Runtime, store_id: int) -> None:
    with session_scope(runtime.engine) as session:
        streaks = history.timeline(session, store_id, limit=500)
        past = history.recent_checks(session, store_id, limit=20)
        changes = events.recent_events(session, store_id, limit=20)
    if not past:
        return
    with st.expander(f"History: {len(streaks)} streak(s), {len(past)} most recent checks"):
        st.markdown("**Streaks** (newest first)")
        st.dataframe(
            style_status_column(pd.DataFrame({
                "Status": [badge_text(s.status) for s in streaks],
                "From (UTC)": [when(s.started_at) for s in streaks],
                "To (UTC)": [when(s.ended_at) for s in streaks],
                "Checks": [s.checks for s in streaks],
            })),
            hide_index=True, width="stretch",
        )
        st.markdown("**Checks**")
        st.dataframe(
            style_status_column(pd.DataFrame({
                "Checked (UTC)": [when(row.checked_at) for row in past],
                "Status": [badge_text(Status(row.status)) for row in past],
                "HTTP": [row.http_status for row in past],
                "Walmart code": [row.walmart_code or "" for row in past],
                "Summary": [row.summary for row in past],
                "Correlation IDs": [row.correlation_ids for row in past],
            })),
            hide_index=True, width="stretch",
        )
        if changes:
            st.markdown("**Changes and alerts**")
            st.dataframe(
                pd.DataFrame({
                    "When (UTC)": [when(event.at) for event, _ in changes],
                    "Change": [event.kind.replace("_", " ") for event, _ in changes],
                    "From → to": [f"{event.from_status} → {event.to_status}" for event, _ in changes],
                    "Alert": [event.delivery for event, _ in changes],
                }),
                hide_index=True, width="stretch",
            )


def edit_actions(runtime: Runtime, chosen: stores.StoreView, expected_version: int) -> None:
    state = st.session_state
    form_version = state.get("form_version", 0)
    with st.expander("Edit, replace secret, disable or delete"):
        with st.form(f"edit_{chosen.id}_{form_version}"):
            name = st.text_input("Store name", value=chosen.name)
            environment = st.radio("Environment", ["production", "sandbox"], index=["production", "sandbox"].index(chosen.environment), horizontal=True)
            notes = st.text_area("Notes", value=chosen.notes)
            if st.form_submit_button("Save changes"):
                if run_action(runtime.engine, lambda s: stores.edit_store(s, chosen.id, actor=actor(), expected_version=expected_version, name=name, environment=environment, notes=notes), "Store saved."):
                    st.rerun()
        st.markdown("**Replace the keys** (after the seller reset them)")
        new_id = st.text_input("Client ID", value=chosen.client_id, key=f"new_id_{chosen.id}_{form_version}")
        new_secret = st.text_input("New Client Secret", type="password", key=f"new_secret_{chosen.id}_{form_version}")
        if new_secret:
            show_findings(precheck(new_id, new_secret).findings, FIELDS)
        if st.button("Save new secret", disabled=not new_secret, key="save_secret"):
            saved = run_action(
                runtime.engine,
                lambda s: stores.replace_secret(s, runtime.vault, chosen.id, actor=actor(), client_secret=new_secret, client_id=new_id, expected_version=expected_version),
                "New secret saved. Press Check now to verify it.",
            )
            if saved:
                state["form_version"] = form_version + 1
                st.rerun()
        actions = st.columns(2)
        toggle = "Enable" if not chosen.enabled else "Disable"
        if actions[0].button(f"{toggle} store", key="toggle"):
            if run_action(runtime.engine, lambda s: stores.set_enabled(s, chosen.id, not chosen.enabled, actor=actor(), expected_version=expected_version), f"Store {toggle.lower()}d."):
                st.rerun()
        confirm = actions[1].checkbox(f"Yes, delete '{chosen.name}' with its keys and history", key=f"confirm_delete_{chosen.id}")
        if actions[1].button("Delete store", type="primary", disabled=not confirm, key="delete"):
            if run_action(runtime.engine, lambda s: stores.delete_store(s, chosen.id, actor=actor(), expected_version=expected_version), f"Store '{chosen.name}' deleted."):
                st.rerun()


def show(runtime: Runtime, chosen: stores.StoreView) -> None:
    state = st.session_state
    with session_scope(runtime.engine) as session:
        item = history.store_health(session, chosen.id)
    # The version the user was looking at when they pressed a button: a change made by
    # someone else in between is then refused instead of silently overwritten.
    seen = state.setdefault("seen_versions", {})
    expected = seen.get(chosen.id, chosen.version)
    seen[chosen.id] = chosen.version

    top = st.columns([3, 1])
    with top[0]:
        badge(item.status)
        if item.row is not None:
            st.write(item.summary)
            if item.status != HealthState.authorized:
                st.info(STATUS_TEXT[Status(item.status.value)][1])
                if item.failing_since:
                    st.caption(f"Not authorized since {when(item.failing_since)} UTC; last success {when(item.last_success_at)} UTC.")
            if item.correlation_ids:
                st.caption(f"Correlation IDs for a Walmart support ticket: {item.correlation_ids}")
        if chosen.credential_kind == CredentialKind.oauth_seller:
            today = utc_now().date()
            days = refresh_token_days_left(chosen.secret_expires_at, today)
            st.caption(f"OAuth seller authorization · seller ID `{chosen.seller_id}` · refresh token {chosen.secret_masked}, "
                       f"connected {when(chosen.secret_set_at)} UTC, expires {when(chosen.secret_expires_at)} UTC ({days} days left)")
            if refresh_token_expiring(chosen.secret_expires_at, today, runtime.settings.refresh_token_warn_days):
                st.warning(f"The refresh token runs out in {days} days. Connect this store again before then.")
        else:
            st.caption(f"Client ID and Secret · Client ID `{chosen.client_id}` · secret {chosen.secret_masked} · saved {when(chosen.secret_set_at)} UTC")
        if item.status == HealthState.reconnect_required or chosen.credential_kind == CredentialKind.delegated_key:
            st.page_link("pages/connect.py", label="Connect this store with Walmart (OAuth)", icon=":material/link:")
    if top[1].button("Check now", icon=":material/sync:", key="check_now", disabled=not chosen.enabled):
        checked = authorization.check_store(runtime, chosen.id)
        state["flash"] = f"{chosen.name}: {checked.title}."
        st.rerun()
    if not chosen.enabled:
        top[1].caption("Disabled stores are not checked.")
    if item.scopes:
        permission_matrix(item.scopes)
    history_tables(runtime, chosen.id)
    if actor().can(Permission.manage_stores):
        edit_actions(runtime, chosen, expected)
