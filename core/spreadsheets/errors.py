"""SpreadsheetError, and the refusals that more than one reader gives."""
from __future__ import annotations

import re
from typing import Iterable

from core.errors import ValidationFailed
from core.i18n import _, ngettext


class SpreadsheetError(ValidationFailed):
    """The file as a whole cannot be read; nothing in it was used."""


def not_a_spreadsheet(filename: str, detail: str = "") -> SpreadsheetError:
    """The refusal for bytes that are no spreadsheet; `detail` says what they are, when known."""
    return SpreadsheetError(
        _("The file '{file}' is not a spreadsheet{detail}.", file=filename, detail=detail),
        _("Upload a CSV or an Excel file (XLSX or XLS). In Excel use File > Save As and pick 'CSV UTF-8' or 'Excel Workbook'."),
    )


def refuse_merged(ranges: Iterable[str], filename: str, sheet: str) -> None:
    """Refuse a sheet with merged cells ('A1:B1'): in the header they hide columns, below it values."""
    ranges = list(ranges)
    if not ranges:
        return
    in_header = [r for r in ranges if re.fullmatch(r"[A-Z]+1(?::[A-Z]+\d+)?", r)]
    if in_header:
        raise SpreadsheetError(
            _("The header row of sheet '{sheet}' has merged cells ({cells}), so the columns cannot be told apart.", sheet=sheet,
              cells=", ".join(in_header[:5])),
            _("Select the header row, choose Merge & Center > Unmerge Cells, give every column its own name, then save and upload again."),
        )
    raise SpreadsheetError(
        _("Sheet '{sheet}' has merged cells ({cells} and more); only the first cell of a merge holds a value.", sheet=sheet,
          cells=", ".join(ranges[:5])) if len(ranges) > 5
        else _("Sheet '{sheet}' has merged cells ({cells}); only the first cell of a merge holds a value.", sheet=sheet, cells=", ".join(ranges)),
        _("Unmerge them (Merge & Center > Unmerge Cells) and fill the value into every row, for example the platform SKU on each row of a bundle."),
    )


def cells_named(cells: list[str]) -> str:
    """'cells C2, C3 and 4 more', or '2 cells' when none can be named ('' in the list)."""
    names = list(dict.fromkeys(cell for cell in cells if cell))[:5]
    rest = len(cells) - len(names)
    if not names:
        return ngettext("{n} cell", "{n} cells", rest)
    listed = ngettext("cell {names}", "cells {names}", len(cells), names=", ".join(names))
    return listed + (ngettext(" and {n} more", " and {n} more", rest) if rest else "")
