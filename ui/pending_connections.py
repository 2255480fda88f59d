"""The Connect page's review of seller-started connections (core/oauth/seller_started.py): admins give each
one to an existing store or a new store, or discard it. Nobody else sees the section."""
from __future__ import annotations

import streamlit as st
from sqlmodel import col, select

from core.access import Permission
from core.db.engine import session_scope
from core.db.models import Store
from core.errors import StoreConnectError
from core.i18n import _
from core.oauth import seller_started
from core.runtime import Runtime
from core.stores.duplicates import find_duplicates
from ui.actions import run_action, show_result, when
from ui.connect import show_result as show_connect_result
from ui.identity import actor
from ui.text import plain

_RESULT = "pending_attach_result"


def _attach(runtime: Runtime, pending: seller_started.PendingView, store_name: str | None, new_store_name: str | None,
            allow_duplicate: bool) -> None:
    try:
        result = seller_started.attach(runtime, pending.id, actor=actor(), store_name=store_name, new_store_name=new_store_name,
                                       allow_duplicate=allow_duplicate)
    except StoreConnectError as problem:  # shown beside the button; the connection keeps waiting
        st.error(plain(problem.message), icon=":material/error:")
        if problem.fix:
            st.info(plain(problem.fix))
        return
    st.session_state[_RESULT] = result
    st.rerun()


def _review(runtime: Runtime, pending: seller_started.PendingView, store_names: list[str]) -> None:
    with st.container(border=True):
        st.markdown(_("**Walmart seller {seller}** · received {received} UTC", seller=plain(pending.seller_id), received=when(pending.received_at)))
        if pending.requested_by:  # a dashboard link the seller finished in their own browser
            st.caption(_("From the Connect link {user} made for '{store}'.", user=plain(pending.requested_by), store=plain(pending.requested_store))
                       if pending.requested_store else _("From a Connect link {user} made for a store deleted since.", user=plain(pending.requested_by)))
        if pending.store_name:
            st.info(_("This seller already uses the store '{store}'. Attach the connection to it to renew that store's authorization.",
                      store=plain(pending.store_name)), icon=":material/info:")
        suggested = pending.store_name or (pending.requested_store if pending.requested_store_exists else None)
        existing, new = _("An existing store"), _("A new store")
        target = st.radio(_("Give it to"), [existing, new], index=0 if suggested else 1, horizontal=True, key=f"pending_target_{pending.id}")
        store_name = new_name = None
        if target == existing:
            store_name = st.selectbox(_("Store"), store_names, key=f"pending_store_{pending.id}", placeholder=_("Choose a store"),
                                      index=store_names.index(suggested) if suggested in store_names else None)
        else:
            wanted = pending.requested_store if pending.requested_by and not pending.requested_store_exists else None
            new_name = st.text_input(_("New store name"), value=wanted or "", key=f"pending_new_{pending.id}").strip() or None
        look_alikes = []
        if new_name:
            with session_scope(runtime.engine) as session:
                look_alikes = find_duplicates(session, name=new_name)
        for duplicate in look_alikes:
            st.warning(plain(duplicate.message), icon=":material/content_copy:")
        confirmed = bool(look_alikes) and st.checkbox(_("This is a different store: use the name anyway"), key=f"pending_confirm_{pending.id}")
        actions = st.columns([1, 1, 4])
        if actions[0].button(_("Attach"), key=f"pending_attach_{pending.id}", type="primary",
                             disabled=not (store_name or new_name) or (bool(look_alikes) and not confirmed)):
            _attach(runtime, pending, store_name, new_name, confirmed)
        if actions[1].button(_("Discard"), key=f"pending_discard_{pending.id}", help=_("Throw this connection away; its refresh token is wiped.")):
            # Shown at the top of the section: the discarded connection leaves the list.
            if run_action(runtime.engine, lambda session: seller_started.discard(session, pending.id, actor=actor()),
                          _("The connection from Walmart seller {seller} was discarded.", seller=pending.seller_id), key="pending_connections"):
                st.rerun()
            show_result("pending_connections", actions[2])


def pending_connections_section(runtime: Runtime) -> None:
    """Seller-started connections waiting for review, for admins only."""
    if not actor().can(Permission.manage_stores):
        return
    with session_scope(runtime.engine) as session:
        waiting = seller_started.pending_connections(session, actor=actor())
        store_names = list(session.exec(select(Store.name).order_by(col(Store.name))).all()) if waiting else []
    st.subheader(_("Seller-started connections"))
    show_result("pending_connections")
    if result := st.session_state.pop(_RESULT, None):
        show_connect_result(result)  # what changed for the store, then the verification in its own colour
    st.caption(_("A seller who presses Connect on our app in Walmart's App Store lands on this address (register it as the app's "
                 "Login URL), approves the app at Walmart and comes back. Their connection waits here until you give it to a store."))
    st.code(seller_started.login_url(runtime.settings), language=None)  # copied into Walmart's registration: literal text
    if not waiting:
        st.caption(_("No seller-started connection is waiting."))
    for pending in waiting:
        _review(runtime, pending, store_names)
