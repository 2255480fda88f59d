"""Barcodes in the catalog: checked on import, kept as GTIN-14, and marked when two products share one."""
from core import catalog
from core.db.engine import session_scope
from tests.conftest import ADMIN
from tests.fixtures.spreadsheets.corpus import csv_bytes, database_snapshot

HEADER = ["System SKU", "Product name", "Barcode", "Active"]


def imported(engine, rows, header=HEADER, dry_run=False):
    with session_scope(engine) as session:
        return catalog.import_catalog(session, csv_bytes(rows, header=header), "products.csv", actor=ADMIN, dry_run=dry_run)


def barcodes(engine):
    with session_scope(engine) as session:
        return {p.system_sku: (p.barcode, p.barcode_shared) for p in catalog.search_catalog(session, limit=100).products if p.barcode}


def test_upc_ean_and_gtin_columns_are_kept_as_gtin_14(engine):
    for header in ("UPC", "EAN", "GTIN", "条码", "条形码"):
        result = imported(engine, [[f"P-{header}", "", "886859944807", ""]], header=["System SKU", "Product name", header, "Active"])
        assert result.ok, (header, result.errors)
    assert {barcode for barcode, _ in barcodes(engine).values()} == {"00886859944807"}


def test_a_bad_check_digit_is_a_row_error_naming_the_expected_digit_and_nothing_is_saved(engine):
    before = database_snapshot(engine)
    result = imported(engine, [["NEW-1", "Good", "012345678905", ""], ["NEW-2", "Typo", "4006381333932", ""]])
    assert not result.ok and len(result.errors) == 1
    error = result.errors[0]
    assert (error.row, error.column, error.value) == (3, "Barcode", "4006381333932")
    assert "check digit 2" in error.message and "need 1" in error.message
    assert database_snapshot(engine) == before


def test_two_products_with_one_barcode_are_allowed_and_marked(engine):
    result = imported(engine, [["LANTERN-1", "Lantern", "886859944807", ""], ["LANTERN-2", "Lantern, boxed", "0886859944807", ""],
                               ["MUG-1", "Mug", "4006381333931", ""]])
    assert result.ok and result.shared_barcodes == ["00886859944807"]
    assert "1 barcode is on more than one product" in result.summary()
    assert barcodes(engine) == {"LANTERN-1": ("00886859944807", True), "LANTERN-2": ("00886859944807", True),
                                "MUG-1": ("04006381333931", False)}
    with session_scope(engine) as session:
        assert catalog.shared_barcodes(session) == {"00886859944807"}


def test_a_barcode_shared_with_a_product_the_file_leaves_alone_is_marked_in_the_preview(engine):
    imported(engine, [["LANTERN-1", "Lantern", "886859944807", ""]])
    preview = imported(engine, [["LANTERN-2", "Lantern, boxed", "00886859944807", ""]], dry_run=True)
    assert preview.shared_barcodes == ["00886859944807"] and not preview.applied


def test_an_8_digit_code_is_upc_e_in_a_upc_column_and_ean_8_elsewhere(engine):
    assert imported(engine, [["SMALL-1", "", "04252614", ""]], header=["System SKU", "Product name", "UPC", "Active"]).ok
    assert imported(engine, [["SMALL-2", "", "96385074", ""]]).ok
    found = barcodes(engine)
    assert found["SMALL-1"][0] == "00042100005264" and found["SMALL-2"][0] == "00000096385074"


def test_search_finds_a_product_by_the_upc_people_type(engine):
    imported(engine, [["LANTERN-1", "Lantern", "886859944807", ""]])
    with session_scope(engine) as session:
        assert [p.system_sku for p in catalog.search_catalog(session, "886859944807").products] == ["LANTERN-1"]


def test_adding_one_product_checks_its_barcode(engine):
    import pytest

    from core.errors import ValidationFailed

    with session_scope(engine) as session, pytest.raises(ValidationFailed, match="need 1"):
        catalog.add_product(session, "HAND-1", "Hand made", "4006381333932", actor=ADMIN)
