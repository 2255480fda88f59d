"""A store's product mappings in the database: read and search them, work out and apply a set of changes, export.

A mapping is a platform SKU with one or more (system SKU, quantity) components
(see core.mapping.rules for what a valid one is). Changes worked out here are
shared by import (core.mapping.imports), clone (core.mapping.clone) and the grid
editor (core.mapping.grid).

Canonical export. One row per component, with the columns Platform SKU, System
SKU, Quantity and Product name (for people; ignored on import), ordered by
platform SKU and then by the order the components were entered. Bundles are
several rows with the same platform SKU, never a bundle cell, so every cell
holds one value and sorting or filtering in Excel cannot break a bundle apart.

Concurrency. Each store has a mapping version (StoreMappingVersion), bumped by
every write and checked when an import plan or clone preview is applied. Each
mapping carries the store's version from when it was last written, checked in
the UPDATE's WHERE clause when the grid saves it.
Functions here never commit: call them inside `core.db.engine.session_scope`, and let
a Conflict or ValidationFailed propagate so the whole transaction rolls back.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from itertools import repeat
from typing import Any, Iterable, Sequence
from typing import Mapping as MappingType

import numpy as np
import pandas as pd
from sqlalchemy import Table as SqlTable
from sqlalchemy import case, delete, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from core.catalog import product_names
from core.db.models import MappingComponent, Store, StoreMappingVersion, utc_now
from core.errors import Conflict
from core.mapping.rules import EXPORT_HEADER, Component, bulk_operation, format_bundle, member
from core.spreadsheets.cells import TEXT
from core.spreadsheets.writers import write_table

PAGE_SIZE = 50
GRID_COLUMNS = ("platform_sku", "system_sku", "quantity", "product_name", "bundle_size", "loaded_platform_sku")
_IN_CHUNK = 900  # values per IN (...) statement; under every database's parameter limit
_COMPONENT: SqlTable = MappingComponent.__table__
_STORE_VERSION: SqlTable = StoreMappingVersion.__table__


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
        """One dict per component, keys GRID_COLUMNS; product_name and bundle_size are for display only, and
        loaded_platform_sku keeps the row's platform SKU as loaded, for the save (core.mapping.grid.save_grid)."""
        return [
            {
                "platform_sku": mapping.platform_sku,
                "system_sku": component.system_sku,
                "quantity": component.quantity,
                "product_name": self.names.get(component.system_sku, ""),
                "bundle_size": mapping.bundle_size,
                "loaded_platform_sku": mapping.platform_sku,
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


# --------------------------------------------------------------------------- reading


def store_mapping_version(session: Session, store_id: int) -> int:
    """The store's mapping version: 0 before its first mapping change."""
    version_table = _STORE_VERSION
    value = session.execute(select(version_table.c.version).where(version_table.c.store_id == store_id)).scalar_one_or_none()
    return value or 0


def _matching(store_id: int, sku_text: str = "", bundles_only: bool = False):
    """The store's mappings, one row per platform SKU (platform_sku, version), matching the filters; a query to page or count.

    A mapping matches the SKU text when its platform SKU or any of its system SKUs
    contains it, so a match always brings the whole mapping.
    """
    component = _COMPONENT
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
    heads = session.execute(matching.order_by(_COMPONENT.c.platform_sku).offset(max(offset, 0)).limit(max(limit, 1))).all()
    views = _views(session, store_id, heads)
    names = product_names(session, {c.system_sku for view in views for c in view.components})
    return MappingPage(store_id, views, total, offset, limit, names)


def _views(session: Session, store_id: int, heads: Sequence) -> list[MappingView]:
    component = _COMPONENT
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
    component = _COMPONENT
    heads = session.execute(_matching(store_id).where(component.c.platform_sku == platform_sku)).all()
    views = _views(session, store_id, heads)
    return views[0] if views else None


def coverage(session: Session, store_id: int) -> Coverage:
    """How many platform SKUs the store has mapped, how many are bundles, and how many component rows."""
    component = _COMPONENT
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
    component = _COMPONENT
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
        before = grouped_components(self.current[member(self.current["platform_sku"], wanted)])
        after = grouped_components(self.desired[member(self.desired["platform_sku"], wanted)])
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


def grouped_components(frame: pd.DataFrame) -> dict[str, tuple[Component, ...]]:
    """platform_sku -> its components, from rows with platform_sku, system_sku and quantity."""
    grouped: dict[str, list[Component]] = {}
    for sku, system, quantity in frame[["platform_sku", "system_sku", "quantity"]].itertuples(index=False):
        grouped.setdefault(sku, []).append(Component(system, int(quantity)))
    return {sku: tuple(parts) for sku, parts in grouped.items()}


@bulk_operation
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
    relevant = current[member(current["platform_sku"], wanted)]
    if relevant.empty:  # all new (a first import): nothing to compare component by component
        different = pd.Index([], dtype=TEXT)
    else:
        merged = desired.merge(relevant[["platform_sku", "system_sku", "quantity"]], on=["platform_sku", "system_sku"], how="outer", suffixes=("", "_now"), indicator=True)
        differs = (merged["_merge"] != "both") | (merged["quantity"] != merged["quantity_now"])
        different = pd.Index(merged.loc[differs, "platform_sku"].unique(), dtype=TEXT)
    in_store = member(wanted, existing)
    values = np.where(~in_store, Status.added.value, np.where(member(wanted, different), Status.changed.value, Status.unchanged.value))
    status = pd.Series(values, index=wanted, dtype=object)
    if replace:
        gone = existing[~member(existing, wanted) & ~member(existing, keep)]
        status = pd.concat([status, pd.Series(Status.removed.value, index=gone, dtype=object)])
    return status


@bulk_operation
def apply_changes(session: Session, changes: ChangeSet) -> dict[str, int]:
    """Write a ChangeSet in the caller's transaction. Raises Conflict when the store's mappings moved since it was made."""
    version = claim_store_version(session, changes.store_id, expected=changes.store_version)
    changed = changes.skus_with(Status.changed)
    removed = changes.skus_with(Status.removed)
    added = changes.skus_with(Status.added)
    if len(added) + len(changed) == len(changes.status) - len(removed):  # every wanted mapping is written
        writing = changes.desired
    else:
        writing = changes.desired[member(changes.desired["platform_sku"], [*added, *changed])]
    write_mappings(session, changes.store_id, deleted=[*removed, *changed], components=writing, version=version)
    return changes.counts()


def claim_store_version(session: Session, store_id: int, expected: int | None = None) -> int:
    """Bump the store's mapping version; with `expected`, only if it is still that (else Conflict).

    The bump is the first write of every change, so in PostgreSQL it also locks the
    row and a second writer waits here, then finds the version moved.
    """
    version_table = _STORE_VERSION
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
    except IntegrityError:  # another first-ever change of this store's mappings got there first
        if expected is not None:
            raise _stale() from None
        raise Conflict(
            "Someone else saved changes to this store's mappings at the same moment, so nothing was saved.",
            "Reload and make your changes again.",
        ) from None
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


def write_mappings(
    session: Session, store_id: int, *, deleted: Sequence[str], components: pd.DataFrame, version: int, check_new: bool = False
) -> None:
    """Delete the `deleted` platform SKUs' rows, then insert `components` (platform_sku, system_sku, quantity).

    Call it after claim_store_version, which makes writers to one store take turns,
    and pass the store's new mapping version: every mapping written gets it as its
    own version. Store versions only go up, so a mapping deleted and made again never
    carries the version a stale page showed for the old one.
    Components are numbered in the order given, which is the order they were
    entered. Raises Conflict if a new mapping exists already, which happens
    only when someone else added it at the same moment: `check_new` looks for that
    first (for writers that did not check the store's version, like the grid); the
    primary key catches the rest.
    """
    component = _COMPONENT
    if check_new and mapped_platform_skus(session, store_id, set(components["platform_sku"]) - set(deleted)):
        raise _added_meanwhile()
    for chunk in _in_chunks(deleted):
        session.execute(delete(component).where(component.c.store_id == store_id, component.c.platform_sku.in_(chunk)))
    if components.empty:
        return
    platform = components["platform_sku"]
    codes = pd.factorize(platform.to_numpy(dtype=object))[0]
    position = pd.Series(codes).groupby(codes).cumcount().tolist()  # 0, 1, ... within each platform SKU, in the order given
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
    component = _COMPONENT
    found: set[str] = set()
    for chunk in _in_chunks(skus):
        found.update(
            session.execute(select(component.c.platform_sku).where(component.c.store_id == store_id, component.c.platform_sku.in_(chunk))).scalars()
        )
    return found


# --------------------------------------------------------------------------- export


def export_rows(session: Session, store_id: int) -> list[tuple[str, str, int, str]]:
    """The store's mappings in canonical form: (platform SKU, system SKU, quantity, product name) per component."""
    frame = current_components(session, store_id)
    names = product_names(session, frame["system_sku"].unique().tolist())
    return [(p, s, int(q), names.get(s, "")) for p, s, q in frame[["platform_sku", "system_sku", "quantity"]].itertuples(index=False)]


def export_mappings(session: Session, store_id: int, format: str = "csv") -> bytes:
    """The store's mappings as CSV or XLSX bytes; importing them back changes nothing."""
    return write_table(format, EXPORT_HEADER, export_rows(session, store_id), sheet_title="Mappings", widths=[24, 24, 10, 40])
