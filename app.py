"""Store Connect: the router. Settings, navigation and the shared sidebar; pages do the rest."""
from pathlib import Path

import streamlit as st

from core.access import Permission, Role
from core.errors import StoreConnectError
from core.i18n import N_, _
from ui import context, mapping_grid
from ui.identity import current_actor, signed_in_without_identity
from ui.language import choose_language, language_switch
from ui.public import public_page, public_pages
from ui.text import plain

ROLE_NAMES = {Role.viewer: N_("viewer"), Role.editor: N_("editor"), Role.admin: N_("admin")}

st.set_page_config(page_title="Store Connect", page_icon=":material/storefront:", layout="wide")

try:
    runtime = context.shared_runtime()
    settings = runtime.settings
    choose_language(settings)
except StoreConnectError as problem:
    st.title(_("Store Connect cannot start"))
    st.error(plain(problem.message))  # may quote a setting's value or a path
    if problem.fix:
        st.info(plain(problem.fix))
    st.caption(_("Settings are read from environment variables and the .env file; see README.md."))
    st.stop()

actor = current_actor(settings)
st.session_state["actor"] = actor
if (not actor.name or actor.role is None) and (open_page := public_page()) is not None:
    open_page.run()  # a seller from Walmart's App Store: only the open pages, never the sidebar or any data
    st.stop()
if not actor.name:
    st.title("Store Connect")
    if signed_in_without_identity(actor):
        st.error(_("Your sign-in did not give a verified email address (the '{claim}' claim), so you cannot be identified.",
                   claim=plain(settings.oidc_email_claim)))
        st.info(_("Ask whoever runs the company sign-in to include your verified email address, or sign in with another account."))
        st.button(_("Sign out"), on_click=st.logout)
    elif actor.via == "oidc":
        st.info(_("Sign in to see the stores."))
        st.button(_("Sign in"), icon=":material/login:", on_click=st.login, type="primary")
    else:
        st.error(_("The proxy did not identify you (no {header} header). Open the dashboard through the company sign-in.",
                   header=plain(settings.trusted_user_header)))
    st.stop()
if actor.role is None:
    st.title("Store Connect")
    st.error(_("You are signed in as {name}, but no role is given to you, so nothing can be shown.", name=plain(actor.name)))
    st.info(_("Ask an admin to add you to ROLE_VIEWERS, ROLE_EDITORS or ROLE_ADMINS."))
    if actor.via == "oidc":
        st.button(_("Sign out"), on_click=st.logout)
    st.stop()

admin = actor.can(Permission.manage_stores)
navigation = st.navigation(
    {
        _("Stores"): [
            st.Page("pages/stores.py", title=_("Store authorization"), icon=":material/key:", default=True),
            st.Page("pages/fleet.py", title=_("Fleet health"), icon=":material/monitoring:"),
            st.Page("pages/connect.py", title=_("Connect with Walmart"), icon=":material/link:"),
            *public_pages(),
        ],
        _("Products"): [
            st.Page("pages/mapping.py", title=_("Product mapping"), icon=":material/account_tree:"),
            st.Page("pages/orders.py", title=_("Orders"), icon=":material/receipt_long:", url_path="orders"),
            st.Page("pages/catalog.py", title=_("Product catalog"), icon=":material/inventory_2:"),
        ],
        _("Records"): [
            st.Page("pages/audit.py", title=_("Audit trail"), icon=":material/history:"),
            # Where the database and the key file are: admins only (ui/system.py).
            *([st.Page("pages/system.py", title=_("System"), icon=":material/settings:")] if admin else []),
        ],
        _("Help"): [
            st.Page("pages/troubleshooting.py", title=_("Troubleshooting"), icon=":material/help:"),
            st.Page("pages/guide.py", title=_("Operator guide"), icon=":material/menu_book:", url_path="guide"),
        ],
    }
)

if resume := st.session_state.pop("resume_page", None):  # see ui/context.runtime()
    st.switch_page(str(Path(resume).resolve().relative_to(Path(__file__).resolve().parent)),
                   query_params=st.session_state.pop("resume_query", None) or None)

with st.sidebar:
    language_switch()
    if navigation.url_path != "mapping":
        mapping_grid.unsaved_notice(runtime)  # Streamlit cannot stop a page switch: say that the grid's edits are waiting
    if actor.via == "local":
        st.info(_("Local operator mode: no sign-in is configured, so whoever opens this dashboard has admin rights."), icon=":material/person:")
    else:
        st.caption(_("Signed in as **{name}** ({role})", name=plain(actor.name), role=_(ROLE_NAMES[actor.role])))
        if actor.via == "oidc":
            st.button(_("Sign out"), on_click=st.logout, icon=":material/logout:")

navigation.run()
