"""A person works through one SKU whose orders wait for a mapping: from the Orders page, Map it opens the store's grid
with the SKU as a new row, they fill in the system SKU and save, and back on the Orders page the SKU is gone."""
import re
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from playwright.sync_api import expect

from core import catalog
from core.db.engine import session_scope
from core.db.models.orders import OrderLine, OrderRead
from core.stores import registry as stores
from tests.conftest import ADMIN, CLIENT_ID, CLIENT_SECRET
from tests.e2e.conftest import edit_cell, open_page, screenshot, wait_for_app
from tests.fixtures.spreadsheets.corpus import mapping_state

PLATFORM_SKU, SYSTEM_SKU, QUANTITY = 2, 3, 4  # the grid's columns, as the accessible copy numbers them


@pytest.fixture
def blocked_shop(server_runtime):
    """A store whose stored orders hold two SKUs no mapping covers: one in three orders, one in one. Named with a tag
    (the server is shared by the session); the store, and with it its orders and mappings, is deleted afterwards."""
    tag = f"O{uuid.uuid4().hex[:6].upper()}"
    now = datetime.now(UTC).replace(microsecond=0)
    with session_scope(server_runtime.engine) as session:
        store = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=f"Orders shop {tag}", environment="production",
                                 client_id=CLIENT_ID, client_secret=CLIENT_SECRET, allow_duplicate=True)
        catalog.import_catalog(session, f"System SKU,Product name\n{tag}-MUG,Enamel mug {tag}\n".encode(), "catalog.csv", actor=ADMIN)
        lines = [(f"{tag}01", f"WM-{tag}-MUG", 2), (f"{tag}02", f"WM-{tag}-MUG", 1), (f"{tag}03", f"WM-{tag}-MUG", 1),
                 (f"{tag}03", f"WM-{tag}-LAMP", 1)]
        for number, (po, sku, quantity) in enumerate(lines, start=1):
            session.add(OrderLine(store_id=store.id, purchase_order_id=po, line_number=str(number), order_date=now - timedelta(hours=number),
                                  sku=sku, product_name=f"Walmart listing {sku}", quantity=quantity, status="Acknowledged"))
        session.add(OrderRead(store_id=store.id, read_at=now, days=14, orders_read=3, lines_read=len(lines)))
    yield store, tag
    with session_scope(server_runtime.engine) as session:
        stores.delete_store(session, store.id, actor=ADMIN)


def test_map_a_blocked_sku_from_the_orders_page_and_see_it_leave_the_list(page, server, server_runtime, blocked_shop):
    store, tag = blocked_shop
    mug, lamp = f"WM-{tag}-MUG", f"WM-{tag}-LAMP"
    open_page(page, server, f"orders?store={quote(store.name)}")
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
