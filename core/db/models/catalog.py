"""The OMS product catalog and each store's product mappings (platform SKU -> system SKUs).

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


class MappingComponent(SQLModel, table=True):
    """One component of a store's mapping: a system SKU and how many of it ship for one unit sold.

    A mapping is the set of rows sharing (store_id, platform_sku); a bundle has
    several. There is no separate mapping row, so a mapping with no component
    cannot exist, and the primary key keeps a product from appearing twice in one
    mapping. `version` and `updated_at` belong to the whole mapping and are the
    same on each of its rows: every change rewrites all of them.

    One table with a natural key, stored WITHOUT ROWID in SQLite, is one B-tree to
    write per component: a 100,000-row import costs half of what a mapping table
    plus a component table (four B-trees) did. Paging a store's mappings in SKU
    order reads the primary key in order.
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

    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True))
    platform_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), primary_key=True))
    system_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), ForeignKey("catalog_product.system_sku"), primary_key=True))
    quantity: int = Field(sa_column=Column(Integer, nullable=False))
    # The order the components were entered in, kept for display and export.
    position: int = Field(sa_column=Column(Integer, nullable=False))
    # The store's mapping version (StoreMappingVersion) when this mapping was last written. It
    # only goes up, so a mapping deleted and made again never looks like the one an old page
    # showed; a grid save based on an older version is refused.
    version: int = Field(sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now)


class StoreMappingVersion(SQLModel, table=True):
    """One counter per store, bumped by every change to its mappings.

    An import plan or clone preview remembers it; applying refuses when it moved,
    because the preview the user approved no longer describes what would happen.
    It lives apart from Store.version so that editing a store's notes does not
    invalidate a mapping import, and the other way round.
    """

    __tablename__ = "store_mapping_version"

    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True))
    version: int = Field(default=0)
    updated_at: datetime = Field(default_factory=utc_now)
