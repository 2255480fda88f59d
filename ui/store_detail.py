"""One store: its status, permission matrix, streaks and history, and the edit actions."""
from __future__ import annotations

from collections.abc import Callable

import pandas as pd
import streamlit as st
from sqlmodel import Session

from core.access import Permission
from core.authorization import alerts as events
from core.authorization import check as authorization
from core.authorization import history
from core.authorization.outcome import HealthState, Status, usual_next_step
from core.authorization.scopes import ScopeDict
from core.db.engine import session_scope
from core.db.models import CredentialKind, Market
from core.i18n import N_, _, ngettext
from core.oauth.overview import GRANT_FAILING, ConnectNeed, connect_row
from core.runtime import Runtime
from core.stores import registry as stores
from core.stores.duplicates import find_duplicates
from core.stores.prechecks import precheck
from ui.actions import attempt, run_action, show_result, when
from ui.connect import ENVIRONMENTS, MARKETS, connect_panel, need_text
from ui.identity import actor
from ui.labels import shown_as
from ui.outcome import show_outcome
from ui.status import DISABLED, access_label, badge, badge_text, delivery_label, event_kind_label, show_findings, status_label, style_status_column
from ui.text import plain

FIELDS = {"client_id": N_("Client ID"), "client_secret": N_("Client Secret"), "both": N_("Client ID and Client Secret")}


