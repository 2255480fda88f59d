"""How much of a spreadsheet we read at once, and the refusals when a file is bigger.

Every limit is checked before a reader allocates for it: the file's size before
it is read, a CSV's columns from its header line, an XLSX sheet's used range and
shared strings from its XML (core.spreadsheets.xlsx_scan), an XLS sheet's size
before its cells become text. So a small hostile file (one cell at XFD1048576, a
header of two million commas) is refused in milliseconds instead of filling memory.

Two sets: UPLOAD_LIMITS for files uploaded to the dashboard, whose server many
people share, and COMMAND_LINE_LIMITS for `python -m core ... import`, which runs
on its own. Refusals on the page say so, as the command line takes bigger files.

Kept free of pandas: the isolated workbook reader (core.spreadsheets.isolated) loads it.
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain

from core.i18n import _, format_number
from core.spreadsheets.cell_values import column_letter
from core.spreadsheets.errors import SpreadsheetError

MB = 1024 * 1024
GB = 1024 * MB


@dataclass(frozen=True)
class Limits:
    """The most one file may hold; see the README's table of limits."""

    max_bytes: int  # the file itself
    max_rows: int  # data rows, blank ones included (the header row is not counted)
    max_columns: int  # columns of the header row or of the sheet's used range
    max_cells: int  # rows x columns of the whole input, the header row included
    max_field_chars: int  # one cell
    max_unpacked_bytes: int  # an XLSX (a ZIP) unpacked; also caps the text passed back by the isolated reader
    reader_memory_bytes: int  # address space of the child process that reads XLSX and XLS files
    reader_seconds: float  # wall-clock time that child process may take
    command_line_hint: bool  # refusals point to the command line, which takes bigger files

    @property
    def max_shared_strings(self) -> int:
        """Distinct texts an XLSX may declare or hold: never more than it could have cells."""
        return self.max_cells


UPLOAD_LIMITS = Limits(
    max_bytes=20 * MB,
    max_rows=200_000,
    max_columns=1_000,
    max_cells=3_000_000,
    max_field_chars=32_767,  # Excel's own limit for one cell
    max_unpacked_bytes=200 * MB,
    reader_memory_bytes=2 * GB,
    reader_seconds=60,
    command_line_hint=True,
)
COMMAND_LINE_LIMITS = Limits(
    max_bytes=200 * MB,
    max_rows=2_000_000,
    max_columns=1_000,
    max_cells=20_000_000,
    max_field_chars=32_767,
    max_unpacked_bytes=2 * GB,
    reader_memory_bytes=8 * GB,
    reader_seconds=900,
    command_line_hint=False,
)


def size_text(size: int) -> str:
    """'20 MB', '1.5 MB', '12 KB'."""
    if size >= MB:
        return format_number(round(size / MB, 1)) + " MB"
    return format_number(round(max(size, 1) / 1024)) + " KB"


def _instead(limits: Limits, split: str) -> str:
    """What to do about a file over a limit: `split` (how to make it smaller), and on the page the command line."""
    if not limits.command_line_hint:
        return split
    big = COMMAND_LINE_LIMITS
    return split + " " + _(
        "Or have it imported on the server from the command line (python -m core mappings import FILE --store NAME, "
        "or python -m core catalog import FILE), which takes files of up to {rows} rows and {size}.",
        rows=format_number(big.max_rows), size=size_text(big.max_bytes),
    )


def _split_rows(limits: Limits) -> str:
    return _("Split it into files of at most {rows} rows and import them one after another (use merge mode).", rows=format_number(limits.max_rows))


def file_too_large(filename: str, size: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file '{file}' is {size}; the limit is {limit}.", file=filename, size=size_text(size), limit=size_text(limits.max_bytes)),
        _instead(limits, _("Split it into smaller files and import them one after another (use merge mode), "
                           "or save it as CSV, which is smaller than XLSX.")),
    )


def too_many_rows(filename: str, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file '{file}' has more than {rows} rows.", file=filename, rows=format_number(limits.max_rows)),
        _instead(limits, _split_rows(limits)),
    )


