"""Product mappings as stored, at either level: list and search them, count them, and look up single ones.

A mapping is a platform SKU with one or more (system SKU, quantity) components
(see core.mapping.bundles and core.mapping.rules for what a valid one is), made
for one scope: a store (an override) or ALL_STORES (the default mapping), see
core.mapping.levels. Each mapping carries its scope's version from when it was
last written, which a later save must still find (core.mapping.changes).

"Own" reads see one scope's rows: what plan/apply, export and clone work on.
"Effective" reads see what applies to a store: its own mappings, and the default
mappings of the platform SKUs it does not map itself (`effective=True`,
`mapped_platform_skus`, `coverage`, and core.mapping.resolve). Functions here only read.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Row, Select, Table, and_, case, exists, func, or_, select, union_all
from sqlmodel import Session

from core.catalog import product_names
from core.db.bulk import IN_CHUNK, in_chunks
from core.db.models import ALL_STORES, MappingComponent, MappingScope
from core.db.models.base import table_of
from core.mapping.bundles import Component
from core.mapping.levels import Level, level_of
from core.spreadsheets.cells import TEXT

PAGE_SIZE = 50
# Above this many SKUs a lookup reads the scope's rows once and picks in memory: one query instead of hundreds of IN (...) lists.
WHOLE_SCOPE_ABOVE = 4 * IN_CHUNK
_COMPONENT: Table = table_of(MappingComponent)
_SCOPE: Table = table_of(MappingScope)


@dataclass(frozen=True)
class MappingView:
    """A mapping as read, with the version a later save must still find and the level it was made at."""

    platform_sku: str
    version: int
    components: tuple[Component, ...]
    level: Level = Level.store

    @property
    def bundle_size(self) -> int:
        """Units shipped for one unit sold: 3 for a 3-pack, 3 for 1 x A + 2 x B."""
        return sum(c.quantity for c in self.components)

    @property
    def is_bundle(self) -> bool:
        return self.bundle_size > 1


@dataclass
class MappingPage:
    """One page of a scope's mappings, as the grid shows and later saves them (core.mapping.grid).

    With `effective`, a store's page also holds the default mappings it does not
    override (level default): shown, never saved as the store's.
    """

    scope: int  # a store's id, or ALL_STORES
    mappings: list[MappingView]
    total: int  # mappings matching the filter, on all pages
    offset: int
    limit: int
    names: dict[str, str] = field(default_factory=dict)  # system SKU -> product name
    effective: bool = False


@dataclass(frozen=True)
class Coverage:
    platform_skus: int  # mapped platform SKUs (for a store: its own and the defaults it does not override)
    bundles: int  # of which ship more than one unit
    components: int  # component rows in all
    from_default: int = 0  # for a store: how many of platform_skus come from the mapping for all stores

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def scope_version(session: Session, scope: int) -> int:
    """The scope's mapping version: 0 before its first mapping change."""
    value = session.execute(select(_SCOPE.c.version).where(_SCOPE.c.id == scope)).scalar_one_or_none()
    return value or 0


def mapping_versions(session: Session, store_id: int) -> tuple[int, int]:
    """(the store's version, the default's version): what a store's effective mappings were read at. Either moving means they may differ."""
    versions = {scope: version for scope, version in session.execute(select(_SCOPE.c.id, _SCOPE.c.version).where(_SCOPE.c.id.in_({store_id, ALL_STORES})))}
    return versions.get(store_id, 0), versions.get(ALL_STORES, 0)


def effective_condition(store_id: int, component: Table = _COMPONENT) -> ColumnElement[bool]:
    """WHERE clause for the rows that apply to a store: its own, and the default's for platform SKUs it has none of.

    For ALL_STORES it is the default's rows alone. Both sides probe the primary key (scope_id, platform_sku, ...).
    """
    if store_id == ALL_STORES:
        return component.c.scope_id == ALL_STORES
    override = _COMPONENT.alias("override")
    overridden = exists().where(override.c.scope_id == store_id, override.c.platform_sku == component.c.platform_sku)
    # The IN first, so that both databases read the two scopes' ranges of the key and nothing else.
    return and_(component.c.scope_id.in_([store_id, ALL_STORES]), or_(component.c.scope_id == store_id, ~overridden))


