"""The product catalog: import (all or nothing), browse, search, look up names."""
from __future__ import annotations

import unicodedata

import pytest

from core import catalog
from core.db.engine import session_scope
from core.errors import NotFound, ValidationFailed
from core.spreadsheets.errors import SpreadsheetError
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import CATALOG, barcode, csv_bytes, database_snapshot, xlsx_bytes

HEADER = ["System SKU", "Product name", "Barcode", "Active"]


@pytest.fixture
def empty_engine(database_url):
    from core.db.engine import init_db, make_engine

    engine = make_engine(database_url)
    init_db(engine)
    yield engine
    engine.dispose()


def products(engine) -> dict[str, tuple]:
    with session_scope(engine) as session:
        page = catalog.search_catalog(session, limit=1000)
    return {p.system_sku: (p.name, p.barcode, p.active) for p in page.products}


def test_template_imports_cleanly_then_changes_nothing(empty_engine):
    engine = empty_engine
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, catalog.catalog_template(), "catalog_template.csv", actor=ADMIN)
    assert result.applied and not result.errors
    assert result.added == ["MUG-WHITE", "COASTER-OAK", "TEA-SAMPLER"]
    assert products(engine)["TEA-SAMPLER"] == ("Tea sampler (discontinued)", None, False)
    with session_scope(engine) as session:
        again = catalog.import_catalog(session, catalog.catalog_template(), "catalog_template.csv", actor=ADMIN)
    assert (again.added, again.updated, again.unchanged) == ([], [], 3)


def test_adds_and_updates_and_blank_cells_keep_what_is_there(engine):
    data = csv_bytes(
        [
            ["NEW-1", "New product", "012345678905", "yes"],
            ["MUG-WHITE", "White mug, 350 ml", "", ""],  # new name; barcode and active left as they are
            ["COASTER-OAK", "", "", "否"],  # only deactivate, in Chinese
            ["TEA-BOX", "", "", ""],  # nothing to change
        ],
        header=HEADER,
    )
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, data, "products.csv", actor=ADMIN)
    assert result.added == ["NEW-1"]
    assert sorted(result.updated) == ["COASTER-OAK", "MUG-WHITE"]
    assert result.unchanged == 1
    state = products(engine)
    assert state["NEW-1"] == ("New product", "00012345678905", True)  # kept as GTIN-14
    assert state["MUG-WHITE"] == ("White mug, 350 ml", None, True)
    assert state["COASTER-OAK"] == ("Oak coaster", None, False)
    assert "3 products" not in result.summary() and "1 product added" in result.summary()


def test_any_bad_row_saves_nothing_and_says_which_row(engine):
    before = database_snapshot(engine)
    data = csv_bytes(
        [
            ["GOOD-1", "Fine", "", "yes"],
            [" SPACED", "Leading space", "", ""],
            ["GOOD-1", "Twice", "", ""],
            ["ZW\u200bSP", "Invisible", "", ""],
            ["GOOD-2", "Bad flag", "", "maybe"],
            ["", "No SKU", "", ""],
            ["GOOD-3", "x" * 301, "", ""],
        ],
        header=HEADER,
    )
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, data, "products.csv", actor=ADMIN)
    assert not result.applied and not result.ok
    assert [(e.row, e.column) for e in result.errors] == [
        (3, "System SKU"), (4, "System SKU"), (5, "System SKU"), (6, "Active"), (7, "System SKU"), (8, "Product name"),
    ]
    messages = {e.row: e.message for e in result.errors}
    assert "a space at the start" in messages[3] and "also on row 2" in messages[4]
    assert "zero width space" in messages[5] and "'maybe' is not yes or no" in messages[6]
    assert "nothing was saved" in result.summary()
    assert result.error_report().decode("utf-8-sig").count("\r\n") == 7
    assert database_snapshot(engine) == before


def test_dry_run_writes_nothing(engine):
    before = database_snapshot(engine)
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, csv_bytes([["NEW-1", "x", "", ""]], header=HEADER), "p.csv", dry_run=True, actor=ADMIN)
    assert result.added == ["NEW-1"] and not result.applied
    assert "would be added" in result.summary()
    assert database_snapshot(engine) == before


