"""Links a colleague sends: a shared address opens the store and tab it names, even as the first request of a fresh
server, and picking a store or a tab changes the address. Uploads the page cannot take say why, in words."""
import uuid
from urllib.parse import parse_qs, urlparse

import pytest
from playwright.sync_api import expect

from core.db.engine import session_scope
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.e2e.conftest import open_page, screenshot, wait_for_app


@pytest.fixture
def two_stores(server_runtime):
    """Two stores with unique names (the server is shared by the session), deleted afterwards."""
    tag = uuid.uuid4().hex[:6].upper()
    names = [f"Bright Kitchen {tag}", f"Cobalt Toys {tag}"]
    with session_scope(server_runtime.engine) as session:
        made = [stores.add_store(session, server_runtime.vault, actor=ADMIN, name=name, environment="production", client_id=CLIENT_ID,
                                 client_secret=CLIENT_SECRET, allow_duplicate=True) for name in names]
    yield names
    with session_scope(server_runtime.engine) as session:
        for store in made:
            stores.delete_store(session, store.id, actor=ADMIN)


def address(page_or_url) -> dict[str, str]:
    """The page's own query parameters, besides the language every page keeps (?lang=)."""
    url = page_or_url if isinstance(page_or_url, str) else page_or_url.url
    return {name: values[0] for name, values in parse_qs(urlparse(url).query).items() if name != "lang"}


def wait_for_address(page, wanted: dict[str, str]) -> None:
    page.wait_for_url(lambda url: address(url) == wanted)


def test_a_shared_mapping_link_on_a_fresh_server_lands_on_its_store_and_tab(page, fresh_server, two_stores):
    bright, cobalt = two_stores
    # The first request of a fresh server runs the page before the router; it is sent through the router and back,
    # and the link's store and tab must come along.
    open_page(page, fresh_server, f"mapping?store={bright.replace(' ', '%20')}&tab=import")
    expect(page.get_by_role("heading", name="Product mapping")).to_be_visible()
    expect(page.get_by_role("combobox", name="Mappings for", exact=True)).to_have_value(bright)
    expect(page.get_by_role("tab", name="Import")).to_have_attribute("aria-selected", "true")
    expect(page.get_by_test_id("stFileUploader").filter(visible=True)).to_be_visible()
    assert address(page) == {"store": bright, "tab": "import"}
    screenshot(page, "12-shared-link-mapping-import")

    page.get_by_role("tab", name="Clone").click()  # a tab picked changes the address
    wait_for_app(page)
    wait_for_address(page, {"store": bright, "tab": "clone"})
    page.get_by_role("combobox", name="Mappings for", exact=True).click()  # and so does a store picked
    page.get_by_role("option", name=cobalt).click()
    wait_for_app(page)
    wait_for_address(page, {"store": cobalt, "tab": "clone"})
    expect(page.get_by_role("tab", name="Clone")).to_have_attribute("aria-selected", "true")  # must NOT fall back to the first tab


def test_a_store_link_opens_its_details_with_a_link_to_copy(page, server, two_stores):
    bright, cobalt = two_stores
    open_page(page, server, f"?store={cobalt.replace(' ', '%20')}")
    expect(page.get_by_role("heading", name="Store details")).to_be_visible()
    expect(page.get_by_role("combobox", name="Store", exact=True)).to_have_value(cobalt)
    page.locator(".st-key-copy_store_link button").click()
    link = page.get_by_test_id("stCode").filter(has_text="store=")
    expect(link).to_contain_text(f"{server}/?store={cobalt.replace(' ', '+')}")
    screenshot(page, "13-store-link-to-copy")


def test_uploads_over_the_limit_or_of_another_type_are_refused_in_words(page, server, two_stores):
    bright, _ = two_stores
    open_page(page, server, f"mapping?store={bright.replace(' ', '%20')}&tab=import")
    expect(page.get_by_text("CSV, XLSX or XLS, up to 20 MB and 200,000 rows")).to_be_visible()  # said before anyone tries
    expect(page.get_by_text("100MB per file")).not_to_be_visible()  # must NOT show a limit that is not the page's
    big = b"Platform SKU,System SKU,Quantity\n" + b"WM-1,MUG,1\n" * (21 * 1024 * 1024 // 11)
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files({"name": "big.csv", "mimeType": "text/csv", "buffer": big})
    wait_for_app(page)
    refusal = page.get_by_test_id("stAlertContentError").filter(has_text="big.csv")
    expect(refusal).to_contain_text("the limit is 20 MB", timeout=30_000)  # words from our code, not Streamlit's red "!"
    expect(page.get_by_test_id("stAlertContentInfo").filter(has_text="python -m core mappings import")).to_be_visible()
    page.get_by_test_id("stFileUploaderDropzoneInput").first.set_input_files(
        {"name": "scan.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.7\n" + b"x" * 500})
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="scan.pdf")).to_contain_text("not a spreadsheet")
    screenshot(page, "14-upload-refused-in-words")
