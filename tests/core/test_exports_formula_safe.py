"""Every CSV and XLSX we produce, filled with values that Excel would run as formulas, opens with none of them live.

Each producer is fed hostile text where outside text reaches it (SKUs saved from the grid, product names, listing
names from Walmart, store names, actors, file names, cell values quoted in error reports); the file is opened the
way a spreadsheet program reads it (csv for CSV, openpyxl for XLSX) and no cell may start with a formula trigger.
Files meant to be imported again are read back by our importer, unchanged.
"""
from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from core import audit, catalog
from core.access import Actor, Role
from core.db.engine import session_scope
from core.mapping import export as mapping_export
from core.mapping import grid as mapping_grid
from core.mapping.columns import MAPPING_COLUMNS
from core.mapping.imports import mapping_template, plan_import
from core.mapping.listings import Listing, ListingScan, UnmappedReport
from core.spreadsheets.cells import FORMULA_TRIGGERS
from core.spreadsheets.table import RowError, error_report_csv, read_table
from core.spreadsheets.writers import write_xlsx
from tests.conftest import ADMIN

LINK = '=HYPERLINK("https://evil.example/steal","Click")'
SKUS = ["=2+5", "+1+1", "-1+2", "@SUM(1+1)", LINK, "'=already quoted"]
NAMES = [LINK, "=2+5", "@cmd", "\t=1+1", "\r=1+1", "-2+3"]  # names may hold what SKUs may not (a tab, a line break)
FORMATS = ["csv", "xlsx"]


def cells(data: bytes, file_format: str) -> list[object]:
    """Every non-empty cell as a spreadsheet program reads it (XLSX numbers as numbers); fails on an XLSX formula cell."""
    if file_format == "csv":
        return [cell for row in csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")) for cell in row if cell]
    found: list[object] = []
    for sheet in openpyxl.load_workbook(io.BytesIO(data)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", f"{cell.coordinate} is a formula: {cell.value!r}"
                if cell.value is not None:
                    found.append(cell.value)
    return found


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def assert_no_live_formula(data: bytes, file_format: str, *, hostile: list[str]) -> None:
    shown = cells(data, file_format)
    # A number such as -5 is a number, not a formula; any other text starting with a trigger would run.
    live = [cell for cell in shown if isinstance(cell, str) and cell.startswith(FORMULA_TRIGGERS) and not _number(cell)]
    assert live == [], f"cells that would run as formulas: {live}"
    text = "\n".join(map(str, shown)).replace("\r", "\n")  # XML reads a carriage return back as a line feed
    for value in hostile:  # the hostile values are there, escaped: the check above looked at the right cells
        assert "'" + value.replace("\r", "\n") in text, f"{value!r} missing from the file"


@pytest.fixture
def hostile_store(engine, store):
    """A store whose catalog, mappings (saved from the grid) and audit trail are full of formula look-alikes."""
    with session_scope(engine) as session:
        for sku, name in zip(SKUS, NAMES):
            catalog.add_product(session, sku, name, actor=ADMIN)
        rows = [{"platform_sku": platform, "system_sku": system, "quantity": 1} for platform, system in zip(SKUS, reversed(SKUS))]
        assert mapping_grid.save_grid(session, store, [], rows, actor=ADMIN).saved
        audit.append(session, Actor(LINK, Role.admin, "test"), "import.apply", store_id=store, store_name="=2+5",
                     subject="=HYPERLINK(\"https://evil.example\").csv", before={"sku": "=2+5"}, after=["-1"], detail="@SUM(1+1)")
    return store


def test_the_audit_export(engine, hostile_store):
    with session_scope(engine) as session:
        data = audit.export_csv(audit.entries(session))
    assert_no_live_formula(data, "csv", hostile=[LINK, "=2+5", '=HYPERLINK("https://evil.example").csv', "@SUM(1+1)"])
    assert "'=2+5" in cells(data, "csv")  # a whole cell, as the store name was


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_mapping_export_and_it_imports_back_unchanged(engine, hostile_store, file_format):
    with session_scope(engine) as session:
        data = mapping_export.export_mappings(session, hostile_store, file_format)
        rows = mapping_export.export_rows(session, hostile_store)
    assert_no_live_formula(data, file_format, hostile=[*SKUS, *(name.strip() for name in NAMES)])  # the catalog trims names
    frame = read_table(data, f"export.{file_format}", MAPPING_COLUMNS).frame
    assert sorted(zip(frame["platform_sku"], frame["system_sku"])) == sorted((p, s) for p, s, _, _ in rows)
    with session_scope(engine) as session:  # importing the export changes nothing
        plan = plan_import(session, hostile_store, data, f"export.{file_format}")
    assert plan.ok and not plan.changes.has_writes


@pytest.mark.parametrize("file_format", FORMATS)
def test_the_unmapped_listings_sheet(file_format):
    listings = [Listing(sku, name) for sku, name in zip(SKUS, NAMES)]
    data = UnmappedReport(ListingScan(listings, len(listings), 1, True), listings).mapping_sheet(file_format)
    assert_no_live_formula(data, file_format, hostile=[*SKUS, *NAMES])


def test_error_reports_of_mapping_and_catalog_imports(engine, store):
    # A file whose System SKUs are not in the catalog: the report quotes them back.
    upload = write_xlsx(["Platform SKU", "System SKU", "Quantity"], [[f"WM-{n}", sku, 1] for n, sku in enumerate(SKUS)])
    with session_scope(engine) as session:
        plan = plan_import(session, store, upload, "=HYPERLINK(x).xlsx")
    assert plan.errors
    assert_no_live_formula(plan.error_report(), "csv", hostile=SKUS)
    errors = [RowError(2, "=Column", LINK, "=2+5 is wrong", "@fix it")]
    assert_no_live_formula(catalog.CatalogImportResult(errors=errors).error_report(), "csv", hostile=[LINK, "=Column", "=2+5 is wrong", "@fix it"])
    assert_no_live_formula(error_report_csv(errors), "csv", hostile=[LINK])


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize("template", [mapping_template, catalog.catalog_template], ids=["mapping", "catalog"])
def test_the_templates(template, file_format):
    assert_no_live_formula(template(file_format), file_format, hostile=[])


def test_values_that_are_not_text_are_escaped_as_their_text():
    """Only numbers and dates are written as they are; any other value is its escaped text."""
    class Sneaky:
        def __str__(self) -> str:
            return "=2+5"

    from core.spreadsheets.writers import write_csv

    for file_format, data in (("csv", write_csv(["a", "b"], [[Sneaky(), -5]])), ("xlsx", write_xlsx(["a", "b"], [[Sneaky(), -5]]))):
        assert_no_live_formula(data, file_format, hostile=["=2+5"])
        assert {"csv": "-5", "xlsx": -5}[file_format] in cells(data, file_format)  # a negative number stays a number
