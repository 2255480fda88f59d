"""Who is using the dashboard. Until sign-in is configured, everyone is the local operator."""
import streamlit as st

LOCAL_OPERATOR = "local operator"


def current_user() -> str:
    try:
        if st.user.get("is_logged_in") and st.user.get("email"):
            return str(st.user["email"])
    except Exception:  # noqa: BLE001 - no [auth] configured
        pass
    return LOCAL_OPERATOR