def permission_matrix(scopes: list[ScopeDict]) -> None:
    st.markdown(_("**Permissions: granted against required**"))
    ok = _("OK")
    matrix = pd.DataFrame({
        _("Scope"): [scope["scope"] for scope in scopes],  # Walmart's names for its API areas
        _("Granted"): [access_label(scope["granted"]) for scope in scopes],
        _("Required"): [access_label(scope["required"]) for scope in scopes],
        ok: [scope["ok"] for scope in scopes],
    })
    st.dataframe(
        matrix.style.apply(lambda row: ["background-color: #e6f4ea" if row[ok] else "background-color: #fce8e6"] * len(row), axis=1),
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
    title = _("History: {streaks}, {checks}", streaks=ngettext("{n} streak", "{n} streaks", len(streaks)),
              checks=ngettext("the most recent check", "the {n} most recent checks", len(past)))
    with st.expander(title):
        st.markdown(_("**Streaks** (newest first)"))
        st.dataframe(
            style_status_column(pd.DataFrame({
                _("Status"): [badge_text(s.status) for s in streaks],
                _("From (UTC)"): [when(s.started_at) for s in streaks],
                _("To (UTC)"): [when(s.ended_at) for s in streaks],
                _("Checks"): [s.checks for s in streaks],
            })),
            hide_index=True, width="stretch",
        )
        st.markdown(_("**Checks**"))
        st.dataframe(
            style_status_column(pd.DataFrame({
                _("Checked (UTC)"): [when(row.checked_at) for row in past],
                _("Status"): [badge_text(Status(row.status)) for row in past],
                "HTTP": [row.http_status for row in past],
                _("Walmart code"): [row.walmart_code or "" for row in past],
                _("Summary"): [row.summary for row in past],
                _("Correlation IDs"): [row.correlation_ids for row in past],
            })),
            hide_index=True, width="stretch",
        )
        if changes:
            st.markdown(_("**Changes and alerts**"))
            st.dataframe(
                pd.DataFrame({
                    _("When (UTC)"): [when(event.at) for event, _name in changes],
                    _("Change"): [event_kind_label(event.kind) for event, _name in changes],
                    _("From → to"): [f"{status_label(event.from_status)} → {status_label(event.to_status)}" for event, _name in changes],
                    _("Alert"): [delivery_label(event.delivery, event.delivery_error) for event, _name in changes],
                }),
                hide_index=True, width="stretch",
            )


def duplicate_warnings(runtime: Runtime, *, key: str, name: str | None = None, client_id: str | None = None,
                       exclude_store_id: int | None = None) -> tuple[bool, bool]:
    """Warn about stores these values look like: (any found, the user confirmed saving anyway)."""
    with session_scope(runtime.engine) as session:
        found = find_duplicates(session, name=name, client_id=client_id, exclude_store_id=exclude_store_id)
    for duplicate in found:
        st.warning(plain(duplicate.message), icon=":material/content_copy:")
    confirmed = bool(found) and st.checkbox(_("This is a different store: save anyway"), key=key)
    return bool(found), confirmed


def save_and_check(runtime: Runtime, save: Callable[[Session], stores.StoreView], *, key: str, disabled: bool = False,
                   why: str | None = None) -> None:
    """One button that saves the keys and checks them at once; the result stays next to it, in the colour of its outcome.
    `why`: the button's help while it is disabled."""
    state = st.session_state
    result_key = f"{key}_result"
    button, result = st.columns([1, 3])
    if button.button(_("Save and check"), type="primary", key=key, disabled=disabled, icon=":material/verified:", help=why if disabled else None):
        done = attempt(runtime.engine, save, key=key)
        if done is not None:
            view = done.result
            state[result_key] = (view.name, authorization.check_store(runtime, view.id))
            state["show_store"] = view.id
            state["form_version"] = state.get("form_version", 0) + 1
            st.rerun()
    if show_result(key, result) is None and (shown := state.get(result_key)):
        name, outcome = shown
        show_outcome(outcome, where=result, subject=_("{store} saved and checked", store=name))


def edit_actions(runtime: Runtime, chosen: stores.StoreView, expected_version: int) -> None:
    state = st.session_state
    form_version = state.get("form_version", 0)
    with st.expander(_("Edit, replace secret, disable or delete"), expanded=bool(state.get("save_secret_result"))):
        with st.form(f"edit_{chosen.id}_{form_version}"):
            name = st.text_input(_("Store name"), value=chosen.name)
            environment = st.radio(_("Environment"), ["production", "sandbox"], index=["production", "sandbox"].index(chosen.environment),
                                   format_func=shown_as(ENVIRONMENTS), horizontal=True)
            markets = [market.value for market in Market]
            market = st.selectbox(_("Market"), markets, index=markets.index(chosen.market), format_func=shown_as(MARKETS), key=f"edit_market_{chosen.id}",
                                  help=_("The Walmart marketplace the store sells on: keys made for Canada, Mexico or Chile only work "
                                         "with that market. Check the store again after changing it."))
            notes = st.text_area(_("Notes"), value=chosen.notes)
            anyway = st.checkbox(_("Save even if the new name looks like another store's"))
            if st.form_submit_button(_("Save changes")):
                if run_action(runtime.engine, lambda s: stores.edit_store(s, chosen.id, actor=actor(), expected_version=expected_version, name=name,
                                                                         environment=environment, notes=notes, allow_duplicate=anyway,
                                                                         market=market),
                              _("Store saved."), key="edit_store"):
                    st.rerun()
            show_result("edit_store")
        st.markdown(_("**Replace the keys** (after the seller reset them)"))
        new_id = st.text_input(_("Client ID"), value=chosen.client_id, key=f"new_id_{chosen.id}_{form_version}")
        new_secret = st.text_input(_("New Client Secret"), type="password", key=f"new_secret_{chosen.id}_{form_version}")
        if new_secret:
            show_findings(precheck(new_id, new_secret).findings, FIELDS)
        found, confirmed = duplicate_warnings(runtime, key=f"replace_anyway_{chosen.id}_{form_version}", client_id=new_id,
                                              exclude_store_id=chosen.id) if new_id.strip() else (False, False)
        save_and_check(runtime, lambda s: stores.replace_secret(s, runtime.vault, chosen.id, actor=actor(), client_secret=new_secret, client_id=new_id,
                                                                expected_version=expected_version, allow_duplicate=confirmed),
                       key="save_secret", disabled=not new_secret or (found and not confirmed))
        actions = st.columns(2)
        label, done = (_("Enable store"), _("Store enabled: it is checked again.")) if not chosen.enabled else \
            (_("Disable store"), _("Store disabled: it is no longer checked."))
        if actions[0].button(label, key="toggle"):
            if run_action(runtime.engine, lambda s: stores.set_enabled(s, chosen.id, not chosen.enabled, actor=actor(), expected_version=expected_version),
                          done, key="toggle"):
                st.rerun()
        show_result("toggle", actions[0])
        confirm = actions[1].checkbox(_("Yes, delete '{store}' with its keys and history", store=plain(chosen.name)), key=f"confirm_delete_{chosen.id}")
        if actions[1].button(_("Delete store"), type="primary", disabled=not confirm, key="delete"):
            # Shown under Store details: this store and its buttons are gone after the rerun.
            if run_action(runtime.engine, lambda s: stores.delete_store(s, chosen.id, actor=actor(), expected_version=expected_version),
                          _("Store '{store}' deleted.", store=chosen.name), key="store_detail"):
                st.rerun()
        show_result("store_detail", actions[1])


def credential_caption(chosen: stores.StoreView, status: HealthState) -> None:
    if chosen.credential_kind == CredentialKind.oauth_seller:
        # A grant Walmart refuses (revoked by the seller, or refused) has no useful expiry date: it works no more.
        expires = (_("no longer accepted by Walmart") if status.value in GRANT_FAILING
                   else _("expires {expires} UTC", expires=when(chosen.secret_expires_at)))
        st.caption(_("OAuth seller authorization · seller ID {seller_id} · refresh token {masked}, connected {connected} UTC, {expires}",
                     seller_id=plain(chosen.seller_id or ""), masked=chosen.secret_masked, connected=when(chosen.secret_set_at), expires=expires))
    elif chosen.credential_kind:
        st.caption(_("Client ID and Secret · Client ID {client_id} · secret {masked} · saved {saved} UTC", client_id=plain(chosen.client_id),
                     masked=chosen.secret_masked, saved=when(chosen.secret_set_at)))


def connect_section(runtime: Runtime, chosen: stores.StoreView) -> None:
    """For a US store whose authorization fails, runs out, or is still on delegated keys: why, and the Connect button.
    A refused or revoked grant is said as such; its refresh token's date would only suggest all is well."""
    with session_scope(runtime.engine) as session:
        row = connect_row(session, chosen.id, warn_days=runtime.settings.refresh_token_warn_days)
    if row is None or row.need == ConnectNeed.none:
        return
    deadline = runtime.settings.delegated_access_deadline
    alert = st.error if row.need in (ConnectNeed.reconnect, ConnectNeed.expired) else st.warning if row.need == ConnectNeed.expiring else st.info
    alert(need_text(row, deadline, with_summary=False), icon=":material/link:")  # the summary is shown above already
    if actor().can(Permission.manage_stores):
        connect_panel(runtime, chosen.id, chosen.environment, key="store_",
                      label=_("Connect this store again") if row.kind == CredentialKind.oauth_seller else _("Connect this store with Walmart"))


def show(runtime: Runtime, chosen: stores.StoreView) -> None:
    state = st.session_state
    with session_scope(runtime.engine) as session:
        item = history.store_health(session, chosen.id)
    # The version the user was looking at when they pressed a button: a change made by
    # someone else in between is then refused instead of silently overwritten.
    seen = state.setdefault("seen_versions", {})
    expected = seen.get(chosen.id, chosen.version)
    seen[chosen.id] = chosen.version

    checked = state.get("checked_now")
    just_checked = checked[1] if checked and checked[0] == chosen.id else None
    top = st.columns([3, 1])
    with top[0]:
        badge(item.status if chosen.enabled else DISABLED)
        if item.row is not None:
            st.markdown(plain(item.summary))  # may quote Walmart's words
            if item.status != HealthState.authorized:
                # What the check just found says more (a market hint, the app's own keys) than the status's usual step.
                st.info(just_checked.next_step if just_checked is not None and just_checked.status.value == item.status.value
                        else usual_next_step(Status(item.status.value), chosen.market))
                if item.failing_since:
                    since = when(item.failing_since)
                    st.caption(_("Not authorized since {since} UTC; last success {last} UTC.", since=since, last=when(item.last_success_at))
                               if item.last_success_at else _("Not authorized since {since} UTC; it never succeeded.", since=since))
            if item.correlation_ids:  # only calls Walmart answered carry one (core.authorization.outcome)
                st.caption(_("Correlation IDs for a Walmart support ticket: {ids}", ids=item.correlation_ids))
        credential_caption(chosen, item.status)
        connect_section(runtime, chosen)
    if top[1].button(_("Check now"), icon=":material/sync:", key="check_now", disabled=not chosen.enabled):
        state["checked_now"] = (chosen.id, authorization.check_store(runtime, chosen.id))
        st.rerun()
    checked = state.get("checked_now")
    if checked and checked[0] == chosen.id:  # next to the button, in the colour of the outcome (a failed check is never green)
        show_outcome(checked[1], where=top[1], subject=chosen.name, brief=True)
    if not chosen.enabled:
        top[1].caption(_("Disabled stores are not checked."))
    if item.scopes:
        permission_matrix(item.scopes)
    history_tables(runtime, chosen.id)
    if actor().can(Permission.manage_stores):
        edit_actions(runtime, chosen, expected)
