"""Cell text: what a person sees in a cell, and what hides in it.

Whole-column checks (invisible characters, spaces at either end, blank cells,
lengths), header names compared loosely, and formula escaping for files Excel
opens. Shared by the readers, the writers and the rules that check imported
values. (An Excel value as text is in cell_values, which the isolated reader
loads without pandas.)
"""
from __future__ import annotations

import re
import unicodedata

import numpy as np
import numpy.typing as npt
import pandas as pd

from core.i18n import _

# A cell starting with one of these is run as a formula by Excel and LibreOffice
# (OWASP "CSV injection"); a leading apostrophe is escaped too so that un-escaping
# on import gives back exactly what was exported.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

# Characters that do not show on screen but make two SKUs differ: controls,
# zero-width and directional marks, the byte-order mark, no-break and other odd spaces.
_INVISIBLE_CLASS = r"\x00-\x1f\x7f-\x9f" + (
    "\u00a0\u00ad\u034f\u061c\u115f\u1160\u1680\u17b4\u17b5\u180b-\u180f"
    "\u2000-\u200f\u2028-\u202f\u205f-\u206f\u3000\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff9-\ufffb"
)
INVISIBLE_CHARACTER = re.compile(f"[{_INVISIBLE_CLASS}]")
# Whole-column checks join the cells with this separator (a private-use character,
# never typed) and search the result once; see cells_matching. Every whitespace
# character except the plain space is in the invisible class, so "a space at
# either end" only has to look for the plain space next to a separator.
_JOIN = "\ue000"

# Cells are Python str in object columns, not pandas' Arrow-backed "str" dtype:
# isin, merge and row iteration, which an import does on every row, are many
# times slower on Arrow strings (about a second for isin over 100,000 rows).
# The checks below scan a whole column at once instead of using .str per cell.
TEXT = object


def normalize_header(text: object) -> str:
    """'Platform SKU', 'platform_sku', '平台 SKU' and 'ＰＬＡＴＦＯＲＭ　SKU' all compare equal."""
    value = unicodedata.normalize("NFKC", str(text or ""))
    value = INVISIBLE_CHARACTER.sub("", value).casefold()
    return re.sub(r"[\s_\-.:：/]+", "", value)


def escape_formula(value: str) -> str:
    """Make a text cell safe to open in Excel: it is shown, never run."""
    if value and (value[0] in FORMULA_TRIGGERS or value[0] == "'"):
        return "'" + value
    return value


def unescape_formula(value: str) -> str:
    """Undo `escape_formula`, so an exported file re-imports to exactly the same text."""
    if len(value) >= 2 and value[0] == "'" and (value[1] in FORMULA_TRIGGERS or value[1] == "'"):
        return value[1:]
    return value


def unescape_formulas(column: pd.Series, lines: str | None = None) -> pd.Series:
    """`unescape_formula` for a whole column; `lines` is '\n' + its cells joined by '\n', when the caller has it."""
    values = column.to_numpy(dtype=TEXT)
    if "\n'" not in (lines if lines is not None else "\n" + "\n".join(values)):  # nothing starts with an apostrophe: the usual case
        return column
    return pd.Series([unescape_formula(v) for v in values], index=column.index, dtype=TEXT)


def _cells_at(values: npt.NDArray[np.object_], positions: list[int]) -> npt.NDArray[np.bool_]:
    """Which cells the character positions (in the cells joined by _JOIN) fall in."""
    found = np.zeros(len(values), dtype=bool)
    if positions:
        lengths = np.fromiter(map(len, values), dtype=np.int64, count=len(values))
        starts = np.concatenate(([0], np.cumsum(lengths + 1)[:-1]))
        found[np.searchsorted(starts, positions, side="right") - 1] = True
    return found


def cells_matching(column: pd.Series, pattern: re.Pattern[str]) -> np.ndarray:
    """True for each cell in which `pattern` finds a match.

    One regex pass over the whole column joined together, each match mapped back
    to its cell by position: per-cell Python calls would cost a second per
    100,000 rows, this costs milliseconds. Keep `pattern` simple (a character
    class or a literal), so the search itself stays fast.
    """
    values = column.to_numpy(dtype=TEXT)
    return _cells_at(values, [match.start() for match in pattern.finditer(_JOIN.join(values))])


def _find_all(text: str, needle: str) -> list[int]:
    positions, at = [], text.find(needle)
    while at != -1:
        positions.append(at)
        at = text.find(needle, at + 1)
    return positions


def has_edge_space(column: pd.Series) -> np.ndarray:
    """True where a cell starts or ends with a plain space (other spaces count as invisible)."""
    values = column.to_numpy(dtype=TEXT)
    padded = _JOIN + _JOIN.join(values) + _JOIN
    # "J " at k: the space is at k + 1 in padded, k in the joined text; " J" at k: the space is at k - 1.
    positions = _find_all(padded, _JOIN + " ") + [k - 1 for k in _find_all(padded, " " + _JOIN)]
    return _cells_at(values, positions)


def has_invisible(column: pd.Series) -> np.ndarray:
    """True where a cell holds a character that does not show on screen: controls, zero-width, odd spaces."""
    return cells_matching(column, INVISIBLE_CHARACTER)


def has_hidden_characters(column: pd.Series) -> np.ndarray:
    """True where a cell has an invisible character, or a space at its start or end."""
    found: np.ndarray = has_invisible(column) | has_edge_space(column)
    return found


def cell_lengths(column: pd.Series) -> np.ndarray:
    return np.fromiter(map(len, column.to_numpy(dtype=TEXT)), dtype=np.int64, count=len(column))


def longer_than(column: pd.Series, limit: int) -> np.ndarray:
    return cell_lengths(column) > limit


def is_blank(column: pd.Series) -> np.ndarray:
    """True where a cell is empty or only spaces (of any kind)."""
    values = column.to_numpy(dtype=TEXT)
    blank: np.ndarray = cell_lengths(column) == 0
    suspects = np.flatnonzero(has_hidden_characters(column))
    blank[suspects] = [values[i].isspace() for i in suspects]
    return blank


def describe_hidden_characters(value: str) -> str:
    """Plain words for what is wrong with a cell's spacing, e.g. for 'SKU\u200b1'."""
    found = []
    if value != value.strip():
        if value[:1].isspace() and value[-1:].isspace():
            found.append(_("a space at the start and end"))
        else:
            found.append(_("a space at the start") if value[:1].isspace() else _("a space at the end"))
    for position, char in enumerate(value, start=1):
        if INVISIBLE_CHARACTER.match(char) and not (char.isspace() and (position == 1 or position == len(value))):
            name = unicodedata.name(char, "").lower() or _("control character")  # Unicode's own names have no translation
            found.append(_("an invisible character ({name}, U+{code}) at position {position}", name=name, code=f"{ord(char):04X}",
                           position=position))
            break
    return _("{first} and {last}", first=found[0], last=found[1]) if len(found) == 2 else "".join(found)
