"""A person edits the mapping grid, wanders off (another store, a search, another page), comes back to the edit
marked unsaved, saves it, discards another; and fills a new row with the System SKU picker."""
import uuid

import pytest
from playwright.sync_api import expect

from core import catalog
from core.db.engine import session_scope
from core.mapping import repository as mapping
from core.mapping.bundles import Component
from core.mapping.imports import import_mappings
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.e2e.conftest import edit_cell, fill, screenshot, wait_for_app

# The grid's columns, as the accessible copy numbers them (glide-cell-<column>-<row>).
UNSAVED, PLATFORM_SKU, SYSTEM_SKU, QUANTITY, PRODUCT_NAME = 1, 2, 3, 4, 5


@pytest.fixture
def shops(server_runtime):
    """Two stores of their own and two catalog products, with unique names (the server is shared by the session).
    The stores, and with them their mappings, are deleted afterwards."""
    tag = f"G{uuid.uuid4().hex[:6].upper()}"
    with session_scope(server_runtime.engine) as session:
        first = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=f"Grid shop {tag}", environment="production",
                                 client_id=CLIENT_ID, client_secret=CLIENT_SECRET)
        second = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=f"Grid other {tag}", environment="production",
                                  client_id=CLIENT_ID, client_secret=CLIENT_SECRET, allow_duplicate=True)
        catalog.import_catalog(session, f"System SKU,Product name\n{tag}-A,Mug {tag}\n{tag}-B,Coaster {tag}\n".encode(), "catalog.csv",
                               actor=ADMIN)
        rows = f"Platform SKU,System SKU,Quantity\n{tag}-1,{tag}-A,1\n{tag}-2,{tag}-B,1\n".encode()
        assert import_mappings(session, first.id, rows, "first.csv", actor=ADMIN).applied
        assert import_mappings(session, second.id, f"Platform SKU,System SKU,Quantity\n{tag}-9,{tag}-A,1\n".encode(), "second.csv",
                               actor=ADMIN).applied
    yield first, second, tag
    with session_scope(server_runtime.engine) as session:
        stores.delete_store(session, first.id, actor=ADMIN)
        stores.delete_store(session, second.id, actor=ADMIN)


def components(runtime, store_id: int) -> dict[str, tuple[Component, ...]]:
    with session_scope(runtime.engine) as session:
        return {view.platform_sku: view.components for view in mapping.list_mappings(session, store_id).mappings}


def open_mapping_page(page, server, store_name: str) -> None:
    page.goto(server)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=60_000)
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Product mapping").click()
    wait_for_app(page)
    choose_level(page, store_name)


def choose_level(page, name: str) -> None:
    page.get_by_role("combobox", name="Mappings for").click()
    page.get_by_role("option", name=name).click()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Mappings for")).to_have_value(name)


def the_grid(page):
    return page.get_by_test_id("stDataFrame").filter(visible=True).first


def cell(page, column: int, row: int):
    return the_grid(page).get_by_test_id(f"glide-cell-{column}-{row}")


def test_an_unsaved_edit_survives_a_store_switch_a_search_and_another_page(page, server, server_runtime, shops):
    first, second, tag = shops
    unsaved_bar = page.locator(".st-key-mapping_unsaved")
    open_mapping_page(page, server, first.name)
    expect(cell(page, PLATFORM_SKU, 0)).to_have_text(f"{tag}-1")
    edit_cell(page, the_grid(page), column=QUANTITY, row=0, value="5")
    expect(cell(page, QUANTITY, 0)).to_have_text("5")
    expect(cell(page, UNSAVED, 0)).to_have_text("Edited")
    expect(unsaved_bar).to_contain_text("1 unsaved change")

    choose_level(page, second.name)  # another store: its own grid, and a way back to the first one's edit
    expect(cell(page, PLATFORM_SKU, 0)).to_have_text(f"{tag}-9")
    expect(unsaved_bar).to_contain_text("No unsaved changes.")
    back = page.get_by_role("button", name=f"{first.name}: 1 change")
    expect(back).to_be_visible()
    back.click()
    wait_for_app(page)
    expect(page.get_by_role("combobox", name="Mappings for")).to_have_value(first.name)
    expect(cell(page, QUANTITY, 0)).to_have_text("5")

    fill(page, "mapping_search", f"{tag}-2")  # a search that hides the edited row
    expect(cell(page, PLATFORM_SKU, 0)).to_have_text(f"{tag}-2")
    expect(unsaved_bar).to_contain_text("1 unsaved change")

    page.get_by_test_id("stSidebarNav").get_by_text("Product catalog").click()  # another page
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Product catalog")).to_be_visible()
    notice = page.get_by_test_id("stSidebar").get_by_test_id("stAlertContentWarning")
    expect(notice).to_contain_text("The product mapping grid has 1 unsaved change.")
    screenshot(page, "grid-1-unsaved-on-another-page")
    assert components(server_runtime, first.id)[f"{tag}-1"] == (Component(f"{tag}-A", 1),)  # must NOT happen: saved by leaving

    page.get_by_test_id("stSidebar").get_by_role("button", name="Back to the unsaved changes").click()
    wait_for_app(page)
    expect(page.get_by_role("heading", name="Product mapping")).to_be_visible()
    expect(page.get_by_role("combobox", name="Mappings for")).to_have_value(first.name)
    expect(cell(page, PLATFORM_SKU, 0)).to_have_text(f"{tag}-1")  # the unsaved rows, whatever the search
    expect(cell(page, QUANTITY, 0)).to_have_text("5")
    expect(cell(page, UNSAVED, 0)).to_have_text("Edited")
    expect(unsaved_bar).to_contain_text("1 unsaved change")
    screenshot(page, "grid-2-unsaved-back")

    page.locator(".st-key-mapping_save button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Saved: 0 added, 1 changed, 0 deleted.")
    expect(unsaved_bar).to_contain_text("No unsaved changes.")
    assert components(server_runtime, first.id)[f"{tag}-1"] == (Component(f"{tag}-A", 5),)

    expect(cell(page, PLATFORM_SKU, 0)).to_have_text(f"{tag}-2")  # nothing is unsaved: all rows again, and the search still holds
    edit_cell(page, the_grid(page), column=QUANTITY, row=0, value="7")
    expect(unsaved_bar).to_contain_text("1 unsaved change")
    unsaved_bar.get_by_role("button", name="Discard", exact=True).click()
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentInfo").filter(has_text="discarded")).to_contain_text("1 unsaved change discarded.")
    expect(cell(page, QUANTITY, 0)).to_have_text("1")
    expect(unsaved_bar).to_contain_text("No unsaved changes.")
    assert components(server_runtime, first.id)[f"{tag}-2"] == (Component(f"{tag}-B", 1),)  # must NOT happen: the discarded 7 saved


