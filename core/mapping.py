"""Product mappings: a store's platform SKU -> one or more (system SKU, quantity) components.

The rules (what a valid mapping is), and every read and write of a store's
mappings: list and search for the grid, save grid edits, work out and apply a set
of changes (shared by import and clone), clone, export.

Bundle cells. A bundle may be written in one cell as `SKU-A*1+SKU-B*2`: components
joined by `+`, each with `*` and a whole quantity. `×` and the full-width `＊`/`＋`
that Chinese input methods type are accepted too. The letter `x` is not, because
it is common inside SKUs ("BOX-X2", "XL-TEE"). A cell is read as a bundle only when it holds a
quantity mark and is not itself a catalog SKU, so SKUs that contain `+` still work.

Canonical export. One row per component, with the columns Platform SKU, System
SKU, Quantity and Product name (for people; ignored on import), ordered by
platform SKU and then by the order the components were entered. Bundles are
several rows with the same platform SKU, never a bundle cell, so every cell
holds one value and sorting or filtering in Excel cannot break a bundle apart.

Concurrency. Each mapping has a version, checked in the UPDATE's WHERE clause
when the grid saves it; each store has a mapping version (StoreMappingVersion),
bumped by every write and checked when an import plan or clone preview is applied.
Functions here never commit: call them inside `core.db.session_scope`, and let
a Conflict or ValidationFailed propagate so the whole transaction rolls back.
"""
from __future__ import annotations

import functools
import gc
import re
from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from typing import Any, Iterable, Mapping as MappingType, Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Table as SqlTable, case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.catalog import existing_skus, product_names, similar_skus, sku_problem
from core.errors import Conflict, ValidationFailed
from core.models import MappingComponent, Store, StoreMappingVersion, utc_now
from core.models.catalog import SKU_MAX_LENGTH
from core.spreadsheets import TEXT, Column, RowError, cell_lengths, cells_matching, has_hidden_characters, write_table

MAX_QUANTITY = 10_000  # more than this per unit sold is a typo, not a bundle
PAGE_SIZE = 50
_IN_CHUNK = 900  # ids per IN (...) statement; under every database's parameter limit

PLATFORM_SKU = Column(
    "platform_sku", "Platform SKU",
    ("平台SKU", "Seller SKU", "Walmart SKU", "Listing SKU", "店铺SKU", "平台商品SKU", "在线SKU", "Platform SKU (Walmart)"),
)
SYSTEM_SKU = Column("system_sku", "System SKU", ("系统SKU", "OMS SKU", "商品SKU", "产品SKU", "本地SKU", "Local SKU"))
QUANTITY = Column("quantity", "Quantity", ("Qty", "数量", "配对数量", "组合数量", "Pcs"))
PRODUCT_NAME = Column("product_name", "Product name", ("产品名称", "商品名称", "品名", "Name"), required=False)
MAPPING_COLUMNS = (PLATFORM_SKU, SYSTEM_SKU, QUANTITY, PRODUCT_NAME)
EXPORT_HEADER = tuple(column.label for column in MAPPING_COLUMNS)
GRID_COLUMNS = ("platform_sku", "system_sku", "quantity", "product_name", "bundle_size")

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


class Status(StrEnum):
    added = "added"
    changed = "changed"
    unchanged = "unchanged"
    removed = "removed"
    skipped = "skipped"  # clone with policy "skip": the target already maps it differently


class ClonePolicy(StrEnum):
    skip = "skip"  # keep the target store's own mapping
    overwrite = "overwrite"  # replace it with the source store's


@dataclass(frozen=True)
class Component:
    system_sku: str
    quantity: int


@dataclass(frozen=True)
class MappingView:
    """A mapping as read, with the version a later save must still find."""

    platform_sku: str
    version: int
    components: tuple[Component, ...]

    @property
    def bundle_size(self) -> int:
        """Units shipped for one unit sold: 3 for a 3-pack, 3 for 1 x A + 2 x B."""
        return sum(c.quantity for c in self.components)

    @property
    def is_bundle(self) -> bool:
        return self.bundle_size > 1


