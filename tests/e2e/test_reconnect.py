"""A broken OAuth store re-connected in Chromium: once from its store page, once from the Connect page.
The seller's side runs on the fake gateway's Walmart login page, which redirects back to the dashboard."""
from __future__ import annotations

import random
import uuid

import pytest
from playwright.sync_api import expect

from core.authorization import check as authorization
from core.config import load_settings
from core.db.engine import session_scope
from core.oauth import connect as oauth
from core.runtime import open_runtime
from core.stores import registry as stores
from tests.conftest import ADMIN
from tests.e2e.conftest import _free_port, _streamlit, fill, open_page, screenshot, wait_for_app

APP_ID, APP_SECRET = "5e4d3c2b-1a09-4f8e-9d7c-6b5a49382716", "E2E-app-secret_0123456789abcdefghij"


@pytest.fixture(scope="module")
def oauth_server(server_env, walmart):
    """A dashboard configured with our OAuth app, on the session's database; its redirect URI is its own address."""
    port = _free_port()
    env = {**server_env, "WALMART_OAUTH_CLIENT_ID": APP_ID, "WALMART_AUTHORIZE_URL": walmart.authorize_url(),
           "WALMART_OAUTH_REDIRECT_URI": f"http://127.0.0.1:{port}/walmart_callback"}
    walmart.register_app(APP_ID, APP_SECRET, env["WALMART_OAUTH_REDIRECT_URI"])
    runtime = open_runtime(load_settings(env, env_file=None))
    with session_scope(runtime.engine) as session:
        oauth.save_app_secret(session, runtime.vault, runtime.settings, APP_SECRET, actor=ADMIN)
    with _streamlit(env, port) as url:
        yield url, runtime
    runtime.engine.dispose()


@pytest.fixture
def broken_store(oauth_server, walmart):
    """An OAuth store of its own whose seller withdrew the approval: its check says Re-connect needed.
    Deleted afterwards, so the other tests still see the empty state."""
    _, runtime = oauth_server
    seller, name = str(random.randrange(10**8, 10**9)), f"Reconnect shop {uuid.uuid4().hex[:6].upper()}"
    walmart.add_seller(seller, partner_name=name)
    with session_scope(runtime.engine) as session:
        link = oauth.start_connect(session, runtime.settings, ADMIN, new_store_name=name)
    result = oauth.complete_connect(runtime, oauth.parse_callback(walmart.approve(link.url, seller)), ADMIN)

    def break_it() -> None:
        walmart.add_seller(seller, partner_name=name)  # re-adding the seller drops its approvals, as a disconnect does
        assert authorization.check_store(runtime, result.store_id).status == "reconnect_required"

    break_it()
    yield name, seller, break_it
    with session_scope(runtime.engine) as session:
        stores.delete_store(session, result.store_id, actor=ADMIN)


def approve_as_seller(tab, seller: str) -> None:
    """The seller opens the copied link, signs in at (fake) Walmart and approves; Walmart sends the browser back."""
    link = tab.get_by_test_id("stCode").filter(has_text="responseType=code").first.inner_text().strip()
    assert link.startswith("http") and "&redirectUri=" in link
    tab.goto(f"{link}&sellerId={seller}")  # which seller signs in at the fake login page
    wait_for_app(tab, timeout_ms=60_000)


def test_a_broken_oauth_store_is_reconnected_from_its_page_and_from_the_connect_page(page, oauth_server, broken_store):
    url, _ = oauth_server
    name, seller, break_it = broken_store

    # 1. From the store's page: it says why the store is broken (not "364 days left") and offers Connect.
    open_page(page, url)
    fill(page, "store_search", name)
    expect(page.get_by_text("Re-connect needed: Walmart no longer accepts this store's authorization.")).to_be_visible()
    expect(page.get_by_text("364 days")).to_have_count(0)
    screenshot(page, "08-reconnect-needed-store-page")
    page.get_by_role("button", name="Connect this store again").click()
    wait_for_app(page)
    expect(page.get_by_text("Or copy the link")).to_be_visible()
    screenshot(page, "09-reconnect-link-to-copy")
    approve_as_seller(page, seller)
    expect(page.get_by_text(f"{name} is connected again")).to_be_visible()
    expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="Authorized")).to_be_visible()
    screenshot(page, "10-reconnected")

    # 2. Broken again; this time from the Connect with Walmart page, found by searching its list.
    break_it()
    open_page(page, url)
    page.get_by_test_id("stSidebarNav").get_by_text("Connect with Walmart").click()
    wait_for_app(page)
    fill(page, "connect_search", name)
    expect(page.get_by_text("1 store matches; page 1 of 1.")).to_be_visible()  # the search leaves this store's row only
    expect(page.get_by_text("Re-connect needed: Walmart no longer accepts this store's authorization.")).to_be_visible()
    screenshot(page, "11-reconnect-from-connect-page")
    page.get_by_role("button", name="Connect again").click()
    wait_for_app(page)
    approve_as_seller(page, seller)
    expect(page.get_by_text(f"{name} is connected again")).to_be_visible()

    # And the store is healthy: no longer on the Connect page's list.
    open_page(page, url)
    page.get_by_test_id("stSidebarNav").get_by_text("Connect with Walmart").click()
    wait_for_app(page)
    fill(page, "connect_search", name)
    expect(page.get_by_text("No US store needs a connect.")).to_have_count(0)
    expect(page.get_by_text("No store matches the search.")).to_be_visible()
