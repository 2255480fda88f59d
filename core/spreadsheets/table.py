"""Reading spreadsheet files into a table: `read_table` and the `Table` it gives.

Ops staff upload whatever their tools produce: CSV from Chinese Excel (GBK) or
from US and European Excel (Windows-1252, often semicolon-separated), UTF-16
"Unicode text", XLSX, old XLS. This module turns any of those bytes into one
shape, a pandas DataFrame of text cells with one column per recognised header
and the spreadsheet row number as index, or refuses the file with a message that
says what is wrong and what to do.

It tells the format from the first bytes and hands the file to a reader
(csv_reader, with decoding; xlsx_reader and xls_reader, run in a child process
by isolated), then finds the requested columns by their headers. How much a file
may hold is in limits, checked before any reader allocates. Cell checks are in
cells, files we write in writers.

It knows nothing about mappings or products: callers describe the columns they
want with `Column` specs and check the values themselves.
"""
from __future__ import annotations

import codecs
from dataclasses import dataclass, field, replace
from typing import Any, Required, Sequence, TypedDict

import numpy as np
import pandas as pd

from core.i18n import N_, _, format_number, ngettext
from core.spreadsheets.cell_values import column_letter
from core.spreadsheets.cells import TEXT, is_blank, normalize_header, unescape_formulas
from core.spreadsheets.csv_formulas import formula_rows, refuse_formulas
from core.spreadsheets.csv_reader import DELIMITER_NAMES, read_csv
from core.spreadsheets.decoding import encoding_name, refuse_binary
from core.spreadsheets.errors import SpreadsheetError
from core.spreadsheets.isolated import read_workbook
from core.spreadsheets.limits import UPLOAD_LIMITS, Limits, file_too_large, too_many_cells, too_many_rows
from core.spreadsheets.writers import write_csv

MAX_FILE_BYTES = UPLOAD_LIMITS.max_bytes
MAX_ROWS = UPLOAD_LIMITS.max_rows

# How an XLS file starts (an old Office "compound document"); an XLSX starts as a ZIP does, with PK.
_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


@dataclass(frozen=True)
class Column:
    """A column a caller wants, and the header texts that name it."""

    key: str  # the DataFrame column name, e.g. "platform_sku"
    label: str  # the header we write, e.g. "Platform SKU"
    aliases: tuple[str, ...] = ()  # other headers accepted, in any case, with or without spaces
    required: bool = True

    def names(self) -> set[str]:
        return {normalize_header(name) for name in (self.label, *self.aliases)}


@dataclass
class Table:
    """A spreadsheet read into text cells.

    `frame` has one column per recognised `Column.key` (missing optional columns are
    filled with ""), every value a Python str (object dtype, see cells.TEXT), and the spreadsheet row number as index
    (the header is row 1). Completely blank rows are left out but counted, so the
    row numbers still match what the user sees in Excel.
    """

    frame: pd.DataFrame
    format: str  # "csv" | "xlsx" | "xls"
    headers: dict[str, str]  # key -> the header text as written in the file
    encoding: str | None = None
    delimiter: str | None = None
    sheet: str | None = None
    ignored_columns: list[str] = field(default_factory=list)
    blank_rows: int = 0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        """One line for people: what was read and how."""
        parts = [ngettext("{count} row", "{count} rows", len(self.frame), count=format_number(len(self.frame)))]
        if self.format == "csv":
            parts.append(_("CSV, {encoding}, {delimiter}-separated", encoding=encoding_name(self.encoding),
                           delimiter=_(DELIMITER_NAMES.get(self.delimiter or ",", "comma"))))
        else:
            parts.append(_("{format}, sheet '{sheet}'", format=self.format.upper(), sheet=self.sheet))
        if self.blank_rows:
            parts.append(ngettext("{n} blank row skipped", "{n} blank rows skipped", self.blank_rows))
        if self.ignored_columns:
            parts.append(_("ignored columns: {columns}", columns=", ".join(self.ignored_columns)))
        return _("; ").join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rows": len(self.frame),
            "format": self.format,
            "encoding": self.encoding,
            "delimiter": DELIMITER_NAMES.get(self.delimiter) if self.delimiter else None,
            "sheet": self.sheet,
            "ignored_columns": self.ignored_columns,
            "blank_rows": self.blank_rows,
            "notes": self.notes,
        }


