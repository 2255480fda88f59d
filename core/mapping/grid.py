"""The mapping grid: a page of mappings as the grid shows it, checking rows while they are typed (check_rows), and saving
what the user did to it (edited, added and deleted rows, or a whole draft of unsaved edits: save_draft), all or nothing.

A page belongs to one scope (a store, or ALL_STORES: core.mapping.levels) and saves
into it only. A store's page may also show the default mappings it does not
override (MappingPage.effective, each row's `level` says where it comes from).
Those rows are read-only there: they are saved only when the user ticks their
`override` box, which copies them, as edited, into the store's own mappings. Left
alone they are never written; edited without the tick they are a row error;
deleted they stay (they belong to every store). Deleting a store's own mapping
of a SKU the default also maps makes the default apply to the store again, and
the result says so.
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
from sqlmodel import Session

from core import audit
from core.access import Actor, Permission, require
from core.catalog import product_names
from core.db.models import ALL_STORES
from core.errors import Conflict
from core.i18n import N_, Text, _, lazy, ngettext
from core.mapping.bulk import member
from core.mapping.bundles import Component
from core.mapping.changes import claim_mappings, claim_scope_version, grouped_components, write_mappings
from core.mapping.columns import PLATFORM_SKU, cell_text, meant_sku
from core.mapping.draft import Draft, RowRef, clean_rows
from core.mapping.history import ChangeSource, Through
from core.mapping.levels import audited_level, level_of, scope_name
from core.mapping.repository import MappingPage, MappingView, get_mapping, scope_platform_skus
from core.mapping.rules import validate_rows
from core.spreadsheets.cells import TEXT
from core.spreadsheets.lookalikes import nfc_column
from core.spreadsheets.table import RowError

GRID_COLUMNS = ("platform_sku", "system_sku", "quantity", "product_name", "bundle_size", "level", "loaded_platform_sku")
# Not in GRID_COLUMNS: the box the grid adds to a store's page for rows of the default mapping (True: save them as the store's own).
OVERRIDE = "override"


def grid_rows(page: MappingPage) -> list[dict[str, Any]]:
    """One dict per component, keys GRID_COLUMNS; product_name, bundle_size and level (a Level value: where the
    mapping comes from) are for display only, and loaded_platform_sku keeps the row's platform SKU as loaded, for
    the save (save_grid)."""
    return [
        {
            "platform_sku": mapping.platform_sku,
            "system_sku": component.system_sku,
            "quantity": component.quantity,
            "product_name": page.names.get(component.system_sku, ""),
            "bundle_size": mapping.bundle_size,
            "level": str(mapping.level),
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
    overridden: list[str] = field(default_factory=list)  # of `added`: default mappings copied into the store's own
    default_again: list[str] = field(default_factory=list)  # of `removed`: the default mapping applies to the store again
    defaults_kept: list[str] = field(default_factory=list)  # default mappings whose rows were deleted on a store's page: not deleted

    def summary(self) -> str:
        if not self.saved:
            return ngettext("Nothing was saved: {n} row has a problem. Fix it, or choose to discard the rows with problems.",
                            "Nothing was saved: {n} rows have problems. Fix them, or choose to discard the rows with problems.",
                            len({e.row for e in self.errors}))
        kept = (" " + _("Left as they were because of rows with problems: {skus}.", skus=_listed(self.discarded)) if self.discarded else "")
        kept += self._level_notes()
        if not (self.added or self.changed or self.removed):
            return _("Nothing was saved.") + kept if kept else _("There were no changes to save.")
        return _("Saved: {added} added, {changed} changed, {deleted} deleted.", added=len(self.added), changed=len(self.changed),
                 deleted=len(self.removed)) + kept

    def _level_notes(self) -> str:
        notes = ""
        if self.overridden:
            notes += " " + _("Now this store's own (overriding the mapping for all stores): {skus}.", skus=_listed(self.overridden))
        if self.default_again:
            notes += " " + ngettext("{skus} follows the mapping for all stores again.", "{skus} follow the mapping for all stores again.",
                                    len(self.default_again), skus=_listed(self.default_again))
        if self.defaults_kept:
            notes += " " + _("Not deleted, because they are mapped for all stores: {skus}. Delete them with the level All stores, "
                             "or override them for this store.", skus=_listed(self.defaults_kept))
        return notes


def _listed(skus: list[str]) -> str:
    return ", ".join(skus[:10]) + ("…" if len(skus) > 10 else "")


def edited_frame(edited_rows: pd.DataFrame | Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The grid's rows as text cells, indexed by 1-based position; rows left completely empty are dropped.

    `loaded_platform_sku` is the platform SKU a row had when the page was loaded ('' for a new row);
    `override` is True where the user ticked the row's override box (core.mapping.grid.OVERRIDE).
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
    frame[OVERRIDE] = pd.Series([isinstance(record.get(OVERRIDE), (bool, np.bool_)) and bool(record.get(OVERRIDE)) for record in records], dtype=bool)
    frame.index = pd.RangeIndex(1, len(records) + 1, name="row")
    blank = (frame["platform_sku"].str.strip() == "") & (frame["system_sku"].str.strip() == "") & (frame["quantity"].str.strip() == "")
    return frame[~blank]


@dataclass
class _Inherited:
    """What a store's page did to the default mappings it showed (see the module docstring)."""

    frame: pd.DataFrame  # the edited rows, less the default rows left alone; overridden ones as new rows of the store
    errors: list[RowError]
    overridden: dict[str, MappingView]  # platform SKU -> the default mapping as shown, for the rows saved as the store's own
    kept: list[str]  # default mappings whose rows were all deleted: left alone