def test_xlsx_with_chinese_headers_and_numeric_barcodes(engine):
    data = xlsx_bytes([["CN-1", "茶杯", 886859944807, "是"], ["CN-2", "茶壶", None, "停用"]], header=["系统SKU", "产品名称", "条码", "启用"])
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, data, "产品.xlsx", actor=ADMIN)
    assert result.added == ["CN-1", "CN-2"]
    state = products(engine)
    assert state["CN-1"] == ("茶杯", "00886859944807", True) and state["CN-2"] == ("茶壶", None, False)


def test_a_file_that_is_not_a_catalog_is_refused(engine):
    with session_scope(engine) as session, pytest.raises(SpreadsheetError, match="System SKU"):
        catalog.import_catalog(session, csv_bytes([["1"]], header=["Price"]), "p.csv", actor=ADMIN)


def test_search_pages_and_matches_sku_name_or_barcode(engine):
    with session_scope(engine) as session:
        catalog.import_catalog(session, csv_bytes([[f"BULK-{n:03d}", f"Bulk item {n}", barcode(f"99001234{n:03d}"), ""] for n in range(120)], header=HEADER), "p.csv", actor=ADMIN)
    with session_scope(engine) as session:
        first = catalog.search_catalog(session, "bulk", limit=50)
        third = catalog.search_catalog(session, "BULK", offset=100, limit=50)
        by_name = catalog.search_catalog(session, "ITEM 7")
        by_barcode = catalog.search_catalog(session, "99001234119")
        percent = catalog.search_catalog(session, "%")
        chinese = catalog.search_catalog(session, "礼盒")
    assert first.total == 120 and len(first.products) == 50 and first.products[0].system_sku == "BULK-000"
    assert [p.system_sku for p in third.products] == [f"BULK-{n:03d}" for n in range(100, 120)]
    assert {p.system_sku for p in by_name.products} == {"BULK-007", *(f"BULK-{n:03d}" for n in range(70, 80))}
    assert [p.system_sku for p in by_barcode.products] == ["BULK-119"]
    assert percent.total == 0  # "%" is a character to look for, not a wildcard
    assert [p.system_sku for p in chinese.products] == ["TEA-BOX"]


def test_active_only(engine):
    with session_scope(engine) as session:
        catalog.import_catalog(session, csv_bytes([["MUG-WHITE", "", "", "no"]], header=HEADER), "p.csv", actor=ADMIN)
        names = {p.system_sku for p in catalog.search_catalog(session, active_only=True, limit=100).products}
    assert "MUG-WHITE" not in names and "COASTER-OAK" in names


def test_lookups(engine):
    many = [f"NOPE-{n}" for n in range(2500)]  # above the threshold where the whole catalog is read once
    with session_scope(engine) as session:
        assert catalog.existing_skus(session, ["MUG-WHITE", "mug-white", "NOPE"]) == {"MUG-WHITE"}
        assert catalog.existing_skus(session, many + ["TEA-BOX"]) == {"TEA-BOX"}
        assert catalog.product_names(session, ["MUG-WHITE", "NOPE"]) == {"MUG-WHITE": CATALOG["MUG-WHITE"]}
        assert catalog.similar_skus(session, ["mug-white", "MUG-WHITE", "nothing"]) == {"mug-white": "MUG-WHITE"}
        assert catalog.catalog_size(session) == len(CATALOG)


def test_add_product_checks_the_sku(engine):
    with session_scope(engine) as session:
        view = catalog.add_product(session, "HAND-1", " Hand made ", "012345678905", actor=ADMIN)
    assert view.name == "Hand made" and products(engine)["HAND-1"] == ("Hand made", "00012345678905", True)
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="already in the catalog"):
        catalog.add_product(session, "HAND-1", actor=ADMIN)
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="space at the end"):
        catalog.add_product(session, "HAND-2 ", actor=ADMIN)


