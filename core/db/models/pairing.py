"""Automatic pairing: the pairing rules (one set for all stores, optionally one per store) and rejected suggestions."""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, ForeignKey, Integer, String, Text
from sqlmodel import Field, SQLModel

from core.db.models.base import utc_now
from core.db.models.catalog import ALL_STORES, SKU_MAX_LENGTH


class PairingRuleSet(SQLModel, table=True):
    """The rules that normalise SKUs before they are compared (core.mapping.pairing.rules), as TOML.

    `scope_id` is ALL_STORES for the set every store uses, or a store's id for that store's own set,
    which replaces the one for all stores there. The text is kept as saved, so the page and
    `mappings rules show` give back exactly what was set. `version` goes up with every save: the
    page saves against the version it showed, and cached suggestions know when to start again.
    """

    __tablename__ = "pairing_rule_set"
    __table_args__ = (
        CheckConstraint(f"(store_id IS NULL AND scope_id = {ALL_STORES}) OR (store_id = scope_id AND scope_id > {ALL_STORES})",
                        name="ck_pairing_rule_set_store"),
    )

    scope_id: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    # Deleting a store deletes its own rules; the set for all stores has none.
    store_id: int | None = Field(default=None, sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), nullable=True))
    rules: str = Field(sa_column=Column(Text, nullable=False))
    version: int = Field(default=1, sa_column=Column(Integer, nullable=False))
    updated_at: datetime = Field(default_factory=utc_now)
    updated_by: str = Field(default="", max_length=200)


class PairingRejection(SQLModel, table=True):
    """A suggestion someone rejected: this listing SKU of this store is not that product. It is never suggested again."""

    __tablename__ = "pairing_rejection"

    store_id: int = Field(sa_column=Column(Integer, ForeignKey("store.id", ondelete="CASCADE"), primary_key=True))
    platform_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), primary_key=True))
    system_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), primary_key=True))
    rejected_at: datetime = Field(default_factory=utc_now)
    rejected_by: str = Field(default="", max_length=200)
