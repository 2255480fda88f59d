"""An Excel cell's value as the text a person sees, and Excel's column letters.

Kept free of pandas and numpy: the workbook readers run in a child process
(core.spreadsheets.isolated) that should start in milliseconds.
"""
from __future__ import annotations

from datetime import date, datetime, time


def cell_text(value: object) -> str:
    """A cell value from Excel as the text a person sees."""
    if type(value) is float:  # the most common after text: Excel keeps every number as a float
        # 3 comes back as 3.0 and a UPC as 1.2e11.
        return str(int(value)) if value.is_integer() else repr(value)
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def column_letter(index: int) -> str:
    """Excel's name for a column counted from 0: 0 -> 'A', 26 -> 'AA'."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def column_number(letters: str) -> int:
    """The column's number counted from 1: 'A' -> 1, 'XFD' -> 16384 (letters in either case)."""
    number = 0
    for letter in letters.upper():
        number = number * 26 + ord(letter) - 64
    return number
