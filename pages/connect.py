"""Connect with Walmart: OAuth seller authorization for US stores, the move off delegated keys, and re-connects."""
import math
from functools import partial

import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.db.models import CredentialKind, Environment, utc_now
from core.errors import StoreConnectError
from core.i18n import N_, _, format_date, format_number, ngettext
from core.oauth import connect as oauth
from core.oauth import grants
from core.oauth.overview import ConnectNeed, connect_counts, connect_rows
from core.stores.credential import delegated_keys_days_left
from core.stores.duplicates import find_duplicates
from ui import context
from ui.actions import run_action, show_result
from ui.connect import PENDING_CALLBACK, app_ready, code_form, connect_panel, credential_label, environment_label, finish_connect, need_text, show_link
from ui.identity import actor
from ui.labels import shown_as
from ui.links import Address, Linked, flag, last_page, page_number
from ui.outcome import show_outcome
from ui.pending_connections import pending_connections_section
from ui.text import plain

PAGE_SIZE = 20
ENVIRONMENTS = {"production": N_("Production"), "sandbox": N_("Sandbox")}  # the values stay these words; the labels are translated
runtime = context.runtime()
settings = runtime.settings
state = st.session_state

address = Address("connect", [Linked("q", "connect_search"), flag("all", "connect_show_all"),  # `/connect?q=harbor&all=1&page=2`
                              page_number("page", "connect_page")])
if (followed := address.follow()).applied and "page" not in followed.applied:
    state["connect_page"] = 1
st.title(_("Connect with Walmart"))
st.caption(_(
    "US stores connect through Walmart's OAuth: the seller opens a Connect link, signs in at Walmart and approves our app; the "
    "store then runs on a refresh token that lasts 365 days. Walmart documents this for the US only, so stores in Canada, Mexico "
    "and Chile keep their Client ID and Client Secret."
))

with session_scope(runtime.engine) as session:
    app = oauth.app_status(session, settings)
    counts = connect_counts(session, warn_days=settings.refresh_token_warn_days)
days_left = delegated_keys_days_left(settings.delegated_access_deadline, utc_now().date())
can_manage = actor().can(Permission.manage_stores)

with st.expander(_("App settings"), expanded=not (app["client_id"] and app["secret_saved"]), icon=":material/settings:"):
    if not app["client_id"]:
        st.warning(_("No OAuth app is configured. Set WALMART_OAUTH_CLIENT_ID and WALMART_OAUTH_REDIRECT_URI (see README.md), then restart."))
    else:
        st.markdown(_("App Client ID {client_id} · Client Secret {secret} · redirect URI (sent {encoding}), to register exactly as shown:",
                      client_id=plain(app["client_id"]), encoding=app["redirect_uri_encoding"], secret=app["secret_masked"]))
        st.code(app["redirect_uri"], language=None)  # copied into Walmart's registration: literal text, nothing inserted
        secret = st.text_input(_("App Client Secret"), type="password", key=f"app_secret_{state.get('form_version', 0)}",
                               help=_("From Walmart's Solution Provider Center. Stored encrypted; never shown again."))
        if st.button(_("Save app secret"), disabled=not secret or not can_manage, key="save_app_secret"):
            if run_action(runtime.engine, lambda s: oauth.save_app_secret(s, runtime.vault, settings, secret, actor=actor()), _("App secret saved."),
                          key="save_app_secret"):
                state["form_version"] = state.get("form_version", 0) + 1
                st.rerun()
        show_result("save_app_secret")
ready, why_not = app_ready(runtime)
if not can_manage:
    st.info(_("Only an admin can connect stores or change the app settings; you can see how far the move has come."))

cols = st.columns(4)
cols[0].metric(_("US stores on delegated keys"), format_number(counts.on_delegated_keys))
cols[1].metric(_("Stores on OAuth"), format_number(counts.on_oauth))
cols[2].metric(_("Need a connect"), format_number(counts.needing_connect), help=_("Re-connects, refresh tokens running out, and stores still on delegated keys."))
cols[3].metric(_("Days until delegated keys stop"), format_number(days_left),
               help=_("Configured as {day} (DELEGATED_ACCESS_DEADLINE).", day=format_date(settings.delegated_access_deadline)))
if counts.outside_us:
    st.caption(ngettext("{n} store outside the US keeps its delegated keys: Walmart documents Connect for US stores only.",
                        "{n} stores outside the US keep their delegated keys: Walmart documents Connect for US stores only.", counts.outside_us))
pending_connections_section(runtime)