@dataclass
class MappingPage:
    """One page of a store's mappings, as the grid shows and later saves them."""

    store_id: int
    mappings: list[MappingView]
    total: int  # mappings matching the filter, on all pages
    offset: int
    limit: int
    names: dict[str, str] = field(default_factory=dict)  # system SKU -> product name

    def grid_rows(self) -> list[dict]:
        """One dict per component, keys GRID_COLUMNS; product_name and bundle_size are for display only."""
        return [
            {
                "platform_sku": mapping.platform_sku,
                "system_sku": component.system_sku,
                "quantity": component.quantity,
                "product_name": self.names.get(component.system_sku, ""),
                "bundle_size": mapping.bundle_size,
            }
            for mapping in self.mappings
            for component in mapping.components
        ]

    def grid_frame(self) -> pd.DataFrame:
        return pd.DataFrame(self.grid_rows(), columns=list(GRID_COLUMNS))


@dataclass(frozen=True)
class Coverage:
    platform_skus: int  # mapped platform SKUs
    bundles: int  # of which ship more than one unit
    components: int  # component rows in all

    def to_dict(self) -> dict:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def _bulk(function):
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


# --------------------------------------------------------------------------- rules


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
    rejected: set[str]  # platform SKUs left out because one of their rows has an error

    @property
    def platform_skus(self) -> int:
        return int(self.components["platform_sku"].nunique())


def _cell(value: Any) -> str:
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


@_bulk
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
    bundle_cell[bundle_cell] = ~_member(system[bundle_cell], known)  # a catalog SKU may itself contain '*'
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

    unknown = ~_member(components["system_sku"], known)
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
        involved = pd.Series(platform, index=rows, dtype=TEXT)[~bad_platform & _member(platform, with_cell)]
        again = involved.duplicated(keep="first")
        first_row = {value: row for row, value in involved[~again].items()}
        for row, value in involved[again].items():
            add(row, "platform_sku", value, f"Platform SKU '{value}' is also on row {first_row[value]}, and one of its rows is a bundle cell.",
                "Write a bundle one way only: one row per component, or one row with SKU-A*1+SKU-B*2.", value)

    rejected = {e.key for e in errors if e.key} | set(platform[bad_platform])
    valid = components[~_member(components["platform_sku"], rejected)] if rejected else components
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


def _member(values: pd.Series | pd.Index | np.ndarray, allowed: Iterable[str]) -> np.ndarray:
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


# --------------------------------------------------------------------------- reading


def _tables() -> tuple[SqlTable, SqlTable]:
    return MappingComponent.__table__, StoreMappingVersion.__table__


def store_mapping_version(session: Session, store_id: int) -> int:
    """The store's mapping version: 0 before its first mapping change."""
    version_table = _tables()[1]
    value = session.execute(select(version_table.c.version).where(version_table.c.store_id == store_id)).scalar_one_or_none()
    return value or 0


def _matching(store_id: int, sku_text: str = "", bundles_only: bool = False):
    """The store's mappings, one row per platform SKU (platform_sku, version), matching the filters; a query to page or count.

    A mapping matches the SKU text when its platform SKU or any of its system SKUs
    contains it, so a match always brings the whole mapping.
    """
    component = _tables()[0]
    query = select(component.c.platform_sku, func.max(component.c.version).label("version")).where(component.c.store_id == store_id)
    needle = (sku_text or "").strip().lower()
    if needle:
        hit = or_(func.lower(component.c.platform_sku).contains(needle, autoescape=True),
                  func.lower(component.c.system_sku).contains(needle, autoescape=True))
        query = query.having(func.max(case((hit, 1), else_=0)) == 1)
    if bundles_only:
        query = query.having(func.sum(component.c.quantity) > 1)
    return query.group_by(component.c.platform_sku)


def list_mappings(session: Session, store_id: int, *, sku_text: str = "", bundles_only: bool = False, offset: int = 0, limit: int = PAGE_SIZE) -> MappingPage:
    """A page of the store's mappings in platform SKU order, each with all its components.

    `sku_text` matches any part of the platform SKU or of a component's system SKU,
    ignoring letter case. `bundles_only` keeps mappings that ship more than one unit.
    """
    matching = _matching(store_id, sku_text, bundles_only)
    total = session.execute(select(func.count()).select_from(matching.subquery())).scalar_one()
    heads = session.execute(matching.order_by(_tables()[0].c.platform_sku).offset(max(offset, 0)).limit(max(limit, 1))).all()
    views = _views(session, store_id, heads)
    names = product_names(session, {c.system_sku for view in views for c in view.components})
    return MappingPage(store_id, views, total, offset, limit, names)


