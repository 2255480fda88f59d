"""An XLSX workbook's first sheet, read with calamine.

Before calamine opens the workbook, its XML is scanned (core.spreadsheets.xlsx_scan)
and the workbook refused when the sheet reaches past the limits or declares too
many shared strings: calamine would otherwise allocate for the whole range and
abort the process. Formulas, cells showing an Excel error and merged cells are
refused too: calamine would hand back a stale result, an empty cell or a value in
one row of many.

Runs in the child process core.spreadsheets.isolated, so keep it free of pandas.
"""
from __future__ import annotations

import io
import zipfile
import zlib

from core.i18n import _
from core.spreadsheets.cell_values import cell_text, column_letter
from core.spreadsheets.errors import SpreadsheetError, cells_named, not_a_spreadsheet, refuse_merged
from core.spreadsheets.limits import Limits, refuse_long_cells, unpacks_too_large
from core.spreadsheets.xlsx_scan import (
    SheetScan,
    refuse_oversized_sheet,
    refuse_too_many_shared_strings,
    scan_sheet,
    sheet_part,
    worksheet_parts,
)


def read_xlsx(data: bytes, filename: str, limits: Limits) -> tuple[list[str], list[list[str]], str, list[str]]:
    """The first worksheet's header row and other rows as text, its name, and notes for people."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        raise not_a_spreadsheet(filename, _(" (it looks like a damaged ZIP or XLSX file)")) from None
    if "xl/workbook.xml" not in names:
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype")[:200]:
            raise SpreadsheetError(
                _("The file '{file}' is an OpenDocument spreadsheet (.ods).", file=filename),
                _("Open it and choose File > Save As > Excel 2007-365 (.xlsx) or CSV, then upload that file."),
            )
        what = _(" (it is a Word document)") if "word/document.xml" in names else _(" (it is a ZIP archive)")
        raise not_a_spreadsheet(filename, what)
    if unpacked > limits.max_unpacked_bytes:
        raise unpacks_too_large(filename, unpacked, limits)
    damaged = not_a_spreadsheet(filename, _(" (Excel says it is damaged)"))
    try:
        # Shared strings are read as calamine opens the workbook, the sheet's cells when it is asked for.
        refuse_too_many_shared_strings(archive, filename, limits)
        first_name, first_part = sheet_part(archive, None)
        scanned = {first_name: _scan(archive, first_part, filename, first_name, limits)}
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, RuntimeError, NotImplementedError):  # a damaged or encrypted member
        raise damaged from None
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several types for a damaged workbook
        raise damaged from None
    try:
        sheets = [sheet.name for sheet in workbook.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
        if sheets and sheets[0] not in scanned:  # calamine chose another sheet than we found: scan that one too
            scanned[sheets[0]] = _scan(archive, sheet_part(archive, sheets[0])[1], filename, sheets[0], limits)
        sheet = workbook.get_sheet_by_name(sheets[0])
        # Up to max_rows + 1 data rows: one more than allowed is enough to refuse the file.
        cells = sheet.to_python(skip_empty_area=False, nrows=limits.max_rows + 2)
        merged = [_range_name(start, end) for start, end in sheet.merged_cell_ranges or ()]
    except SpreadsheetError:
        raise
    except Exception:  # also IndexError: a workbook without a worksheet
        raise damaged from None
    finally:
        workbook.close()
    refuse_merged(merged, filename, sheet.name)
    found = scanned[sheet.name]
    if found.formulas:
        raise SpreadsheetError(
            _("The sheet '{sheet}' has formulas ({cells}). We read typed values only, so a formula's result could be missed.",
              sheet=sheet.name, cells=cells_named(found.formulas)),
            _("Select the columns, copy, then Paste Special > Values to replace formulas with their results; save and upload again."),
        )
    if found.errors:
        raise SpreadsheetError(
            _("The sheet '{sheet}' has cells showing an Excel error such as #N/A or #VALUE! ({cells}).", sheet=sheet.name, cells=cells_named(found.errors)),
            _("Put the right value in those cells (or empty them), then save and upload again."),
        )
    rows = [[value if type(value) is str else cell_text(value) for value in row] for row in cells]  # most cells are text already
    refuse_long_cells(rows, filename, limits)
    notes = []
    if len(sheets) > 1:
        others = ", ".join(f"'{name}'" for name in sheets[1:])
        notes.append(_("Only the first sheet, '{sheet}', was read; {others} were not.", sheet=sheet.name, others=others))
    return (rows[0] if rows else []), rows[1:], sheet.name, notes


def _scan(archive: zipfile.ZipFile, part: str | None, filename: str, sheet: str, limits: Limits) -> SheetScan:
    """The sheet's scan, refused when it is too big; when its file cannot be found, every worksheet file is scanned."""
    combined = SheetScan()
    for each in [part] if part else worksheet_parts(archive):
        found = scan_sheet(archive, each, filename, limits)
        refuse_oversized_sheet(found, filename, sheet, limits)
        combined.formulas += found.formulas
        combined.errors += found.errors
    return combined


def _range_name(start: tuple[int, int], end: tuple[int, int]) -> str:
    """((6, 0), (6, 1)) -> 'A7:B7' (calamine counts rows and columns from 0)."""
    first, last = f"{column_letter(start[1])}{start[0] + 1}", f"{column_letter(end[1])}{end[0] + 1}"
    return first if first == last else f"{first}:{last}"
