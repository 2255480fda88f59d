"""A CSV file's header and rows: decoded text split at the delimiter it uses.

Before pandas builds anything, the header line gives the column count (refused
above the limit: a header of two million commas is refused in milliseconds), the
longest line bounds the longest cell, and pandas is told to stop one row past what
the row and cell limits allow. So memory stays in proportion to what we accept.
"""
from __future__ import annotations

import csv
import io
import re

import numpy as np
import pandas as pd

from core.i18n import N_, _
from core.spreadsheets.cell_values import column_letter
from core.spreadsheets.cells import TEXT, cell_lengths
from core.spreadsheets.decoding import decode
from core.spreadsheets.errors import SpreadsheetError, not_a_spreadsheet
from core.spreadsheets.limits import Limits, field_too_long, too_many_cells, too_many_columns, too_many_rows

DELIMITER_NAMES = {",": N_("comma"), ";": N_("semicolon"), "\t": N_("tab")}  # codes in --json; translated where shown


# A line ends at LF, CRLF or a lone CR: Excel's "CSV (Macintosh)" still writes CR alone.
_LINE_END = re.compile(r"\r\n?|\n")


def _first_line(text: str) -> str:
    """The first non-blank line, found without splitting the whole file."""
    start = 0
    while start < len(text):
        found = _LINE_END.search(text, start)
        end, following = (found.start(), found.end()) if found else (len(text), len(text))
        if text[start:end].strip(" \t\ufeff"):
            return text[start:end]
        start = following
    return ""


def _detect_delimiter(first_line: str) -> str:
    """Tab, semicolon or comma, whichever the header row has most of; comma when it has none."""
    # A quoted header may contain a delimiter; count only outside quotes.
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: outside.count(delimiter) for delimiter in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _longest_line(data: bytes, encoding: str) -> int | None:
    """The longest line's length in bytes, an upper bound on any cell's length in characters; None when it cannot bound them.

    In UTF-16 the byte 0x0A also occurs inside other characters, so lines cannot be found in the bytes.
    """
    if encoding.startswith("utf-16"):
        return None
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 0x0A)
    if not len(ends):
        return len(data)
    return int(max(ends[0], np.diff(ends).max(initial=0), len(data) - 1 - ends[-1]))


def _refuse_long_cells(frame: pd.DataFrame, filename: str, limits: Limits) -> None:
    """The exact check, when the longest line is longer than a cell may be: the first cell that is, by its name."""
    for position, column in enumerate(frame.columns):
        long = np.flatnonzero(cell_lengths(frame[column]) > limits.max_field_chars)
        if len(long):
            row = int(long[0])
            raise field_too_long(filename, _("cell {cell}", cell=f"{column_letter(position)}{row + 1}"), len(str(frame.iat[row, position])), limits)


def read_csv(data: bytes, filename: str, limits: Limits) -> tuple[list[str], pd.DataFrame, str, str]:
    """The header row, the other rows as text cells, the encoding and the delimiter.

    Refuses a file over the column, row, cell or cell-length limits, before pandas builds its rows.
    """
    text, encoding = decode(data, filename)
    first_line = _first_line(text)
    delimiter = _detect_delimiter(first_line)
    quick_width = re.sub(r'"[^"]*"', "", first_line).count(delimiter) + 1
    if quick_width > limits.max_columns:
        raise too_many_columns(filename, quick_width, limits)
    width = max(len(next(csv.reader([first_line], delimiter=delimiter), [])), 1)
    if width > limits.max_columns:
        raise too_many_columns(filename, width, limits)
    # Body rows we accept: the row limit, and what the cell limit leaves after the header row.
    most_rows = min(limits.max_rows, limits.max_cells // width - 1)
    try:
        frame = pd.read_csv(
            io.StringIO(text),
            sep=delimiter,
            header=None,
            names=range(width),  # pandas cannot infer the width when row 1 is blank
            dtype=TEXT,
            keep_default_na=False,
            na_filter=False,
            skip_blank_lines=False,  # keep blank lines so row numbers match the user's view
            quoting=csv.QUOTE_MINIMAL,
            engine="c",
            nrows=most_rows + 2,  # the header, the rows we accept, and one more to know there are too many
        )
    except pd.errors.ParserError as problem:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(problem))
        if found:
            expected, line, saw = found.groups()
            raise SpreadsheetError(
                _("Row {row} of '{file}' has {found} cells but the header row has {expected}.", row=line, file=filename, found=saw,
                  expected=expected),
                _("Check that row for an extra {delimiter}; text that contains a {delimiter} must be in double quotes.",
                  delimiter=_(DELIMITER_NAMES[delimiter])),
            ) from None
        raise not_a_spreadsheet(filename, _(" (its rows cannot be split into cells)")) from None
    except pd.errors.EmptyDataError:
        raise SpreadsheetError(_("The file '{file}' is empty.", file=filename), _("Fill in the template, save it, and upload it again.")) from None
    if len(frame) - 1 > most_rows:
        if most_rows == limits.max_rows:
            raise too_many_rows(filename, limits)
        raise too_many_cells(filename, len(frame), width, limits)
    frame = frame.fillna("")
    longest = _longest_line(data, encoding)
    if longest is None or longest > limits.max_field_chars:
        _refuse_long_cells(frame, filename, limits)
    header = [str(value) for value in frame.iloc[0].tolist()] if len(frame) else []
    body = frame.iloc[1:]
    return header, body, encoding, delimiter
