"""Seller-started connect through AppTest: the Login URL and the callback open to a seller who is no
dashboard user (and showing nothing but a neutral message), and the admins' review on the Connect page."""
import json
from urllib.parse import parse_qs, urlparse

import pytest
from sqlmodel import select

from core.access import Actor
from core.config import load_settings
from core.db.engine import session_scope
from core.db.models import ConnectRequest
from core.oauth import connect as oauth
from core.oauth import seller_started
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.pages.conftest import page_text, shown
from ui.text import plain

APP_ID, APP_SECRET, SELLER = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij", "456782346"
REDIRECT = "http://127.0.0.1:8501/walmart_callback"
AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "test-cookie-secret", "client_id": "x",
        "client_secret": "y", "server_metadata_url": "https://idp.example/.well-known/openid-configuration"}
PRIVATE_STORE = "Hidden Harbor Goods"  # a store an anonymous visitor must never learn of
THANKS = "Thank you. Your store's connection is waiting for review by the Acme OMS team."


@pytest.fixture
def seller_env(app_env, gateway, monkeypatch):
    """OAuth app registered at the fake Walmart, sign-in configured (OIDC), one existing store."""
    env = {**app_env, "WALMART_OAUTH_CLIENT_ID": APP_ID, "WALMART_AUTHORIZE_URL": gateway.authorize_url(), "WALMART_OAUTH_REDIRECT_URI": REDIRECT,
           "TEAM_NAME": "the Acme OMS team", "ROLE_ADMINS": "boss@x.com", "ROLE_VIEWERS": "ann@x.com", "ROLE_EDITORS": "ed@x.com"}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    gateway.register_app(APP_ID, APP_SECRET, REDIRECT)
    gateway.add_seller(SELLER, partner_name="Acme Seller")
    runtime = open_runtime(load_settings(env, env_file=None))
    with session_scope(runtime.engine) as session:
        oauth.save_app_secret(session, runtime.vault, runtime.settings, APP_SECRET, actor=ADMIN)
        stores.add_store(session, runtime.vault, actor=ADMIN, name=PRIVATE_STORE, environment="production", client_id=CLIENT_ID,
                         client_secret=CLIENT_SECRET)
    yield runtime
    runtime.engine.dispose()


def as_visitor(app, user=None):
    """Nobody signed in (a seller), or a dashboard user by email. AppTest runs a page's file by itself when
    switched to, so a changed user first goes through the router once (app.py) to be known."""
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": True, "email": user} if user else {"is_logged_in": False}
    return app.run()


def open_callback(app, redirect: str):
    app.query_params.clear()
    for name, values in parse_qs(urlparse(redirect).query).items():
        app.query_params[name] = values[0]
    return app.switch_page("pages/walmart_callback.py").run()


def exchanges(gateway) -> int:
    return len(gateway.token_requests(grant_type="authorization_code"))


def assert_shows_nothing_private(app) -> None:
    text = page_text(app)
    assert PRIVATE_STORE not in text and SELLER not in text and "Database" not in text and "sqlite" not in text
    assert not app.sidebar.caption and not app.sidebar.info and not app.sidebar.button
    assert not app.dataframe and not app.text_input and not app.metric


def test_the_login_url_sends_a_seller_to_walmart_without_sign_in(app, seller_env, gateway):
    as_visitor(app)
    assert [b.label for b in app.button] == ["Sign in"]  # the dashboard itself still needs sign-in
    app.switch_page("pages/walmart_login.py").run()
    assert not app.exception
    assert app.title[0].value == "Connect your Walmart store"
    assert "approve access for the Acme OMS team" in page_text(app)
    [button] = app.get("link_button")
    url = button.proto.url
    query = {k: v[0] for k, v in parse_qs(urlparse(url).query).items()}
    assert url.startswith(gateway.authorize_url()) and query["clientId"] == APP_ID and query["redirectUri"] == REDIRECT
    [script] = app.get("html")
    assert script.proto.body == f"<script>window.location.replace({json.dumps(url)});</script>"
    assert_shows_nothing_private(app)
    app.run()  # a rerun reuses the visit's state
    with session_scope(seller_env.engine) as session:
        [request] = session.exec(select(ConnectRequest)).all()
    assert request.state == query["state"] and request.seller_started and request.started_by == seller_started.SELLER.name


def test_the_callback_thanks_the_seller_once_and_shows_nothing_else(app, seller_env, gateway):
    as_visitor(app).switch_page("pages/walmart_login.py").run()
    redirect = gateway.approve(app.get("link_button")[0].proto.url, SELLER)
    open_callback(app, redirect)
    assert not app.exception
    assert app.success[0].value == THANKS
    assert_shows_nothing_private(app)
    assert not app.get("page_link")  # no way into the dashboard
    open_callback(app, redirect)  # a reload: the same answer, and the code is not exchanged again
    assert app.success[0].value == THANKS and exchanges(gateway) == 1
    with session_scope(seller_env.engine) as session:
        assert [view.seller_id for view in seller_started.pending_connections(session, actor=ADMIN)] == [SELLER]


