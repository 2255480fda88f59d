"""The page language: from the address (?lang=), else STORE_CONNECT_LANGUAGE, else the browser; kept in the address."""
from core import i18n


def _language(app) -> str:
    return app.session_state["language"]


def test_a_shared_link_opens_in_the_senders_language(app):
    app.query_params["lang"] = "zh-CN"
    app.run()
    assert not app.exception
    assert _language(app) == "zh-CN" and app.query_params["lang"] == "zh-CN"
    assert app.sidebar.selectbox(key="language").value == "zh-CN"


def test_without_a_choice_the_setting_decides_and_the_address_says_so(app, monkeypatch):
    monkeypatch.setenv("STORE_CONNECT_LANGUAGE", "zh_cn")
    app.run()
    assert _language(app) == "zh-CN" and app.query_params["lang"] == "zh-CN"


def test_nothing_chosen_and_no_setting_means_english(app, monkeypatch):
    monkeypatch.delenv("STORE_CONNECT_LANGUAGE", raising=False)
    app.run()
    assert _language(app) == "en" and app.query_params["lang"] == "en"


def test_switching_in_the_sidebar_changes_the_address_and_the_next_run(app):
    app.run()
    app.sidebar.selectbox(key="language").set_value("zh-CN").run()
    assert _language(app) == "zh-CN" and app.query_params["lang"] == "zh-CN"
    assert i18n.current_language() == "en"  # the test's own thread: the page set it only for its own run


def test_an_unknown_language_in_the_address_is_ignored(app, monkeypatch):
    monkeypatch.delenv("STORE_CONNECT_LANGUAGE", raising=False)
    app.query_params["lang"] = "fr"
    app.run()
    assert not app.exception and _language(app) == "en" and app.query_params["lang"] == "en"