def test_edit_product_changes_name_barcode_and_active_with_an_audit_entry(engine):
    from core import audit

    with session_scope(engine) as session:
        catalog.add_product(session, "HAND-1", "Hand made", "00012345678905", actor=ADMIN)
    with session_scope(engine) as session:
        saved = catalog.edit_product(session, "HAND-1", name=" Hand made, blue ", barcode="", active=False, actor=ADMIN)
    assert saved == catalog.ProductView("HAND-1", "Hand made, blue", None, False)
    assert products(engine)["HAND-1"] == ("Hand made, blue", None, False)
    with session_scope(engine) as session:
        entry = audit.entries(session, action="catalog.update")[0]
        assert (entry.subject, audit.to_rows([entry])[0]["before"]["name"], audit.to_rows([entry])[0]["after"]["active"]) == \
            ("HAND-1", "Hand made", False)
        assert catalog.edit_product(session, "HAND-1", name="Hand made, blue", barcode=None, active=False, actor=ADMIN) == saved
        assert len(audit.entries(session, action="catalog.update")) == 1  # nothing changed: nothing recorded
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="longer than 64"):
        catalog.edit_product(session, "HAND-1", name="x", barcode="9" * 65, active=True, actor=ADMIN)
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="limit is 300"):
        catalog.edit_product(session, "HAND-1", name="x" * 301, barcode=None, active=True, actor=ADMIN)
    with session_scope(engine) as session, pytest.raises(NotFound):
        catalog.edit_product(session, "NO-SUCH", name="x", barcode=None, active=True, actor=ADMIN)


CAFE_NFC, CAFE_NFD = unicodedata.normalize("NFC", "CAFÉ-MUG"), unicodedata.normalize("NFD", "CAFÉ-MUG")


def test_a_sku_in_nfd_and_in_nfc_is_one_product(engine):
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, csv_bytes([[CAFE_NFD, "Café mug", "", ""]], header=HEADER), "nfd.csv", actor=ADMIN)
    assert result.added == [CAFE_NFC] and CAFE_NFC in products(engine)
    with session_scope(engine) as session:
        again = catalog.import_catalog(session, csv_bytes([[CAFE_NFC, "Café mug", "", ""]], header=HEADER), "nfc.csv", actor=ADMIN)
    assert again.unchanged == 1 and not again.added
    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="already in the catalog"):
        catalog.add_product(session, CAFE_NFD, actor=ADMIN)


@pytest.mark.parametrize(
    "sku, message",
    [
        ("ＦＵＬＬ", "System SKU 'ＦＵＬＬ' has 'Ｆ' (fullwidth latin capital letter f) at position 1, a look-alike of 'F'."),
        ("SKU-А", "System SKU 'SKU-А' mixes Latin letters with the Cyrillic letter 'А' (cyrillic capital letter a) at position 5, "
                  "which looks like a Latin letter."),
    ],
)
def test_look_alike_skus_are_refused_in_an_import_and_one_by_one(engine, sku, message):
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, csv_bytes([["FULL", "", "", ""], [sku, "", "", ""]], header=HEADER), "p.csv", actor=ADMIN)
    assert [(e.row, e.message) for e in result.errors] == [(3, message)] and not result.applied
    with session_scope(engine) as session, pytest.raises(ValidationFailed) as refused:
        catalog.add_product(session, sku, actor=ADMIN)
    assert refused.value.message == message


def test_chinese_and_other_scripts_are_accepted(engine):
    skus = ["杯子-01", "ЧАЙ-01", "RES-10kΩ", "CAP-100μF"]
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, csv_bytes([[sku, "", "", ""] for sku in skus], header=HEADER), "p.csv", actor=ADMIN)
    assert not result.errors and set(skus) <= set(products(engine))


def test_control_and_bidirectional_characters_are_still_refused(engine):
    with session_scope(engine) as session:
        result = catalog.import_catalog(session, csv_bytes([["SKU\u202e1", "", "", ""]], header=HEADER), "p.csv", actor=ADMIN)
    assert "invisible character (right-to-left override, U+202E) at position 4" in result.errors[0].message


def test_xlsx_template_matches_the_csv_template(empty_engine):
    engine = empty_engine
    with session_scope(engine) as session:
        from_csv = catalog.import_catalog(session, catalog.catalog_template("csv"), "t.csv", dry_run=True, actor=ADMIN)
        from_xlsx = catalog.import_catalog(session, catalog.catalog_template("xlsx"), "t.xlsx", dry_run=True, actor=ADMIN)
    assert from_csv.added == from_xlsx.added and len(from_csv.added) == 3
    assert from_csv.source.frame.values.tolist() == from_xlsx.source.frame.values.tolist()
