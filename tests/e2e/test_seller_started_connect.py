"""A seller presses Connect in Walmart's App Store: they land on our Login URL, approve at (fake) Walmart and
see only a neutral thank-you; then an admin attaches the waiting connection to a new store.

Its own fake gateway, database and server: sign-in is on (a trusted proxy header), so the seller's browser,
which sends none, is no dashboard user, while the admin's browser sends the header."""
import pytest
from playwright.sync_api import expect

from core.config import load_settings
from core.db.engine import session_scope
from core.oauth import connect as oauth
from core.runtime import open_runtime
from fake_walmart import FakeWalmart
from tests.conftest import ADMIN
from tests.e2e.conftest import _free_port, _streamlit, fill, open_page, screenshot, wait_for_app

APP_ID, APP_SECRET = "9c8b7a65-4321-4fed-8cba-0987654321ab", "App-secret-value_0123456789abcdefghij"
SELLER, PARTNER = "456782346", "Acme Outdoor LLC"
THANKS = "Thank you. Your store's connection is waiting for review by the Acme OMS team."


@pytest.fixture
def seller_server(server_env, tmp_path):
    port = _free_port()
    with FakeWalmart() as walmart:
        redirect = f"http://127.0.0.1:{port}/walmart_callback"
        walmart.register_app(APP_ID, APP_SECRET, redirect)
        walmart.add_seller(SELLER, partner_name=PARTNER)
        walmart.add_seller("112233445", partner_name="Another seller")  # two sellers: the fake shows its approval page
        env = {
            **server_env,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'seller.db'}",
            "STORE_CONNECT_KEY_FILE": str(tmp_path / "secret.key"),
            "WALMART_API_BASE_URL": walmart.base_url("production"),
            "WALMART_SANDBOX_API_BASE_URL": walmart.base_url("sandbox"),
            "WALMART_OAUTH_CLIENT_ID": APP_ID,
            "WALMART_AUTHORIZE_URL": walmart.authorize_url(),
            "WALMART_OAUTH_REDIRECT_URI": redirect,
            "TRUSTED_USER_HEADER": "X-Forwarded-User",
            "ROLE_ADMINS": "boss@example.com",
            "TEAM_NAME": "the Acme OMS team",
        }
        runtime = open_runtime(load_settings(env, env_file=None))
        with session_scope(runtime.engine) as session:
            oauth.save_app_secret(session, runtime.vault, runtime.settings, APP_SECRET, actor=ADMIN)
        runtime.engine.dispose()
        with _streamlit(env, port) as url:
            yield url, walmart


