"""Unsaved grid edits of one level, kept apart from any page of the grid until they are saved or discarded.

The grid editor forgets what was typed into it as soon as its rows or its key change:
a search, another page of the grid, another level, leaving the page. So the edits are
kept here instead, one Draft per level (scope), in a form that lays over any freshly
loaded page of mappings (`rows_of`), can be counted (`changes`), and is saved in one
go (core.mapping.grid.save_draft) or dropped.

- `mappings`: the mappings the user changed, by platform SKU as loaded. Each keeps the
  MappingView as first shown (its version is what the save must still find) and every
  one of its rows as edited. A mapping edited back to how it was loaded leaves the draft.
- `added`: new rows, the newest first (the grid shows them at its top).
- `prefilled`: platform SKUs of listings put in as rows to fill in ("Map in the grid").
  Until such a row has a System SKU or a Quantity it is not a mapping yet: it is
  neither counted nor saved.

Nothing here reads or writes the database.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, NamedTuple

from core.mapping.repository import MappingView
from core.spreadsheets.table import RowError


@dataclass(frozen=True)
class DraftRow:
    """One grid row as the user left it: '' for an empty text cell, None for an empty quantity."""

    platform_sku: str = ""
    system_sku: str = ""
    quantity: float | None = None  # as typed: 1.5 stays 1.5, so that the save can say it is not a whole number
    override: bool = False  # on a store's page, a row of the mapping for all stores: save it as the store's own
    delete: bool = False  # delete the row when saving
    problem: str = ""  # why the last save refused the row; dropped as soon as the row changes

    @property
    def values(self) -> tuple[str, str, float | None, bool, bool]:
        return self.platform_sku, self.system_sku, self.quantity, self.override, self.delete

    @property
    def blank(self) -> bool:
        return not self.platform_sku.strip() and not self.system_sku.strip() and self.quantity is None

    def edited(self, *, platform_sku: str, system_sku: str, quantity: float | None, override: bool, delete: bool) -> DraftRow:
        """The row with these values; its problem stays only while the values are the ones it was found with."""
        row = DraftRow(platform_sku, system_sku, quantity, override, delete, self.problem)
        return row if row.values == self.values else replace(row, problem="")

    def as_saved(self, loaded_platform_sku: str) -> dict[str, Any]:
        """The row as core.mapping.grid.save_grid takes it."""
        return {"platform_sku": self.platform_sku, "system_sku": self.system_sku, "quantity": self.quantity,
                "loaded_platform_sku": loaded_platform_sku, "override": self.override}


class RowRef(NamedTuple):
    """Where a grid row lives in a draft."""

    mapping: str | None  # the platform SKU of the mapping it was loaded with; None for a new row
    position: int  # its place among that mapping's rows, or among the new rows


def clean_rows(view: MappingView) -> list[DraftRow]:
    """A mapping's rows as loaded, before any edit."""
    return [DraftRow(view.platform_sku, component.system_sku, float(component.quantity)) for component in view.components]


@dataclass
class EditedMapping:
    view: MappingView  # as first shown: the save checks that its version is still the one in the database
    rows: list[DraftRow]

    @property
    def untouched(self) -> bool:
        rows = clean_rows(self.view)
        return [row.values for row in self.rows] == [row.values for row in rows] and not any(row.problem for row in self.rows)


