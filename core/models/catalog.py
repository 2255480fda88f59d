"""The OMS product catalog and each store's product mappings (platform SKU -> system SKUs).

A mapping's components are rows, never a joined string, so the database itself
guarantees that a component points at a real product, has a quantity of at least 1,
and does not repeat a product within one mapping.
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, UniqueConstraint
from sqlmodel import Field, SQLModel

from core.models.base import utc_now

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


class Mapping(SQLModel, table=True):
    """A store's platform SKU. Its components say what ships for one unit sold."""

    __tablename__ = "mapping"
    # The unique pair is also the index for paging a store's mappings in SKU order.
    __table_args__ = (UniqueConstraint("store_id", "platform_sku", name="uq_mapping_store_platform_sku"),)

    id: int | None = Field(default=None, primary_key=True)
    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), nullable=False))
    platform_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), nullable=False))
    # Bumped whenever the components change; a grid save based on an older version is refused.
    version: int = Field(default=1)
    created_at: datetime = Field(default_factory=utc_now)
    updated_at: datetime = Field(default_factory=utc_now)


class MappingComponent(SQLModel, table=True):
    """One system SKU and how many of it ship for one unit of the platform SKU."""

    __tablename__ = "mapping_component"
    __table_args__ = (
        # Also the index that finds a mapping's components.
        UniqueConstraint("mapping_id", "system_sku", name="uq_mapping_component_sku"),
        CheckConstraint("quantity >= 1", name="ck_mapping_component_quantity"),
    )
    # No index on system_sku alone: no query filters on it exactly (SKU search is a
    # substring match, which no index serves) and products are never deleted, while
    # the index would make a 100,000-row import about a third slower. Add one with
    # the first "where is this product used?" feature.

    id: int | None = Field(default=None, primary_key=True)
    mapping_id: int = Field(sa_column=Column(Integer, ForeignKey("mapping.id", ondelete="CASCADE"), nullable=False))
    system_sku: str = Field(
        sa_column=Column(String(SKU_MAX_LENGTH), ForeignKey("catalog_product.system_sku"), nullable=False)
    )
    quantity: int = Field(sa_column=Column(Integer, nullable=False))


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
