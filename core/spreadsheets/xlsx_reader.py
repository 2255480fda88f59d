"""An XLSX workbook's first sheet, read with calamine.

Formulas, cells showing an Excel error and merged cells are refused: calamine
would hand back a stale result, an empty cell or a value in one row of many.
They are found in the sheet's XML.
"""
from __future__ import annotations

import io
import posixpath
import re
import zipfile
from xml.etree import ElementTree

from core.spreadsheets.cells import cell_text, column_letter
from core.spreadsheets.errors import SpreadsheetError, not_a_spreadsheet, refuse_merged


def read_xlsx(data: bytes, filename: str, max_rows: int, max_unpacked_bytes: int) -> tuple[list[str], list[list[str]], str, list[str]]:
    """The first worksheet's header row and other rows as text, its name, and notes for people."""
    from python_calamine import CalamineWorkbook, SheetTypeEnum

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        names = set(archive.namelist())
        unpacked = sum(item.file_size for item in archive.infolist())
    except zipfile.BadZipFile:
        raise not_a_spreadsheet(filename, " (it looks like a damaged ZIP or XLSX file)") from None
    if "xl/workbook.xml" not in names:
        if "mimetype" in names and b"opendocument.spreadsheet" in archive.read("mimetype"):
            raise SpreadsheetError(
                f"The file '{filename}' is an OpenDocument spreadsheet (.ods).",
                "Open it and choose File > Save As > Excel 2007-365 (.xlsx) or CSV, then upload that file.",
            )
        what = "a Word document" if "word/document.xml" in names else "a ZIP archive"
        raise not_a_spreadsheet(filename, f" (it is {what})")
    if unpacked > max_unpacked_bytes:
        raise SpreadsheetError(
            f"The workbook '{filename}' unpacks to {unpacked / 1_048_576:.0f} MB, more than we read at once.",
            "Delete unused sheets, pictures and formatting, or save the data as CSV and upload that.",
        )
    damaged = not_a_spreadsheet(filename, " (Excel says it is damaged)")
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except Exception:  # calamine raises several types for a damaged workbook
        raise damaged from None
    try:
        sheets = [sheet.name for sheet in workbook.sheets_metadata if sheet.typ == SheetTypeEnum.WorkSheet]
        sheet = workbook.get_sheet_by_name(sheets[0])
        # Up to max_rows + 1 data rows: one more than allowed is enough to refuse the file.
        cells = sheet.to_python(skip_empty_area=False, nrows=max_rows + 2)
        merged = [_range_name(start, end) for start, end in sheet.merged_cell_ranges or ()]
    except Exception:  # also IndexError: a workbook without a worksheet
        raise damaged from None
    finally:
        workbook.close()
    refuse_merged(merged, filename, sheet.name)
    formulas, errors = _cells_to_refuse(archive, _sheet_part(archive, sheet.name))
    if formulas:
        raise SpreadsheetError(
            f"The sheet '{sheet.name}' has formulas ({_shown(formulas)}). We read typed values only, so a formula's result could be missed.",
            "Select the columns, copy, then Paste Special > Values to replace formulas with their results; save and upload again.",
        )
    if errors:
        raise SpreadsheetError(
            f"The sheet '{sheet.name}' has cells showing an Excel error such as #N/A or #VALUE! ({_shown(errors)}).",
            "Put the right value in those cells (or empty them), then save and upload again.",
        )
    rows = [[cell_text(value) for value in row] for row in cells]
    notes = []
    if len(sheets) > 1:
        others = ", ".join(f"'{name}'" for name in sheets[1:])
        notes.append(f"Only the first sheet, '{sheet.name}', was read; {others} were not.")
    return (rows[0] if rows else []), rows[1:], sheet.name, notes


def _range_name(start: tuple[int, int], end: tuple[int, int]) -> str:
    """((6, 0), (6, 1)) -> 'A7:B7' (calamine counts rows and columns from 0)."""
    first, last = f"{column_letter(start[1])}{start[0] + 1}", f"{column_letter(end[1])}{end[0] + 1}"
    return first if first == last else f"{first}:{last}"


