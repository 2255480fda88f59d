"""The OMS product catalog and the product mappings (platform SKU -> system SKUs), for all stores or one store.

A mapping's components are rows, never a joined string, so the database itself
guarantees that a component points at a real product, has a quantity of at least 1,
and does not repeat a product within one mapping.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now

# Walmart allows 50 characters in a seller SKU; OMS SKUs are given the same room twice over.
SKU_MAX_LENGTH = 100
# The scope of the default mapping, made for all stores (MappingScope.id); a store's own scope is its id.
ALL_STORES = 0


class CatalogProduct(SQLModel, table=True):
    """One OMS product: what a mapping's components point at."""

    __tablename__ = "catalog_product"

    id: int | None = Field(default=None, primary_key=True)
    system_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), nullable=False, unique=True))
    name: str = Field(default="", max_length=300)
    barcode: str | None = Field(default=None, max_length=64, index=True)
    active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class MappingScope(SQLModel, table=True):
    """Where a mapping applies, and that level's version counter.

    Two levels: all stores (the default mapping: id ALL_STORES, no store) and one
    store (an override: id = the store's id). A mapping is looked up in the store's
    own scope first, then in the default (core.mapping.resolve). The id is chosen,
    never generated, so a scope's id is the number callers already hold.

    `version` is bumped by every change to the scope's mappings. An import plan or
    clone preview remembers it; applying refuses when it moved, because the preview
    the user approved no longer describes what would happen. It lives apart from
    Store.version so that editing a store's notes does not invalidate a mapping
    import, and the other way round. The row is made by the scope's first change.
    """

    __tablename__ = "mapping_scope"
    __table_args__ = (
        CheckConstraint(f"(store_id IS NULL AND id = {ALL_STORES}) OR (store_id = id AND id > {ALL_STORES})", name="ck_mapping_scope_store"),
    )

    id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    # Deleting the store deletes its scope, and with it its mappings; the default has none.
    store_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), nullable=True))
    version: int = Field(default=0, sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now)


class MappingComponent(SQLModel, table=True):
    """One component of a mapping: a system SKU and how many of it ship for one unit sold.

    A mapping is the set of rows sharing (scope_id, platform_sku); a bundle has
    several. There is no separate mapping row, so a mapping with no component
    cannot exist, and the primary key keeps a product from appearing twice in one
    mapping. `version` and `updated_at` belong to the whole mapping and are the
    same on each of its rows: every change rewrites all of them.

    One table with a natural key, stored WITHOUT ROWID in SQLite, is one B-tree to
    write per component: a 100,000-row import costs half of what a mapping table
    plus a component table (four B-trees) did. Paging a scope's mappings in SKU
    order reads the primary key in order, and looking a SKU up in a store and then
    in the default is two probes of it.
    """

    __tablename__ = "mapping_component"
    __table_args__ = (
        CheckConstraint("quantity >= 1", name="ck_mapping_component_quantity"),
        CheckConstraint("position >= 0", name="ck_mapping_component_position"),
        {"sqlite_with_rowid": False},
    )
    # No index on system_sku alone: no query filters on it exactly (SKU search is a
    # substring match, which no index serves) and products are never deleted.
    # Add one with the first "where is this product used?" feature.

    # MappingScope.id: a store's id, or ALL_STORES for the default mapping.
    scope_id: int = Field(sa_column=Column(Integer, ForeignKey("mapping_scope.id", ondelete="CASCADE"), primary_key=True))
    platform_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), primary_key=True))
    system_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), ForeignKey("catalog_product.system_sku"), primary_key=True))
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    # The order the components were entered in, kept for display and export.
    position: int = Field(sa_column=Column(Integer, nullable=False))
    # The scope's version (MappingScope.version) when this mapping was last written. It only
    # goes up, so a mapping deleted and made again never looks like the one an old page
    # showed; a grid save based on an older version is refused.
    version: int = Field(sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now)