def _views(session: Session, store_id: int, heads: Sequence) -> list[MappingView]:
    component = _tables()[0]
    parts: dict[str, list[Component]] = {head.platform_sku: [] for head in heads}
    for chunk in _in_chunks(list(parts)):
        rows = session.execute(
            select(component.c.platform_sku, component.c.system_sku, component.c.quantity)
            .where(component.c.store_id == store_id, component.c.platform_sku.in_(chunk))
            .order_by(component.c.platform_sku, component.c.position)
        )
        for platform_sku, sku, quantity in rows:
            parts[platform_sku].append(Component(sku, quantity))
    return [MappingView(head.platform_sku, head.version, tuple(parts[head.platform_sku])) for head in heads]


def get_mapping(session: Session, store_id: int, platform_sku: str) -> MappingView | None:
    component = _tables()[0]
    heads = session.execute(_matching(store_id).where(component.c.platform_sku == platform_sku)).all()
    views = _views(session, store_id, heads)
    return views[0] if views else None


def coverage(session: Session, store_id: int) -> Coverage:
    """How many platform SKUs the store has mapped, how many are bundles, and how many component rows."""
    component = _tables()[0]
    per_mapping = (
        select(func.sum(component.c.quantity).label("units"), func.count().label("parts"))
        .where(component.c.store_id == store_id)
        .group_by(component.c.platform_sku)
        .subquery()
    )
    platform_skus, bundles, components = session.execute(
        select(func.count(), func.count().filter(per_mapping.c.units > 1), func.coalesce(func.sum(per_mapping.c.parts), 0))
    ).one()
    return Coverage(platform_skus, bundles or 0, components or 0)


def current_components(session: Session, store_id: int, *, sku_text: str = "") -> pd.DataFrame:
    """The store's mappings as one row per component: version, platform_sku, system_sku, quantity."""
    component = _tables()[0]
    statement = select(component.c.version, component.c.platform_sku, component.c.system_sku, component.c.quantity).where(
        component.c.store_id == store_id
    )
    if (sku_text or "").strip():
        statement = statement.where(component.c.platform_sku.in_(_matching(store_id, sku_text).with_only_columns(component.c.platform_sku)))
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, which costs seconds on a big store.
    rows = [tuple(row) for row in session.execute(statement.order_by(component.c.platform_sku, component.c.position)).all()]
    frame = pd.DataFrame.from_records(rows, columns=["version", "platform_sku", "system_sku", "quantity"])
    return frame.astype({"version": "int64", "platform_sku": TEXT, "system_sku": TEXT, "quantity": "int64"})


# --------------------------------------------------------------------------- change sets


@dataclass(frozen=True)
class PlannedChange:
    platform_sku: str
    status: Status
    before: tuple[Component, ...]  # the store's mapping now (empty when added)
    after: tuple[Component, ...]  # what it would become (empty when removed); when skipped, what was offered and not taken

    def to_dict(self) -> dict:
        return {
            "platform_sku": self.platform_sku,
            "status": str(self.status),
            "before": format_bundle(self.before),
            "after": format_bundle(self.after),
        }