def test_a_new_row_at_the_top_is_filled_with_the_picker(page, server, server_runtime, shops):
    first, _second, tag = shops
    open_mapping_page(page, server, first.name)
    grid = the_grid(page)

    # The editor's toolbar shows on hover above the grid's top right corner: it must not cover the buttons above the grid.
    grid.hover()
    toolbar = page.get_by_test_id("stElementToolbar").filter(visible=True).first
    expect(toolbar).to_be_visible()
    bar = toolbar.bounding_box()
    for name in ("Add row", "Reload"):
        button = page.get_by_role("button", name=name, exact=True).bounding_box()
        assert bar and button
        apart = (button["x"] + button["width"] <= bar["x"] or bar["x"] + bar["width"] <= button["x"]
                 or button["y"] + button["height"] <= bar["y"] or bar["y"] + bar["height"] <= button["y"])
        assert apart, f"the grid's toolbar {bar} covers {name} {button}"
    screenshot(page, "grid-3-toolbar-clear-of-buttons")

    page.get_by_role("button", name="Add row", exact=True).click()
    wait_for_app(page)
    expect(cell(page, PLATFORM_SKU, 0)).to_have_text("")  # the new row is the first one, in view
    expect(cell(page, PLATFORM_SKU, 1)).to_have_text(f"{tag}-1")

    picker = page.locator(".st-key-mapping_picker")
    expect(picker.get_by_role("combobox", name="For row")).to_have_value("#1 · new row · no System SKU yet")
    fill(page, "mapping_pick_search", f"coaster {tag}".lower())  # by product name, any letter case
    expect(picker.get_by_role("combobox", name="Product")).to_have_value(f"{tag}-B — Coaster {tag}")
    screenshot(page, "grid-4-picker")
    picker.get_by_role("button", name="Put in row").click()
    wait_for_app(page)
    expect(cell(page, SYSTEM_SKU, 0)).to_have_text(f"{tag}-B")
    expect(cell(page, QUANTITY, 0)).to_have_text("1")
    expect(cell(page, PRODUCT_NAME, 0)).to_have_text(f"Coaster {tag}")  # before any save

    edit_cell(page, the_grid(page), column=PLATFORM_SKU, row=0, value=f"{tag}-NEW")
    expect(cell(page, UNSAVED, 0)).to_have_text("New")
    page.locator(".st-key-mapping_save button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Saved: 1 added, 0 changed, 0 deleted.")
    assert components(server_runtime, first.id)[f"{tag}-NEW"] == (Component(f"{tag}-B", 1),)


def test_typing_into_the_next_cell_while_the_grid_refreshes_keeps_both_edits(page, server, server_runtime, shops):
    """Each committed edit reruns the page, which refills the names, bundle sizes and Unsaved column. A cell opened
    and typed into meanwhile must not be dropped (what a feedback loop into st.data_editor does: streamlit#7749)."""
    first, _second, tag = shops
    open_mapping_page(page, server, first.name)
    grid = the_grid(page)
    canvas = grid.get_by_test_id("data-grid-canvas")
    canvas.focus()
    page.keyboard.press("Control+Home")
    for _ in range(QUANTITY):
        page.keyboard.press("ArrowRight")
    expect(cell(page, QUANTITY, 0)).to_have_attribute("aria-selected", "true")
    editor = page.get_by_test_id("portal").locator(".gdg-clip-region input, .gdg-clip-region textarea")
    page.keyboard.press("Enter")
    editor.first.fill("5")
    editor.first.press("Enter")  # commits row 1 (a rerun starts) and moves to row 2
    expect(editor).to_have_count(0)  # closed in the browser at once; the rerun takes a few tenths of a second more
    expect(cell(page, QUANTITY, 1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("Enter")  # opens row 2 while that rerun runs
    expect(editor).to_have_count(1)
    editor.first.fill("4")
    wait_for_app(page)  # the rerun has refreshed the grid…
    expect(cell(page, UNSAVED, 0)).to_have_text("Edited")
    expect(editor.first).to_have_value("4")  # …and the open cell is still open, with what was typed
    editor.first.press("Enter")
    wait_for_app(page)
    expect(cell(page, QUANTITY, 0)).to_have_text("5")
    expect(cell(page, QUANTITY, 1)).to_have_text("4")
    expect(page.locator(".st-key-mapping_unsaved")).to_contain_text("2 unsaved changes")
