"""Connecting a store with Walmart, shared by the store page and the Connect page: the Connect button with a
link to copy, the sandbox's "paste code and Seller ID", finishing a connect, and saying how it went."""
from __future__ import annotations

from collections.abc import Mapping
from datetime import date

import streamlit as st

from core.access import Permission
from core.db.engine import session_scope
from core.db.models import CredentialKind, Environment, Market
from core.errors import StoreConnectError
from core.i18n import N_, _, format_date
from core.oauth import connect as oauth
from core.oauth.grants import VERIFIED, ConnectState
from core.oauth.overview import ConnectNeed, ConnectRow
from core.runtime import Runtime
from core.stores.duplicates import LikelyDuplicate
from ui.actions import show_problem, when
from ui.identity import actor
from ui.outcome import show_outcome
from ui.text import plain

PENDING_CALLBACK = "pending_callback"  # a callback refused as a likely duplicate, kept for "Connect anyway"


def app_ready(runtime: Runtime) -> tuple[bool, str]:
    """(whether this user can connect stores now, why not)."""
    if not actor().can(Permission.manage_stores):
        return False, _("Only an admin can connect stores.")
    with session_scope(runtime.engine) as session:
        app = oauth.app_status(session, runtime.settings)
    if not (app["client_id"] and app["secret_saved"]):
        return False, _("Set up the OAuth app first (App settings on the Connect with Walmart page).")
    return True, ""


def need_text(row: ConnectRow, deadline: date, *, with_summary: bool = True) -> str:
    """Why a store is on the list, in plain words (the last check's summary is outside text, shown as text)."""
    if row.need == ConnectNeed.reconnect:
        reason = _("Re-connect needed: Walmart no longer accepts this store's authorization.")
        return _("{reason} {summary}", reason=reason, summary=plain(row.summary)) if with_summary else reason
    if row.need == ConnectNeed.expired:
        return _("The refresh token ran out on {day}: connect the store again.", day=when(row.refresh_expires_at))
    if row.need == ConnectNeed.expiring:
        return _("The refresh token runs out in {days} days ({day}): connect the store again before then.", days=row.days_left,
                 day=when(row.refresh_expires_at))
    if row.need == ConnectNeed.waiting:
        return (_("A new authorization is verified and waits for the switch.") if row.pending_verified
                else _("A new authorization waits: Walmart has not accepted it yet."))
    if row.need == ConnectNeed.delegated_keys:
        return _("On delegated keys: connect it before they stop on {day}.", day=format_date(deadline))
    if row.need == ConnectNeed.no_credential:
        return _("No keys and no authorization saved yet.")
    return _("Connected with Walmart (seller {seller_id}); the refresh token is good for {days} more days.", seller_id=plain(row.seller_id or ""),
             days=row.days_left)


def show_link(link: oauth.ConnectLink) -> None:
    st.link_button(_("Open Walmart's Connect page"), link.url, icon=":material/open_in_new:")
    st.caption(_("Or copy the link (the button at the right of the box) and send it to the seller. It works once, until {time} UTC.",
                 time=f"{link.expires_at:%H:%M}"))
    st.code(link.url, language=None, wrap_lines=True)


def connect_panel(runtime: Runtime, store_id: int, environment: str, *, label: str | None = None, key: str = "") -> None:
    """The Connect button for an existing store and, once pressed, its link; in the sandbox also the pasted code."""
    ready, why = app_ready(runtime)
    state = st.session_state
    link_key = f"link_{store_id}"
    if st.button(label or _("Connect"), key=f"connect_{key}{store_id}", disabled=not ready, icon=":material/link:",
                 help=why or _("Makes a single-use link for the seller to approve our app at Walmart.")):
        with session_scope(runtime.engine) as session:
            try:
                state[link_key] = oauth.start_connect(session, runtime.settings, actor(), store_id=store_id)
            except StoreConnectError as problem:
                show_problem(problem)
    if link := state.get(link_key):
        show_link(link)
    if ready and environment == Environment.sandbox:
        code_form(runtime, key=f"{key}{store_id}", store_id=store_id)