@dataclass
class ChangeSet:
    """What writing a desired set of mappings into a store would do, worked out before anything is written.

    `status` has one entry per platform SKU concerned. `store_version` is the
    store's mapping version when this was worked out; applying refuses if it moved.
    """

    store_id: int
    store_version: int
    desired: pd.DataFrame  # platform_sku, system_sku, quantity: the mappings wanted
    current: pd.DataFrame  # the store's mappings when this was worked out (see current_components)
    status: pd.Series  # platform_sku -> Status
    _by_status: dict[str, pd.Index] | None = field(default=None, repr=False)

    def skus_with(self, status: Status) -> pd.Index:
        """The platform SKUs with this status (unordered), grouped once for all the counts and writes."""
        if self._by_status is None:
            self._by_status = {str(state): index for state, index in self.status.groupby(self.status.to_numpy()).groups.items()}
        return self._by_status.get(str(status), pd.Index([], dtype=TEXT))

    def count(self, status: Status) -> int:
        return len(self.skus_with(status))

    def counts(self) -> dict[str, int]:
        return {str(s): self.count(s) for s in Status}

    def platform_skus(self, status: Status) -> list[str]:
        return sorted(self.skus_with(status).tolist())

    @property
    def has_writes(self) -> bool:
        return any(self.count(s) for s in (Status.added, Status.changed, Status.removed))

    def changes(self, status: Status | None = None, *, offset: int = 0, limit: int | None = 100) -> list[PlannedChange]:
        """Details for a slice of the platform SKUs, in status order then SKU order (for previews)."""
        order = {s: n for n, s in enumerate(Status)}
        chosen = self.status if status is None else self.status[self.status == status]
        keys = sorted(chosen.items(), key=lambda item: (order[item[1]], item[0]))
        keys = keys[offset : None if limit is None else offset + limit]
        wanted = [sku for sku, _ in keys]
        before = _grouped(self.current[_member(self.current["platform_sku"], wanted)])
        after = _grouped(self.desired[_member(self.desired["platform_sku"], wanted)])
        result = []
        for sku, state in keys:
            now = before.get(sku, ())
            if state == Status.removed:
                new = ()
            elif state == Status.unchanged:
                new = now
            else:
                new = after.get(sku, ())
            result.append(PlannedChange(sku, Status(state), now, new))
        return result


def _grouped(frame: pd.DataFrame) -> dict[str, tuple[Component, ...]]:
    grouped: dict[str, list[Component]] = {}
    for sku, system, quantity in frame[["platform_sku", "system_sku", "quantity"]].itertuples(index=False):
        grouped.setdefault(sku, []).append(Component(system, int(quantity)))
    return {sku: tuple(parts) for sku, parts in grouped.items()}


@_bulk
def plan_changes(
    session: Session,
    store_id: int,
    desired: pd.DataFrame,
    *,
    replace: bool = False,
    keep: Iterable[str] = (),
    policy: ClonePolicy = ClonePolicy.overwrite,
) -> ChangeSet:
    """Compare wanted mappings with the store's: added, changed, unchanged, and (replace) removed.

    `keep` lists platform SKUs that replace mode must not remove (those whose rows
    were rejected). With policy skip, a mapping the store already has differently
    is 'skipped' instead of 'changed'.
    """
    # Version first: if someone writes between the two reads, the plan is stamped
    # older than what it saw and applying it is refused, never the other way round.
    version = store_mapping_version(session, store_id)
    current = current_components(session, store_id)
    desired = desired[["platform_sku", "system_sku", "quantity"]].reset_index(drop=True)
    status = _compare(current, desired, replace=replace, keep=set(keep))
    if policy == ClonePolicy.skip:
        status = status.where(status != Status.changed, Status.skipped)
    return ChangeSet(store_id, version, desired, current, status)


def _compare(current: pd.DataFrame, desired: pd.DataFrame, *, replace: bool, keep: set[str]) -> pd.Series:
    wanted = pd.Index(desired["platform_sku"].unique(), dtype=TEXT)
    existing = pd.Index(current["platform_sku"].unique(), dtype=TEXT)
    relevant = current[_member(current["platform_sku"], wanted)]
    if relevant.empty:  # all new (a first import): nothing to compare component by component
        different = pd.Index([], dtype=TEXT)
    else:
        merged = desired.merge(relevant[["platform_sku", "system_sku", "quantity"]], on=["platform_sku", "system_sku"], how="outer", suffixes=("", "_now"), indicator=True)
        differs = (merged["_merge"] != "both") | (merged["quantity"] != merged["quantity_now"])
        different = pd.Index(merged.loc[differs, "platform_sku"].unique(), dtype=TEXT)
    in_store = _member(wanted, existing)
    values = np.where(~in_store, Status.added.value, np.where(_member(wanted, different), Status.changed.value, Status.unchanged.value))
    status = pd.Series(values, index=wanted, dtype=object)
    if replace:
        gone = existing[~_member(existing, wanted) & ~_member(existing, keep)]
        status = pd.concat([status, pd.Series(Status.removed.value, index=gone, dtype=object)])
    return status