def _inherited(frame: pd.DataFrame, shown: Sequence[MappingView]) -> _Inherited:
    """Take the rows of the default mappings shown on a store's page out of the save, unless the user overrides them."""
    by_sku = {view.platform_sku: view for view in shown}
    loaded = frame["loaded_platform_sku"]
    # A row belongs to a default mapping if it was loaded with it, or is a new row typed with its platform SKU.
    owner = loaded.where(loaded != "", frame["platform_sku"].where(frame["platform_sku"].isin(list(by_sku)), ""))
    mine = owner.isin(list(by_sku))
    errors: list[RowError] = []
    overridden: dict[str, MappingView] = {}
    drop: list[Any] = []
    for sku, rows in frame[mine].groupby(owner[mine], sort=True):
        view = by_sku[str(sku)]
        if rows[OVERRIDE].any():
            overridden[str(sku)] = view
            continue
        as_shown = sorted((view.platform_sku, c.system_sku, str(c.quantity)) for c in view.components)
        if sorted(zip(rows["platform_sku"], rows["system_sku"], rows["quantity"].str.strip())) == as_shown:
            drop.extend(rows.index)  # left alone: nothing to save
            continue
        for row in rows.index:
            errors.append(RowError(
                int(row), PLATFORM_SKU.label, str(sku),
                _("'{sku}' is mapped for all stores, so it cannot be changed on this store's page.", sku=sku),
                _("Tick Override to make this store's own copy and change that, or change the mapping with the level All stores."),
                str(sku)))
    rest = frame.drop(index=drop)
    rest.loc[rest.index.isin([row for row in rest.index if owner[row] in overridden]), "loaded_platform_sku"] = ""  # saved as new
    kept = sorted(set(by_sku) - set(owner[mine]))
    return _Inherited(rest, errors, overridden, kept)


