"""Splitting CSV text into cells."""
from __future__ import annotations

import tracemalloc
from dataclasses import replace

import pytest

from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.limits import UPLOAD_LIMITS
from core.spreadsheets.table import read_table
from tests.core.spreadsheets.samples import COLUMNS, values
from tests.fixtures.spreadsheets.corpus import csv_bytes
from tests.fixtures.spreadsheets.hostile import header_cells, workbook


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_every_delimiter_is_detected(delimiter):
    rows = [["WM-1", "MUG-WHITE", "1"], ["WM-2", "SKU, with comma; and semicolon", "3"]]
    table = read_table(csv_bytes(rows, delimiter=delimiter), "m.csv", COLUMNS)
    assert table.delimiter == delimiter
    assert values(table) == rows


def test_short_rows_are_padded_and_quoted_cells_keep_delimiters_and_newlines():
    data = b'Platform SKU,System SKU,Quantity\r\nWM-1,MUG-WHITE\r\n"WM-2","TWO\nLINES",1\r\nWM-3,COASTER-OAK,1\r\n'
    table = read_table(data, "m.csv", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", ""], ["WM-2", "TWO\nLINES", "1"], ["WM-3", "COASTER-OAK", "1"]]
    assert table.frame.index.tolist() == [2, 3, 4]  # a quoted line break does not shift the row numbers


@pytest.mark.parametrize("rows", [2, 600])  # 600 rows: more delimiters in the file than columns allowed in a header
def test_a_file_with_old_mac_line_ends_reads_like_any_other(rows):
    """Excel's "CSV (Macintosh)" ends lines with a lone CR. The header line is where that line ends, not the whole file."""
    body = [[f"WM-{number}", "MUG-WHITE", "1"] for number in range(rows)]
    mac = b"\r".join([b"Platform SKU,System SKU,Quantity", *(",".join(row).encode() for row in body)]) + b"\r"
    table = read_table(mac, "mac.csv", COLUMNS)
    assert values(table) == body
    assert table.frame.index.tolist() == list(range(2, rows + 2))


# --------------------------------------------------------------------------- limits, before pandas builds anything


def _peak_memory_of(call) -> int:
    """Peak bytes Python (and numpy, pandas) allocated during `call`."""
    tracemalloc.start()
    try:
        call()
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak


@pytest.mark.timeout(60)  # before the guard: 70 s and 3.6 GB, ending in MemoryError
def test_a_header_of_two_million_commas_is_refused_with_little_memory():
    data = b"Platform SKU,System SKU,Quantity" + b"," * 2_000_000 + b"\r\nWM-1,MUG-WHITE,1\r\n"
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "wide.csv", COLUMNS)
    assert refused.value.message == "The file 'wide.csv' has 2,000,003 columns; we read at most 1,000."
    assert "Delete the columns" in refused.value.fix and "python -m core mappings import" in refused.value.fix
    assert _peak_memory_of(lambda: pytest.raises(SpreadsheetError, read_table, data, "wide.csv", COLUMNS)) < 40 * 2**20


@pytest.mark.timeout(60)  # before the guard: 25 s and 1.3 GB, then applied
def test_a_file_of_500000_columns_is_refused_with_little_memory():
    header = ",".join(["Platform SKU", "System SKU", "Quantity", *(f"c{n}" for n in range(499_997))])
    data = (header + "\r\n" + "WM-1,MUG-WHITE,1" + "," * 499_997 + "\r\n").encode()
    with pytest.raises(SpreadsheetError, match="has 500,000 columns; we read at most 1,000"):
        read_table(data, "wide.csv", COLUMNS)
    assert _peak_memory_of(lambda: pytest.raises(SpreadsheetError, read_table, data, "wide.csv", COLUMNS)) < 40 * 2**20


def test_quoted_delimiters_in_the_header_are_not_columns():
    data = csv_bytes([["WM-1", "MUG-WHITE", "1"]], header=["Platform SKU", "System SKU", "Quantity", "a,b,c,d"])
    assert values(read_table(data, "m.csv", COLUMNS, limits=replace(UPLOAD_LIMITS, max_columns=4))) == [["WM-1", "MUG-WHITE", "1"]]