@_bulk
def apply_changes(session: Session, changes: ChangeSet) -> dict[str, int]:
    """Write a ChangeSet in the caller's transaction. Raises Conflict when the store's mappings moved since it was made."""
    claim_store_version(session, changes.store_id, expected=changes.store_version)
    changed = changes.skus_with(Status.changed)
    removed = changes.skus_with(Status.removed)
    added = changes.skus_with(Status.added)
    versions = changes.current.drop_duplicates("platform_sku").set_index("platform_sku")["version"].loc[changed] + 1
    if len(added) + len(changed) == len(changes.status) - len(removed):  # every wanted mapping is written
        writing = changes.desired
    else:
        writing = changes.desired[_member(changes.desired["platform_sku"], [*added, *changed])]
    _write(session, changes.store_id, deleted=[*removed, *changed], components=writing, versions=versions.to_dict())
    return changes.counts()


def claim_store_version(session: Session, store_id: int, expected: int | None = None) -> int:
    """Bump the store's mapping version; with `expected`, only if it is still that (else Conflict).

    The bump is the first write of every change, so in PostgreSQL it also locks the
    row and a second writer waits here, then finds the version moved.
    """
    version_table = _tables()[1]
    now = utc_now()
    condition = [version_table.c.store_id == store_id]
    if expected is not None:
        condition.append(version_table.c.version == expected)
    result = session.execute(update(version_table).where(*condition).values(version=version_table.c.version + 1, updated_at=now))
    if result.rowcount == 1:
        return (expected + 1) if expected is not None else store_mapping_version(session, store_id)
    if expected not in (None, 0) or store_mapping_version(session, store_id) != 0:
        raise _stale()
    try:
        session.execute(insert(version_table), [{"store_id": store_id, "version": 1, "updated_at": now}])
    except IntegrityError:
        raise _stale() from None
    return 1


def _stale() -> Conflict:
    return Conflict(
        "The store's mappings were changed by someone else after this preview was made, so nothing was saved.",
        "Make the preview again (upload the file again, or reopen the clone preview) and check it before applying.",
    )


def insert_many(session: Session, table: SqlTable, columns: MappingType[str, Any]) -> None:
    """INSERT many rows in a single driver call (executemany), without per-row SQLAlchemy processing.

    `columns` maps each column to its values, one per row (a list of plain
    str/int/None), or to one value for every row, such as a timestamp, which is
    converted by the column's type once instead of for every row. The SQL is
    compiled by SQLAlchemy for the session's database, so this works on SQLite
    and PostgreSQL alike. For 100,000 rows this is several times faster than
    session.execute(insert(...), rows).
    """
    if not any(isinstance(values, list) and values for values in columns.values()):
        return
    connection = session.connection()
    dialect = connection.dialect
    compiled = insert(table).compile(dialect=dialect, column_keys=list(columns))

    def values_of(name: str):
        values = columns[name]
        if isinstance(values, list):
            return values
        processor = compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect)
        return repeat(processor(values) if processor else values)

    if compiled.positional:
        parameters = list(zip(*(values_of(name) for name in compiled.positiontup)))
    else:
        keys = [compiled.bind_names[compiled.binds[name]] for name in columns]
        parameters = [dict(zip(keys, row)) for row in zip(*(values_of(name) for name in columns))]
    connection.exec_driver_sql(compiled.string, parameters)


def _in_chunks(values: Sequence) -> Iterable[list]:
    values = list(values)
    for start in range(0, len(values), _IN_CHUNK):
        yield values[start : start + _IN_CHUNK]


