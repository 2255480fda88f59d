"""Connect with Walmart: OAuth seller authorization and the move off delegated keys."""
from functools import partial

import pandas as pd
import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.db.models import CredentialKind, utc_now
from core.oauth import connect as oauth
from core.stores.credential import delegated_keys_days_left, refresh_token_days_left, refresh_token_expiring
from ui import context
from ui.actions import run_action, show_flash, when
from ui.connect import finish_connect
from ui.identity import actor
from ui.pending_connections import pending_connections_section

runtime = context.runtime()
settings = runtime.settings
state = st.session_state

st.title("Connect with Walmart")
show_flash()
st.caption(
    "Walmart is retiring Delegated Access keys in the US. Instead, the seller clicks a Connect link, signs in at "
    "Walmart and approves our app; the store then runs on a refresh token that lasts 365 days."
)

with session_scope(runtime.engine) as session:
    app = oauth.app_status(session, settings)
    rows = oauth.migration_overview(session)
days_left = delegated_keys_days_left(settings.delegated_access_deadline, utc_now().date())

with st.expander("App settings", expanded=not (app["client_id"] and app["secret_saved"]), icon=":material/settings:"):
    if not app["client_id"]:
        st.warning("No OAuth app is configured. Set WALMART_OAUTH_CLIENT_ID and WALMART_OAUTH_REDIRECT_URI (see README.md), then restart.")
    else:
        st.markdown(f"App Client ID `{app['client_id']}` · redirect URI `{app['redirect_uri']}` · market `{app['market']}` · "
                    f"Client Secret {app['secret_masked']}")
        secret = st.text_input("App Client Secret", type="password", key=f"app_secret_{state.get('form_version', 0)}",
                               help="From Walmart's Solution Provider Center. Stored encrypted; never shown again.")
        if st.button("Save app secret", disabled=not secret or not actor().can(Permission.manage_stores), key="save_app_secret"):
            if run_action(runtime.engine, lambda s: oauth.save_app_secret(s, runtime.vault, settings, secret, actor=actor()), "App secret saved."):
                state["form_version"] = state.get("form_version", 0) + 1
                st.rerun()
can_manage = actor().can(Permission.manage_stores)
ready = bool(app["client_id"] and app["secret_saved"]) and can_manage
if not can_manage:
    st.info("Only an admin can connect stores or change the app settings; you can see how far the move has come.")

delegated = [row for row in rows if row.kind == CredentialKind.delegated_key]
connected = [row for row in rows if row.kind == CredentialKind.oauth_seller]
cols = st.columns(3)
cols[0].metric("Stores on delegated keys", len(delegated))
cols[1].metric("Stores on OAuth", len(connected))
cols[2].metric("Days until delegated keys stop", days_left, help=f"DELEGATED_ACCESS_DEADLINE: {settings.delegated_access_deadline:%d %b %Y}")
pending_connections_section(runtime)


def show_link(link: oauth.ConnectLink) -> None:
    st.link_button("Open Walmart's Connect page", link.url, icon=":material/open_in_new:")
    st.caption(f"Or send the seller this link. It works once, until {link.expires_at:%H:%M} UTC.")
    st.code(link.url, language=None)


if delegated:
    st.subheader("Move these stores to OAuth")
    for row in delegated:
        with st.container(border=True):
            top = st.columns([3, 1])
            waiting = " · new authorization waiting" + (" (verified)" if row.pending_verified else " (not verified yet)") if row.pending else ""
            top[0].markdown(f"**{row.name}** · delegated keys{waiting}")
            if top[1].button("Connect", key=f"connect_{row.store_id}", disabled=not ready):
                with session_scope(runtime.engine) as session:
                    state[f"link_{row.store_id}"] = oauth.start_connect(session, settings, actor(), store_id=row.store_id)
            if link := state.get(f"link_{row.store_id}"):
                show_link(link)
            if row.pending:
                actions = st.columns(2)
                if actions[0].button("Verify again", key=f"verify_{row.store_id}"):
                    outcome = oauth.verify_pending(runtime, row.store_id, actor=actor())
                    state["flash"] = f"{row.name}: {outcome.title}."
                    st.rerun()
                if actions[1].button("Switch to OAuth and wipe the old keys", key=f"switch_{row.store_id}", type="primary",
                                     disabled=not row.pending_verified):
                    if run_action(runtime.engine, partial(oauth.confirm_switch, store_id=row.store_id, actor=actor()), f"{row.name} now uses OAuth."):
                        st.rerun()
elif rows:
    st.success("Every store uses OAuth seller authorization.", icon=":material/check:")

st.subheader("Connect a new store")
new_name = st.text_input("Store name", key="connect_new_name")
if st.button("Create Connect link", key="connect_new", disabled=not (ready and new_name.strip())):
    if run_action(runtime.engine, lambda s: state.__setitem__("link_new", oauth.start_connect(s, settings, actor(), new_store_name=new_name)), "Link created."):
        pass
if link := state.get("link_new"):
    show_link(link)

if connected:
    today = utc_now().date()
    st.subheader("Connected stores")
    st.dataframe(
        pd.DataFrame({
            "Store": [row.name for row in connected],
            "Refresh token expires (UTC)": [when(row.refresh_expires_at) for row in connected],
            "Days left": [refresh_token_days_left(row.refresh_expires_at, today) for row in connected],
        }),
        hide_index=True, width="stretch",
    )
    soon = [row.name for row in connected if refresh_token_expiring(row.refresh_expires_at, today, settings.refresh_token_warn_days)]
    if soon:
        st.warning(f"Refresh tokens run out within {settings.refresh_token_warn_days} days for: {', '.join(soon)}. Connect these stores again.")

st.subheader("Finish a connect by pasting the address")
st.caption("If Walmart could not send the browser back to this dashboard (for example it runs on an internal machine), "
           "copy the whole address from the browser's address bar after the seller approved, and paste it here.")
pasted = st.text_input("Redirect address", key="pasted_redirect", placeholder=f"{settings.oauth_redirect_uri}?code=…&state=…&sellerId=…")
if st.button("Finish connect", key="finish_pasted", disabled=not pasted):
    finish_connect(runtime, pasted)
