"""Reading XLSX workbooks, and refusing the cells whose values cannot be trusted."""
from __future__ import annotations

import io
import zipfile

import pytest

from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.table import read_table
from tests.core.spreadsheets.samples import COLUMNS, ROWS, values
from tests.fixtures.spreadsheets.corpus import xlsx_bytes


def test_xlsx_cells_come_back_as_the_text_people_see():
    rows = [["WM-1", "MUG-WHITE", 3], ["WM-2", 12345, 2.0], [None, None, None], ["WM-4", "COASTER-OAK", 1.5]]
    table = read_table(xlsx_bytes(rows), "m.xlsx", COLUMNS)
    assert values(table) == [["WM-1", "MUG-WHITE", "3"], ["WM-2", "12345", "2"], ["WM-4", "COASTER-OAK", "1.5"]]
    assert table.frame.index.tolist() == [2, 3, 5]
    assert table.format == "xlsx" and table.sheet == "Mappings"


def test_xlsx_with_rows_not_starting_at_the_top_keeps_row_numbers():
    table = read_table(xlsx_bytes([["WM-1", "MUG-WHITE", 1]], start_row=1), "m.xlsx", COLUMNS)
    assert table.frame.index.tolist() == [2]


def test_only_the_first_sheet_is_read_and_that_is_said():
    table = read_table(xlsx_bytes([["WM-1", "MUG-WHITE", 1]], extra_sheets=["Notes"]), "m.xlsx", COLUMNS)
    assert "'Notes'" in " ".join(table.notes)


def test_formulas_are_listed_by_cell():
    data = xlsx_bytes([["WM-1", "MUG-WHITE", 1]] * 8, formulas={f"C{n}": "=1+1" for n in range(2, 9)})
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.xlsx", COLUMNS)
    assert "C2, C3, C4, C5, C6 and 2 more" in refused.value.message
    assert "Paste Special" in refused.value.fix


def _rewritten(data: bytes, change, rename: dict[str, str] | None = None) -> bytes:
    """The workbook with its first sheet's XML passed through `change`, and files renamed as `rename` says."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for item in source.infolist():
            content = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                changed = change(content)
                assert changed != content, "the change did not apply"
                content = changed
            target.writestr((rename or {}).get(item.filename, item.filename), content)
    return buffer.getvalue()


WITH_FORMULA = xlsx_bytes([["WM-1", "MUG-WHITE", None]], formulas={"C2": "=1+1"})


def _prefixed(data: bytes, prefix: bytes) -> bytes:
    """The formula element written as <prefix:f>, the prefix declared for Excel's namespace."""
    return _rewritten(data, lambda xml: xml.replace(b"<f>", b"<" + prefix + b":f>").replace(b"</f>", b"</" + prefix + b":f>").replace(
        b"<worksheet ", b'<worksheet xmlns:' + prefix + b'="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '))


@pytest.mark.parametrize(
    "data, cells",
    [
        # Excel saves each formula's last result beside it; a reader of values alone would take that and never know.
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b"<f>1+1</f><v />", b"<f>1+1</f><v>2</v>")), "C2"),
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b'<c r="C2">', b"<c r='C2'>")), "C2"),
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b'<c r="C2">', b"<c>")), "1 cell"),  # r is optional
        (_rewritten(WITH_FORMULA, lambda xml: xml.replace(b"<f>", b"<x:f>").replace(b"</f>", b"</x:f>").replace(
            b"<worksheet ", b'<worksheet xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main" ')), "C2"),
        # A prefix is an XML NCName: '-', '.' and digits are allowed after the first letter (the review's bypass was <x-y:f>).
        (_prefixed(WITH_FORMULA, b"x-y"), "C2"),
        (_prefixed(WITH_FORMULA, b"a.b_c-1"), "C2"),
    ],
    ids=["saved with its result", "single quotes", "cell without a reference", "namespace prefix", "prefix with a hyphen", "prefix with a dot"],
)
def test_formulas_are_refused_however_the_file_writes_them(data, cells):
    with pytest.raises(SpreadsheetError, match=rf"formulas \((cell )?{cells}\)"):
        read_table(data, "m.xlsx", COLUMNS)


def test_a_sheet_whose_file_name_differs_in_case_is_still_checked_for_formulas():
    data = _rewritten(WITH_FORMULA, lambda xml: xml.replace(b"<v />", b"<v>2</v>"), rename={"xl/worksheets/sheet1.xml": "xl/worksheets/Sheet1.xml"})
    with pytest.raises(SpreadsheetError, match="formulas|damaged"):
        read_table(data, "m.xlsx", COLUMNS)


def test_error_cells_are_refused_with_their_cells():
    data = xlsx_bytes([["WM-1", "#N/A", 1], ["WM-2", "MUG-WHITE", "#DIV/0!"]])
    with pytest.raises(SpreadsheetError) as refused:
        read_table(data, "m.xlsx", COLUMNS)
    assert "Excel error such as #N/A" in refused.value.message and "cells B2, C3" in refused.value.message
    styled = _rewritten(data, lambda xml: xml.replace(b'<c r="B2" t="e">', b'<c r="B2" t="e" s="0">'))
    with pytest.raises(SpreadsheetError, match="cells B2, C3"):  # named by its own reference, whatever follows it
        read_table(styled, "m.xlsx", COLUMNS)


def test_a_dropdown_list_is_not_taken_for_a_formula():
    extension = (b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
                 b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main" '
                 b'xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main"><x14:dataValidations count="1">'
                 b'<x14:dataValidation type="list"><x14:formula1><xm:f>Lists!$A$1:$A$5</xm:f></x14:formula1>'
                 b"<xm:sqref>B2:B100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>")
    data = _rewritten(xlsx_bytes(ROWS), lambda xml: xml.replace(b"</worksheet>", extension))
    assert read_table(data, "m.xlsx", COLUMNS).frame.shape[0] == len(ROWS)
    empty = _rewritten(xlsx_bytes([], header=[]), lambda xml: xml.replace(b"<sheetData></sheetData>", b"<sheetData/>").replace(b"</worksheet>", extension))
    with pytest.raises(SpreadsheetError, match="first row .* is empty"):  # an empty sheet, not a formula
        read_table(empty, "m.xlsx", COLUMNS)