def _write(session: Session, store_id: int, *, deleted: Sequence[str], components: pd.DataFrame, versions: MappingType[str, int]) -> None:
    """Delete the `deleted` platform SKUs' rows, then insert `components` (platform_sku, system_sku, quantity).

    Components are numbered in the order given, which is the order they were
    entered. A platform SKU's rows get its version from `versions` (1 when absent:
    a new mapping). Raises Conflict if an inserted mapping exists already, which
    happens only when someone else added it at the same moment.
    """
    component = _tables()[0]
    for chunk in _in_chunks(deleted):
        session.execute(delete(component).where(component.c.store_id == store_id, component.c.platform_sku.in_(chunk)))
    if components.empty:
        return
    platform = components["platform_sku"]
    codes = pd.factorize(platform.to_numpy(dtype=object))[0]
    position = pd.Series(codes).groupby(codes).cumcount().tolist()  # 0, 1, ... within each platform SKU, in the order given
    version = platform.map(versions).fillna(1).astype("int64").tolist() if versions else 1
    try:
        insert_many(session, component, {
            "store_id": store_id, "platform_sku": platform.tolist(), "system_sku": components["system_sku"].tolist(),
            "quantity": components["quantity"].astype("int64").tolist(), "position": position, "version": version, "updated_at": utc_now(),
        })
    except IntegrityError:
        raise _added_meanwhile() from None


def _added_meanwhile() -> Conflict:
    return Conflict(
        "Someone else added some of the same platform SKUs at the same moment, so nothing was saved.",
        "Reload and try again; their mappings are now in the list.",
    )


# --------------------------------------------------------------------------- grid


@dataclass
class GridSaveResult:
    saved: bool
    errors: list[RowError] = field(default_factory=list)  # row = 1-based position in the edited rows
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    discarded: list[str] = field(default_factory=list)  # platform SKUs left as they were because their rows had errors

    def summary(self) -> str:
        if not self.saved:
            return f"Nothing was saved: {len({e.row for e in self.errors})} rows have problems. Fix them, or choose to discard the rows with problems."
        if not (self.added or self.changed or self.removed):
            return "There were no changes to save."
        text = f"Saved: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} deleted."
        if self.discarded:
            text += f" Not saved because of problems: {', '.join(self.discarded[:10])}{'…' if len(self.discarded) > 10 else ''}."
        return text


def grid_frame(edited_rows: pd.DataFrame | Sequence[MappingType[str, Any]]) -> pd.DataFrame:
    """The grid's rows as text cells, indexed by 1-based position; rows left completely empty are dropped."""
    records = edited_rows.to_dict("records") if isinstance(edited_rows, pd.DataFrame) else list(edited_rows)
    frame = pd.DataFrame(
        {
            key: pd.Series([_cell(record.get(key)) for record in records], dtype=TEXT)
            for key in ("platform_sku", "system_sku", "quantity")
        }
    )
    frame.index = pd.RangeIndex(1, len(records) + 1, name="row")
    blank = (frame["platform_sku"].str.strip() == "") & (frame["system_sku"].str.strip() == "") & (frame["quantity"].str.strip() == "")
    return frame[~blank]


