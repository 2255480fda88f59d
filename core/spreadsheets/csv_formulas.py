"""CSV cells that are spreadsheet formulas: refused, by cell, like formulas in a workbook.

A CSV holds text, but Excel and LibreOffice run a cell as a formula when it starts
with `=`, and also with `+`, `-` or `@` (the OWASP "CSV injection" triggers). A file
holding `=HYPERLINK(...)` came out of, or is aimed at, a spreadsheet formula; it is
not a SKU. The rule, for the columns an import reads:

- a cell starting with `=` is a formula (`=HYPERLINK("…")`, `=1+2`, even a lone `=`);
- a cell starting with `+`, `-` or `@` is a formula only when a function call or a DDE
  link follows: a name and, right after it, `(` or `|`, as in `+SUM(`, `@HYPERLINK(`,
  `-cmd|' /C calc'!A0` (Excel reads `-SKU (red)`, with a space, as no function call).
  Real SKUs and quantities start with these signs too (`-DASH-FIRST`, `+33 phone`,
  `@home`, `-1`), and those are imported as written (a negative quantity is then
  refused by the quantity rule, with its own message);
- a leading apostrophe escapes all of this: `'=ABC` imports as `=ABC`. Our own
  exports write every such cell that way (core.spreadsheets.cells.escape_formula),
  so an export always imports back unchanged.

Spaces or tabs before the sign are not skipped: a cell starting with a space is
shown as text by Excel, and a SKU with a leading space is refused anyway.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

from core.i18n import _, ngettext
from core.spreadsheets.errors import SpreadsheetError, cells_named

FORMULA = re.compile(r"=|[+\-@]\s*[A-Za-z_][\w.]*[(|]")  # Excel wants a function's '(' right after its name
# In the column's cells joined by newlines: a cell (or a line inside one) starting with a trigger. Most columns have none.
_MAYBE = re.compile(r"\n[=+\-@]")


def formula_rows(lines: str, values: Iterable[str]) -> list[int]:
    """Positions of the cells that are formulas. `lines` is '\\n' + the cells joined by '\\n', made once by the caller."""
    if not _MAYBE.search(lines):
        return []
    return [position for position, value in enumerate(values) if FORMULA.match(value)]


def refuse_formulas(filename: str, cells: list[str]) -> None:
    """Refuse a CSV whose cells (named like 'B3') are formulas."""
    if not cells:
        return
    raise SpreadsheetError(
        ngettext("{cells} of '{file}' starts like a spreadsheet formula (for example =HYPERLINK(…)), so nothing in the file was used.",
                 "{cells} of '{file}' start like a spreadsheet formula (for example =HYPERLINK(…)), so nothing in the file was used.",
                 len(cells), cells=_capitalised(cells_named(cells)), file=filename),
        _("Replace each formula with its value (copy, then Paste Special > Values) and save the CSV again. "
          "If a value really starts with '=', type an apostrophe before it ('=ABC), as our exports do."),
    )


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
