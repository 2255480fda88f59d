"""Who is using the dashboard, and with which role.

Three ways, in this order: Streamlit's OIDC sign-in when `[auth]` is in
.streamlit/secrets.toml; a user (and groups) header set by a trusted reverse proxy
when TRUSTED_USER_HEADER is set; otherwise the single local operator.
"""
from __future__ import annotations

import streamlit as st

from core.access import Actor, RolePolicy, actor_from_headers, local_operator
from core.config import Settings


def oidc_configured() -> bool:
    try:
        return "auth" in st.secrets
    except FileNotFoundError:  # no secrets.toml at all
        return False


def _groups(claim: object) -> list[str]:
    """The groups claim of the identity token: a list of names, or one name as text (as some providers send a single group)."""
    if isinstance(claim, str):
        return [claim]
    if isinstance(claim, list):
        return [str(group) for group in claim]
    return []


def current_actor(settings: Settings) -> Actor:
    policy = RolePolicy.from_settings(settings)
    if oidc_configured():
        if not st.user.get("is_logged_in"):
            return Actor("", None, "oidc")
        email = str(st.user.get("email") or st.user.get("name") or "")
        return Actor(email, policy.role_for(email, _groups(st.user.get("groups"))), "oidc")
    if settings.trusted_user_header:
        return actor_from_headers(st.context.headers, settings)
    return local_operator()


def actor() -> Actor:
    """The actor app.py resolved for this run."""
    return st.session_state["actor"]
