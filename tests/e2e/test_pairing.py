"""Automatic pairing in the browser: read a store's listings, preview and apply the safe suggestions, see them in the
grid; and try a SKU in the rule tester."""
import uuid

import pytest
from playwright.sync_api import expect

from core import catalog
from core.db.engine import session_scope
from core.mapping.pairing import rule_sets
from core.stores import registry as stores
from fake_walmart import listing_item
from tests.conftest import ADMIN
from tests.e2e.conftest import screenshot, wait_for_app
from tests.fixtures.spreadsheets.corpus import csv_bytes, mapping_state


@pytest.fixture
def paired_shop(server_runtime, walmart):
    """A store with a key of its own on the shared fake gateway, its listings, a catalog with barcodes and its own rules.
    Everything is named with a tag: the server is shared by the session. The store is deleted afterwards."""
    tag = f"P{uuid.uuid4().hex[:6].upper()}"
    client_id, secret = str(uuid.uuid4()), f"Pairing-secret-{uuid.uuid4().hex}"
    walmart.add_key("production", client_id, secret, scopes={"item": "view_only"})
    walmart.set_items("production", client_id, [
        listing_item(f"{tag}-MUG", "Enamel trail mug"),  # exact
        listing_item(f"wm-{tag.lower()}-lantern", "Lantern"),  # rule
        listing_item(f"AO-{tag}-77", "Lantern, boxed", gtin="00886859944807"),  # barcode (UPC-12 in the catalog)
        listing_item(f"AO-{tag}-SOCKS", f"{tag} merino hiking socks size M"),  # similar
        listing_item(f"AO-{tag}-POLE", "Trekking pole", gtin="04006381333931"),  # two products have this barcode
    ])
    rows = [[f"{tag}-MUG", "Enamel trail mug", "", ""], [f"{tag}-LANTERN", "Camping lantern", "886859944807", ""],
            [f"{tag}-SOCK-M", f"{tag} Merino hiking socks, size M", "", ""], [f"{tag}-POLE", "Trekking pole", "4006381333931", ""],
            [f"{tag}-POLE-2", "Trekking pole, pair", "4006381333931", ""]]
    with session_scope(server_runtime.engine) as session:
        store = stores.add_store(session, server_runtime.vault, actor=ADMIN, name=f"Pairing shop {tag}", environment="production",
                                 client_id=client_id, client_secret=secret)
        catalog.import_catalog(session, csv_bytes(rows, header=["System SKU", "Product name", "Barcode", "Active"]), "catalog.csv", actor=ADMIN)
        rule_sets.save_rule_set(session, store.id, 'ignore_case = true\nstrip_prefixes = ["WM-"]\n', actor=ADMIN)
    yield store, tag
    with session_scope(server_runtime.engine) as session:
        stores.delete_store(session, store.id, actor=ADMIN)


def open_unmapped_listings(page, server, store_name):
    page.goto(server)
    expect(page.get_by_test_id("stSidebarNav")).to_be_visible(timeout=60_000)
    wait_for_app(page, timeout_ms=60_000)
    page.get_by_test_id("stSidebarNav").get_by_text("Product mapping").click()
    wait_for_app(page)
    page.get_by_role("combobox", name="Mappings for").click()
    page.get_by_role("option", name=store_name).click()
    wait_for_app(page)
    page.get_by_role("tab", name="Unmapped listings").click()
    wait_for_app(page)


def test_apply_safe_suggestions_and_see_them_in_the_grid(page, server, server_runtime, paired_shop):
    store, tag = paired_shop
    open_unmapped_listings(page, server, store.name)
    page.locator(".st-key-mapping_listings_read button").click()
    wait_for_app(page)
    expect(page.get_by_test_id("stMetric").filter(has_text="Safe")).to_contain_text("3")
    expect(page.get_by_test_id("stMetric").filter(has_text="Ambiguous")).to_contain_text("1")
    table = page.locator("[data-testid='stDataFrame']").filter(has_text="Found by").first
    expect(table).to_be_visible()
    screenshot(page, "12-pairing-suggestions")

    page.locator(".st-key-pairing_preview_safe button").click()
    wait_for_app(page)
    expect(page.get_by_text("3 listings to map (1 exact, 1 rule, 1 barcode)")).to_be_visible()
    assert mapping_state(server_runtime.engine, store.id) == {}  # the preview writes nothing
    screenshot(page, "13-pairing-safe-preview")
    page.locator(".st-key-pairing_apply_safe button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("Suggestions applied: 3 listings mapped")
    assert mapping_state(server_runtime.engine, store.id) == {
        f"{tag}-MUG": [(f"{tag}-MUG", 1)], f"wm-{tag.lower()}-lantern": [(f"{tag}-LANTERN", 1)], f"AO-{tag}-77": [(f"{tag}-LANTERN", 1)]}

    page.get_by_role("tab", name="Mappings").click()
    wait_for_app(page)
    grid = page.get_by_test_id("stDataFrame").filter(visible=True).first
    for platform_sku in (f"AO-{tag}-77", f"{tag}-MUG", f"wm-{tag.lower()}-lantern"):
        expect(grid).to_contain_text(platform_sku)
    screenshot(page, "14-pairing-applied-grid")


def test_the_rule_tester_shows_how_a_sku_is_normalised(page, server, paired_shop):
    store, tag = paired_shop
    open_unmapped_listings(page, server, store.name)
    page.get_by_text("Pairing rules", exact=True).click()
    box = page.locator(f".st-key-pairing_rules_box_try_{store.id} input")
    box.fill(f" WM-{tag}-Lantern ")
    box.press("Enter")
    wait_for_app(page)
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(f"is compared as '{tag.lower()}-lantern'")
    steps = page.get_by_test_id("stDataFrame").filter(has_text="Strip a prefix")
    expect(steps).to_be_visible()
    screenshot(page, "15-pairing-rule-tester")