def save_grid(
    session: Session,
    store_id: int,
    shown: MappingPage | Sequence[MappingView],
    edited_rows: pd.DataFrame | Sequence[MappingType[str, Any]],
    *,
    actor: Actor,
    discard_invalid: bool = False,
) -> GridSaveResult:
    """Save what the user did to a page of the grid, all or nothing.

    `shown` is the page as it was loaded (with versions); `edited_rows` is the grid
    after editing, one row per component with platform_sku, system_sku and quantity
    (other keys are ignored). A shown mapping whose rows are all gone is deleted.

    Returns saved=False with errors when any row is invalid, unless
    `discard_invalid`: then the platform SKUs with bad rows are left as they were
    and the rest is saved. Raises Conflict when someone else changed or deleted a
    mapping being saved, or added the same new platform SKU, since the page was loaded.

    Needs the editor role; every mapping created, changed or deleted gets an audit
    entry with its components before and after.
    """
    require(actor, Permission.edit_mappings, "change product mappings")
    views = list(shown.mappings if isinstance(shown, MappingPage) else shown)
    by_sku = {view.platform_sku: view for view in views}
    frame = grid_frame(edited_rows)
    checked = validate_rows(session, frame)
    errors = list(checked.errors)

    new_skus = sorted(set(frame["platform_sku"]) - set(by_sku) - checked.rejected)
    taken = _existing_platform_skus(session, store_id, new_skus)
    rejected = set(checked.rejected)
    for row, value in frame["platform_sku"][_member(frame["platform_sku"], taken)].items():
        errors.append(RowError(int(row), PLATFORM_SKU.label, value, f"Platform SKU '{value}' is already mapped (it is not on this page).",
                               "Search for it and edit it there, or use another platform SKU.", value))
        rejected.add(value)
    errors.sort(key=lambda e: (e.row or 0, e.column))
    if errors and not discard_invalid:
        return GridSaveResult(False, errors)

    desired = _grouped(checked.components[~_member(checked.components["platform_sku"], rejected)])
    discarded = sorted(sku for sku in rejected & (set(by_sku) | set(frame["platform_sku"])) if sku.strip())
    result = GridSaveResult(True, errors, discarded=discarded)
    present = set(frame["platform_sku"])
    claims: list[MappingView] = []
    for sku, components in desired.items():
        view = by_sku.get(sku)
        if view is None:
            result.added.append(sku)
        elif sorted(components, key=lambda c: c.system_sku) != sorted(view.components, key=lambda c: c.system_sku):
            result.changed.append(sku)
            claims.append(view)
    for sku, view in by_sku.items():
        if sku not in present:
            result.removed.append(sku)
            claims.append(view)
    if not (result.added or result.changed or result.removed):
        return result

    # Store row first, then mapping rows: the same order as an import, so two
    # writers queue up behind each other instead of deadlocking (PostgreSQL).
    claim_store_version(session, store_id)
    _claim_mappings(session, store_id, claims)
    # Checked again now that this save holds the store's lock: someone may have
    # added one of the new platform SKUs since the check above.
    if _existing_platform_skus(session, store_id, result.added):
        raise _added_meanwhile()
    writing = checked.components[_member(checked.components["platform_sku"], result.added + result.changed)]
    _write(session, store_id, deleted=result.removed + result.changed, components=writing,
           versions={sku: by_sku[sku].version + 1 for sku in result.changed})
    for names in (result.added, result.changed, result.removed):
        names.sort()
    store_name = store_name_of(session, store_id)
    for action, names in (("mapping.create", result.added), ("mapping.update", result.changed), ("mapping.delete", result.removed)):
        for sku in names:
            before = by_sku[sku].components if sku in by_sku else ()
            after = desired.get(sku, ()) if action != "mapping.delete" else ()
            audit.append(session, actor, action, store_id=store_id, store_name=store_name, subject=sku,
                         before=audited_components(before) if before else None, after=audited_components(after) if after else None)
    return result


def audited_components(components: Iterable[Component]) -> list[dict]:
    """A mapping's components as the audit trail keeps them."""
    return [{"system_sku": c.system_sku, "quantity": c.quantity} for c in components]


def store_name_of(session: Session, store_id: int) -> str:
    """The store's name for audit entries (which outlive the store, so they keep the name too)."""
    return session.execute(select(Store.__table__.c.name).where(Store.__table__.c.id == store_id)).scalar_one_or_none() or ""


def mapped_platform_skus(session: Session, store_id: int, skus: Iterable[str]) -> set[str]:
    """Which of these platform SKUs the store has mapped (exact match), e.g. to find unmapped listings."""
    return _existing_platform_skus(session, store_id, sorted(set(skus)))


def _existing_platform_skus(session: Session, store_id: int, skus: Sequence[str]) -> set[str]:
    component = _tables()[0]
    found: set[str] = set()
    for chunk in _in_chunks(skus):
        found.update(
            session.execute(select(component.c.platform_sku).where(component.c.store_id == store_id, component.c.platform_sku.in_(chunk))).scalars()
        )
    return found


def _claim_mappings(session: Session, store_id: int, views: Sequence[MappingView]) -> None:
    """Bump each mapping's version only if it is still the one the user saw; Conflict otherwise."""
    component = _tables()[0]
    stale = []
    for view in views:
        result = session.execute(
            update(component)
            .where(component.c.store_id == store_id, component.c.platform_sku == view.platform_sku, component.c.version == view.version)
            .values(version=component.c.version + 1, updated_at=utc_now())
        )
        if result.rowcount < 1:
            stale.append(view.platform_sku)
    if stale:
        shown = ", ".join(stale[:10]) + ("…" if len(stale) > 10 else "")
        raise Conflict(
            f"Someone else changed or deleted {shown} after you opened this page, so none of your changes were saved.",
            "Reload the page to see their version, then make your changes again.",
        )


