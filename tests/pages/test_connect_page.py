"""The Connect with Walmart page (migration view) and the callback page, through AppTest."""
from urllib.parse import parse_qs, urlparse

import pytest

from core.config import load_settings
from core.db.engine import session_scope
from core.oauth import connect as oauth
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.pages.conftest import page_text, shown

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


def test_migration_view_connect_callback_and_switch(app, oauth_env, gateway):
    app.run()
    app.switch_page("pages/connect.py").run()
    assert not app.exception
    assert {m.label: m.value for m in app.metric}["Stores on delegated keys"] == "1"
    app.text_input(key="app_secret_0").input(APP_SECRET).run()
    app.button(key="save_app_secret").click().run()
    assert "App secret saved." in shown(app.success[0])
    assert APP_SECRET not in page_text(app)

    app.button(key="connect_1").click().run()
    link = app.code[0].value
    assert parse_qs(urlparse(link).query)["clientType"] == ["seller"]
    redirect = gateway.approve(link, SELLER)

    for name, values in parse_qs(urlparse(redirect).query).items():
        app.query_params[name] = values[0]
    app.switch_page("pages/walmart_callback.py").run()
    assert not app.exception
    assert "Legacy is connected" in app.success[0].value
    assert any("old keys" in i.value for i in app.info)

    app.switch_page("pages/connect.py").run()
    assert "new authorization waiting (verified)" in page_text(app)
    app.button(key="switch_1").click().run()
    assert not app.exception
    assert "Legacy now uses OAuth." in shown(app.success[0])
    assert {m.label: m.value for m in app.metric}["Stores on OAuth"] == "1"
    with session_scope(oauth_env.engine) as session:
        assert stores.get_store(session, "Legacy").credential_kind == "oauth_seller"


def test_pasted_address_with_a_forged_state_is_refused(app, oauth_env):
    with session_scope(oauth_env.engine) as session:
        oauth.save_app_secret(session, oauth_env.vault, oauth_env.settings, APP_SECRET, actor=ADMIN)
    app.run()
    app.switch_page("pages/connect.py").run()
    app.text_input(key="pasted_redirect").input(f"{REDIRECT}?code=abc&state=forged&sellerId={SELLER}").run()
    app.button(key="finish_pasted").click().run()
    assert not app.exception
    assert "not one we issued" in app.error[0].value
