"""What the pairing tests share: a catalog with barcodes, listings as Walmart sends them, and suggestions for a store."""
from __future__ import annotations

from core import audit, catalog
from core.db.engine import session_scope
from core.mapping.listings import Listing
from core.mapping.pairing.suggestions import suggest
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import csv_bytes

CATALOG_HEADER = ["System SKU", "Product name", "Barcode", "Active"]


def add_products(engine, rows):
    """(system SKU, name, barcode, active) rows into the catalog, the way users do it: an import."""
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, csv_bytes(rows, header=CATALOG_HEADER), "products.csv", actor=ADMIN)
    assert result.ok, result.errors


def listing(sku, name="", gtin="", upc="", lifecycle="ACTIVE"):
    return Listing(sku, name, gtin, upc, "PUBLISHED", lifecycle)


def suggestions(engine, store_id, listings, **options):
    with session_scope(engine) as session:
        return {s.listing.sku: s for s in suggest(session, store_id, listings, **options)[1]}


def trail(engine, action):
    with session_scope(engine) as session:
        return [row for row in audit.to_rows(audit.entries(session, action=action)) if row["action"] == action][::-1]
