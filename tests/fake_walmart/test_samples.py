"""Sample items look like Walmart's (walmart-orders-markets.md §2.1): valid GTIN-14s, upc only beside a UPC-A, wpids."""
import re

from core.barcodes import gtin14
from fake_walmart import listing_item, sample_items
from fake_walmart.samples import upc_of
from tests.fake_walmart.conftest import CID
from tests.fake_walmart.test_items import items, token_for


def test_sample_items_have_valid_gtins_and_upc_only_for_a_upc_a():
    catalogue = sample_items(300, seed=3)
    assert catalogue == sample_items(300, seed=3) and len({item["sku"] for item in catalogue}) == 300
    for item in catalogue:
        assert len(item["gtin"]) == 14 and gtin14(item["gtin"]) == item["gtin"]  # 14 digits, a valid check digit
        assert item["upc"] == (item["gtin"][2:] if item["gtin"].startswith("00") else "")
        assert re.fullmatch(r"0[0-9A-Z]{11}", item["wpid"]) and item["productName"]
    assert any(item["upc"] == "" for item in catalogue) and any(item["upc"] for item in catalogue)
    assert {item["lifecycleStatus"] for item in catalogue} == {"ACTIVE", "RETIRED"}
    unpublished = [item for item in catalogue if item["publishedStatus"] == "UNPUBLISHED"]
    assert unpublished and all(item["unpublishedReasons"]["reason"] for item in unpublished)


def test_a_listing_item_takes_walmarts_upc_rule_from_its_gtin():
    assert listing_item("A", "Vest", gtin="00886859944807")["upc"] == "886859944807"
    assert listing_item("B", "Cables", gtin="05674399098693")["upc"] == ""  # the spec's EAN-13 example
    assert listing_item("C", "No barcode")["upc"] == "" and upc_of("") == ""


def test_the_gateway_serves_them_as_they_are(gw):
    catalogue = sample_items(5, seed=1)
    gw.set_items("production", CID, catalogue)
    assert items(gw, token_for(gw)).json()["ItemResponse"] == catalogue
