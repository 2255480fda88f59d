"""The language a page speaks: chosen in the sidebar and kept in the address (?lang=zh-CN), so a shared link
opens in the sender's language. Without a choice: STORE_CONNECT_LANGUAGE, else the browser's Accept-Language."""
from __future__ import annotations

import streamlit as st

from core.config import Settings
from core.i18n import DEFAULT_LANGUAGE, LANGUAGES, from_accept_language, set_language, supported

NAMES = {"en": "English", "zh-CN": "简体中文"}  # each in its own language, so anyone finds theirs
KEY = "language"


def _browser_language() -> str | None:
    headers = st.context.headers
    accept = headers.get("Accept-Language") if headers is not None else None
    return from_accept_language(accept) or supported(getattr(st.context, "locale", None))


def choose_language(settings: Settings) -> str:
    """Decide this run's language before anything is shown, and keep it in the address."""
    state = st.session_state
    asked = supported(st.query_params.get("lang"))
    if asked is not None and state.get(KEY) != asked:
        state[KEY] = asked  # a link wins over what this session chose before (set only when it differs: the page
        # calls this again after the sidebar's switch, whose key must not be written twice in one run)
    elif state.get(KEY) not in LANGUAGES:
        state[KEY] = settings.language or _browser_language() or DEFAULT_LANGUAGE
    language = set_language(state[KEY])
    if st.query_params.get("lang") != language:
        st.query_params["lang"] = language
    return language


def language_switch() -> None:
    """The sidebar's language choice; changing it reruns the page in the new language."""
    st.selectbox("Language / 语言", list(LANGUAGES), format_func=NAMES.__getitem__, key=KEY,
                 on_change=lambda: st.query_params.__setitem__("lang", st.session_state[KEY]))