@dataclass
class Draft:
    """One level's unsaved grid edits (see the module docstring)."""

    scope: int  # a store's id, or ALL_STORES
    mappings: dict[str, EditedMapping] = field(default_factory=dict)
    added: list[DraftRow] = field(default_factory=list)
    prefilled: set[str] = field(default_factory=set)

    def rows_of(self, view: MappingView) -> list[DraftRow]:
        """A loaded mapping's rows with this draft's edits laid over them."""
        edited = self.mappings.get(view.platform_sku)
        return list(edited.rows) if edited else clean_rows(view)

    def row(self, ref: RowRef, view: MappingView | None = None) -> DraftRow:
        if ref.mapping is None:
            return self.added[ref.position]
        edited = self.mappings.get(ref.mapping)
        if edited is not None:
            return edited.rows[ref.position]
        if view is None:
            raise KeyError(ref)
        return clean_rows(view)[ref.position]

    def update(self, ref: RowRef, row: DraftRow, view: MappingView | None = None) -> None:
        """Put `row` where `ref` says. A loaded mapping's row needs its `view` the first time it is edited."""
        if ref.mapping is None:
            self.added[ref.position] = row
            return
        edited = self.mappings.get(ref.mapping)
        if edited is None:
            if view is None:
                raise KeyError(ref)
            edited = EditedMapping(view, clean_rows(view))
        rows = list(edited.rows)
        rows[ref.position] = row
        edited = EditedMapping(edited.view, rows)
        if edited.untouched:
            self.mappings.pop(ref.mapping, None)  # edited back to how it was loaded: nothing to save
        else:
            self.mappings[ref.mapping] = edited

    def add_rows(self, rows: Iterable[DraftRow]) -> None:
        """New rows go first, in the order given: the grid shows them at its top."""
        self.added[0:0] = list(rows)

    def tidy(self) -> None:
        """Forget new rows ticked for deletion: they were never saved, so there is nothing to delete."""
        self.added = [row for row in self.added if not row.delete]

    def untouched(self, row: DraftRow) -> bool:
        """A listing put in to fill in, still without a System SKU and a Quantity: not a mapping yet."""
        return row.platform_sku in self.prefilled and not row.system_sku.strip() and row.quantity is None

    def _pending(self, row: DraftRow) -> bool:
        """A new row that a save would send."""
        return not (row.delete or row.blank or self.untouched(row))

    def changes(self) -> int:
        """Rows a save would change: edited, ticked (override or delete) and new ones."""
        changed = sum(
            row.values != clean.values
            for edited in self.mappings.values()
            for row, clean in zip(edited.rows, clean_rows(edited.view))
        )
        return changed + sum(self._pending(row) for row in self.added)

    def problems(self) -> int:
        return sum(bool(row.problem) for edited in self.mappings.values() for row in edited.rows) + sum(bool(row.problem) for row in self.added)

    @property
    def empty(self) -> bool:
        """Nothing at all: no changed mapping and no new row, not even a blank one."""
        return not self.mappings and not self.added

    def left_to_fill(self) -> set[str]:
        """Platform SKUs of listings put in to fill in that still have no System SKU or Quantity."""
        return {row.platform_sku for row in self.added if self.untouched(row) and not row.delete}

    def joined(self) -> set[str]:
        """Platform SKUs of new rows that are not one of the draft's mappings: they may join a mapping that exists."""
        return {row.platform_sku.strip() for row in self.added if self._pending(row) and row.platform_sku.strip()} - set(self.mappings)

    def save_rows(self) -> tuple[list[MappingView], list[dict[str, Any]], list[RowRef]]:
        """What a save sends: the mappings as first shown, the rows as edited (without those ticked for
        deletion, blank ones and listings not filled in), and where each row lives in the draft."""
        views = [edited.view for edited in self.mappings.values()]
        rows: list[dict[str, Any]] = []
        refs: list[RowRef] = []
        for sku, edited in self.mappings.items():
            for index, row in enumerate(edited.rows):
                if not row.delete:
                    rows.append(row.as_saved(sku))
                    refs.append(RowRef(sku, index))
        for index, row in enumerate(self.added):
            if self._pending(row):
                rows.append(row.as_saved(""))
                refs.append(RowRef(None, index))
        return views, rows, refs

    def mark_problems(self, errors: Sequence[RowError], refs: Sequence[RowRef | None]) -> None:
        """Put a failed save's problems on the rows they are about (error.row: the 1-based position in the rows saved)."""
        found: dict[RowRef, list[str]] = {}
        for error in errors:
            if error.row is None or not 1 <= error.row <= len(refs):
                continue
            ref = refs[error.row - 1]
            if ref is not None:
                text = " ".join(part for part in (error.message, error.fix) if part)
                found.setdefault(ref, [])
                if text not in found[ref]:
                    found[ref].append(text)
        for ref, texts in found.items():
            row = self.row(ref)
            self.update(ref, replace(row, problem=" ".join(texts)))

    def drop(self, platform_skus: Iterable[str]) -> None:
        for sku in platform_skus:
            self.mappings.pop(sku, None)