@dataclass(frozen=True)
class RowError:
    """One problem in one row, in words for the person who typed it.

    `row` is the number the user sees: the spreadsheet row (header = row 1) for a
    file, or the 1-based position in the grid for an edit. None for a problem
    that belongs to no single row.
    """

    row: int | None
    column: str  # the column's label, e.g. "Quantity"; "" when it is the whole row
    value: str  # the cell as typed
    message: str  # what is wrong
    fix: str = ""  # what to do about it
    key: str = ""  # the record the row belongs to (a platform or system SKU), for grouping

    def to_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


# A report for people (not a file to import back): its headings are translated where it is written.
ERROR_REPORT_HEADER = (N_("Row"), N_("Column"), N_("Value"), N_("Problem"), N_("How to fix"))


def error_report_csv(errors: Sequence[RowError]) -> bytes:
    """The errors as a CSV people can open beside their file and work through."""
    return write_csv([_(heading) for heading in ERROR_REPORT_HEADER], ([e.row if e.row is not None else "", e.column, e.value, e.message, e.fix] for e in errors))


# --------------------------------------------------------------------------- reading


def read_table(
    data: bytes,
    filename: str,
    columns: Sequence[Column],
    *,
    limits: Limits = UPLOAD_LIMITS,
    max_bytes: int | None = None,
    max_rows: int | None = None,
) -> Table:
    """Read CSV, XLSX or XLS bytes into a `Table` with the requested columns.

    The format is decided from the content, not the file name. `limits` says how
    much the file may hold (`max_bytes` and `max_rows` override two of them).
    Raises SpreadsheetError when the file is empty, too large, not a spreadsheet,
    has formulas or merged cells, or lacks a required column.
    """
    limits = replace(limits, max_bytes=max_bytes or limits.max_bytes, max_rows=max_rows or limits.max_rows)
    size = len(data)
    if size > limits.max_bytes:
        raise file_too_large(filename, size, limits)
    if not data.strip(b" \t\r\n\x00" + codecs.BOM_UTF8 + codecs.BOM_UTF16_LE + codecs.BOM_UTF16_BE):
        raise SpreadsheetError(_("The file '{file}' is empty.", file=filename), _("Fill in the template, save it, and upload it again."))

    if data.startswith(b"PK\x03\x04"):
        header, rows, sheet, notes = read_workbook(data, filename, "xlsx", limits)
        info: _Source = {"format": "xlsx", "sheet": sheet, "notes": notes}
    elif data.startswith(_OLE2):
        header, rows, sheet, notes = read_workbook(data, filename, "xls", limits)
        info = {"format": "xls", "sheet": sheet, "notes": notes}
    else:
        refuse_binary(data, filename)
        header, body, encoding, delimiter = read_csv(data, filename, limits)
        return _table_from_frame(header, body, columns, filename, {"format": "csv", "encoding": encoding, "delimiter": delimiter}, limits)
    return _build_table(header, rows, columns, filename, info, limits)


class _Source(TypedDict, total=False):
    """How a file was read: the format, then the encoding and delimiter (CSV) or the sheet and notes (XLSX, XLS)."""

    format: Required[str]
    encoding: str
    delimiter: str
    sheet: str
    notes: list[str]


def _build_table(header: list[str], rows: list[list[str]], columns: Sequence[Column], filename: str, info: _Source, limits: Limits) -> Table:
    """`_table_from_frame` for rows of unequal length, as Excel gives them: short rows are padded with ""."""
    width = max([len(header), *(len(row) for row in rows)]) if rows or header else 0
    if len(rows) > limits.max_rows:
        raise too_many_rows(filename, limits)
    if width * (len(rows) + 1) > limits.max_cells:  # the readers refuse this already; checked again where the frame is built
        raise too_many_cells(filename, len(rows) + 1, width, limits)
    padded = [row + [""] * (width - len(row)) for row in rows]
    body = pd.DataFrame(padded, columns=range(width), dtype=TEXT) if padded else pd.DataFrame(columns=range(width), dtype=TEXT)
    return _table_from_frame(list(header) + [""] * (width - len(header)), body, columns, filename, info, limits)


