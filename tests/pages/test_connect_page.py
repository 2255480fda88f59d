"""The Connect with Walmart page, the callback page and the store page's Connect, through AppTest."""
from urllib.parse import parse_qs, urlparse

import pytest

from core.authorization import check as authorization
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import Store
from core.oauth import connect as oauth
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.pages.conftest import page_address, page_text, shown

APP_ID, APP_SECRET, SELLER = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij", "456782346"
REDIRECT = "http://127.0.0.1:8501/walmart_callback"


@pytest.fixture
def oauth_env(app_env, gateway, monkeypatch):
    env = {**app_env, "WALMART_OAUTH_CLIENT_ID": APP_ID, "WALMART_AUTHORIZE_URL": gateway.authorize_url(), "WALMART_OAUTH_REDIRECT_URI": REDIRECT}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    gateway.register_app(APP_ID, APP_SECRET, REDIRECT)
    gateway.add_seller(SELLER)
    runtime = open_runtime(load_settings(env, env_file=None))
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Legacy", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
    yield runtime
    runtime.engine.dispose()


@pytest.fixture
def broken(oauth_env, gateway):
    """An OAuth store (Harbor Tools) whose seller disconnected the app, checked: Re-connect needed."""
    with session_scope(oauth_env.engine) as session:
        oauth.save_app_secret(session, oauth_env.vault, oauth_env.settings, APP_SECRET, actor=ADMIN)
        link = oauth.start_connect(session, oauth_env.settings, ADMIN, new_store_name="Harbor Tools")
    result = oauth.complete_connect(oauth_env, oauth.parse_callback(gateway.approve(link.url, SELLER)), ADMIN)
    gateway.revoke_seller(SELLER)
    gateway.add_seller(SELLER)  # the account is still there; its approval is gone
    assert authorization.check_store(open_runtime(oauth_env.settings), result.store_id).status == "reconnect_required"
    return result.store_id


def connect_link(at) -> str:
    """The Connect link the page shows (the page also shows the addresses to register with Walmart, and its own to copy)."""
    return next(code.value for code in at.code if "responseType=code" in code.value)


def text(at) -> str:
    return page_text(at).replace("\\", "")  # outside text is shown escaped


def finish_on_callback_page(app, redirect):
    for name, values in parse_qs(urlparse(redirect).query).items():
        app.query_params[name] = values[0]
    app.switch_page("pages/walmart_callback.py").run()
    assert not app.exception


def test_migration_view_connect_callback_and_switch(app, oauth_env, gateway):
    app.run()
    app.switch_page("pages/connect.py").run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["US stores on delegated keys"] == "1"
    app.text_input(key="app_secret_0").input(APP_SECRET).run()
    app.button(key="save_app_secret").click().run()
    assert "App secret saved." in shown(app.success[0])
    assert APP_SECRET not in page_text(app)

    app.button(key="connect_1").click().run()
    link = connect_link(app)
    assert parse_qs(urlparse(link).query)["clientType"] == ["seller"] and link.endswith(f"&redirectUri={REDIRECT}")
    finish_on_callback_page(app, gateway.approve(link, SELLER))
    assert "Legacy: the new authorization is saved" in text(app) and "Switch to OAuth" in text(app)
    assert any("Authorized" in s.value for s in app.success)

    app.switch_page("pages/connect.py").run()
    assert "A new authorization is verified and waits for the switch." in text(app)
    app.button(key="switch_1").click().run()
    assert not app.exception
    assert "Legacy now uses OAuth." in shown(app.success[0])
    assert {m.label: m.value for m in app.metric}["Stores on OAuth"] == "1"
    with session_scope(oauth_env.engine) as session:
        assert stores.get_store(session, "Legacy").credential_kind == "oauth_seller"


def test_a_broken_oauth_store_is_reconnected_from_the_connect_page(app, oauth_env, gateway, broken):
    app.run()
    app.switch_page("pages/connect.py").run()
    shown = text(app)
    assert "Harbor Tools" in shown and "Re-connect needed" in shown and "revoked" in shown
    assert "days left" not in shown and "364" not in shown
    app.button(key=f"connect_{broken}").click().run()
    assert app.button(key=f"connect_{broken}").label == "Connect again"
    finish_on_callback_page(app, gateway.approve(connect_link(app), SELLER))
    assert "Harbor Tools is connected again" in text(app) and "replaced the old one" in text(app)
    app.switch_page("pages/connect.py").run()
    assert "Harbor Tools" not in text(app)  # needs nothing any more
    assert authorization.check_store(open_runtime(oauth_env.settings), broken).status == "authorized"


def test_a_broken_oauth_store_is_reconnected_from_its_store_page(app, oauth_env, gateway, broken):
    app.run()
    app.selectbox(key="detail_store").set_value(broken).run()
    assert not app.exception
    assert any("Re-connect needed" in e.value for e in app.error)
    assert "364 days" not in text(app) and "365 days" not in text(app)
    app.button(key=f"connect_store_{broken}").click().run()
    link = connect_link(app)
    assert link.startswith(gateway.authorize_url())
    finish_on_callback_page(app, gateway.approve(link, SELLER))
    assert "Harbor Tools is connected again" in text(app)


def test_another_seller_on_the_callback_is_refused_plainly(app, oauth_env, gateway, broken):
    gateway.add_seller("999000111")
    app.run()
    app.switch_page("pages/connect.py").run()
    app.button(key=f"connect_{broken}").click().run()
    finish_on_callback_page(app, gateway.approve(connect_link(app), "999000111"))
    assert "Walmart sent back seller 999000111, but 'Harbor Tools' is connected to seller 456782346" in text(app)
    assert not app.success