def save_grid(
    session: Session,
    scope: int,
    shown: MappingPage | Sequence[MappingView],
    edited_rows: pd.DataFrame | Sequence[Mapping[str, Any]],
    *,
    actor: Actor,
    discard_invalid: bool = False,
) -> GridSaveResult:
    """Save what the user did to a page of the grid into `scope` (a store's id or ALL_STORES), all or nothing.

    `shown` is the page as it was loaded (with versions and levels); `edited_rows` is
    the grid after editing, one row per component with platform_sku, system_sku and
    quantity, and, for rows that were loaded, loaded_platform_sku; on a store's page,
    `override` True on rows of a default mapping saves them as the store's own (other
    keys are ignored). A shown mapping of the scope whose rows are all gone is deleted.

    Returns saved=False with errors when any row is invalid, unless
    `discard_invalid`: then the platform SKUs with bad rows are left as they were
    and the rest is saved. Raises Conflict when someone else changed or deleted a
    mapping being saved, added the same new platform SKU, or changed a default
    mapping being overridden, since the page was loaded.

    Needs the editor role; every mapping created, changed or deleted gets an audit
    entry with its components before and after and the level it was made at.
    """
    require(actor, Permission.edit_mappings, N_("change product mappings"))
    views = list(shown.mappings if isinstance(shown, MappingPage) else shown)
    level = level_of(scope)
    by_sku = {view.platform_sku: view for view in views if view.level == level}
    inherited = _inherited(edited_frame(edited_rows), [view for view in views if view.level != level])
    frame = inherited.frame
    checked = validate_rows(session, frame[["platform_sku", "system_sku", "quantity"]])
    errors = list(checked.errors) + inherited.errors
    rejected = set(checked.rejected) | {e.key for e in inherited.errors}

    new_skus = sorted(set(frame["platform_sku"]) - set(by_sku) - rejected)
    taken = scope_platform_skus(session, scope, new_skus)
    is_taken = member(frame["platform_sku"], taken)
    for row, value in zip(frame.index[is_taken], frame["platform_sku"][is_taken]):
        errors.append(RowError(int(row), PLATFORM_SKU.label, value, _("Platform SKU '{sku}' is already mapped (it is not on this page).", sku=value),
                               _("Search for it and edit it there, or use another platform SKU."), value))
        rejected.add(value)
    errors.sort(key=lambda e: (e.row or 0, e.column))
    if errors and not discard_invalid:
        return GridSaveResult(False, errors)

    rejected = _held_back(frame, rejected)
    desired = grouped_components(checked.components[~member(checked.components["platform_sku"], rejected)])
    discarded = sorted({meant_sku(sku) or sku for sku in rejected & (set(by_sku) | set(frame["platform_sku"])) if sku.strip()})
    result = GridSaveResult(True, errors, discarded=discarded, defaults_kept=inherited.kept)
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

    # Scope row first, then mapping rows: the same order as an import, so two
    # writers queue up behind each other instead of deadlocking (PostgreSQL).
    version = claim_scope_version(session, scope)
    claim_mappings(session, scope, claims, version)
    overridden = {sku: view for sku, view in inherited.overridden.items() if sku in result.added}
    _still_as_shown(session, overridden)
    writing = checked.components[member(checked.components["platform_sku"], result.added + result.changed)]
    # check_new: now that this save holds the scope's lock, look again for the new
    # platform SKUs, which someone may have added since the check above.
    write_mappings(session, scope, deleted=result.removed + result.changed, components=writing,
                   version=version, source=ChangeSource(Through.grid, actor), check_new=True)
    for names in (result.added, result.changed, result.removed):
        names.sort()
    result.overridden = sorted(overridden)
    if scope != ALL_STORES and result.removed:
        result.default_again = sorted(scope_platform_skus(session, ALL_STORES, result.removed))
    _audit(session, actor, scope, result, by_sku, desired)
    return result


def save_draft(session: Session, draft: Draft, *, actor: Actor, discard_invalid: bool = False) -> tuple[GridSaveResult, list[RowRef | None]]:
    """Save a level's unsaved grid edits (core.mapping.draft) with save_grid, all or nothing.

    A new row with the platform SKU of a mapping that is not in the draft joins that
    mapping, as it would on the page where it is shown: the mapping is read as it is
    now and saved with the new row added (on a store's page, a mapping for all stores
    joined this way needs its Override box, like any change to it there).
    Returns the result and, for each row sent, where it lives in the draft (None for
    the rows of a joined mapping), so that row errors can be put on their rows.
    """
    views, rows, refs = draft.save_rows()
    joined: list[RowRef | None] = list(refs)
    for sku in sorted(draft.joined()):
        view = get_mapping(session, draft.scope, sku, effective=draft.scope != ALL_STORES)
        if view is not None:
            views.append(view)
            rows.extend(row.as_saved(sku) for row in clean_rows(view))
            joined.extend([None] * len(view.components))
    return save_grid(session, draft.scope, views, rows, actor=actor, discard_invalid=discard_invalid), joined


