"""A person adds a store by pasting keys (one with a hidden character), saves and checks it, and reads the matrix."""
from playwright.sync_api import expect

from tests.conftest import CLIENT_ID, CLIENT_SECRET
from tests.e2e.conftest import fill, open_page, screenshot


def test_add_store_with_a_hidden_character_then_check_it(page, server):
    open_page(page, server)
    expect(page.get_by_role("heading", name="Connect your first Walmart store")).to_be_visible()
    screenshot(page, "01-empty-state")

    fill(page, "add_name_0", "Acme US")
    fill(page, "add_client_id_0", CLIENT_ID)
    fill(page, "add_secret_0", CLIENT_SECRET[:10] + "\u200b" + CLIENT_SECRET[10:])
    finding = page.get_by_test_id("stAlertContentError").filter(has_text="U+200B")
    expect(finding).to_be_visible()
    expect(finding).to_contain_text("character 11")
    screenshot(page, "02-hidden-character-finding")

    # Must NOT save keys with a hidden character: the finding says why once, and the button waits for the fix.
    expect(page.get_by_role("button", name="Save and check")).to_be_disabled()
    expect(page.get_by_text("U+200B")).to_have_count(1)

    fill(page, "add_secret_0", CLIENT_SECRET)
    expect(page.get_by_text("The keys look well-formed")).to_be_visible()
    page.get_by_role("button", name="Save and check").click()
    # Saved and checked at once: the result sits next to the button, orange (a permission is missing), never green.
    result = page.get_by_test_id("stAlertContentWarning").filter(has_text="Acme US saved and checked: Keys work, but some permissions are not enabled.")
    expect(result).to_be_visible()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_have_count(0)

    page.get_by_role("button", name="Check now").click()
    expect(page.get_by_text("Acme US: Keys work, but some permissions are not enabled.")).to_be_visible()
    expect(page.get_by_text("Permissions: granted against required")).to_be_visible()
    expect(page.get_by_test_id("stDataFrame").nth(1)).to_be_visible()
    assert CLIENT_SECRET not in page.content()
    screenshot(page, "03-store-checked-permission-matrix")