def test_a_seller_on_another_store_needs_connect_anyway(app, oauth_env, gateway, broken):
    app.run()
    app.switch_page("pages/connect.py").run()
    app.text_input(key="connect_new_name").input("Harbor Annex").run()
    app.button(key="connect_new").click().run()
    link = app.session_state["link_new"].url
    finish_on_callback_page(app, gateway.approve(link, SELLER))
    assert "already connected to the store 'Harbor Tools'" in text(app)
    app.checkbox(key="callback_confirm").check().run()
    app.button(key="callback_anyway").click().run()
    assert not app.exception
    assert "Harbor Annex is connected" in text(app)


def test_a_look_alike_new_store_name_needs_a_confirm(app, oauth_env, gateway, broken):
    app.run()
    app.switch_page("pages/connect.py").run()
    app.text_input(key="connect_new_name").input("harbor  TOOLS").run()
    assert "looks the same as the existing store 'Harbor Tools'" in text(app)
    assert app.button(key="connect_new").disabled
    app.checkbox(key="connect_new_confirm").check().run()
    app.button(key="connect_new").click().run()
    assert app.session_state["link_new"].url.startswith(gateway.authorize_url())


def test_a_new_sandbox_store_from_the_simulated_code(app, oauth_env, gateway):
    with session_scope(oauth_env.engine) as session:
        oauth.save_app_secret(session, oauth_env.vault, oauth_env.settings, APP_SECRET, actor=ADMIN)
        link = oauth.start_connect(session, oauth_env.settings, ADMIN, new_store_name="Simulated")
    shown = parse_qs(urlparse(gateway.approve(link.url, SELLER)).query)  # what Simulate App Connect shows on screen
    app.run()
    app.switch_page("pages/connect.py").run()
    app.text_input(key="connect_new_name").input("Rehearsal").run()
    app.radio(key="connect_new_environment").set_value("sandbox").run()
    app.text_input(key="sandbox_code_new").input(shown["code"][0])
    app.text_input(key="sandbox_seller_new").input(shown["sellerId"][0]).run()
    app.button(key="sandbox_connect_new").click().run()
    assert not app.exception
    assert "Rehearsal is connected" in text(app) and any("Authorized" in s.value for s in app.success)
    with session_scope(oauth_env.engine) as session:
        view = stores.get_store(session, "Rehearsal")
    assert (view.environment, view.credential_kind) == ("sandbox", "oauth_seller")
    assert gateway.token_requests(grant_type="authorization_code")[-1].environment == "sandbox"


def test_thousands_of_stores_are_paged_and_searched(app, oauth_env):
    with session_scope(oauth_env.engine) as session:
        session.add_all([Store(name=f"Outlet {number:04d}") for number in range(250)])
        session.add(Store(name="Maple CA", market="ca"))
    app.run()
    app.switch_page("pages/connect.py").run()
    assert not app.exception
    connect_buttons = [b for b in app.button if b.key and b.key.startswith("connect_") and b.key[8:].isdigit()]
    assert len(connect_buttons) == 20  # one page, not 251 buttons
    assert "251 stores match; page 1 of 13." in text(app)
    assert "1 store outside the US keeps its delegated keys" in text(app) and "Maple CA" not in text(app)
    app.text_input(key="connect_search").input("outlet 0123").run()
    assert "1 store matches; page 1 of 1." in text(app) and "Outlet 0123" in text(app)


def test_pasted_address_with_a_forged_state_is_refused(app, oauth_env):
    with session_scope(oauth_env.engine) as session:
        oauth.save_app_secret(session, oauth_env.vault, oauth_env.settings, APP_SECRET, actor=ADMIN)
    app.run()
    app.switch_page("pages/connect.py").run()
    app.text_input(key="pasted_redirect").input(f"{REDIRECT}?code=abc&state=forged&sellerId={SELLER}").run()
    app.button(key="finish_pasted").click().run()
    assert not app.exception
    assert "not one we issued" in app.error[0].value


def test_outside_text_on_the_callback_is_shown_as_text(app, oauth_env):
    app.run()
    app.query_params["error"] = "access_denied"
    app.query_params["error_description"] = "[Sign in again](https://evil.example) ![t](https://evil.example/p.png)"
    app.switch_page("pages/walmart_callback.py").run()
    assert not app.exception
    [shown] = app.error
    assert "](" not in shown.value.replace("\\]\\(", "") and "\\[Sign in again\\]" in shown.value


def test_the_addresses_to_register_with_walmart_copy_exactly(app, oauth_env):
    """The redirect URI and the Login URL are typed into Walmart's Solution Provider Center: shown as text that copies
    byte for byte, never through the Markdown escaping that hides a word joiner inside 'http://'."""
    from core.oauth.seller_started import login_url

    app.run()
    app.switch_page("pages/connect.py").run()
    assert not app.exception
    codes = [element.value for element in app.code]
    assert REDIRECT in codes and login_url(oauth_env.settings) in codes
    assert all("\u2060" not in value for value in codes)


def test_the_search_is_in_the_address(app, oauth_env):
    app.run()
    app.query_params.clear()
    app.query_params["q"] = "leg"
    app.query_params["all"] = "1"
    app.switch_page("pages/connect.py").run()
    assert app.text_input(key="connect_search").value == "leg" and app.radio(key="connect_show_all").value is True
    assert "Legacy" in text(app)
    app.text_input(key="connect_search").input("").run()
    assert page_address(app) == {"all": "1"}