def test_rows_times_columns_past_the_cell_limit_is_refused_before_the_rows_are_built():
    data = csv_bytes([[f"WM-{n}", "MUG-WHITE", "1"] for n in range(20)])
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.csv", COLUMNS, limits=replace(UPLOAD_LIMITS, max_cells=30))
    assert refused.value.message == "The file 'm.csv' has at least 11 rows of 3 columns, 33 cells; we read at most 30 cells at once."
    assert len(read_table(data, "m.csv", COLUMNS, limits=replace(UPLOAD_LIMITS, max_cells=63)).frame) == 20  # 21 rows x 3 fit exactly


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_a_cell_longer_than_excel_allows_is_refused_by_its_name(encoding):
    data = csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", "x" * 40_000, "1"]], encoding=encoding)
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.csv", COLUMNS)
    assert refused.value.message == "In 'm.csv', cell B3 holds 40,000 characters; one cell may hold at most 32,767."
    assert "closing quote" in refused.value.fix


def test_a_long_line_of_short_cells_is_read():
    header = ["Platform SKU", "System SKU", "Quantity", *(f"Extra {n}" for n in range(900))]
    data = csv_bytes([["WM-1", "MUG-WHITE", "1", *(["y" * 40] * 900)]], header=header)  # a 37 KB line, no cell over 40 characters
    assert values(read_table(data, "m.csv", COLUMNS)) == [["WM-1", "MUG-WHITE", "1"]]


# --------------------------------------------------------------------------- formulas


@pytest.mark.parametrize(
    "cell",
    ['=HYPERLINK("https://evil.example","Click")', "=1+2", "=", "+SUM(A1:A3)", "@HYPERLINK(A1)", "-cmd|' /C calc'!A0", "+ SUM(A1)", "@sum.if(x)"],
)
def test_a_csv_cell_that_is_a_formula_refuses_the_file_by_its_cell(cell):
    data = csv_bytes([["WM-1", "MUG-WHITE", "1"], ["WM-2", cell, "1"]])
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.csv", COLUMNS)
    assert refused.value.message.startswith("Cell B3 of 'm.csv' starts like a spreadsheet formula")
    assert "Paste Special > Values" in refused.value.fix and "apostrophe" in refused.value.fix


def test_every_formula_cell_is_named_in_row_order():
    rows = [["=A", "MUG-WHITE", "1"], ["WM-2", "=B", "=C"], *[[f"=P{n}", "X", "1"] for n in range(5)]]
    with pytest.raises(SpreadsheetError) as refused:
        read_table(csv_bytes(rows), "m.csv", COLUMNS)
    assert refused.value.message.startswith("Cells A2, B3, C3, A4, A5 and 3 more of 'm.csv' start like a spreadsheet formula")


@pytest.mark.parametrize("cell", ["-DASH-FIRST", "+33 phone", "@home", "-5", "+A+B", "A=B", " =not first", "-SKU (red)"])
def test_signs_that_start_real_skus_are_imported_as_written(cell):
    table = read_table(csv_bytes([["WM-1", cell, "1"]]), "m.csv", COLUMNS)
    assert table.frame["system_sku"].tolist() == [cell]


def test_the_escaped_form_our_exports_write_imports_as_the_text():
    table = read_table(csv_bytes([["'=WM-1", "'=HYPERLINK(x)", "1"], ["'+SUM(A1)", "''quoted", "1"]]), "m.csv", COLUMNS)
    assert values(table) == [["=WM-1", "=HYPERLINK(x)", "1"], ["+SUM(A1)", "'quoted", "1"]]


def test_columns_the_import_does_not_read_may_hold_anything():
    data = csv_bytes([["WM-1", "MUG-WHITE", "1", "=== fragile ==="]], header=["Platform SKU", "System SKU", "Quantity", "Remarks"])
    assert values(read_table(data, "m.csv", COLUMNS)) == [["WM-1", "MUG-WHITE", "1"]]


def test_in_a_workbook_a_text_cell_starting_with_a_sign_is_text():
    # A workbook says which cells are formulas (those are refused by the reader); a text cell is text.
    table = read_table(workbook(header_cells([("WM-1", "=TEXT-SKU", "1")])), "m.xlsx", COLUMNS)
    assert values(table) == [["WM-1", "=TEXT-SKU", "1"]]