@pytest.mark.parametrize("query", ["code=abc&state=forged&sellerId=1", "state=whatever", "", "error=access_denied"])
def test_anything_else_at_the_callback_gets_the_same_neutral_answer(app, seller_env, gateway, query):
    as_visitor(app)
    open_callback(app, f"{REDIRECT}?{query}")
    assert not app.exception
    assert "could not be completed" in app.info[0].value and not app.error
    assert_shows_nothing_private(app)
    assert exchanges(gateway) == 0


def test_a_copied_link_the_seller_finishes_in_their_own_browser_waits_for_review_beside_its_store(app, seller_env, gateway):
    boss = Actor("boss@x.com", ADMIN.role, "oidc")
    with session_scope(seller_env.engine) as session:
        store_id = stores.get_store(session, PRIVATE_STORE).id
        link = oauth.start_connect(session, seller_env.settings, boss, store_id=store_id)
    as_visitor(app)  # the seller the link was sent to: no dashboard user
    open_callback(app, gateway.approve(link.url, SELLER))
    assert not app.exception
    assert app.success[0].value == THANKS and exchanges(gateway) == 1
    assert_shows_nothing_private(app)

    as_visitor(app, "boss@x.com").switch_page("pages/connect.py").run()
    [pending_id] = [int(r.key.rsplit("_", 1)[1]) for r in app.radio if r.key.startswith("pending_target_")]
    assert f"From the Connect link boss@x.com made for '{PRIVATE_STORE}'" in page_text(app)
    assert app.radio(key=f"pending_target_{pending_id}").value == "An existing store"
    assert app.selectbox(key=f"pending_store_{pending_id}").value == PRIVATE_STORE  # one click: Attach
    app.button(key=f"pending_attach_{pending_id}").click().run()
    assert not app.exception and exchanges(gateway) == 1
    with session_scope(seller_env.engine) as session:
        assert stores.get_store(session, PRIVATE_STORE).credential_kind == "delegated_key"  # until the switch is confirmed


@pytest.mark.parametrize("page", ["pages/connect.py", "pages/stores.py", "pages/audit.py"])
def test_dashboard_pages_stay_closed_to_a_seller_even_when_run_without_the_router(app, seller_env, page):
    # Streamlit runs a page file by itself (pages/ auto-discovery) until the router first calls st.navigation;
    # a visitor the router already met as no dashboard user is sent back to it, and so to the sign-in.
    app.secrets["auth"] = AUTH
    app.user = {"is_logged_in": False}
    app.session_state["actor"] = Actor("", None, "oidc")
    app.switch_page(page).run()
    assert not app.exception
    assert [b.label for b in app.button] == ["Sign in"]
    assert PRIVATE_STORE not in page_text(app) and "Seller-started connections" not in page_text(app)


def test_admin_attaches_a_pending_connection_to_a_new_store(app, seller_env, gateway):
    as_visitor(app).switch_page("pages/walmart_login.py").run()
    open_callback(app, gateway.approve(app.get("link_button")[0].proto.url, SELLER))

    as_visitor(app, "boss@x.com").switch_page("pages/connect.py").run()
    assert not app.exception
    with pytest.raises(AssertionError):  # the dashboard does show private things, so the check above can fail
        assert_shows_nothing_private(app)
    assert "register it as the app's Login URL" in page_text(app) and "http://127.0.0.1:8501/walmart_login" in [code.value for code in app.code]
    assert f"Walmart seller {SELLER}" in page_text(app)
    [pending_id] = [int(r.key.rsplit("_", 1)[1]) for r in app.radio if r.key.startswith("pending_target_")]
    assert app.button(key=f"pending_attach_{pending_id}").disabled  # no name yet
    app.text_input(key=f"pending_new_{pending_id}").input(PRIVATE_STORE).run()
    assert app.button(key=f"pending_attach_{pending_id}").disabled and any(PRIVATE_STORE in w.value for w in app.warning)  # named first
    app.checkbox(key=f"pending_confirm_{pending_id}").check().run()
    app.button(key=f"pending_attach_{pending_id}").click().run()
    assert app.error[0].value == plain(f"A store called '{PRIVATE_STORE}' already exists.")  # shown beside the button; it keeps waiting
    app.text_input(key=f"pending_new_{pending_id}").input("Acme from the App Store").run()
    app.button(key=f"pending_attach_{pending_id}").click().run()
    assert not app.exception
    assert "Acme from the App Store is connected (Walmart seller 456782346)." in app.success[0].value
    assert "No seller-started connection is waiting." in page_text(app)
    with session_scope(seller_env.engine) as session:  # the new store runs on the seller's grant
        assert stores.get_store(session, "Acme from the App Store").seller_id == SELLER
    assert APP_SECRET not in page_text(app) and exchanges(gateway) == 1


