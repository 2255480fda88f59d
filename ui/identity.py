"""Who is using the dashboard, and with which role.

Three ways, in this order: Streamlit's OIDC sign-in when `[auth]` is in
.streamlit/secrets.toml; a user (and groups) header set by a trusted reverse proxy
when TRUSTED_USER_HEADER is set; otherwise the single local operator.
"""
from __future__ import annotations

import streamlit as st

from core.access import Actor, RolePolicy, actor_from_headers, local_operator


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def current_actor(settings) -> Actor:
    policy = RolePolicy.from_settings(settings)
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            return Actor("", None, "oidc")
        email = str(st.user.get("email") or st.user.get("name") or "")
        groups = st.user.get("groups") or []
        return Actor(email, policy.role_for(email, list(groups)), "oidc")
    if settings.trusted_user_header:
        return actor_from_headers(st.context.headers, settings)
    return local_operator()


def actor() -> Actor:
    """The actor app.py resolved for this run."""
    return st.session_state["actor"]
