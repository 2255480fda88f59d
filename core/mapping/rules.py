"""Checking component rows, from a file or the grid editor, against the mapping rules and the catalog.

A row is a platform SKU, a system SKU (or a bundle cell, core.mapping.bundles) and
a quantity. Checking reads the catalog but writes nothing; the same rules serve
file imports and the grid editor. SKUs arrive in NFC (the file reader and the grid
normalise them); look-alike characters are refused (core.spreadsheets.lookalikes).
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from sqlmodel import Session

from core.catalog import existing_skus, similar_skus, sku_problem
from core.db.models.catalog import SKU_MAX_LENGTH
from core.errors import ValidationFailed
from core.i18n import _
from core.mapping.bulk import bulk_operation, member
from core.mapping.bundles import MAX_QUANTITY, PART_SEPARATORS, QUANTITY_MARK, QUANTITY_MARKS, parse_bundle_cell, quantity_problem, whole_quantity
from core.mapping.columns import MAPPING_COLUMNS, meant_sku
from core.spreadsheets.cells import TEXT, cell_lengths, cells_matching, has_hidden_characters
from core.spreadsheets.lookalikes import has_lookalike
from core.spreadsheets.table import RowError

# The full-width ＊ and ＋ that Chinese input methods type are bundle marks in a System SKU cell, not look-alikes there.
BUNDLE_MARKS = QUANTITY_MARKS + PART_SEPARATORS


@dataclass
class ValidatedRows:
    """The outcome of checking component rows (from a file or the grid).

    `components` holds only the rows of platform SKUs with no error anywhere, one
    row per component (bundle cells expanded): platform_sku, system_sku,
    quantity (int), row. A platform SKU with any bad row is left out whole, so a
    bundle is never saved with a component missing.
    """

    components: pd.DataFrame
    errors: list[RowError]
    rejected: set[str]  # platform SKUs left out because one of their rows has an error (also without stray spaces)

    @property
    def platform_skus(self) -> int:
        return int(self.components["platform_sku"].nunique())


@bulk_operation
def validate_rows(session: Session, frame: pd.DataFrame, labels: Mapping[str, str] | None = None) -> ValidatedRows:
    """Check component rows against the rules and the catalog.

    `frame` has text columns platform_sku, system_sku and quantity; its index is
    the row number to report (spreadsheet row, or grid position). `labels` names
    the columns as the user sees them (default: Platform SKU, System SKU, Quantity).

    Clean rows, the common case, are checked a whole column at a time; only rows
    with a problem, and bundle cells, are looked at one by one.
    """
    label = {c.key: c.label for c in MAPPING_COLUMNS} | dict(labels or {})
    rows = frame.index.to_numpy()
    platform = frame["platform_sku"].to_numpy(dtype=TEXT)
    system = frame["system_sku"].to_numpy(dtype=TEXT)
    quantity = frame["quantity"].to_numpy(dtype=TEXT)
    errors: list[RowError] = []

    def add(row: Any, column: str, value: str, message: str, fix: str, key: str = "") -> None:
        errors.append(RowError(int(row), label.get(column, column), value, message, fix, key))

    bad_platform = _bad_sku(frame["platform_sku"])
    for row, value in zip(rows[bad_platform], platform[bad_platform]):
        message, fix = sku_problem(value, label["platform_sku"]) or ("", "")
        add(row, "platform_sku", value, message, fix, value)
    bad_system = _bad_sku(frame["system_sku"], allowed=BUNDLE_MARKS)
    for row, value, parent in zip(rows[bad_system], system[bad_system], platform[bad_system]):
        message, fix = sku_problem(value, label["system_sku"], allowed=BUNDLE_MARKS) or ("", "")
        add(row, "system_sku", value, message, fix, parent)

    known = existing_skus(session, set(system[~bad_system]))
    marked = cells_matching(frame["system_sku"], QUANTITY_MARK)
    bundle_cell = ~bad_system & marked
    bundle_cell[bundle_cell] = ~member(system[bundle_cell], known)  # a catalog SKU may itself contain '*'
    plain = ~bad_system & ~bundle_cell

    # Quantities of rows with a bad system SKU are checked too, so every problem of a row shows at once.
    checked = ~bundle_cell & ~(bad_system & marked)
    quantity_value, good_quantity = _whole_quantities(quantity, checked)
    for row, value, parent in zip(rows[checked & ~good_quantity], quantity[checked & ~good_quantity], platform[checked & ~good_quantity]):
        problem, fix = quantity_problem(value) or (_("Quantity is not usable."), "")
        add(row, "quantity", value, problem, fix, parent)

    keep = plain & good_quantity
    parts = [
        pd.DataFrame({
            "platform_sku": pd.Series(platform[keep], dtype=TEXT),  # explicit: pandas would convert text to Arrow and back
            "system_sku": pd.Series(system[keep], dtype=TEXT),
            "quantity": quantity_value[keep],
            "row": rows[keep],
        })
    ]
    bundle_rows: list[tuple[str, str, int, Any]] = []
    for row, parent, cell, amount in zip(rows[bundle_cell], platform[bundle_cell], system[bundle_cell], quantity[bundle_cell]):
        if amount.strip() not in ("", "1"):
            add(row, "quantity", amount, _("The System SKU cell lists a bundle, so its quantities are inside the cell."),
                _("Leave Quantity empty on this row (or put 1), and write each quantity in the cell, like SKU-A*1+SKU-B*2."), parent)
            continue
        try:
            in_cell = parse_bundle_cell(cell)
        except ValidationFailed as problem:
            add(row, "system_sku", cell, problem.message, problem.fix, parent)
            continue
        bundle_rows.extend((parent, component.system_sku, component.quantity, row) for component in in_cell)
    if bundle_rows:
        parts.append(pd.DataFrame(bundle_rows, columns=["platform_sku", "system_sku", "quantity", "row"], dtype=TEXT))
        known |= existing_skus(session, {r[1] for r in bundle_rows} - known)
    components = pd.concat(parts, ignore_index=True).astype({"platform_sku": TEXT, "system_sku": TEXT, "quantity": "int64", "row": "int64"})
    cell_of_row = dict(zip(rows[bundle_cell].tolist(), system[bundle_cell]))

    unknown = ~member(components["system_sku"], known)
    if unknown.any():
        suggestions = similar_skus(session, set(components["system_sku"][unknown]))
        for row, sku, parent in components.loc[unknown, ["row", "system_sku", "platform_sku"]].itertuples(index=False):
            message = (_("System SKU '{sku}' is not in the catalog. Did you mean '{other}'? SKUs must match exactly, including capitals.",
                         sku=sku, other=suggestions[sku]) if sku in suggestions
                       else _("System SKU '{sku}' is not in the catalog.", sku=sku))
            add(row, "system_sku", cell_of_row.get(row, sku), message,
                _("Check the spelling, or import the product into the catalog first."), parent)

    repeated = components.duplicated(["platform_sku", "system_sku"], keep="first").to_numpy()
    if repeated.any():
        first = {(p, s): row for p, s, row in components.loc[~repeated, ["platform_sku", "system_sku", "row"]].itertuples(index=False)}
        for row, parent, sku in components.loc[repeated, ["row", "platform_sku", "system_sku"]].itertuples(index=False):
            earlier = first[(parent, sku)]
            message = (_("System SKU '{sku}' is listed twice for platform SKU '{parent}' (in the same cell).", sku=sku, parent=parent)
                       if earlier == row else
                       _("System SKU '{sku}' is listed twice for platform SKU '{parent}' (on row {row} too).", sku=sku, parent=parent, row=earlier))
            add(row, "system_sku", sku, message, _("Keep one row for it with the total quantity."), parent)

    # A platform SKU written as a bundle cell must not have other rows as well.
    with_cell = set(platform[bundle_cell])
    if with_cell:
        involved = pd.Series(platform, index=rows, dtype=TEXT)[~bad_platform & member(platform, with_cell)]
        again = involved.duplicated(keep="first")
        first_row = {value: row for row, value in involved[~again].items()}
        for row, value in involved[again].items():
            add(row, "platform_sku", value, _("Platform SKU '{sku}' is also on row {row}, and one of its rows is a bundle cell.",
                                               sku=value, row=first_row[value]),
                _("Write a bundle one way only: one row per component, or one row with SKU-A*1+SKU-B*2."), value)

    rejected = {e.key for e in errors if e.key} | set(platform[bad_platform])
    # A row for 'WM-1 ' was meant for WM-1: leave WM-1 out as well, so a save that skips the bad
    # row neither deletes WM-1 nor changes it into a bundle with a component missing.
    meant = {sku: meant_sku(sku) for sku in rejected}
    held_back = {clean for sku, clean in meant.items() if clean and clean != sku} & (set(platform) - rejected)
    errors = [
        replace(error, message=_("{problem} The other rows of '{sku}' are left out too, so it is never saved a part short.",
                                 problem=error.message, sku=meant[error.key]))
        if meant.get(error.key) in held_back else error
        for error in errors
    ]
    rejected |= set(meant.values()) - {""}
    valid = components[~member(components["platform_sku"], rejected)] if rejected else components
    errors.sort(key=lambda e: (e.row if e.row is not None else -1, e.column))
    return ValidatedRows(valid[["platform_sku", "system_sku", "quantity", "row"]].reset_index(drop=True), errors, rejected)


def _whole_quantities(values: npt.NDArray[Any], mask: npt.NDArray[np.bool_]) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
    """(numbers, ok) for quantity cells: ok where bundles.whole_quantity accepts the cell. Plain digits, the common
    case, are converted a column at a time (the same rule); anything else goes through whole_quantity itself."""
    numbers = np.zeros(len(values), dtype="int64")
    ok = np.zeros(len(values), dtype=bool)
    chosen = values[mask]
    if not len(chosen):
        return numbers, ok
    if re.fullmatch(r"[0-9]{1,5}(?:\|[0-9]{1,5})*", "|".join(chosen)):  # every cell plain digits: convert at once
        converted = chosen.astype("int64")
    else:
        converted = np.fromiter((whole_quantity(v) or 0 for v in chosen), dtype="int64", count=len(chosen))
    numbers[mask] = converted
    ok[mask] = (converted >= 1) & (converted <= MAX_QUANTITY)
    return numbers, ok


def _bad_sku(column: pd.Series[str], allowed: str = "") -> npt.NDArray[np.bool_]:
    """True where a cell cannot be a SKU (see catalog.sku_problem); `allowed` characters are not look-alikes here."""
    # A cell of only spaces is caught as a space at the start.
    lengths = cell_lengths(column)
    bad: npt.NDArray[np.bool_] = (lengths == 0) | (lengths > SKU_MAX_LENGTH) | has_hidden_characters(column) | has_lookalike(column, allowed)
    return bad