def _matching(scope: int, sku_text: str = "", bundles_only: bool = False, effective: bool = False) -> Select[Any]:
    """One row per mapping (platform_sku, scope_id, version) matching the filters; a query to page or count.

    A mapping matches the SKU text when its platform SKU or any of its system SKUs
    contains it, so a match always brings the whole mapping.
    """
    component = _COMPONENT
    where = effective_condition(scope) if effective else component.c.scope_id == scope
    query = select(component.c.platform_sku, component.c.scope_id, func.max(component.c.version).label("version")).where(where)
    needle = (sku_text or "").strip().lower()
    if needle:
        hit = or_(func.lower(component.c.platform_sku).contains(needle, autoescape=True),
                  func.lower(component.c.system_sku).contains(needle, autoescape=True))
        query = query.having(func.max(case((hit, 1), else_=0)) == 1)
    if bundles_only:
        query = query.having(func.sum(component.c.quantity) > 1)
    return query.group_by(component.c.scope_id, component.c.platform_sku)


def count_mappings(session: Session, scope: int, *, sku_text: str = "", bundles_only: bool = False, effective: bool = False) -> int:
    """How many mappings `list_mappings` with these filters pages through. It reads every matching row, so a page
    that shows it on every rerun keeps it while `mapping_versions` stand still (ui/mapping_counts.py)."""
    return int(session.execute(select(func.count()).select_from(_matching(scope, sku_text, bundles_only, effective).subquery())).scalar_one())


def list_mappings(
    session: Session, scope: int, *, sku_text: str = "", bundles_only: bool = False, offset: int = 0, limit: int = PAGE_SIZE,
    effective: bool = False, total: int | None = None,
) -> MappingPage:
    """A page of the scope's mappings in platform SKU order, each with all its components and its level.

    `sku_text` matches any part of the platform SKU or of a component's system SKU,
    ignoring letter case. `bundles_only` keeps mappings that ship more than one unit.
    `effective` (for a store) adds the default mappings the store does not override.
    `total`: `count_mappings` for the same filters when the caller has it; counted here otherwise.
    """
    matching = _matching(scope, sku_text, bundles_only, effective)
    if total is None:
        total = count_mappings(session, scope, sku_text=sku_text, bundles_only=bundles_only, effective=effective)
    heads = session.execute(_page_of(matching, scope, effective, max(offset, 0), max(limit, 1))).all()
    views = _views(session, heads)
    names = product_names(session, {c.system_sku for view in views for c in view.components})
    return MappingPage(scope, views, total, offset, limit, names, effective and scope != ALL_STORES)


def _page_of(matching: Select[Any], scope: int, effective: bool, offset: int, limit: int) -> Select[Any]:
    """One page of `matching` in platform SKU order, read in the key's order (scope_id, platform_sku): a page costs
    its offset and size, never a sort of every mapping of the level. A store's effective mappings come from two
    levels, each already in order: the first offset + limit of each, merged."""
    key = (_COMPONENT.c.scope_id, _COMPONENT.c.platform_sku)
    if not effective or scope == ALL_STORES:
        return matching.order_by(*key).offset(offset).limit(limit)
    parts = [matching.where(_COMPONENT.c.scope_id == level).order_by(*key).limit(offset + limit).subquery() for level in (scope, ALL_STORES)]
    merged = union_all(*(select(part) for part in parts)).subquery()
    return select(merged).order_by(merged.c.platform_sku).offset(offset).limit(limit)


def _views(session: Session, heads: Sequence[Row[Any]]) -> list[MappingView]:
    component = _COMPONENT
    parts: dict[tuple[int, str], list[Component]] = {(head.scope_id, head.platform_sku): [] for head in heads}
    for scope in {head.scope_id for head in heads}:
        for chunk in in_chunks(sku for sku_scope, sku in parts if sku_scope == scope):
            rows = session.execute(
                select(component.c.platform_sku, component.c.system_sku, component.c.quantity)
                .where(component.c.scope_id == scope, component.c.platform_sku.in_(chunk))
                .order_by(component.c.platform_sku, component.c.position)
            )
            for platform_sku, sku, quantity in rows:
                parts[(scope, platform_sku)].append(Component(sku, quantity))
    return [MappingView(head.platform_sku, head.version, tuple(parts[(head.scope_id, head.platform_sku)]), level_of(head.scope_id)) for head in heads]


