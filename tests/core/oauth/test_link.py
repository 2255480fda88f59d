"""The Connect link as Walmart documents it (walmart-orders-markets.md §4.3), and who may have one."""
import re
from dataclasses import replace

import pytest

from core.config import load_settings
from core.db.engine import session_scope
from core.errors import ConfigError, ValidationFailed
from core.oauth import connect as oauth
from core.stores import registry as stores
from core.stores.duplicates import LikelyDuplicate
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET, person

APP = "66620dfd-1f3f-479b-8b9c-e11f36c5438b"
STATE = "Zb9WnZxXmQ2kLp7RtY4vUc8sHd3gFa6J"
NONCE = "SX17QLMBKR"
AUTHORIZE = "https://login.account.wal-mart.com/authorize"


def link_settings(**env):
    return load_settings({"WALMART_OAUTH_CLIENT_ID": APP, "WALMART_OAUTH_REDIRECT_URI": "https://oms.example.com/walmart_callback", **env},
                         env_file=None)


def test_the_link_is_pinned_redirect_uri_raw_and_last():
    assert oauth.authorize_link(link_settings(), APP, STATE, NONCE) == (
        "https://login.account.wal-mart.com/authorize?responseType=code&clientId=66620dfd-1f3f-479b-8b9c-e11f36c5438b"
        "&nonce=SX17QLMBKR&state=Zb9WnZxXmQ2kLp7RtY4vUc8sHd3gFa6J&clientType=seller"
        "&redirectUri=https://oms.example.com/walmart_callback"
    )


def test_the_encoded_form_is_a_setting():
    settings = link_settings(WALMART_OAUTH_REDIRECT_URI_ENCODING="encoded")
    assert oauth.authorize_link(settings, APP, STATE, NONCE).endswith("&clientType=seller&redirectUri=https%3A%2F%2Foms.example.com%2Fwalmart_callback")


UNFIT_RAW = ["https://oms.example.com/cb?x=1", "https://oms.example.com/cb#top", "https://oms.example.com/a b",
             "https://oms.example.com/shop+us/cb", "https://oms.example.com/shop%2Fus/cb"]


@pytest.mark.parametrize("address", UNFIT_RAW[3:])
def test_walmart_reads_a_raw_plus_or_percent_as_something_else(gateway, address):
    """Why '+' and '%' cannot travel raw: a query parser (Walmart's, the fake's) turns them into a space or the
    escaped character, so the redirectUri it reads is not the registered one and the seller's login page refuses."""
    gateway.register_app(APP, "App-secret-value_0123456789", address)
    settings = replace(link_settings(), authorize_url=gateway.authorize_url(), oauth_redirect_uri=address)
    with pytest.raises(ValueError, match="not the app's registered redirect URI"):
        gateway.approve(oauth.authorize_link(settings, APP, STATE, NONCE), "456782346")


@pytest.mark.parametrize("address", UNFIT_RAW)
def test_a_redirect_uri_that_cannot_travel_raw_is_refused_at_start(address):
    with pytest.raises(ConfigError) as caught:
        link_settings(WALMART_OAUTH_REDIRECT_URI=address)
    assert caught.value.variable == "WALMART_OAUTH_REDIRECT_URI" and "WALMART_OAUTH_REDIRECT_URI_ENCODING=encoded" in caught.value.fix
    assert link_settings(WALMART_OAUTH_REDIRECT_URI=address, WALMART_OAUTH_REDIRECT_URI_ENCODING="encoded").oauth_redirect_uri == address


def test_the_market_setting_is_gone_and_a_bad_encoding_is_named():
    assert not hasattr(link_settings(), "market")
    with pytest.raises(ConfigError, match="WALMART_OAUTH_REDIRECT_URI_ENCODING"):
        link_settings(WALMART_OAUTH_REDIRECT_URI_ENCODING="percent")


def test_state_and_nonce_have_the_documented_shapes():
    states, nonces = {oauth.new_state() for _ in range(200)}, {oauth.new_nonce() for _ in range(200)}
    assert len(states) == len(nonces) == 200
    assert all(re.fullmatch(r"[A-Za-z0-9]{32}", state) for state in states)
    assert all(re.fullmatch(r"[A-Z0-9]{10}", nonce) for nonce in nonces)


def test_start_connect_stores_the_state_server_side_and_refuses_stores_outside_the_us(runtime):
    settings = replace(runtime.settings, oauth_client_id=APP)
    with session_scope(runtime.engine) as session:
        us = stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme US", environment="sandbox", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        ca = stores.add_store(session, runtime.vault, actor=ADMIN, name="Maple CA", environment="production", market="ca",
                              client_id="0b1c2d3e-4f5a-4b6c-8d7e-9f0a1b2c3d4e", client_secret=CLIENT_SECRET + "x")
        oauth.save_app_secret(session, runtime.vault, settings, "App-secret-value_0123456789", actor=ADMIN)
    with session_scope(runtime.engine) as session:
        link = oauth.start_connect(session, settings, person("ops"), store_id=us.id)
        assert oauth.read_state(session, link.state, 15).store_id == us.id
        assert "clientType=seller&" in link.url and link.url.endswith(f"redirectUri={settings.oauth_redirect_uri}")
        with pytest.raises(ValidationFailed) as caught:
            oauth.start_connect(session, settings, person("ops"), store_id=ca.id)
    assert "Maple CA" in caught.value.message and "CA" in caught.value.message and "only US stores" in caught.value.message
    assert "delegated keys" in caught.value.fix


def test_a_new_store_name_is_canonical_and_a_look_alike_needs_a_confirm(runtime):
    settings = replace(runtime.settings, oauth_client_id=APP)
    with session_scope(runtime.engine) as session:
        stores.add_store(session, runtime.vault, actor=ADMIN, name="Acme Outdoor", environment="production", client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        oauth.save_app_secret(session, runtime.vault, settings, "App-secret-value_0123456789", actor=ADMIN)
    with session_scope(runtime.engine) as session:
        with pytest.raises(ValidationFailed, match="already exists"):
            oauth.start_connect(session, settings, ADMIN, new_store_name="  Acme   Outdoor ")
        with pytest.raises(LikelyDuplicate, match="Acme Outdoor"):
            oauth.start_connect(session, settings, ADMIN, new_store_name="acme outdoor")
        with pytest.raises(ValidationFailed, match="right-to-left override"):
            oauth.start_connect(session, settings, ADMIN, new_store_name="Acme\u202e")
        assert oauth.start_connect(session, settings, ADMIN, new_store_name="acme outdoor", allow_duplicate=True).state
