"""A person works through one SKU whose orders wait for a mapping: from the Orders page, Map it opens the store's grid
with the SKU as a new row, they fill in the system SKU and save, and back on the Orders page the SKU is gone."""
import re
import time
import uuid
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from core import catalog
from core.db.engine import session_scope
from core.stores import registry as stores
from fake_walmart import order, order_line
from tests.conftest import ADMIN
from tests.e2e.conftest import edit_cell, open_page, screenshot, wait_for_app
from tests.fixtures.spreadsheets.corpus import mapping_state

PLATFORM_SKU, SYSTEM_SKU, QUANTITY = 2, 3, 4  # the grid's columns, as the accessible copy numbers them
HOUR_MS = 3_600_000


@pytest.fixture
def blocked_shop(server_runtime, walmart):
    """A store with a key of its own on the shared fake gateway, whose Walmart orders hold two SKUs no mapping covers:
    one in three orders, one in one. Named with a tag (the server is shared by the session); the store, and with it
    its orders and mappings, is deleted afterwards."""
    tag = f"O{uuid.uuid4().hex[:6].upper()}"
    client_id, secret = str(uuid.uuid4()), f"Orders-secret-{uuid.uuid4().hex}"
    walmart.add_key("production", client_id, secret, scopes={"orders": "view_only", "item": "view_only"})
    now_ms = int(time.time() * 1000)
    mug, lamp = f"WM-{tag}-MUG", f"WM-{tag}-LAMP"
    walmart.set_orders("production", client_id, [
        order(f"{tag}01", now_ms - 1 * HOUR_MS, [order_line(1, mug, "Enamel trail mug", 2)]),
        order(f"{tag}02", now_ms - 2 * HOUR_MS, [order_line(1, mug, "Enamel trail mug", 1)]),
        order(f"{tag}03", now_ms - 3 * HOUR_MS, [order_line(1, mug, "Enamel trail mug", 1), order_line(2, lamp, "Camping lamp", 1)]),
    ])
    with session_scope(server_runtime.engine) as session:
        store = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=f"Orders shop {tag}", environment="production",
                                 client_id=client_id, client_secret=secret)
        catalog.import_catalog(session, f"System SKU,Product name\n{tag}-MUG,Enamel mug {tag}\n".encode(), "catalog.csv", actor=ADMIN)
    yield store, tag
    with session_scope(server_runtime.engine) as session:
        stores.delete_store(session, store.id, actor=ADMIN)


def test_map_a_blocked_sku_from_the_orders_page_and_see_it_leave_the_list(page, server, server_runtime, blocked_shop):
    store, tag = blocked_shop
    mug, lamp = f"WM-{tag}-MUG", f"WM-{tag}-LAMP"
    open_page(page, server, f"orders?store={quote(store.name)}")
    expect(page.get_by_text("No order read is waiting for a mapping.")).to_be_visible()
    page.locator(".st-key-orders_read button").first.click()  # a button with help is wrapped in its tooltip target
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Read 3 orders with 4 lines.")
    wait_for_app(page)
    listed = page.get_by_test_id("stMain")
    expect(listed.get_by_text(mug, exact=True)).to_be_visible()
    expect(listed.get_by_text(lamp, exact=True)).to_be_visible()
    expect(page.get_by_test_id("stMetric").filter(has_text="SKUs awaiting mapping")).to_contain_text("2")
    screenshot(page, "orders-1-awaiting-mapping")

    # Most orders first: the mug's row is the first, and its Map it the first.
    page.get_by_role("link", name="Map it").first.click()
    wait_for_app(page)
    expect(page).to_have_url(re.compile(r"/mapping\?.*tab=mappings"))  # the store's grid, searched for the SKU
    expect(page).to_have_url(re.compile(rf"[?&]q={mug}(&|$)"))
    grid = page.get_by_test_id("stDataFrame").filter(visible=True).first
    expect(grid.get_by_test_id(f"glide-cell-{PLATFORM_SKU}-0")).to_have_text(mug)
    edit_cell(page, grid, column=SYSTEM_SKU, row=0, value=f"{tag}-MUG")
    edit_cell(page, grid, column=QUANTITY, row=0, value="1")
    screenshot(page, "orders-2-map-it-in-the-grid")
    page.locator(".st-key-mapping_save button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Saved: 1 added, 0 changed, 0 deleted.")
    assert mapping_state(server_runtime.engine, store.id) == {mug: [(f"{tag}-MUG", 1)]}

    page.get_by_test_id("stSidebarNav").get_by_text("Orders", exact=True).click()
    wait_for_app(page)
    listed = page.get_by_test_id("stMain")
    expect(listed.get_by_text(lamp, exact=True)).to_be_visible()
    expect(listed.get_by_text(mug, exact=True)).to_have_count(0)
    expect(page.get_by_test_id("stMetric").filter(has_text="SKUs awaiting mapping")).to_contain_text("1")

    # The order with both SKUs, line by line: the mug now ships as the catalog product, the lamp is not mapped yet.
    page.get_by_role("button", name=f"{tag}03").click()
    wait_for_app(page)
    explosion = page.get_by_test_id("stDataFrame").filter(visible=True).last
    expect(explosion).to_contain_text(f"{tag}-MUG")
    expect(page.get_by_text("1 SKU of this order has no mapping, so its line cannot be shipped.")).to_be_visible()
    page.mouse.move(0, 0)  # no tooltip over the picture
    screenshot(page, "orders-3-explosion")

    # The store's mapping page shows what is left in its own section, and its Map it works from there too.
    page.get_by_test_id("stSidebarNav").get_by_text("Product mapping").click()
    wait_for_app(page)
    section = page.get_by_test_id("stExpander").filter(has_text="Orders awaiting mapping: 1 SKU")
    expect(section).to_contain_text(lamp)
    section.get_by_role("link", name="Map it").click()
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame").filter(visible=True).first
    expect(grid.get_by_test_id(f"glide-cell-{PLATFORM_SKU}-0")).to_have_text(lamp)
    expect(page.get_by_role("textbox", name="Search SKU")).to_have_value(lamp)