def get_mapping(session: Session, scope: int, platform_sku: str, *, effective: bool = False) -> MappingView | None:
    """One mapping of the scope (or, `effective`, the one that applies to the store), or None."""
    heads = session.execute(_matching(scope, effective=effective).where(_COMPONENT.c.platform_sku == platform_sku)).all()
    views = _views(session, heads)
    return views[0] if views else None


def coverage(session: Session, scope: int) -> Coverage:
    """How many platform SKUs are mapped, how many are bundles, and how many component rows.

    For a store this counts what applies to it: its own mappings and the default
    mappings it does not override (`from_default` says how many of those).
    """
    component = _COMPONENT
    per_mapping = (
        select(component.c.scope_id, func.sum(component.c.quantity).label("units"), func.count().label("parts"))
        .where(effective_condition(scope))
        .group_by(component.c.scope_id, component.c.platform_sku)
        .subquery()
    )
    platform_skus, bundles, components, shared = session.execute(
        select(func.count(), func.count().filter(per_mapping.c.units > 1), func.coalesce(func.sum(per_mapping.c.parts), 0),
               func.count().filter(per_mapping.c.scope_id == ALL_STORES))
    ).one()
    return Coverage(platform_skus, bundles or 0, components or 0, (shared or 0) if scope != ALL_STORES else 0)


def current_components(session: Session, scope: int, *, sku_text: str = "") -> pd.DataFrame:
    """The scope's own mappings as one row per component: version, platform_sku, system_sku, quantity."""
    component = _COMPONENT
    statement = select(component.c.version, component.c.platform_sku, component.c.system_sku, component.c.quantity).where(
        component.c.scope_id == scope
    )
    if (sku_text or "").strip():
        statement = statement.where(component.c.platform_sku.in_(_matching(scope, sku_text).with_only_columns(component.c.platform_sku)))
    # Plain tuples: pandas probes each SQLAlchemy Row for attributes, which costs seconds on a big store.
    rows = [tuple(row) for row in session.execute(statement.order_by(component.c.platform_sku, component.c.position)).all()]
    frame = pd.DataFrame.from_records(rows, columns=["version", "platform_sku", "system_sku", "quantity"])
    return frame.astype({"version": "int64", "platform_sku": TEXT, "system_sku": TEXT, "quantity": "int64"})


def mapped_platform_skus(session: Session, store_id: int, skus: Iterable[str]) -> set[str]:
    """Which of these platform SKUs are mapped for the store, by its own mapping or the default (exact match).

    What Unmapped listings and anything else counting "mapped" uses. For ALL_STORES: those the default maps.
    """
    column = _COMPONENT.c.platform_sku
    statement = select(column).distinct().where(_COMPONENT.c.scope_id.in_({store_id, ALL_STORES}))
    return {row[0] for row in rows_for_skus(session, statement, column, skus, lambda row: str(row[0]))}


def scope_platform_skus(session: Session, scope: int, skus: Iterable[str]) -> set[str]:
    """Which of these platform SKUs the scope itself maps (not counting the default): what a new mapping there would collide with."""
    column = _COMPONENT.c.platform_sku
    statement = select(column).where(_COMPONENT.c.scope_id == scope)
    return {row[0] for row in rows_for_skus(session, statement, column, skus, lambda row: str(row[0]))}


def rows_for_skus(
    session: Session, statement: Select[Any], column: Any, skus: Iterable[str] | None, key: Callable[[Row[Any]], str]
) -> Iterator[Row[Any]]:
    """The statement's rows whose `column` is one of `skus` (all rows when None), `key` giving a row's SKU.

    Up to WHOLE_SCOPE_ABOVE SKUs are asked for in IN (...) lists; more, and the
    statement runs once without them and the rows are picked here, which is one
    query for 100,000 SKUs instead of a hundred.
    """
    if skus is None:
        yield from session.execute(statement)
        return
    wanted = sorted(set(skus))
    if len(wanted) > WHOLE_SCOPE_ABOVE:
        lookup = set(wanted)
        yield from (row for row in session.execute(statement) if key(row) in lookup)
        return
    for chunk in in_chunks(wanted):
        yield from session.execute(statement.where(column.in_(chunk)))
