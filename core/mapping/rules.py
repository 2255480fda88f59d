"""What a valid mapping is: the spreadsheet columns, bundle cells, quantities, and checking rows against the catalog.

Bundle cells. A bundle may be written in one cell as `SKU-A*1+SKU-B*2`: components
joined by `+`, each with `*` and a whole quantity. `×` and the full-width `＊`/`＋`
that Chinese input methods type are accepted too. The letter `x` is not, because
it is common inside SKUs ("BOX-X2", "XL-TEE"). A cell is read as a bundle only when it holds a
quantity mark and is not itself a catalog SKU, so SKUs that contain `+` still work.

Checking reads the catalog but writes nothing; the same rules serve file imports
and the grid editor.
"""
from __future__ import annotations

import functools
import gc
import re
from dataclasses import dataclass, replace
from typing import Any, Iterable
from typing import Mapping as MappingType

import numpy as np
import pandas as pd
from sqlmodel import Session

from core.catalog import existing_skus, similar_skus, sku_problem
from core.db.models.catalog import SKU_MAX_LENGTH
from core.errors import ValidationFailed
from core.spreadsheets.cells import INVISIBLE_CHARACTER, TEXT, cell_lengths, cells_matching, has_hidden_characters
from core.spreadsheets.table import Column, RowError

MAX_QUANTITY = 10_000  # more than this per unit sold is a typo, not a bundle

PLATFORM_SKU = Column(
    "platform_sku", "Platform SKU",
    ("平台SKU", "Seller SKU", "Walmart SKU", "Listing SKU", "店铺SKU", "平台商品SKU", "在线SKU", "Platform SKU (Walmart)"),
)
SYSTEM_SKU = Column("system_sku", "System SKU", ("系统SKU", "OMS SKU", "商品SKU", "产品SKU", "本地SKU", "Local SKU"))
QUANTITY = Column("quantity", "Quantity", ("Qty", "数量", "配对数量", "组合数量", "Pcs"))
PRODUCT_NAME = Column("product_name", "Product name", ("产品名称", "商品名称", "品名", "Name"), required=False)
MAPPING_COLUMNS = (PLATFORM_SKU, SYSTEM_SKU, QUANTITY, PRODUCT_NAME)
EXPORT_HEADER = tuple(column.label for column in MAPPING_COLUMNS)

QUANTITY_MARKS = "*×＊"
PART_SEPARATORS = "+＋"
_QUANTITY_MARK = re.compile(f"[{QUANTITY_MARKS}]")
_BUNDLE_PART = re.compile(rf"^(?P<sku>.*?)\s*[{QUANTITY_MARKS}]\s*(?P<quantity>[^{QUANTITY_MARKS}]*)$")
_PART_SEPARATOR = re.compile(f"[{PART_SEPARATORS}]")
# The common, well-formed cell: SKUs without spaces or marks, quantities 1-9999. Anything else takes the careful path.
_PLAIN_PART = rf"([^\s{QUANTITY_MARKS}{PART_SEPARATORS}]+)\s*[{QUANTITY_MARKS}]\s*([1-9][0-9]{{0,3}})"
_PLAIN_BUNDLE = re.compile(rf"{_PLAIN_PART}(?:\s*[{PART_SEPARATORS}]\s*{_PLAIN_PART})*")
_PLAIN_PARTS = re.compile(_PLAIN_PART)
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Component:
    system_sku: str
    quantity: int


def bulk_operation(function):
    """Pause Python's cycle collector while `function` runs.

    Checking or writing 100,000 rows makes hundreds of thousands of small tuples and
    strings, none of them in reference cycles, and the collector would walk them all
    again and again: about a tenth of an import's time. Memory is still freed as
    usual by reference counting; only the search for cycles waits until the end.
    """

    @functools.wraps(function)
    def paused(*args, **kwargs):
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return paused