st.subheader(_("Stores"))
filters = st.columns([2, 2])
search = filters[0].text_input(_("Search stores"), key="connect_search", placeholder=_("Store name"))
show_all = filters[1].radio(_("Show"), [False, True], key="connect_show_all", horizontal=True,
                            format_func=shown_as({False: N_("Stores needing a connect"), True: N_("Every US store")}))
address.publish()
with session_scope(runtime.engine) as session:
    _rows, matching = connect_rows(session, warn_days=settings.refresh_token_warn_days, search=search, needing_only=not show_all, limit=0)
pages = max(1, math.ceil(matching / PAGE_SIZE))
page = last_page("connect_page", pages)
if pages > 1:
    st.pagination(pages, key="connect_page")
with session_scope(runtime.engine) as session:
    rows, _count = connect_rows(session, warn_days=settings.refresh_token_warn_days, search=search, needing_only=not show_all,
                                offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE)

show_result("connect_rows")
if not rows:
    st.success(_("No US store needs a connect.") if not search else _("No store matches the search."), icon=":material/check:")
for row in rows:
    with st.container(border=True):
        top = st.columns([3, 1])
        top[0].markdown(_("**{store}** · {environment} · {credential}", store=plain(row.name), credential=credential_label(row.kind),
                          environment=environment_label(row.environment)))
        top[0].caption(need_text(row, settings.delegated_access_deadline))
        with top[1]:
            label = _("Connect again") if row.need in (ConnectNeed.reconnect, ConnectNeed.expired, ConnectNeed.expiring, ConnectNeed.none) else _("Connect")
            connect_panel(runtime, row.store_id, row.environment, label=label)
        if row.pending and can_manage:
            actions = st.columns(2)
            if actions[0].button(_("Verify again"), key=f"verify_{row.store_id}"):
                try:
                    outcome, _settled = grants.verify_pending(runtime, row.store_id, actor=actor())
                except StoreConnectError as problem:
                    st.error(plain(problem.message), icon=":material/error:")
                else:
                    show_outcome(outcome, subject=row.name)
            if row.kind != CredentialKind.oauth_seller and actions[1].button(_("Switch to OAuth and wipe the old keys"), key=f"switch_{row.store_id}",
                                                                type="primary", disabled=not row.pending_verified):
                # Shown above the list: once switched, the store may leave it.
                if run_action(runtime.engine, partial(grants.confirm_switch, store_id=row.store_id, actor=actor()),
                              _("{store} now uses OAuth.", store=row.name), key="connect_rows"):
                    st.rerun()
                show_result("connect_rows", actions[1])
st.caption(ngettext("{n} store matches; page {page} of {pages}.", "{n} stores match; page {page} of {pages}.", matching, page=page, pages=pages))

st.subheader(_("Connect a new store"))
new_cols = st.columns([2, 1])
new_name = new_cols[0].text_input(_("Store name"), key="connect_new_name")
new_environment = new_cols[1].radio(_("Environment"), list(ENVIRONMENTS), format_func=shown_as(ENVIRONMENTS), key="connect_new_environment",
                                    horizontal=True, help=_("A sandbox store is connected with the code Walmart's Simulate App Connect shows."))
look_alikes = []
if new_name.strip():
    with session_scope(runtime.engine) as session:
        look_alikes = find_duplicates(session, name=new_name)
for duplicate in look_alikes:
    st.warning(plain(duplicate.message), icon=":material/content_copy:")
confirmed = bool(look_alikes) and st.checkbox(_("This is a different store: use the name anyway"), key="connect_new_confirm")
allowed = ready and bool(new_name.strip()) and (not look_alikes or confirmed)
if new_environment == Environment.production:
    if st.button(_("Create Connect link"), key="connect_new", disabled=not allowed, help=why_not or None):
        run_action(runtime.engine, lambda s: state.__setitem__("link_new", oauth.start_connect(
            s, settings, actor(), new_store_name=new_name, allow_duplicate=confirmed)),
            _("Link created: send it to the seller of {store}.", store=new_name), key="connect_new")
    show_result("connect_new")
    if link := state.get("link_new"):
        show_link(link)
elif allowed:
    code_form(runtime, key="new", new_store_name=new_name, allow_duplicate=confirmed)

st.subheader(_("Finish a connect by pasting the address"))
st.caption(_("If Walmart could not send the browser back to this dashboard (for example it runs on an internal machine), copy the whole "
             "address from the browser's address bar after the seller approved, and paste it here."))
pasted = st.text_input(_("Redirect address"), key="pasted_redirect", placeholder=f"{settings.oauth_redirect_uri}?code=…&state=…&sellerId=…")
finish = st.button(_("Finish connect"), key="finish_pasted", disabled=not pasted)
if finish or state.get(PENDING_CALLBACK):
    finish_connect(runtime, pasted if finish else None, key="pasted")
