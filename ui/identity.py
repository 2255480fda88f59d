"""Who is using the dashboard, and with which role.

Three ways, in this order: Streamlit's OIDC sign-in when `[auth]` is in
.streamlit/secrets.toml; a user (and groups) header set by a trusted reverse proxy
when TRUSTED_USER_HEADER is set; otherwise the single local operator.
"""
from __future__ import annotations

import streamlit as st

from core.access import Actor, actor_from_claims, actor_from_headers, local_operator
from core.config import Settings


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def current_actor(settings: Settings) -> Actor:
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            return Actor("", None, "oidc")
        return actor_from_claims(st.user.to_dict(), settings)
    if settings.trusted_user_header:
        return actor_from_headers(st.context.headers, settings)
    return local_operator()


def signed_in_without_identity(actor: Actor) -> bool:
    """Signed in with OIDC, but the token names no verified email: the user is known to the provider, not to us."""
    return actor.via == "oidc" and not actor.name and bool(st.user.get("is_logged_in"))


def actor() -> Actor:
    """The actor app.py resolved for this run."""
    return st.session_state["actor"]