def quantity_problem(text: str) -> tuple[str, str] | None:
    """Why a quantity cell is not usable, as (problem, fix); None when it is a whole number from 1 to MAX_QUANTITY."""
    value = text.strip()
    if value == "":
        return "Quantity is empty", "Enter how many of this product ship for one unit sold, for example 1."
    if _DIGITS.fullmatch(value):
        number = int(value)
        if number == 0:
            return "Quantity is 0", "Enter 1 or more; to stop shipping this product, delete its row."
        if number > MAX_QUANTITY:
            return f"Quantity {value} is more than {MAX_QUANTITY:,}", "Check the number; it is how many ship for ONE unit sold."
        return None
    if re.fullmatch(r"[-−]\s*\d+(?:[.,]\d+)?", value):
        return f"Quantity {value} is negative", "Enter 1 or more."
    if re.fullmatch(r"\d*[.,]\d+", value):
        whole = value.replace(",", ".")
        hint = f" Write {int(float(whole))}." if float(whole).is_integer() else ""
        return f"Quantity {value} is not a whole number", f"Enter a whole number of units, 1 or more.{hint}"
    return f"Quantity '{value}' is not a number", "Enter a whole number, 1 or more, using digits only."


def looks_like_bundle_cell(text: str) -> bool:
    return any(mark in text for mark in QUANTITY_MARKS)


def parse_bundle_cell(text: str) -> list[Component]:
    """'SKU-A*1+SKU-B*2' -> [Component('SKU-A', 1), Component('SKU-B', 2)].

    Raises ValidationFailed with a plain message for a malformed cell. SKUs are
    returned as written (spaces around `*` and `+` are ignored); checking them
    against the catalog is the caller's job.
    """
    if _PLAIN_BUNDLE.fullmatch(text):
        return [Component(sku, int(quantity)) for sku, quantity in _PLAIN_PARTS.findall(text)]
    parts = _PART_SEPARATOR.split(text)
    components: list[Component] = []
    for number, part in enumerate(parts, start=1):
        part = part.strip()
        if not part:
            raise ValidationFailed(
                f"The bundle '{text}' has an empty part (two '+' together, or a '+' at an end).",
                "Write each part as SKU*quantity, joined by '+', for example SKU-A*1+SKU-B*2.",
            )
        match = _BUNDLE_PART.match(part)
        if match is None:
            raise ValidationFailed(
                f"Part {number} of the bundle, '{part}', has no quantity.",
                f"Write it as {part}*1 (SKU, a star, then how many).",
            )
        sku, quantity = match["sku"].strip(), match["quantity"].strip()
        if not sku:
            raise ValidationFailed(f"Part {number} of the bundle, '{part}', has no SKU before the '*'.", "Write SKU*quantity, for example SKU-A*2.")
        problem = quantity_problem(quantity)
        if problem:
            raise ValidationFailed(f"In the bundle, {sku}: {problem[0][0].lower()}{problem[0][1:]}.", problem[1])
        components.append(Component(sku, int(quantity)))
    return components


def format_bundle(components: Iterable[Component]) -> str:
    """The one-cell form, 'SKU-A*1+SKU-B*2', for display."""
    return "+".join(f"{c.system_sku}*{c.quantity}" for c in components)


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



def meant_sku(text: str) -> str:
    """The SKU a cell was meant to hold: odd spaces (no-break, tab) made plain, invisible characters dropped, ends trimmed.

    'WM 1' written with a no-break space stays 'WM 1', not 'WM1': SKUs may contain spaces.
    """
    spaced = "".join(" " if character.isspace() else character for character in text)
    return INVISIBLE_CHARACTER.sub("", spaced).strip()