def code_form(runtime: Runtime, *, key: str, store_id: int | None = None, new_store_name: str | None = None, allow_duplicate: bool = False) -> None:
    """Simulate App Connect shows the authorization code and the Seller ID on screen: paste them here (sandbox)."""
    with st.expander(_("Paste the code and Seller ID from Walmart's Simulate App Connect (sandbox)"), icon=":material/content_paste:"):
        st.caption(_("In the Solution Provider Center, Sandbox credentials, Simulate app connect shows an authorization code and a "
                     "Seller ID after you connect. The code works once, for 15 minutes."))
        code = st.text_input(_("Authorization code"), key=f"sandbox_code_{key}")
        seller_id = st.text_input(_("Seller ID"), key=f"sandbox_seller_{key}")
        if st.button(_("Connect with this code"), key=f"sandbox_connect_{key}", disabled=not (code and seller_id and (store_id or new_store_name))):
            try:
                result = oauth.connect_with_code(runtime, actor(), code=code, seller_id=seller_id, store_id=store_id,
                                                 new_store_name=new_store_name, environment=Environment.sandbox, allow_duplicate=allow_duplicate)
            except StoreConnectError as problem:
                show_problem(problem)
            else:
                show_result(result)


def show_result(result: oauth.ConnectResult) -> None:
    """How a connect went: what changed for the store (in plain words), then the verification in its colour."""
    name = plain(result.store_name)
    if result.state == ConnectState.connected and result.verification.status not in VERIFIED:
        st.warning(_("{store} is saved with the authorization of Walmart seller {seller_id}, but Walmart did not accept it: see below.",
                     store=name, seller_id=plain(result.seller_id)), icon=":material/warning:")
    elif result.state == ConnectState.connected:
        st.success(_("{store} is connected (Walmart seller {seller_id}).", store=name, seller_id=plain(result.seller_id)), icon=":material/check:")
    elif result.state == ConnectState.reconnected:
        st.success(_("{store} is connected again (Walmart seller {seller_id}); the new authorization replaced the old one.",
                     store=name, seller_id=plain(result.seller_id)), icon=":material/check:")
    elif result.state == ConnectState.waiting_for_switch:
        st.info(_("{store}: the new authorization is saved. The store keeps using its old keys until you press Switch to OAuth "
                  "on the Connect with Walmart page.", store=name), icon=":material/schedule:")
    else:
        st.warning(_("{store}: Walmart did not accept the new authorization yet, so the store keeps its previous one. "
                     "Press Verify again on the Connect with Walmart page, or connect again.", store=name), icon=":material/warning:")
    if result.note:
        st.warning(plain(result.note), icon=":material/info:")
    show_outcome(result.verification, subject=result.store_name)


def finish_connect(runtime: Runtime, params_or_url: str | Mapping[str, str | list[str]] | None, *, key: str = "finish") -> bool:
    """Finish a connect from Walmart's redirect or a pasted address. A seller already connected to another store
    is named first; "Connect anyway" then finishes it (the code was not spent)."""
    state = st.session_state
    try:
        callback = oauth.parse_callback(params_or_url) if params_or_url else state[PENDING_CALLBACK]
    except (StoreConnectError, KeyError) as problem:
        if isinstance(problem, StoreConnectError):
            show_problem(problem)
        return False
    allow = bool(state.pop(f"{key}_allow", False))
    try:
        result = oauth.complete_connect(runtime, callback, actor(), allow_duplicate=allow)
    except LikelyDuplicate as duplicate:
        state[PENDING_CALLBACK] = callback
        for item in duplicate.duplicates:
            st.warning(plain(item.message), icon=":material/content_copy:")
        st.info(plain(duplicate.fix))
        if st.checkbox(_("This is a different store: connect it anyway"), key=f"{key}_confirm"):
            st.button(_("Connect anyway"), key=f"{key}_anyway", type="primary", on_click=state.__setitem__, args=(f"{key}_allow", True))
        return False
    except StoreConnectError as problem:
        state.pop(PENDING_CALLBACK, None)  # refused for good (used, expired ...): not offered again
        show_problem(problem)
        return False
    state.pop(PENDING_CALLBACK, None)
    show_result(result)
    return True


ENVIRONMENTS = {Environment.production.value: N_("production"), Environment.sandbox.value: N_("sandbox")}
MARKETS = {Market.us.value: N_("US"), Market.ca.value: N_("Canada"), Market.mx.value: N_("Mexico"), Market.cl.value: N_("Chile")}


def environment_label(environment: str) -> str:
    """production / sandbox in words (the stored value stays the code)."""
    return _(ENVIRONMENTS[environment]) if environment in ENVIRONMENTS else environment


def credential_label(kind: str) -> str:
    labels: dict[str, str] = {CredentialKind.oauth_seller: _("OAuth"), CredentialKind.delegated_key: _("delegated keys")}
    return labels.get(kind, _("nothing saved"))