def too_many_columns(filename: str, columns: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file '{file}' has {columns} columns; we read at most {limit}.", file=filename, columns=format_number(columns), limit=format_number(limits.max_columns)),
        _instead(limits, _("Delete the columns the import does not use (keep the SKU and quantity columns), save and upload again.")),
    )


def too_many_cells(filename: str, rows: int, columns: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("The file '{file}' has at least {rows} rows of {columns} columns, {cells} cells; we read at most {limit} cells at once.",
          file=filename, rows=format_number(rows), columns=format_number(columns), cells=format_number(rows * columns), limit=format_number(limits.max_cells)),
        _instead(limits, _("Delete the columns the import does not use, or split the rows into several files "
                           "and import them one after another (use merge mode).")),
    )


def used_range_too_large(filename: str, sheet: str, last_cell: str, rows: int, columns: int, limits: Limits) -> SpreadsheetError:
    """The refusal for a sheet whose cells (or declared size) reach further than we read, e.g. a stray cell at XFD1048576."""
    if columns > limits.max_columns:
        message = _("The sheet '{sheet}' of '{file}' reaches cell {cell}: {columns} columns, more than the {limit} we read.",
                    sheet=sheet, file=filename, cell=last_cell, columns=format_number(columns), limit=format_number(limits.max_columns))
    elif rows - 1 > limits.max_rows:
        message = _("The sheet '{sheet}' of '{file}' reaches cell {cell}: more than {limit} rows below the header.",
                    sheet=sheet, file=filename, cell=last_cell, limit=format_number(limits.max_rows))
    else:
        message = _("The sheet '{sheet}' of '{file}' reaches cell {cell}: {cells} cells, more than the {limit} we read at once.",
                    sheet=sheet, file=filename, cell=last_cell, cells=format_number(rows * columns), limit=format_number(limits.max_cells))
    return SpreadsheetError(
        message,
        _instead(limits, _("In Excel press Ctrl+End to find the last used cell, delete the rows and columns beyond your data "
                           "(even empty-looking ones), save and upload again; or split the rows into several files.")),
    )


def too_many_shared_strings(filename: str, count: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("The workbook '{file}' holds {count} different texts; we read at most {limit}.",
          file=filename, count=format_number(count), limit=format_number(limits.max_shared_strings)),
        _instead(limits, _("Delete the sheets the import does not use, or save the sheet as CSV and upload that.")),
    )


def unpacks_too_large(filename: str, size: int, limits: Limits) -> SpreadsheetError:
    return SpreadsheetError(
        _("The workbook '{file}' unpacks to {size}, more than the {limit} we read at once.",
          file=filename, size=size_text(size), limit=size_text(limits.max_unpacked_bytes)),
        _instead(limits, _("Delete unused sheets, pictures and formatting, or save the data as CSV and upload that.")),
    )


def field_too_long(filename: str, cell: str, length: int, limits: Limits) -> SpreadsheetError:
    """`cell` names where, e.g. 'cell B7' or 'line 12'."""
    return SpreadsheetError(
        _("In '{file}', {cell} holds {length} characters; one cell may hold at most {limit}.",
          file=filename, cell=cell, length=format_number(length), limit=format_number(limits.max_field_chars)),
        _("Check that cell: a missing closing quote (\") joins many cells into one. Fix it, save and upload again."),
    )


def reader_stopped(filename: str, limits: Limits, why: str) -> SpreadsheetError:
    """The refusal when the child process reading a workbook died or ran out of time; `why` says which, in words."""
    return SpreadsheetError(
        _("The workbook '{file}' could not be read: {why}. Nothing in it was used.", file=filename, why=why),
        _instead(limits, _("Save the sheet as CSV (File > Save As > 'CSV UTF-8') and upload that, or split it into smaller files.")),
    )


def refuse_long_cells(rows: list[list[str]], filename: str, limits: Limits) -> None:
    """Refuse a sheet with a cell longer than one cell may be (Excel itself stops at 32,767 characters)."""
    if max(map(len, chain.from_iterable(rows)), default=0) <= limits.max_field_chars:
        return
    for number, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if len(value) > limits.max_field_chars:
                raise field_too_long(filename, _("cell {cell}", cell=f"{column_letter(column)}{number}"), len(value), limits)