def cell_text(value: Any) -> str:
    """A cell from a file or the grid editor as text: None/NaN -> '', 3.0 -> '3'."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN, as the grid gives for an empty number cell
            return ""
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, (bool, np.bool_)):
        return str(value)
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if value is pd.NA or value is pd.NaT:
        return ""
    return str(value)


@bulk_operation
def validate_rows(session: Session, frame: pd.DataFrame, labels: MappingType[str, str] | None = None) -> ValidatedRows:
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

    def add(row, column, value, message, fix, key=""):
        errors.append(RowError(int(row), label.get(column, column), value, message, fix, key))

    bad_platform = _bad_sku(frame["platform_sku"])
    for row, value in zip(rows[bad_platform], platform[bad_platform]):
        message, fix = sku_problem(value, label["platform_sku"]) or ("", "")
        add(row, "platform_sku", value, message, fix, value)
    bad_system = _bad_sku(frame["system_sku"])
    for row, value, parent in zip(rows[bad_system], system[bad_system], platform[bad_system]):
        message, fix = sku_problem(value, label["system_sku"]) or ("", "")
        add(row, "system_sku", value, message, fix, parent)

    known = existing_skus(session, set(system[~bad_system]))
    marked = cells_matching(frame["system_sku"], _QUANTITY_MARK)
    bundle_cell = ~bad_system & marked
    bundle_cell[bundle_cell] = ~member(system[bundle_cell], known)  # a catalog SKU may itself contain '*'
    plain = ~bad_system & ~bundle_cell

    # Quantities of rows with a bad system SKU are checked too, so every problem of a row shows at once.
    checked = ~bundle_cell & ~(bad_system & marked)
    quantity_value, good_quantity = _whole_quantities(quantity, checked)
    for row, value, parent in zip(rows[checked & ~good_quantity], quantity[checked & ~good_quantity], platform[checked & ~good_quantity]):
        problem, fix = quantity_problem(value) or ("Quantity is not usable", "")
        add(row, "quantity", value, f"{problem}.", fix, parent)

    keep = plain & good_quantity
    parts = [
        pd.DataFrame({
            "platform_sku": pd.Series(platform[keep], dtype=TEXT),  # explicit: pandas would convert text to Arrow and back
            "system_sku": pd.Series(system[keep], dtype=TEXT),
            "quantity": quantity_value[keep],
            "row": rows[keep],
        })
    ]
    bundle_rows = []
    for row, parent, cell, amount in zip(rows[bundle_cell], platform[bundle_cell], system[bundle_cell], quantity[bundle_cell]):
        if amount.strip() not in ("", "1"):
            add(row, "quantity", amount, "The System SKU cell lists a bundle, so its quantities are inside the cell.",
                "Leave Quantity empty on this row (or put 1), and write each quantity in the cell, like SKU-A*1+SKU-B*2.", parent)
            continue
        try:
            components = parse_bundle_cell(cell)
        except ValidationFailed as problem:
            add(row, "system_sku", cell, problem.message, problem.fix, parent)
            continue
        bundle_rows.extend((parent, component.system_sku, component.quantity, row) for component in components)
    if bundle_rows:
        parts.append(pd.DataFrame(bundle_rows, columns=["platform_sku", "system_sku", "quantity", "row"], dtype=TEXT))
        known |= existing_skus(session, {r[1] for r in bundle_rows} - known)
    components = pd.concat(parts, ignore_index=True).astype({"platform_sku": TEXT, "system_sku": TEXT, "quantity": "int64", "row": "int64"})
    cell_of_row = dict(zip(rows[bundle_cell].tolist(), system[bundle_cell]))

    unknown = ~member(components["system_sku"], known)
    if unknown.any():
        suggestions = similar_skus(session, set(components["system_sku"][unknown]))
        for row, sku, parent in components.loc[unknown, ["row", "system_sku", "platform_sku"]].itertuples(index=False):
            hint = f" Did you mean '{suggestions[sku]}'? SKUs must match exactly, including capitals." if sku in suggestions else ""
            add(row, "system_sku", cell_of_row.get(row, sku), f"System SKU '{sku}' is not in the catalog.{hint}",
                "Check the spelling, or import the product into the catalog first.", parent)

    repeated = components.duplicated(["platform_sku", "system_sku"], keep="first").to_numpy()
    if repeated.any():
        first = {(p, s): row for p, s, row in components.loc[~repeated, ["platform_sku", "system_sku", "row"]].itertuples(index=False)}
        for row, parent, sku in components.loc[repeated, ["row", "platform_sku", "system_sku"]].itertuples(index=False):
            earlier = first[(parent, sku)]
            where = "in the same cell" if earlier == row else f"on row {earlier} too"
            add(row, "system_sku", sku, f"System SKU '{sku}' is listed twice for platform SKU '{parent}' ({where}).",
                "Keep one row for it with the total quantity.", parent)

    # A platform SKU written as a bundle cell must not have other rows as well.
    with_cell = set(platform[bundle_cell])
    if with_cell:
        involved = pd.Series(platform, index=rows, dtype=TEXT)[~bad_platform & member(platform, with_cell)]
        again = involved.duplicated(keep="first")
        first_row = {value: row for row, value in involved[~again].items()}
        for row, value in involved[again].items():
            add(row, "platform_sku", value, f"Platform SKU '{value}' is also on row {first_row[value]}, and one of its rows is a bundle cell.",
                "Write a bundle one way only: one row per component, or one row with SKU-A*1+SKU-B*2.", value)

    rejected = {e.key for e in errors if e.key} | set(platform[bad_platform])
    # A row for 'WM-1 ' was meant for WM-1: leave WM-1 out as well, so a save that skips the bad
    # row neither deletes WM-1 nor changes it into a bundle with a component missing.
    meant = {sku: meant_sku(sku) for sku in rejected}
    held_back = {clean for sku, clean in meant.items() if clean and clean != sku} & (set(platform) - rejected)
    errors = [
        replace(error, message=f"{error.message} The other rows of '{meant[error.key]}' are left out too, so it is never saved a part short.")
        if meant.get(error.key) in held_back else error
        for error in errors
    ]
    rejected |= set(meant.values()) - {""}
    valid = components[~member(components["platform_sku"], rejected)] if rejected else components
    errors.sort(key=lambda e: (e.row if e.row is not None else -1, e.column))
    return ValidatedRows(valid[["platform_sku", "system_sku", "quantity", "row"]].reset_index(drop=True), errors, rejected)


def _whole_quantities(values: np.ndarray, mask: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(numbers, ok) for quantity cells: ok where the cell is a whole number from 1 to MAX_QUANTITY."""
    numbers = np.zeros(len(values), dtype="int64")
    ok = np.zeros(len(values), dtype=bool)
    chosen = values[mask]
    if not len(chosen):
        return numbers, ok
    if re.fullmatch(r"[0-9]{1,5}(?:\|[0-9]{1,5})*", "|".join(chosen)):  # every cell plain digits: convert at once
        converted = chosen.astype("int64")
    else:
        converted = np.fromiter((int(v) if re.fullmatch(r"[0-9]{1,9}", v.strip()) else 0 for v in chosen), dtype="int64", count=len(chosen))
    numbers[mask] = converted
    ok[mask] = (converted >= 1) & (converted <= MAX_QUANTITY)
    return numbers, ok


def member(values: pd.Series | pd.Index | np.ndarray, allowed: Iterable[str]) -> np.ndarray:
    """values.isin(allowed) for text, as a set lookup: several times faster than pandas' isin on strings."""
    allowed = allowed if isinstance(allowed, (set, frozenset)) else set(allowed)
    if not allowed:
        return np.zeros(len(values), dtype=bool)
    array = values if isinstance(values, np.ndarray) else values.to_numpy(dtype=object)
    return np.fromiter(map(allowed.__contains__, array), dtype=bool, count=len(array))


def _bad_sku(column: pd.Series) -> np.ndarray:
    # A cell of only spaces is caught as a space at the start.
    lengths = cell_lengths(column)
    return (lengths == 0) | (lengths > SKU_MAX_LENGTH) | has_hidden_characters(column)