def test_seller_connects_from_the_app_store_and_an_admin_attaches_it(browser, seller_server):
    url, walmart = seller_server
    seller = browser.new_context(viewport={"width": 1200, "height": 900})
    tab = seller.new_page()
    tab.set_default_timeout(30_000)
    tab.goto(f"{url}/walmart_login?sellerLocale=en_US")  # Walmart may add parameters: unknown ones are ignored
    tab.wait_for_url(f"{walmart.authorize_url()}?**", timeout=60_000)  # sent on to Walmart by itself
    expect(tab.get_by_role("heading", name="Approve app access")).to_be_visible()
    tab.select_option("select[name=sellerId]", SELLER)
    tab.get_by_role("button", name="Approve").click()
    tab.wait_for_url(f"{url}/walmart_callback?**")
    wait_for_app(tab, timeout_ms=60_000)
    expect(tab.get_by_text(THANKS)).to_be_visible()
    content = tab.content()
    assert SELLER not in tab.locator("[data-testid='stMain']").inner_text()  # the address bar has it; the page does not
    assert "Database" not in content and "Store authorization" not in content
    expect(tab.get_by_test_id("stSidebar")).to_have_count(0)
    screenshot(tab, "seller-started-1-thank-you")
    tab.reload()  # a reload shows the same and does not exchange the code again
    wait_for_app(tab, timeout_ms=60_000)
    expect(tab.get_by_text(THANKS)).to_be_visible()
    assert len(walmart.token_requests(grant_type="authorization_code")) == 1
    seller.close()

    admin = browser.new_context(viewport={"width": 1400, "height": 1600}, extra_http_headers={"X-Forwarded-User": "boss@example.com"})
    tab = admin.new_page()
    tab.set_default_timeout(30_000)
    open_page(tab, url, "connect")
    expect(tab.get_by_role("heading", name="Seller-started connections")).to_be_visible()
    expect(tab.get_by_text(f"Walmart seller {SELLER}")).to_be_visible()
    [pending_key] = [key for key in _keys(tab) if key.startswith("pending_new_")]
    fill(tab, pending_key, "Acme Outdoor")
    screenshot(tab, "seller-started-2-review")
    tab.get_by_role("button", name="Attach").click()
    wait_for_app(tab)
    expect(tab.get_by_text(f"Acme Outdoor is connected (Walmart seller {SELLER}).")).to_be_visible()
    expect(tab.get_by_text("No seller-started connection is waiting.")).to_be_visible()
    screenshot(tab, "seller-started-3-attached")
    tab.get_by_text("Every US store").click()  # a connected, verified store needs no connect: list them all
    wait_for_app(tab)
    expect(tab.get_by_test_id("stMarkdown").filter(has_text="Acme Outdoor ·")).to_be_visible()  # now one of the stores
    assert APP_SECRET not in tab.content()
    assert len(walmart.token_requests(grant_type="authorization_code")) == 1
    admin.close()


def _keys(tab) -> list[str]:
    """Widget keys on the page (Streamlit gives each keyed widget's container the class st-key-<key>)."""
    classes = tab.locator("[class*='st-key-']").evaluate_all("nodes => nodes.map(n => n.className)")
    return [part[len("st-key-"):] for names in classes for part in names.split() if part.startswith("st-key-")]


def test_a_link_copied_to_the_seller_comes_back_for_review_with_its_store_chosen(browser, seller_server):
    """The admin copies a Connect link and sends it; the seller approves in their own browser, which is no dashboard
    user's. The code is exchanged there, once, and the admin attaches the connection with the store already chosen."""
    url, walmart = seller_server
    admin = browser.new_context(viewport={"width": 1400, "height": 1600}, extra_http_headers={"X-Forwarded-User": "boss@example.com"})
    tab = admin.new_page()
    tab.set_default_timeout(30_000)
    open_page(tab, url, "connect")
    fill(tab, "connect_new_name", "Copied Link Store")
    tab.get_by_role("button", name="Create Connect link").click()
    wait_for_app(tab)
    link = tab.get_by_test_id("stCode").filter(has_text="responseType=code").first.inner_text().strip()

    seller = browser.new_context(viewport={"width": 1200, "height": 900})  # another machine: no sign-in header
    seller_tab = seller.new_page()
    seller_tab.set_default_timeout(30_000)
    seller_tab.goto(link)
    seller_tab.select_option("select[name=sellerId]", SELLER)
    seller_tab.get_by_role("button", name="Approve").click()
    seller_tab.wait_for_url(f"{url}/walmart_callback?**")
    wait_for_app(seller_tab, timeout_ms=60_000)
    expect(seller_tab.get_by_text(THANKS)).to_be_visible()
    seller.close()
    assert len(walmart.token_requests(grant_type="authorization_code")) == 1

    open_page(tab, url, "connect")
    expect(tab.get_by_text("made for 'Copied Link Store'.")).to_be_visible()  # by boss@example.com (shown with a word joiner)
    screenshot(tab, "seller-copied-link-review")
    tab.get_by_role("button", name="Attach").click()
    wait_for_app(tab)
    expect(tab.get_by_text(f"Copied Link Store is connected (Walmart seller {SELLER}).")).to_be_visible()
    assert len(walmart.token_requests(grant_type="authorization_code")) == 1
    admin.close()
