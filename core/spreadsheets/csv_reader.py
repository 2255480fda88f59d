"""A CSV file's header and rows: decoded text split at the delimiter it uses."""
from __future__ import annotations

import csv
import io
import re

import pandas as pd

from core.spreadsheets.cells import TEXT
from core.spreadsheets.decoding import decode
from core.spreadsheets.errors import SpreadsheetError, not_a_spreadsheet

DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab"}


def _first_line(text: str) -> str:
    """The first non-blank line, found without splitting the whole file."""
    start = 0
    while start < len(text):
        end = text.find("\n", start)
        end = len(text) if end == -1 else end
        if text[start:end].strip(" \t\r\ufeff"):
            return text[start:end]
        start = end + 1
    return ""


def _detect_delimiter(first_line: str) -> str:
    """Tab, semicolon or comma, whichever the header row has most of; comma when it has none."""
    # A quoted header may contain a delimiter; count only outside quotes.
    outside = re.sub(r'"[^"]*"', "", first_line)
    counts = {delimiter: outside.count(delimiter) for delimiter in ("\t", ";", ",")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def read_csv(data: bytes, filename: str) -> tuple[list[str], pd.DataFrame, str, str]:
    """The header row, the other rows as text cells, the encoding and the delimiter."""
    text, encoding = decode(data, filename)
    first_line = _first_line(text)
    delimiter = _detect_delimiter(first_line)
    width = max(len(next(csv.reader([first_line], delimiter=delimiter), [])), 1)
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
        )
    except pd.errors.ParserError as problem:
        found = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(problem))
        if found:
            expected, line, saw = found.groups()
            raise SpreadsheetError(
                f"Row {line} of '{filename}' has {saw} cells but the header row has {expected}.",
                f"Check that row for an extra {DELIMITER_NAMES[delimiter]}; text that contains a {DELIMITER_NAMES[delimiter]} must be in double quotes.",
            ) from None
        raise not_a_spreadsheet(filename, " (its rows cannot be split into cells)") from None
    except pd.errors.EmptyDataError:
        raise SpreadsheetError(f"The file '{filename}' is empty.", "Fill in the template, save it, and upload it again.") from None
    frame = frame.fillna("")
    header = [str(value) for value in frame.iloc[0].tolist()] if len(frame) else []
    body = frame.iloc[1:]
    return header, body, encoding, delimiter
