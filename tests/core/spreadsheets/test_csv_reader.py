"""Splitting CSV text into cells."""
from __future__ import annotations

import pytest

from core.spreadsheets.table import read_table
from tests.core.spreadsheets.samples import COLUMNS, values
from tests.fixtures.spreadsheets.corpus import csv_bytes


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
