"""Reading any spreadsheet people upload into a table: headers, blank rows, limits, refusals."""
from __future__ import annotations

import numpy as np
import pytest

from core.spreadsheets import table as spreadsheets
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.table import RowError, error_report_csv, read_table
from tests.core.spreadsheets.samples import COLUMNS, ROWS, values
from tests.fixtures.spreadsheets.corpus import HEADER, bad_files, csv_bytes, xlsx_bytes


@pytest.mark.parametrize(
    "header",
    [
        ["Platform SKU", "System SKU", "Quantity"],
        ["platform_sku", "system_sku", "qty"],
        ["PLATFORM SKU ", " System-SKU", "QTY"],
        ["平台SKU", "系统SKU", "数量"],
        ["平台 SKU", "系统 SKU", "数 量"],
        ["ＰＬＡＴＦＯＲＭ　ＳＫＵ", "system\u200bsku", "Quantity:"],  # full-width letters, a zero-width space
    ],
)
def test_headers_are_recognised_ignoring_case_spaces_and_width(header):
    table = read_table(csv_bytes([["WM-1", "MUG-WHITE", "1"]], header=header), "m.csv", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", "1"]]


def test_optional_columns_are_filled_and_unknown_columns_reported():
    data = csv_bytes([["WM-1", "MUG-WHITE", "1", "x", "y"]], header=[*HEADER, "Price", "Colour"])
    table = read_table(data, "m.csv", COLUMNS)
    assert table.frame["note"].tolist() == [""]
    assert table.ignored_columns == ["Price", "Colour"]
    assert "ignored columns: Price, Colour" in table.describe()


def test_blank_lines_are_skipped_but_row_numbers_stay_true():
    rows = [["WM-1", "MUG-WHITE", "1"], ["", "", ""], ["  ", "", "\t"], ["WM-4", "COASTER-OAK", "2"]]
    data = csv_bytes(rows) + b"\r\nWM-7,TEA-BOX,1\r\n"  # row 6 is an empty line, row 7 data
    table = read_table(data, "m.csv", COLUMNS)
    assert table.frame.index.tolist() == [2, 5, 7]
    assert table.blank_rows == 3


@pytest.mark.parametrize("name", sorted(bad_files()))
def test_bad_files_are_refused_with_a_plain_message(name):
    data, filename, phrase = bad_files()[name]
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, filename, COLUMNS[:3])
    assert phrase in str(refused.value)
    assert refused.value.fix, "every refusal says what to do next"


def test_too_large_and_too_many_rows():
    data = csv_bytes([["WM-%d" % n, "MUG-WHITE", "1"] for n in range(10)])
    with pytest.raises(SpreadsheetError, match="the limit is"):
        read_table(data, "m.csv", COLUMNS, max_bytes=len(data) - 1)
    with pytest.raises(SpreadsheetError, match="more than 5 rows"):
        read_table(data, "m.csv", COLUMNS, max_rows=5)
    with pytest.raises(SpreadsheetError, match="more than 5 rows"):
        read_table(xlsx_bytes([["WM-%d" % n, "MUG-WHITE", 1] for n in range(10)]), "m.xlsx", COLUMNS, max_rows=5)
    assert read_table(data, "m.csv", COLUMNS, max_rows=10).frame.shape[0] == 10
    assert spreadsheets.MAX_FILE_BYTES == 20 * 1024 * 1024


def test_the_format_comes_from_the_content_not_the_name():
    assert read_table(csv_bytes(ROWS), "really-a-csv.xlsx", COLUMNS).format == "csv"
    assert read_table(xlsx_bytes(ROWS), "really-an-xlsx.csv", COLUMNS).format == "xlsx"


def test_error_report_csv():
    report = error_report_csv([RowError(3, "Quantity", "=0", "Quantity is 0.", "Enter 1 or more.", "WM-1"), RowError(None, "", "", "File problem.")])
    text = report.decode("utf-8-sig").splitlines()
    assert text[0] == "Row,Column,Value,Problem,How to fix"
    assert text[1] == "3,Quantity,'=0,Quantity is 0.,Enter 1 or more."
    assert text[2].startswith(",,,File problem.")


def test_cells_are_python_strings_not_arrow():
    table = read_table(csv_bytes(ROWS), "m.csv", COLUMNS)
    assert all(table.frame[column].dtype == np.dtype(object) for column in table.frame)
