"""Text columns that line up in a terminal whatever the language: a Chinese character takes two cells."""
from __future__ import annotations

import unicodedata


def cells(text: str) -> int:
    """How many terminal cells the text takes (wide and full-width characters take two)."""
    return sum(2 if unicodedata.east_asian_width(char) in ("W", "F") else 1 for char in text)


def left(text: str, width: int) -> str:
    return text + " " * max(0, width - cells(text))


def right(text: str, width: int) -> str:
    return " " * max(0, width - cells(text)) + text
