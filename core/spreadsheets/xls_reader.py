"""An old Excel (XLS) workbook's first sheet, read with xlrd.

The sheet's size (rows x columns, as xlrd pads every row to the widest) is
checked before its cells become text. Runs in the child process
core.spreadsheets.isolated, so keep it free of pandas.
"""
from __future__ import annotations

from core.i18n import _
from core.spreadsheets.cell_values import cell_text, column_letter
from core.spreadsheets.errors import not_a_spreadsheet, refuse_merged
from core.spreadsheets.limits import Limits, refuse_long_cells, too_many_cells, too_many_columns, too_many_rows


def read_xls(data: bytes, filename: str, limits: Limits) -> tuple[list[str], list[list[str]], str, list[str]]:
    """The first sheet's header row and other rows as text, its name, and notes for people."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # xlrd raises XLRDError, CompDocError, AssertionError... for non-workbooks
        raise not_a_spreadsheet(filename, _(" (it is an old Office file but not an Excel workbook)")) from None
    try:
        sheet = book.sheet_by_index(0)
        ranges = [
            f"{column_letter(col_lo)}{row_lo + 1}:{column_letter(col_hi - 1)}{row_hi}"
            for row_lo, row_hi, col_lo, col_hi in sheet.merged_cells
        ]
        refuse_merged(ranges, filename, sheet.name)
        if sheet.nrows - 1 > limits.max_rows:
            raise too_many_rows(filename, limits)
        if sheet.ncols > limits.max_columns:
            raise too_many_columns(filename, sheet.ncols, limits)
        if sheet.nrows * sheet.ncols > limits.max_cells:
            raise too_many_cells(filename, sheet.nrows, sheet.ncols, limits)
        rows = []
        for index in range(sheet.nrows):
            values = []
            for cell in sheet.row(index):
                value = cell.value
                if cell.ctype == xlrd.XL_CELL_DATE:
                    value = xlrd.xldate.xldate_as_datetime(value, book.datemode)
                elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                    value = bool(value)
                elif cell.ctype in (xlrd.XL_CELL_ERROR, xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK):
                    value = None
                values.append(cell_text(value))
            rows.append(values)
        refuse_long_cells(rows, filename, limits)
        notes = []
        if book.nsheets > 1:
            notes.append(_("Only the first sheet, '{sheet}', was read.", sheet=sheet.name))
        title = sheet.name
    finally:
        book.release_resources()
    header = rows[0] if rows else []
    return header, rows[1:], title, notes
