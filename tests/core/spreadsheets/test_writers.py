"""Writing files that Excel opens safely and that read back the same."""
from __future__ import annotations

import codecs
import io

import openpyxl
import pytest

from core.errors import ValidationFailed
from core.mapping.columns import MAPPING_COLUMNS
from core.spreadsheets import writers
from core.spreadsheets.table import read_table
from core.spreadsheets.writers import write_csv, write_xlsx
from tests.core.spreadsheets.samples import COLUMNS, TRICKY


def test_text_that_looks_like_an_xlsx_escape_survives_a_round_trip():
    skus = ["WM_x0041_1", "_x005F_", "A_x00e9_B", "plain_x_1", "WM_x0041_x0042_"]
    data = write_xlsx(["Platform SKU", "System SKU", "Quantity"], [[sku, "MUG-WHITE", 1] for sku in skus], sheet_title="Mappings")
    assert read_table(data, "m.xlsx", COLUMNS).frame["platform_sku"].tolist() == skus
    workbook = openpyxl.load_workbook(io.BytesIO(data))  # openpyxl does not decode: the stored, escaped text
    assert [row[0].value for row in workbook.active.iter_rows(min_row=2)] == [
        "WM_x005F_x0041_1", "_x005F_x005F_", "A_x005F_x00e9_B", "plain_x_1", "WM_x005F_x0041_x005F_x0042_"]


def test_text_that_reads_like_an_excel_error_is_exported_as_text():
    # A product name '#N/A' (a failed lookup pasted as text) must come back as '#N/A', not as an error cell.
    data = write_xlsx(["Platform SKU", "System SKU", "Quantity", "Product name"], [["WM-1", "MUG-WHITE", 1, "#N/A"]], sheet_title="Mappings")
    table = read_table(data, "m.xlsx", MAPPING_COLUMNS)
    assert table.frame["product_name"].tolist() == ["#N/A"]


def test_csv_is_written_for_excel_and_reads_back_the_same():
    data = write_csv(["Platform SKU", "System SKU", "Quantity"], [[value, "MUG-WHITE", 1] for value in TRICKY])
    assert data.startswith(codecs.BOM_UTF8)
    text = data.decode("utf-8-sig")
    assert "\r\n'=1+2,MUG-WHITE,1\r\n" in text  # escaped in the file itself
    table = read_table(data, "m.csv", COLUMNS)
    assert table.frame["platform_sku"].tolist() == TRICKY
    assert table.frame["quantity"].tolist() == ["1"] * len(TRICKY)


def test_xlsx_is_written_with_text_cells_never_formulas():
    data = write_xlsx(["Platform SKU", "System SKU", "Quantity"], [[value, "MUG-WHITE", 2] for value in TRICKY], sheet_title="Mappings")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    cells = [row for row in sheet.iter_rows(min_row=2, values_only=False)]
    assert all(row[0].data_type != "f" for row in cells)
    assert cells[0][0].value == "'=1+2" and cells[0][2].value == 2
    assert sheet["A1"].font.bold
    table = read_table(data, "m.xlsx", COLUMNS)
    assert table.frame["platform_sku"].tolist() == TRICKY


def test_format_from_filename():
    assert writers.format_from_filename("Out.XLSX") == "xlsx"
    assert writers.format_from_filename("a.b.csv") == "csv"
    with pytest.raises(ValidationFailed):
        writers.format_from_filename("out.xls")


def test_a_file_written_as_it_is_made_is_saved_whole_or_not_at_all(tmp_path):
    path = tmp_path / "out.csv"
    path.write_bytes(b"before")

    def fails_halfway(target):
        target.write(b"half of it")
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        writers.write_file_with(path, fails_halfway)
    assert path.read_bytes() == b"before" and [p.name for p in tmp_path.iterdir()] == ["out.csv"]  # no partial file left
    assert writers.write_file_with(path, lambda target: target.write(b"all of it")) == 9 and path.read_bytes() == b"all of it"
