"""Changing one level's mappings: work out what a set of wanted mappings would change (the plan), then write it (apply).

Every function takes a `scope`: a store's id (its overrides) or ALL_STORES (the
default mapping), see core.mapping.levels; the two levels are written the same way.
Import (core.mapping.imports) and clone (core.mapping.clone) plan a ChangeSet,
show it, and apply it later; the grid editor (core.mapping.grid) writes with
claim_scope_version, claim_mappings and write_mappings directly.

History. write_mappings is the one place mappings are written, and it keeps their
history (core.mapping.history) in the same transaction: every caller passes a
ChangeSource saying through what (grid, import of a file, clone from a level,
suggestions) and who, and gets the history's change set id back to link its audit
entry to: `apply_changes(session, changes, source).change_set`.

Concurrency. Each scope has a mapping version (MappingScope), bumped by every
write and checked when an import plan or clone preview is applied; the default
has its own, so two saves of the default take turns like two saves of one store.
Each mapping carries its scope's version from when it was last written, checked
in the UPDATE's WHERE clause when the grid saves it.
Functions here never commit: call them inside `core.db.engine.session_scope`, and let
a Conflict or ValidationFailed propagate so the whole transaction rolls back.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, cast

import numpy as np
import pandas as pd
from sqlalchemy import CursorResult, Result, Table, delete, insert, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.db.bulk import in_chunks, insert_many
from core.db.models import ALL_STORES, MappingComponent, MappingScope, utc_now
from core.db.models.base import table_of
from core.errors import Conflict
from core.i18n import _
from core.mapping.bulk import bulk_operation, member
from core.mapping.bundles import Component, format_bundle
from core.mapping.history import ChangeSource, record
from core.mapping.repository import MappingView, current_components, scope_platform_skus, scope_version
from core.spreadsheets.cells import TEXT

_COMPONENT: Table = table_of(MappingComponent)
_SCOPE: Table = table_of(MappingScope)


class ChangeKind(StrEnum):
    """What a plan does to one platform SKU."""

    added = "added"
    changed = "changed"
    unchanged = "unchanged"
    removed = "removed"
    skipped = "skipped"  # clone with policy "skip": the target already maps it differently


class ClonePolicy(StrEnum):
    skip = "skip"  # keep the target store's own mapping
    overwrite = "overwrite"  # replace it with the source store's


# --------------------------------------------------------------------------- planning


@dataclass(frozen=True)
class PlannedChange:
    platform_sku: str
    status: ChangeKind
    before: tuple[Component, ...]  # the scope's mapping now (empty when added)
    after: tuple[Component, ...]  # what it would become (empty when removed); when skipped, what was offered and not taken

    def to_dict(self) -> dict[str, str]:
        return {
            "platform_sku": self.platform_sku,
            "status": str(self.status),
            "before": format_bundle(self.before),
            "after": format_bundle(self.after),
        }


@dataclass
class ChangeSet:
    """What writing a desired set of mappings into a scope would do, worked out before anything is written.

    `status` has one entry per platform SKU concerned. `scope_version` is the
    scope's mapping version when this was worked out; applying refuses if it moved.
    """

    scope: int  # a store's id, or ALL_STORES
    scope_version: int
    desired: pd.DataFrame  # platform_sku, system_sku, quantity: the mappings wanted
    current: pd.DataFrame  # the scope's mappings when this was worked out (see current_components)
    status: pd.Series[str]  # platform_sku -> ChangeKind
    _by_status: dict[str, pd.Index[str]] | None = field(default=None, repr=False)

    def skus_with(self, status: ChangeKind) -> pd.Index[str]:
        """The platform SKUs with this status (unordered), grouped once for all the counts and writes."""
        if self._by_status is None:
            self._by_status = {str(state): index for state, index in self.status.groupby(self.status.to_numpy()).groups.items()}
        return self._by_status.get(str(status), pd.Index([], dtype=TEXT))

    def count(self, status: ChangeKind) -> int:
        return len(self.skus_with(status))

    def counts(self) -> dict[str, int]:
        return {str(s): self.count(s) for s in ChangeKind}

    def platform_skus(self, status: ChangeKind) -> list[str]:
        return sorted(self.skus_with(status).tolist())

    @property
    def has_writes(self) -> bool:
        return any(self.count(s) for s in (ChangeKind.added, ChangeKind.changed, ChangeKind.removed))

    def changes(self, status: ChangeKind | None = None, *, offset: int = 0, limit: int | None = 100) -> list[PlannedChange]:
        """Details for a slice of the platform SKUs, in status order then SKU order (for previews)."""
        order: dict[str, int] = {s: n for n, s in enumerate(ChangeKind)}
        chosen = self.status if status is None else self.status[self.status == status]
        keys = sorted(zip(chosen.index, chosen), key=lambda item: (order[item[1]], item[0]))  # (platform SKU, status)
        keys = keys[offset : None if limit is None else offset + limit]
        wanted = [sku for sku, _ in keys]
        before = grouped_components(self.current[member(self.current["platform_sku"], wanted)])
        after = grouped_components(self.desired[member(self.desired["platform_sku"], wanted)])
        result: list[PlannedChange] = []
        for sku, state in keys:
            now = before.get(sku, ())
            new: tuple[Component, ...]
            if state == ChangeKind.removed:
                new = ()
            elif state == ChangeKind.unchanged:
                new = now
            else:
                new = after.get(sku, ())
            result.append(PlannedChange(sku, ChangeKind(state), now, new))
        return result


def grouped_components(frame: pd.DataFrame) -> dict[str, tuple[Component, ...]]:
    """platform_sku -> its components, from rows with platform_sku, system_sku and quantity."""
    grouped: dict[str, list[Component]] = {}
    for sku, system, quantity in frame[["platform_sku", "system_sku", "quantity"]].itertuples(index=False):
        grouped.setdefault(sku, []).append(Component(system, int(quantity)))
    return {sku: tuple(parts) for sku, parts in grouped.items()}


@bulk_operation
def plan_changes(
    session: Session,
    scope: int,
    desired: pd.DataFrame,
    *,
    replace: bool = False,
    keep: Iterable[str] = (),
    policy: ClonePolicy = ClonePolicy.overwrite,
) -> ChangeSet:
    """Compare wanted mappings with the scope's own: added, changed, unchanged, and (replace) removed.

    `keep` lists platform SKUs that replace mode must not remove (those whose rows
    were rejected). With policy skip, a mapping the store already has differently
    is 'skipped' instead of 'changed'.
    """
    # Version first: if someone writes between the two reads, the plan is stamped
    # older than what it saw and applying it is refused, never the other way round.
    version = scope_version(session, scope)
    current = current_components(session, scope)
    desired = desired[["platform_sku", "system_sku", "quantity"]].reset_index(drop=True)
    status = _compare(current, desired, replace=replace, keep=set(keep))
    if policy == ClonePolicy.skip:
        status = status.where(status != ChangeKind.changed, ChangeKind.skipped)
    return ChangeSet(scope, version, desired, current, status)


def _compare(current: pd.DataFrame, desired: pd.DataFrame, *, replace: bool, keep: set[str]) -> pd.Series[str]:
    wanted = pd.Index(desired["platform_sku"].unique(), dtype=TEXT)
    existing = pd.Index(current["platform_sku"].unique(), dtype=TEXT)
    relevant = current[member(current["platform_sku"], wanted)]
    if relevant.empty:  # all new (a first import): nothing to compare component by component
        different = pd.Index([], dtype=TEXT)
    else:
        merged = desired.merge(relevant[["platform_sku", "system_sku", "quantity"]], on=["platform_sku", "system_sku"], how="outer", suffixes=("", "_now"), indicator=True)
        differs = (merged["_merge"] != "both") | (merged["quantity"] != merged["quantity_now"])
        different = pd.Index(merged.loc[differs, "platform_sku"].unique(), dtype=TEXT)
    in_store = member(wanted, existing)
    values = np.where(~in_store, ChangeKind.added.value, np.where(member(wanted, different), ChangeKind.changed.value, ChangeKind.unchanged.value))
    status = pd.Series(values, index=wanted, dtype=object)
    if replace:
        gone = existing[~member(existing, wanted) & ~member(existing, keep)]
        status = pd.concat([status, pd.Series(ChangeKind.removed.value, index=gone, dtype=object)])
    return status


# --------------------------------------------------------------------------- applying


@dataclass(frozen=True)
class Applied:
    """What applying a ChangeSet did: its counts, and the history's change set (None when nothing was written)."""

    counts: dict[str, int]
    change_set: int | None


