"""A person imports a mapping spreadsheet (preview, then apply), then changes a quantity in the grid and saves."""
import uuid

import pytest
from playwright.sync_api import expect

from core import catalog
from core.db.engine import session_scope
from core.mapping import repository as mapping
from core.mapping.bundles import Component
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.e2e.conftest import edit_cell, screenshot, wait_for_app


@pytest.fixture
def shop(server_runtime):
    """A store of its own and two catalog products, with unique names: the server is shared by the session.
    The store (and with it its mappings) is deleted afterwards, so the other tests still see the empty state."""
    tag = f"E2E{uuid.uuid4().hex[:6].upper()}"
    with session_scope(server_runtime.engine) as session:
        store = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=f"Mapping shop {tag}", environment="production",
                                 client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        catalog.import_catalog(session, f"System SKU,Product name\n{tag}-A,Mug {tag}\n{tag}-B,Coaster {tag}\n".encode(), "catalog.csv",
                               actor=ADMIN)
    yield store, tag
    with session_scope(server_runtime.engine) as session:
        stores.delete_store(session, store.id, actor=ADMIN)


def components(runtime, store_id: int) -> dict[str, tuple[Component, ...]]:
    with session_scope(runtime.engine) as session:
        return {view.platform_sku: tuple(sorted(view.components, key=lambda c: c.system_sku))
                for view in mapping.list_mappings(session, store_id).mappings}


def test_import_a_mapping_file_then_edit_a_quantity_in_the_grid(page, server, server_runtime, shop):
    store, tag = shop
    a, b = f"{tag}-A", f"{tag}-B"
    single, pair, gift_set = f"{tag}-MUG", f"{tag}-PAIR", f"{tag}-SET"  # the grid lists them in this order
    upload = (
        "Platform SKU,System SKU,Quantity\n"
        f"{single},{a},1\n"
        f"{pair},{a},1\n"  # a bundle written as two rows
        f"{pair},{b},1\n"
        f"{gift_set},{a}*1+{b}*2,\n"  # a bundle written as one cell
    ).encode()

    # Through the router: a fresh server sends a first /mapping request home anyway. The first run of a
    # fresh server imports everything and opens the database, which can take longer than expect's 5 s.
    page.goto(server)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=60_000)  # the first run has started
    expect(page.locator("[data-testid='stApp'][data-test-script-state='notRunning']")).to_be_attached(timeout=60_000)
    wait_for_app(page)
    page.get_by_test_id("stSidebarNav").get_by_text("Product mapping").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Product mapping")).to_be_visible()
    page.get_by_role("combobox", name="Mappings for").click()
    page.get_by_role("option", name=store.name).click()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Mappings for")).to_have_value(store.name)

    page.get_by_role("tab", name="Import").click()
    wait_for_app(page)
    page.get_by_test_id("stFileUploaderDropzoneInput").set_input_files(
        {"name": "mappings.csv", "mimeType": "text/csv", "buffer": upload})
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="To add")).to_contain_text("3")
    expect(page.get_by_text("Preview 'mappings.csv'")).to_contain_text("3 to add, 0 to change, 0 to remove")
    preview = page.get_by_test_id("stDataFrame").filter(visible=True)
    expect(preview).to_contain_text(f"{a}*1+{b}*2")  # the one-cell bundle, read as two components
    assert components(server_runtime, store.id) == {}  # must NOT happen: a preview saving anything
    screenshot(page, "06-mapping-import-preview")

    page.get_by_role("button", name="Apply import").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Imported 'mappings.csv'")
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("3 added")
    assert components(server_runtime, store.id) == {
        single: (Component(a, 1),),
        pair: (Component(a, 1), Component(b, 1)),
        gift_set: (Component(a, 1), Component(b, 2)),
    }

    page.get_by_role("tab", name="Mappings").click()
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame").filter(visible=True)
    # The grid's accessible copy; columns: #, Unsaved, Platform SKU, System SKU, Quantity, Product name, Bundle size, ...
    platform_sku, quantity = grid.get_by_test_id("glide-cell-2-0"), grid.get_by_test_id("glide-cell-4-0")
    expect(platform_sku).to_have_text(single)  # row 1 is the single
    expect(quantity).to_have_text("1")
    edit_cell(page, grid, column=4, row=0, value="3")
    expect(quantity).to_have_text("3")  # the edit landed on the single's quantity
    expect(grid.get_by_test_id("glide-cell-1-0")).to_have_text("Edited")  # marked unsaved
    expect(page.get_by_test_id("stAlertContentWarning").filter(has_text="unsaved")).to_contain_text("1 unsaved change")

    page.locator(".st-key-mapping_save button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Saved: 0 added, 1 changed, 0 deleted.")
    expect(grid.get_by_test_id("glide-cell-6-0")).to_have_text("3")  # bundle size
    expect(page.locator(".st-key-mapping_unsaved")).to_contain_text("No unsaved changes.")
    assert components(server_runtime, store.id)[single] == (Component(a, 3),)
    screenshot(page, "07-mapping-grid-saved")


def test_a_quantity_of_0_typed_in_the_grid_is_an_error_not_saved_as_1(page, server, server_runtime, shop):
    """The browser's number cell once turned 0 into 1 on its own, and the save stored 1 without a word."""
    from core.mapping.imports import import_mappings

    store, tag = shop
    single = f"{tag}-MUG"
    with session_scope(server_runtime.engine) as session:
        import_mappings(session, store.id, f"Platform SKU,System SKU,Quantity\n{single},{tag}-A,2\n".encode(), "setup.csv", actor=ADMIN)
    page.goto(f"{server}/mapping?store={store.name.replace(' ', '%20')}&tab=mappings")
    expect(page.get_by_role("heading", name="Product mapping")).to_be_visible(timeout=60_000)
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame").filter(visible=True)
    quantity = grid.get_by_test_id("glide-cell-4-0")  # columns: row number, Unsaved, Platform SKU, System SKU, Quantity
    expect(quantity).to_have_text("2")
    edit_cell(page, grid, column=4, row=0, value="0")
    wait_for_app(page)
    expect(quantity).to_have_text("0")  # must NOT become 1 in the browser

    page.locator(".st-key-mapping_save button").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentError").filter(has_text="Nothing was saved")).to_be_visible()
    expect(grid.get_by_text("Quantity is 0").or_(page.get_by_test_id("stDataFrame").filter(has_text="Quantity is 0")).first).to_be_visible()
    assert components(server_runtime, store.id)[single] == (Component(f"{tag}-A", 2),)  # nothing saved
