"""An old Excel (XLS) workbook's first sheet, read with xlrd."""
from __future__ import annotations

from core.spreadsheets.cells import cell_text, column_letter
from core.spreadsheets.errors import not_a_spreadsheet, refuse_merged, too_many_rows


def read_xls(data: bytes, filename: str, max_rows: int) -> tuple[list[str], list[list[str]], str, list[str]]:
    """The first sheet's header row and other rows as text, its name, and notes for people."""
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True, on_demand=True)
    except Exception:  # xlrd raises XLRDError, CompDocError, AssertionError... for non-workbooks
        raise not_a_spreadsheet(filename, " (it is an old Office file but not an Excel workbook)") from None
    try:
        sheet = book.sheet_by_index(0)
        ranges = [
            f"{column_letter(col_lo)}{row_lo + 1}:{column_letter(col_hi - 1)}{row_hi}"
            for row_lo, row_hi, col_lo, col_hi in sheet.merged_cells
        ]
        refuse_merged(ranges, filename, sheet.name)
        if sheet.nrows - 1 > max_rows:
            raise too_many_rows(filename, max_rows)
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
        notes = []
        if book.nsheets > 1:
            notes.append(f"Only the first sheet, '{sheet.name}', was read.")
        title = sheet.name
    finally:
        book.release_resources()
    header = rows[0] if rows else []
    return header, rows[1:], title, notes