@bulk_operation
def apply_changes(session: Session, changes: ChangeSet, source: ChangeSource) -> Applied:
    """Write a ChangeSet in the caller's transaction, with its history. Raises Conflict when the scope's mappings moved since it was made.

    `source` says through what and by whom (core.mapping.history.ChangeSource): the history keeps it with each
    platform SKU's mapping before and after.
    """
    version = claim_scope_version(session, changes.scope, expected=changes.scope_version)
    changed = changes.skus_with(ChangeKind.changed)
    removed = changes.skus_with(ChangeKind.removed)
    added = changes.skus_with(ChangeKind.added)
    if len(added) + len(changed) == len(changes.status) - len(removed):  # every wanted mapping is written
        writing = changes.desired
    else:
        writing = changes.desired[member(changes.desired["platform_sku"], [*added, *changed])]
    change_set = write_mappings(session, changes.scope, deleted=[*removed, *changed], components=writing, version=version, source=source)
    return Applied(changes.counts(), change_set)


def claim_scope_version(session: Session, scope: int, expected: int | None = None) -> int:
    """Bump the scope's mapping version; with `expected`, only if it is still that (else Conflict).

    The bump is the first write of every change, so in PostgreSQL it also locks the
    row and a second writer waits here, then finds the version moved. The scope's
    first change makes its row (MappingScope), which its mappings then point at.
    """
    version_table = _SCOPE
    now = utc_now()
    condition = [version_table.c.id == scope]
    if expected is not None:
        condition.append(version_table.c.version == expected)
    result = session.execute(update(version_table).where(*condition).values(version=version_table.c.version + 1, updated_at=now))
    if _rowcount(result) == 1:
        return (expected + 1) if expected is not None else scope_version(session, scope)
    if expected not in (None, 0) or scope_version(session, scope) != 0:
        raise _stale()
    try:
        session.execute(insert(version_table), [{"id": scope, "store_id": None if scope == ALL_STORES else scope, "version": 1, "updated_at": now}])
    except IntegrityError:  # another first-ever change of this scope's mappings got there first
        if expected is not None:
            raise _stale() from None
        raise Conflict(
            _("Someone else saved changes to these mappings at the same moment, so nothing was saved."),
            _("Reload and make your changes again."),
        ) from None
    return 1


