"""What a seller from Walmart's App Store sees: our Login URL sending them on to Walmart, and the callback
thanking them. They are no dashboard user, so these show a neutral message and nothing else: no store,
no seller ID, no reason a connection failed (core/oauth/seller_started.py keeps the details for admins)."""
from __future__ import annotations

import json
from collections.abc import Mapping

import streamlit as st

from core.access import Permission
from core.db.models import utc_now
from core.errors import StoreConnectError
from core.i18n import _
from core.oauth import connect as oauth
from core.oauth import seller_started
from core.runtime import Runtime
from ui.identity import actor
from ui.text import plain

_LINK = "seller_connect_link"


def team(runtime: Runtime) -> str:
    return plain(runtime.settings.team_name or _("our team"))


def login_page(runtime: Runtime) -> None:
    """The app's Login URL: a fresh seller-started state, then on to Walmart's authorize page."""
    st.title(_("Connect your Walmart store"))
    link: oauth.ConnectLink | None = st.session_state.get(_LINK)
    if link is None or link.expires_at <= utc_now():  # one state per visit: reruns reuse it
        try:
            with runtime.transaction() as session:
                link = seller_started.start_seller_connect(session, runtime.settings)
        except seller_started.TooManyAttempts as busy:
            st.warning(f"{busy.message} {busy.fix}", icon=":material/hourglass_top:")
            return
        except StoreConnectError:  # not set up yet: nothing about why is a seller's business
            st.info(_("Connecting a store is not possible right now. Please try again later."), icon=":material/info:")
            return
        st.session_state[_LINK] = link
    st.write(_("Walmart will ask you to sign in to Seller Center and to approve access for {team}. Then you come back here.",
               team=team(runtime)))
    st.link_button(_("Continue to Walmart"), link.url, type="primary", icon=":material/open_in_new:")
    # Send the browser on by itself; the button stays for browsers that block it.
    target = json.dumps(link.url).replace("<", "\\u003c")
    st.html(f"<script>window.location.replace({target});</script>", unsafe_allow_javascript=True)


def _thank_you(runtime: Runtime) -> None:
    st.success(_("Thank you. Your store's connection is waiting for review by {team}.", team=team(runtime)), icon=":material/check:")
    st.caption(_("You can close this page."))


def _not_completed() -> None:
    st.info(_("This connection could not be completed. Please start again from Walmart Seller Center: open Apps, find our app and press Connect."),
            icon=":material/info:")


def seller_callback(runtime: Runtime, params: Mapping[str, str | list[str]]) -> bool:
    """Answer the callback when it is received for review (a seller-started connect, or a dashboard link the seller's
    own browser brought back), or when the visitor is no dashboard user.
    False: a dashboard user's own connect, which the callback page finishes as before."""
    who = actor()
    dashboard_user = bool(who.name and who.role)
    state = params.get("state")
    with runtime.transaction() as session:
        sellers = isinstance(state, str) and seller_started.for_review(session, state, who.name if dashboard_user else None)
    if dashboard_user and not sellers:
        return False
    st.title(_("Connecting your Walmart store"))
    if not sellers:
        _not_completed()
        return True
    try:
        seller_started.receive_seller_connect(runtime, oauth.parse_callback(params))
    except StoreConnectError:  # declined, expired, refused by Walmart: the seller can only start again
        _not_completed()
        return True
    _thank_you(runtime)
    if who.can(Permission.manage_stores):
        st.page_link("pages/connect.py", label=_("Review it on the Connect with Walmart page"), icon=":material/arrow_forward:")
    return True
