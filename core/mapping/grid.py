"""The mapping grid: a page of mappings as the grid shows it, and saving what the user did to it (edited, added and deleted rows), all or nothing."""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.i18n import ngettext
from core.mapping.bulk import member
from core.mapping.bundles import Component
from core.mapping.changes import claim_mappings, claim_store_version, grouped_components, write_mappings
from core.mapping.columns import PLATFORM_SKU, cell_text, meant_sku
from core.mapping.repository import MappingPage, MappingView, mapped_platform_skus, store_name_of
from core.mapping.rules import validate_rows
from core.spreadsheets.cells import TEXT
from core.spreadsheets.lookalikes import nfc_column
from core.spreadsheets.table import RowError

GRID_COLUMNS = ("platform_sku", "system_sku", "quantity", "product_name", "bundle_size", "loaded_platform_sku")


def grid_rows(page: MappingPage) -> list[dict[str, Any]]:
    """One dict per component, keys GRID_COLUMNS; product_name and bundle_size are for display only, and
    loaded_platform_sku keeps the row's platform SKU as loaded, for the save (save_grid)."""
    return [
        {
            "platform_sku": mapping.platform_sku,
            "system_sku": component.system_sku,
            "quantity": component.quantity,
            "product_name": page.names.get(component.system_sku, ""),
            "bundle_size": mapping.bundle_size,
            "loaded_platform_sku": mapping.platform_sku,
        }
        for mapping in page.mappings
        for component in mapping.components
    ]


def grid_frame(page: MappingPage) -> pd.DataFrame:
    """The page as the grid editor shows it: grid_rows in a frame with the columns GRID_COLUMNS."""
    return pd.DataFrame(grid_rows(page), columns=list(GRID_COLUMNS))


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
            return ngettext("Nothing was saved: {n} row has a problem. Fix it, or choose to discard the rows with problems.",
                            "Nothing was saved: {n} rows have problems. Fix them, or choose to discard the rows with problems.",
                            len({e.row for e in self.errors}))
        kept = (f" Left as they were because of rows with problems: {', '.join(self.discarded[:10])}{'…' if len(self.discarded) > 10 else ''}."
                if self.discarded else "")
        if not (self.added or self.changed or self.removed):
            return f"Nothing was saved.{kept}" if kept else "There were no changes to save."
        return f"Saved: {len(self.added)} added, {len(self.changed)} changed, {len(self.removed)} deleted.{kept}"


def edited_frame(edited_rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The grid's rows as text cells, indexed by 1-based position; rows left completely empty are dropped.

    `loaded_platform_sku` is the platform SKU a row had when the page was loaded ('' for a new row).
    """
    records = edited_rows.to_dict("records") if isinstance(edited_rows, pd.DataFrame) else list(edited_rows)
    frame = pd.DataFrame(
        {
            key: pd.Series([cell_text(record.get(key)) for record in records], dtype=TEXT)
            for key in ("platform_sku", "system_sku", "quantity", "loaded_platform_sku")
        }
    )
    for key in ("platform_sku", "system_sku"):  # SKUs in one form (NFC), as a file import gives them
        frame[key] = nfc_column(frame[key])
    frame.index = pd.RangeIndex(1, len(records) + 1, name="row")
    blank = (frame["platform_sku"].str.strip() == "") & (frame["system_sku"].str.strip() == "") & (frame["quantity"].str.strip() == "")
    return frame[~blank]


def save_grid(
    session: Session,
    store_id: int,
    shown: MappingPage | Sequence[MappingView],
    edited_rows: pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    actor: Actor,
    discard_invalid: bool = False,
) -> GridSaveResult:
    """Save what the user did to a page of the grid, all or nothing.

    `shown` is the page as it was loaded (with versions); `edited_rows` is the grid
    after editing, one row per component with platform_sku, system_sku and quantity,
    and, for rows that were loaded, loaded_platform_sku (other keys are ignored). A
    shown mapping whose rows are all gone is deleted.

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
    frame = edited_frame(edited_rows)
    checked = validate_rows(session, frame)
    errors = list(checked.errors)

    new_skus = sorted(set(frame["platform_sku"]) - set(by_sku) - checked.rejected)
    taken = mapped_platform_skus(session, store_id, new_skus)
    rejected = set(checked.rejected)
    is_taken = member(frame["platform_sku"], taken)
    for row, value in zip(frame.index[is_taken], frame["platform_sku"][is_taken]):
        errors.append(RowError(int(row), PLATFORM_SKU.label, value, f"Platform SKU '{value}' is already mapped (it is not on this page).",
                               "Search for it and edit it there, or use another platform SKU.", value))
        rejected.add(value)
    errors.sort(key=lambda e: (e.row or 0, e.column))
    if errors and not discard_invalid:
        return GridSaveResult(False, errors)

    rejected = _held_back(frame, rejected)
    desired = grouped_components(checked.components[~member(checked.components["platform_sku"], rejected)])
    discarded = sorted({meant_sku(sku) or sku for sku in rejected & (set(by_sku) | set(frame["platform_sku"])) if sku.strip()})
    result = GridSaveResult(True, errors, discarded=discarded)
    present = set(frame["platform_sku"]) | rejected  # a shown mapping is deleted only when its rows are gone
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
    version = claim_store_version(session, store_id)
    claim_mappings(session, store_id, claims, version)
    writing = checked.components[member(checked.components["platform_sku"], result.added + result.changed)]
    # check_new: now that this save holds the store's lock, look again for the new
    # platform SKUs, which someone may have added since the check above.
    write_mappings(session, store_id, deleted=result.removed + result.changed, components=writing,
                   version=version, check_new=True)
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


def _held_back(frame: pd.DataFrame, rejected: set[str]) -> set[str]:
    """The rejected platform SKUs, and every mapping a row moved into or out of one of them.

    A skipped row leaves the mapping it was loaded with exactly as it is, and the one
    it was moved to as well: neither is saved a component short or with a component
    twice, and nothing is deleted. Followed through chains of moved rows.
    """
    moves = [(now, before) for now, before in zip(frame["platform_sku"], frame["loaded_platform_sku"]) if before and before != now]
    held = set(rejected)
    while True:
        more = {b for a, b in moves if a in held} | {a for a, b in moves if b in held}
        if more <= held:
            return held
        held |= more



def audited_components(components: Iterable[Component]) -> list[dict[str, Any]]:
    """A mapping's components as the audit trail keeps them."""
    return [{"system_sku": c.system_sku, "quantity": c.quantity} for c in components]