# --------------------------------------------------------------------------- clone


@dataclass
class ClonePlan:
    """A preview of copying one store's mappings into another."""

    source_store_id: int
    target_store_id: int
    policy: ClonePolicy
    sku_filter: str
    changes: ChangeSet

    def counts(self) -> dict[str, int]:
        """added: new in the target; overwritten / skipped: the target maps them differently; unchanged: already the same."""
        return {
            "added": self.changes.count(Status.added),
            "overwritten": self.changes.count(Status.changed),
            "skipped": self.changes.count(Status.skipped),
            "unchanged": self.changes.count(Status.unchanged),
        }

    def summary(self) -> str:
        counts = self.counts()
        return (
            f"{counts['added']} to add, {counts['overwritten']} to overwrite, {counts['skipped']} kept as the target has them, "
            f"{counts['unchanged']} already the same."
        )

    def to_dict(self, limit: int | None = None) -> dict:
        return {
            "source_store_id": self.source_store_id,
            "target_store_id": self.target_store_id,
            "policy": str(self.policy),
            "sku_filter": self.sku_filter,
            "counts": self.counts(),
            "changes": [c.to_dict() for c in self.changes.changes(limit=limit) if c.status != Status.unchanged],
        }


def plan_clone(session: Session, source_store_id: int, target_store_id: int, *, sku_filter: str = "", policy: ClonePolicy | str = ClonePolicy.skip) -> ClonePlan:
    """What copying the source store's mappings (all, or those matching `sku_filter`) into the target would do."""
    if source_store_id == target_store_id:
        raise ValidationFailed("The source and target store are the same.", "Choose two different stores.")
    try:
        policy = ClonePolicy(policy)
    except ValueError:
        raise ValidationFailed(f"'{policy}' is not a clone policy.", "Choose skip (keep the target's own mappings) or overwrite.") from None
    source = current_components(session, source_store_id, sku_text=sku_filter)
    changes = plan_changes(session, target_store_id, source, policy=policy)
    return ClonePlan(source_store_id, target_store_id, policy, sku_filter, changes)


def apply_clone(session: Session, plan: ClonePlan, *, actor: Actor) -> dict[str, int]:
    """Write a clone preview into the target store; Conflict if the target's mappings moved since the preview.

    Needs the editor role. One audit entry for the whole clone, on the target store."""
    require(actor, Permission.edit_mappings, "clone product mappings")
    apply_changes(session, plan.changes)
    counts = plan.counts()
    source = store_name_of(session, plan.source_store_id)
    which = f", SKUs containing '{plan.sku_filter}'" if plan.sku_filter else ""
    audit.append(
        session, actor, "clone.apply", store_id=plan.target_store_id, store_name=store_name_of(session, plan.target_store_id),
        subject=f"from {source}", after={"source": source, "policy": str(plan.policy), "sku_filter": plan.sku_filter, **counts},
        detail=f"Cloned from '{source}' ({plan.policy}{which}): {plan.summary()}",
    )
    return counts


# --------------------------------------------------------------------------- export


def export_rows(session: Session, store_id: int) -> list[tuple[str, str, int, str]]:
    """The store's mappings in canonical form: (platform SKU, system SKU, quantity, product name) per component."""
    frame = current_components(session, store_id)
    names = product_names(session, frame["system_sku"].unique().tolist())
    return [(p, s, int(q), names.get(s, "")) for p, s, q in frame[["platform_sku", "system_sku", "quantity"]].itertuples(index=False)]


def export_mappings(session: Session, store_id: int, format: str = "csv") -> bytes:
    """The store's mappings as CSV or XLSX bytes; importing them back changes nothing."""
    return write_table(format, EXPORT_HEADER, export_rows(session, store_id), sheet_title="Mappings", widths=[24, 24, 10, 40])