def _table_from_frame(header: list[str], body: pd.DataFrame, columns: Sequence[Column], filename: str, info: _Source, limits: Limits) -> Table:
    """A Table of the requested columns of `body`, found by their names in `header`; blank rows are left out but counted."""
    if len(body) > limits.max_rows:
        raise too_many_rows(filename, limits)
    if not any(cell.strip() for cell in header):
        raise SpreadsheetError(
            _("The first row of '{file}' is empty; it must hold the column names.", file=filename),
            _("Put the column names (for example {names}) in row 1, or start from the template.",
              names=", ".join(_(c.label) for c in columns if c.required)),
        )
    positions: dict[str, int] = {}
    headers: dict[str, str] = {}
    ignored: list[str] = []
    lookup = {name: column for column in columns for name in column.names()}
    for position, text in enumerate(header):
        column = lookup.get(normalize_header(text))
        if column is None:
            if text.strip():
                ignored.append(text.strip())
            continue
        if column.key in positions:
            raise SpreadsheetError(
                _("Two columns of '{file}' both mean {column}: '{first}' and '{second}'.", file=filename, column=_(column.label),
                  first=headers[column.key], second=text),
                _("Delete or rename one of them so each column appears once."),
            )
        positions[column.key] = position
        headers[column.key] = text

    missing = [column for column in columns if column.required and column.key not in positions]
    if missing:
        found = ", ".join(f"'{h}'" for h in header if h.strip()) or _("none")
        wanted = _("; ").join(_("{column} (or {aliases})", column=_(c.label), aliases=", ".join(c.aliases[:3])) if c.aliases else _(c.label)
                              for c in missing)
        raise SpreadsheetError(
            ngettext("The file '{file}' is missing the column: {columns}. Column names found in row 1: {found}.",
                     "The file '{file}' is missing the columns: {columns}. Column names found in row 1: {found}.", len(missing),
                     file=filename, columns=wanted, found=found),
            _("Rename the columns in row 1, or copy your data into the template."),
        )

    frame = pd.DataFrame(index=pd.RangeIndex(2, len(body) + 2, name="row"))
    formulas: list[tuple[int, int]] = []  # (row, column position) of CSV cells that are formulas
    for column in columns:
        if column.key in positions:
            values = body.iloc[:, positions[column.key]].to_numpy(dtype=TEXT)
            lines = "\n" + "\n".join(values)
            if info["format"] == "csv":  # in a workbook, text starting with '=' is text; a formula is refused by the reader
                formulas += [(row + 2, positions[column.key]) for row in formula_rows(lines, values)]
            frame[column.key] = unescape_formulas(pd.Series(values, index=frame.index, dtype=TEXT), lines)
        else:
            frame[column.key] = pd.Series("", index=frame.index, dtype=TEXT)
    refuse_formulas(filename, [f"{column_letter(position)}{row}" for row, position in sorted(formulas)])

    keys = [column.key for column in columns]
    blank = is_blank(frame[keys[0]])
    for key in keys[1:]:  # only the rows still blank so far: usually none
        still = np.flatnonzero(blank)
        if not len(still):
            break
        blank[still] = is_blank(frame[key].iloc[still])
    blank_rows = int(blank.sum())
    frame = frame[~blank]
    if frame.empty:
        raise SpreadsheetError(
            _("The file '{file}' has column names but no rows of data.", file=filename),
            _("Add at least one row under the header, then save and upload again."),
        )
    return Table(
        frame=frame,
        format=info["format"],
        headers=headers,
        encoding=info.get("encoding"),
        delimiter=info.get("delimiter"),
        sheet=info.get("sheet"),
        ignored_columns=ignored,
        blank_rows=blank_rows,
        notes=info.get("notes", []),
    )
