import re

import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import ElementTree

from core.i18n import use_language

APP = "../../app.py"


@pytest.fixture
def app(app_env, monkeypatch):
    """The whole app (router + sidebar) against the fake gateway and a fresh database."""
    for name, value in app_env.items():
        monkeypatch.setenv(name, value)
    st.cache_data.clear()
    st.cache_resource.clear()
    _read_widgets_in_the_pages_language(monkeypatch)
    at = AppTest.from_file(APP, default_timeout=30)
    yield at
    st.cache_resource.clear()


def _read_widgets_in_the_pages_language(monkeypatch) -> None:
    """AppTest reads the last run's widgets in the test's own thread before it runs again (a switch_page, a click),
    calling their format_func to find each chosen option among the labels the page showed. Labels are translated in
    the page's language, so that reading must happen in the language the page last ran in (the address keeps it), not
    in the test thread's English; the test thread's own language is left as it was."""
    read, run = ElementTree.get_widget_states, AppTest._run

    def read_in_the_pages_language(tree: ElementTree):
        with use_language(getattr(tree._runner, "page_language", None)):
            return read(tree)

    def run_and_note_the_language(at: AppTest, *args, **kwargs):
        result = run(at, *args, **kwargs)
        at.page_language = at.query_params.get("lang")  # type: ignore[attr-defined]
        return result

    monkeypatch.setattr(ElementTree, "get_widget_states", read_in_the_pages_language)
    monkeypatch.setattr(AppTest, "_run", run_and_note_the_language)


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
