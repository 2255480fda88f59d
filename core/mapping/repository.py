"""A store's product mappings as stored: list and search them, count them, and look up single ones.

A mapping is a platform SKU with one or more (system SKU, quantity) components
(see core.mapping.bundles and core.mapping.rules for what a valid one is). Each
mapping carries the store's mapping version from when it was last written, which
a later save must still find (core.mapping.changes). Functions here only read.
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy import Row, Select, Table, case, func, or_, select
from sqlmodel import Session

from core.catalog import product_names
from core.db.bulk import in_chunks
from core.db.models import MappingComponent, Store, StoreMappingVersion
from core.db.models.base import table_of
from core.mapping.bundles import Component
from core.spreadsheets.cells import TEXT

PAGE_SIZE = 50
_COMPONENT: Table = table_of(MappingComponent)
_STORE_VERSION: Table = table_of(StoreMappingVersion)
_STORE: Table = table_of(Store)


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
    """One page of a store's mappings, as the grid shows and later saves them (core.mapping.grid)."""

    store_id: int
    mappings: list[MappingView]
    total: int  # mappings matching the filter, on all pages
    offset: int
    limit: int
    names: dict[str, str] = field(default_factory=dict)  # system SKU -> product name


@dataclass(frozen=True)
class Coverage:
    platform_skus: int  # mapped platform SKUs
    bundles: int  # of which ship more than one unit
    components: int  # component rows in all

    def to_dict(self) -> dict[str, int]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


def store_mapping_version(session: Session, store_id: int) -> int:
    """The store's mapping version: 0 before its first mapping change."""
    version_table = _STORE_VERSION
    value = session.execute(select(version_table.c.version).where(version_table.c.store_id == store_id)).scalar_one_or_none()
    return value or 0


def _matching(store_id: int, sku_text: str = "", bundles_only: bool = False) -> Select[Any]:
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


def _views(session: Session, store_id: int, heads: Sequence[Row[Any]]) -> list[MappingView]:
    component = _COMPONENT
    parts: dict[str, list[Component]] = {head.platform_sku: [] for head in heads}
    for chunk in in_chunks(parts):
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


def mapped_platform_skus(session: Session, store_id: int, skus: Iterable[str]) -> set[str]:
    """Which of these platform SKUs the store has mapped (exact match), e.g. to find unmapped listings."""
    return _existing_platform_skus(session, store_id, sorted(set(skus)))


def _existing_platform_skus(session: Session, store_id: int, skus: Sequence[str]) -> set[str]:
    component = _COMPONENT
    found: set[str] = set()
    for chunk in in_chunks(skus):
        found.update(
            session.execute(select(component.c.platform_sku).where(component.c.store_id == store_id, component.c.platform_sku.in_(chunk))).scalars()
        )
    return found


def store_name_of(session: Session, store_id: int) -> str:
    """The store's name for audit entries (which outlive the store, so they keep the name too)."""
    return session.execute(select(_STORE.c.name).where(_STORE.c.id == store_id)).scalar_one_or_none() or ""
