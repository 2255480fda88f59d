"""A runtime with an OAuth app registered at the fake gateway, and a helper that gets a seller's approval."""
from dataclasses import replace

import pytest

from core.db.engine import session_scope
from core.oauth import connect as oauth
from core.runtime import open_runtime
from tests.conftest import ADMIN, person

APP_ID, APP_SECRET = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij"
SELLER = "456782346"


@pytest.fixture
def connected(settings, gateway):
    """A runtime whose settings point at the fake authorize page, with the app registered."""
    app_settings = replace(settings, oauth_client_id=APP_ID, authorize_url=gateway.authorize_url(),
                           oauth_redirect_uri="http://127.0.0.1:8501/walmart_callback")
    gateway.register_app(APP_ID, APP_SECRET, app_settings.oauth_redirect_uri)
    gateway.add_seller(SELLER, partner_name="Acme Seller")
    runtime = open_runtime(app_settings)
    with session_scope(runtime.engine) as session:
        oauth.save_app_secret(session, runtime.vault, app_settings, APP_SECRET, actor=ADMIN)
    yield runtime
    runtime.engine.dispose()


def connect(runtime, gateway, user="ops@example.com", **target):
    with session_scope(runtime.engine) as session:
        link = oauth.start_connect(session, runtime.settings, person(user), **target)
    redirect = gateway.approve(link.url, SELLER)
    return link, redirect
