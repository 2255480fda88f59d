import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

APP = "../../app.py"


@pytest.fixture
def app(app_env, monkeypatch):
    """The whole app (router + sidebar) against the fake gateway and a fresh database."""
    for name, value in app_env.items():
        monkeypatch.setenv(name, value)
    st.cache_data.clear()
    st.cache_resource.clear()
    at = AppTest.from_file(APP, default_timeout=30)
    yield at
    st.cache_resource.clear()


_ESCAPED = re.compile(r"\\([!-/:-@\[-`{-~])")


def shown(element_or_text) -> str:
    """A Markdown element's text as a person reads it: outside text passes through ui.text.plain, which
    backslash-escapes punctuation and puts a word joiner into addresses; both are invisible on screen."""
    text = str(getattr(element_or_text, "value", element_or_text))
    return _ESCAPED.sub(r"\1", text).replace("\u2060", "")


def page_text(at) -> str:
    """Every piece of text the page rendered (as a person reads it), to search for things that must (not) be shown."""
    parts = []
    for kind in ("title", "header", "subheader", "markdown", "caption", "text", "success", "info", "warning", "error", "metric"):
        for element in getattr(at, kind):
            parts.append(shown(str(getattr(element, "value", ""))))
            parts.append(shown(str(getattr(element, "label", ""))))
    for frame in at.dataframe:
        parts.append(frame.value.to_string())
    for widget in at.text_input:
        if widget.proto.type != widget.proto.PASSWORD:  # what the user typed into a password box is not "shown"
            parts.append(str(widget.value))
    return "\n".join(parts)


def page_address(at) -> dict[str, str]:
    """The page's own query parameters: what a link to it carries, besides the language every page keeps (?lang=)."""
    return {name: value for name, value in dict(at.query_params).items() if name != "lang"}