@dataclass(frozen=True)
class RowCheck:
    """What the grid shows beside a row while it is being edited."""

    product_name: str  # the catalog's name for the row's System SKU (for a bundle cell, its products' names); '' if none
    bundle_size: int | None  # units shipped for one unit sold, once every row of the platform SKU is valid
    problem: str  # what is wrong with the row now, by the rules a save uses; '' when nothing


def check_rows(session: Session, rows: Sequence[Mapping[str, Any]]) -> list[RowCheck]:
    """Check grid rows as they are being edited, with the rules a save uses (validate_rows), one RowCheck per row.

    Rows given with `delete` True, and blank rows, get an empty check and take no part
    in the others' bundle sizes. A save checks again, and more (platform SKUs mapped
    elsewhere, rows of the mapping for all stores on a store's page).
    """
    kept = [{} if row.get("delete") else row for row in rows]
    frame = edited_frame(kept)
    empty = RowCheck("", None, "")
    if frame.empty:
        return [empty] * len(rows)
    checked = validate_rows(session, frame[["platform_sku", "system_sku", "quantity"]])
    problems: dict[int, list[str]] = {}
    for error in checked.errors:
        if error.row is not None and error.message not in problems.setdefault(error.row, []):
            problems[error.row].append(error.message)
    components = checked.components
    sizes = {str(sku): int(size) for sku, size in components.groupby("platform_sku")["quantity"].sum().items()}
    parts: dict[int, list[str]] = {}
    for row, sku in zip(components["row"], components["system_sku"]):
        parts.setdefault(int(row), []).append(str(sku))
    names = product_names(session, set(frame["system_sku"]) | set(components["system_sku"]))
    checks = []
    for position in range(1, len(rows) + 1):
        if position not in frame.index:
            checks.append(empty)
            continue
        system, platform = str(frame.at[position, "system_sku"]), str(frame.at[position, "platform_sku"])
        name = names.get(system) or " + ".join(names[sku] for sku in parts.get(position, []) if sku in names)
        checks.append(RowCheck(name, sizes.get(platform), " ".join(problems.get(position, []))))
    return checks


def _still_as_shown(session: Session, overridden: Mapping[str, MappingView]) -> None:
    """Conflict if a default mapping being copied into a store changed or went since the page showed it."""
    moved = [sku for sku, view in overridden.items()
             if (now := get_mapping(session, ALL_STORES, sku)) is None or now.version != view.version]
    if moved:
        raise Conflict(
            _("The mapping for all stores of {skus} changed after you opened this page, so none of your changes were saved.", skus=_listed(sorted(moved))),
            _("Reload the page to see it as it is now, then override it again if you still want to."),
        )


def _audit(session: Session, actor: Actor, scope: int, result: GridSaveResult, shown: Mapping[str, MappingView],
           desired: Mapping[str, tuple[Component, ...]]) -> None:
    store_id = None if scope == ALL_STORES else scope
    store_name = scope_name(session, scope)
    level = audited_level(scope)
    for action, names in (("mapping.create", result.added), ("mapping.update", result.changed), ("mapping.delete", result.removed)):
        for sku in names:
            before = shown[sku].components if sku in shown else ()
            after = desired.get(sku, ()) if action != "mapping.delete" else ()
            detail: Text = level
            if sku in result.overridden:
                detail = lazy("{level}, copied from the mapping for all stores", level=level)
            elif sku in result.default_again:
                detail = lazy("{level} removed; the mapping for all stores applies again", level=level)
            audit.append(session, actor, action, store_id=store_id, store_name=store_name, subject=sku,
                         before=audited_components(before) if before else None, after=audited_components(after) if after else None,
                         detail=detail)


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