def test_an_attached_connection_walmart_no_longer_accepts_is_never_shown_green(app, seller_env, gateway):
    with session_scope(seller_env.engine) as session:
        link = seller_started.start_seller_connect(session, seller_env.settings)
    seller_started.receive_seller_connect(seller_env, oauth.parse_callback(gateway.approve(link.url, SELLER)))
    gateway.revoke_seller(SELLER)  # the seller disconnected the app before the admin got to it
    as_visitor(app, "boss@x.com").switch_page("pages/connect.py").run()
    [pending_id] = [int(r.key.rsplit("_", 1)[1]) for r in app.radio if r.key.startswith("pending_target_")]
    app.text_input(key=f"pending_new_{pending_id}").input("Acme revoked").run()
    app.button(key=f"pending_attach_{pending_id}").click().run()
    assert not app.exception
    assert not app.success  # nothing about this connect is green: Walmart refused it
    assert any("Re-connect this store" in error.value for error in app.error)
    assert any("Walmart did not accept" in warning.value for warning in app.warning)


def test_a_new_store_name_like_an_existing_one_is_named_before_attaching(app, seller_env, gateway):
    with session_scope(seller_env.engine) as session:
        link = seller_started.start_seller_connect(session, seller_env.settings)
    seller_started.receive_seller_connect(seller_env, oauth.parse_callback(gateway.approve(link.url, SELLER)))
    as_visitor(app, "boss@x.com").switch_page("pages/connect.py").run()
    [pending_id] = [int(r.key.rsplit("_", 1)[1]) for r in app.radio if r.key.startswith("pending_target_")]
    app.text_input(key=f"pending_new_{pending_id}").input(PRIVATE_STORE.upper()).run()
    assert any(PRIVATE_STORE in warning.value for warning in app.warning)
    assert app.button(key=f"pending_attach_{pending_id}").disabled
    app.checkbox(key=f"pending_confirm_{pending_id}").check().run()
    app.button(key=f"pending_attach_{pending_id}").click().run()
    assert not app.exception
    with session_scope(seller_env.engine) as session:
        assert stores.get_store(session, PRIVATE_STORE.upper()).seller_id == SELLER


def test_admin_attaches_to_an_existing_store_or_discards(app, seller_env, gateway):
    for _ in range(2):
        with session_scope(seller_env.engine) as session:
            link = seller_started.start_seller_connect(session, seller_env.settings)
        seller_started.receive_seller_connect(seller_env, oauth.parse_callback(gateway.approve(link.url, SELLER)))
    as_visitor(app, "boss@x.com").switch_page("pages/connect.py").run()
    [pending_id] = [int(r.key.rsplit("_", 1)[1]) for r in app.radio if r.key.startswith("pending_target_")]  # the newer one replaced the first
    app.radio(key=f"pending_target_{pending_id}").set_value("An existing store").run()
    app.selectbox(key=f"pending_store_{pending_id}").set_value(PRIVATE_STORE).run()
    app.button(key=f"pending_attach_{pending_id}").click().run()
    assert not app.exception
    # Not "connected" yet: a store on delegated keys switches when the admin says so; the verification shows in its colour.
    assert any(f"{PRIVATE_STORE}: the new authorization is saved" in shown(info) and "old keys" in info.value for info in app.info)
    assert any(f"{PRIVATE_STORE}: Authorized." in shown(success) for success in app.success)

    with session_scope(seller_env.engine) as session:
        link = seller_started.start_seller_connect(session, seller_env.settings)
    seller_started.receive_seller_connect(seller_env, oauth.parse_callback(gateway.approve(link.url, SELLER)))
    app.run()
    [pending_id] = [int(r.key.rsplit("_", 1)[1]) for r in app.radio if r.key.startswith("pending_target_")]
    assert f"already uses the store '{PRIVATE_STORE}'" in page_text(app)
    app.button(key=f"pending_discard_{pending_id}").click().run()
    assert "was discarded" in app.success[0].value
    assert "No seller-started connection is waiting." in page_text(app)


@pytest.mark.parametrize("user", ["ann@x.com", "ed@x.com"])
def test_viewers_and_editors_do_not_see_pending_connections(app, seller_env, gateway, user):
    with session_scope(seller_env.engine) as session:
        link = seller_started.start_seller_connect(session, seller_env.settings)
    seller_started.receive_seller_connect(seller_env, oauth.parse_callback(gateway.approve(link.url, SELLER)))
    as_visitor(app, user).switch_page("pages/connect.py").run()
    assert not app.exception
    assert "Seller-started connections" not in page_text(app) and SELLER not in page_text(app)


def test_a_signed_in_admin_at_the_seller_callback_gets_a_way_to_the_review(app, seller_env, gateway):
    with session_scope(seller_env.engine) as session:
        link = seller_started.start_seller_connect(session, seller_env.settings)
    as_visitor(app, "boss@x.com")
    open_callback(app, gateway.approve(link.url, SELLER))
    assert app.success[0].value == THANKS
    assert [link.proto.page for link in app.get("page_link")][-1].endswith("connect")
