"""CSV and XLSX files that Excel opens safely: text cells are escaped against formula injection."""
from __future__ import annotations

import codecs
import csv
import io
import re
from typing import Iterable, Sequence, TypedDict, Unpack

from core.errors import ValidationFailed
from core.spreadsheets.cell_values import column_letter
from core.spreadsheets.cells import escape_formula


def write_csv(header: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV as Excel opens it without a wizard: UTF-8 with a byte-order mark, comma, CRLF.

    Text cells are escaped against formula injection; numbers are written as they are.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([escape_formula(str(h)) for h in header])
    writer.writerows([escape_formula(v) if isinstance(v, str) else ("" if v is None else v) for v in row] for row in rows)
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")


class XlsxOptions(TypedDict, total=False):
    """What `write_xlsx` takes beside the cells."""

    sheet_title: str
    widths: Sequence[int] | None


def write_xlsx(header: Sequence[str], rows: Iterable[Sequence[object]], *, sheet_title: str = "Sheet1", widths: Sequence[int] | None = None) -> bytes:
    """An XLSX workbook with one sheet, a bold frozen header row, and escaped text cells."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ERROR_CODES
    from openpyxl.styles import Font

    def body_cell(value: object) -> object:
        if not isinstance(value, str):
            return value
        text = _xlsx_text(value)
        if text not in ERROR_CODES:
            return text
        # openpyxl would store text such as '#N/A' as an error cell, which reads back as no text at all.
        forced = WriteOnlyCell(sheet, value=text)
        forced.data_type = "s"
        return forced

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title[:31])
    sheet.freeze_panes = "A2"
    for index, width in enumerate(widths or [], start=1):
        sheet.column_dimensions[column_letter(index - 1)].width = width
    bold = Font(bold=True)
    header_cells = []
    for text in header:
        cell = WriteOnlyCell(sheet, value=escape_formula(str(text)))
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    for row in rows:
        sheet.append([body_cell(value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


_XML_ESCAPE_LOOKALIKE = re.compile(r"_(?=x[0-9A-Fa-f]{4}_)")


def _xlsx_text(value: str) -> str:
    """Text for an XLSX cell: formula-escaped, and with '_x0041_'-like text kept literal.

    In XLSX text, _xHHHH_ stands for a character (Excel and our reader decode it), so a SKU
    such as 'WM_x0041_1' is written with its underscore escaped, as _x005F_.
    """
    return _XML_ESCAPE_LOOKALIKE.sub("_x005F_", escape_formula(value))


def write_table(format: str, header: Sequence[str], rows: Iterable[Sequence[object]], **xlsx_options: Unpack[XlsxOptions]) -> bytes:
    """`write_csv` or `write_xlsx` by format name ("csv" or "xlsx"); the options are for XLSX only."""
    if format == "csv":
        return write_csv(header, rows)
    if format == "xlsx":
        return write_xlsx(header, rows, **xlsx_options)
    raise ValidationFailed(f"'{format}' is not a file format we write.", "Choose CSV or XLSX.")


def format_from_filename(filename: str) -> str:
    """'csv' or 'xlsx' from a file name's extension; raises ValidationFailed otherwise."""
    lowered = filename.lower()
    for fmt in ("csv", "xlsx"):
        if lowered.endswith("." + fmt):
            return fmt
    raise ValidationFailed(f"'{filename}' does not end in .csv or .xlsx.", "Name the output file with .csv or .xlsx to choose its format.")