def _sheet_part(archive: zipfile.ZipFile, name: str) -> str | None:
    """The file inside the workbook that holds the sheet called `name`, e.g. 'xl/worksheets/sheet1.xml'."""
    try:
        book = ElementTree.fromstring(archive.read("xl/workbook.xml"))
        links = ElementTree.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    except (KeyError, ElementTree.ParseError):
        return None
    # The relationship id's namespace differs between Excel's usual and "Strict" formats: match any.
    sheet = next((element for element in book.iter() if element.tag.endswith("sheet") and element.get("name") == name), None)
    rel_id = next((value for key, value in (sheet.attrib.items() if sheet is not None else ()) if key.endswith("}id")), None)
    target = next((link.get("Target") for link in links if link.get("Id") == rel_id), None)
    if not target:
        return None
    path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
    return {entry.lower(): entry for entry in archive.namelist()}.get(path.lower())  # Excel itself ignores case here


_SHEET_DATA_START = re.compile(rb"<(?:\w+:)?sheetData(?:\s[^>]*)?/?>")
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>")
_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_ERROR_CELL = re.compile(rb"<(?:\w+:)?c\s[^>]*?\bt\s*=\s*[\"']e[\"']")
_CELL_START = re.compile(rb"<(?:\w+:)?c(?:\s[^>]*)?>")
_CELL_REF = re.compile(rb"\br\s*=\s*[\"']([A-Z]+[0-9]+)[\"']")


def _cells_to_refuse(archive: zipfile.ZipFile, part: str | None) -> tuple[list[str], list[str]]:
    """(cells with a formula, cells showing an error such as #N/A), read from the sheet's XML.

    calamine reads the value Excel saved with a formula (missing when another program
    made the file) and reads an error as an empty cell, so both are refused here
    instead. Any <f> element counts, whether or not its cell can be named; when the
    sheet's file cannot be found, every worksheet in the workbook is looked at.
    """
    parts = [part] if part else [name for name in archive.namelist() if re.fullmatch(r"(?i)xl/worksheets/[^/]+\.xml", name)]
    formulas: list[str] = []
    errors: list[str] = []
    for each in parts:
        xml = archive.read(each)
        # Only the cells: elsewhere (dropdown lists, sparklines) <xm:f> holds a range, not a formula.
        opening = _SHEET_DATA_START.search(xml)
        if opening and opening.group(0).endswith(b"/>"):
            continue  # <sheetData/>: no cells at all
        start = opening.start() if opening else 0
        closing = _SHEET_DATA_END.search(xml, start)
        end = closing.end() if closing else len(xml)
        formulas += _named(xml, [match.start() for match in _FORMULA.finditer(xml, start, end)])
        errors += _named(xml, [match.start() for match in _ERROR_CELL.finditer(xml, start, end)])
    return formulas, errors


def _named(xml: bytes, positions: list[int]) -> list[str]:
    """Names for the cells at these positions ('' when unknown): the first few looked up, the rest only counted."""
    return [_cell_name(xml, position) for position in positions[:5]] + [""] * len(positions[5:])


def _cell_name(xml: bytes, position: int) -> str:
    """The reference ('C3') of the cell whose markup is at `position`, or '' when it has none."""
    starts = list(_CELL_START.finditer(xml, max(0, position - 4096), position + 4096))
    starts = [start for start in starts if start.start() <= position]
    reference = _CELL_REF.search(starts[-1].group(0)) if starts else None
    return reference.group(1).decode() if reference else ""


def _shown(cells: list[str]) -> str:
    """'cells C2, C3 and 4 more', or '2 cells' when none can be named."""
    names = list(dict.fromkeys(cell for cell in cells if cell))[:5]
    rest = len(cells) - len(names)
    if not names:
        return f"{rest} cell{'s' if rest > 1 else ''}"
    return f"cell{'s' if len(cells) > 1 else ''} {', '.join(names)}" + (f" and {rest} more" if rest else "")
