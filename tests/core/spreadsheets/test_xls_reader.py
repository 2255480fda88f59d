"""Reading old Excel (XLS) workbooks."""
from __future__ import annotations

from core.spreadsheets.table import read_table
from tests.core.spreadsheets.samples import COLUMNS, values
from tests.fixtures.spreadsheets.corpus import xls_bytes


def test_xls_with_chinese_headers():
    table = read_table(xls_bytes("mapping_chinese_headers.xls"), "m.xls", COLUMNS)
    assert table.format == "xls" and table.sheet == "映射"
    assert values(table) == [
        ["WM-MUG-1", "MUG-WHITE", "1"],
        ["WM-GIFT", "MUG-WHITE", "1"],
        ["WM-GIFT", "COASTER-OAK", "2"],
        ["WM-GIFT-B", "MUG-WHITE*1+COASTER-OAK*2", ""],
        ["WM-12345", "12345", "3"],
    ]
    assert table.frame.index.tolist() == [2, 3, 4, 5, 7]