def claim_mappings(session: Session, scope: int, views: Sequence[MappingView], version: int) -> None:
    """Move each mapping to the scope's new `version`, only if it still has the one the user saw; Conflict otherwise."""
    component = _COMPONENT
    stale = []
    for view in views:
        result = session.execute(
            update(component)
            .where(component.c.scope_id == scope, component.c.platform_sku == view.platform_sku, component.c.version == view.version)
            .values(version=version, updated_at=utc_now())
        )
        if _rowcount(result) < 1:
            stale.append(view.platform_sku)
    if stale:
        shown = ", ".join(stale[:10]) + ("…" if len(stale) > 10 else "")
        raise Conflict(
            _("Someone else changed or deleted {skus} after you opened this page, so none of your changes were saved.", skus=shown),
            _("Reload the page to see their version, then make your changes again."),
        )


def write_mappings(
    session: Session, scope: int, *, deleted: Sequence[str], components: pd.DataFrame, version: int, source: ChangeSource,
    check_new: bool = False,
) -> int | None:
    """Delete the `deleted` platform SKUs' rows, then insert `components` (platform_sku, system_sku, quantity), and keep the history.

    Call it after claim_scope_version, which makes writers to one scope take turns,
    and pass the scope's new mapping version: every mapping written gets it as its
    own version. Scope versions only go up, so a mapping deleted and made again never
    carries the version a stale page showed for the old one.
    Components are numbered in the order given, which is the order they were
    entered. Raises Conflict if a new mapping exists already, which happens
    only when someone else added it at the same moment: `check_new` looks for that
    first (for writers that did not check the scope's version, like the grid); the
    primary key catches the rest.

    The history (core.mapping.history.record) gets the components the DELETE removed,
    as the database had them, and those inserted, with `source`: through what and by
    whom. Returns the history's change set id, or None when nothing was written.
    """
    component = _COMPONENT
    if check_new and scope_platform_skus(session, scope, set(components["platform_sku"]) - set(deleted)):
        raise _added_meanwhile()
    before: list[tuple[str, str, int]] = []
    for chunk in in_chunks(deleted):
        result = session.execute(
            delete(component).where(component.c.scope_id == scope, component.c.platform_sku.in_(chunk))
            .returning(component.c.platform_sku, component.c.system_sku, component.c.quantity)
        )
        before.extend((row[0], row[1], row[2]) for row in result)
    if components.empty:
        return record(session, scope, source, before)
    platform = components["platform_sku"]
    codes = pd.factorize(platform.to_numpy(dtype=object))[0]
    position = pd.Series(codes).groupby(codes).cumcount().tolist()  # 0, 1, ... within each platform SKU, in the order given
    platform_skus, system_skus = platform.tolist(), components["system_sku"].tolist()
    quantities = components["quantity"].astype("int64").tolist()
    try:
        insert_many(session, component, {
            "scope_id": scope, "platform_sku": platform_skus, "system_sku": system_skus,
            "quantity": quantities, "position": position, "version": version, "updated_at": utc_now(),
        })
    except IntegrityError:
        raise _added_meanwhile() from None
    return record(session, scope, source, before, (platform_skus, system_skus, quantities))


def _rowcount(result: Result[Any]) -> int:
    """Rows an UPDATE matched: session.execute is typed to give a Result, and gives an UPDATE's CursorResult."""
    return cast("CursorResult[Any]", result).rowcount


def _stale() -> Conflict:
    return Conflict(
        _("These mappings were changed by someone else after this preview was made, so nothing was saved."),
        _("Make the preview again (upload the file again, or reopen the clone preview) and check it before applying."),
    )


def _added_meanwhile() -> Conflict:
    return Conflict(
        _("Someone else added some of the same platform SKUs at the same moment, so nothing was saved."),
        _("Reload and try again; their mappings are now in the list."),
    )
