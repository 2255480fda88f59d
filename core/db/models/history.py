"""The history of every mapping: each change to a level's mappings, who made it, when and through what. Append-only.

A change set is one write to one level (a grid save, an import, a clone, applied suggestions). The platform SKUs
it changed, with their components before and after, are kept in blocks of up to a thousand component lines, each
block sorted by platform SKU and labelled with its first and last: a 100,000-row import writes about a hundred rows,
not a hundred thousand (core.mapping.history has the format and the reading).
"""
from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, Integer, String, Text
from sqlmodel import Field, SQLModel

from core.db.models.append_only import append_only_triggers, keep_append_only
from core.db.models.base import table_of, utc_now
from core.db.models.catalog import SKU_MAX_LENGTH


class MappingChangeSet(SQLModel, table=True):
    """One change to one level's mappings: who, when, through what, and how many platform SKUs it added, changed, removed."""

    __tablename__ = "mapping_change_set"
    __table_args__ = (Index("ix_mapping_change_set_scope", "scope_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(default_factory=utc_now)
    actor: str = Field(max_length=200)
    via: str = Field(default="", max_length=20)
    # MappingScope.id: a store's id or ALL_STORES. No foreign key: the history outlives a deleted store.
    scope_id: int = Field(sa_column=Column(Integer, nullable=False))
    store_name: str = Field(default="", max_length=120)  # as it was then; '' for all stores
    through: str = Field(max_length=20)  # core.mapping.history.Through: grid, import, clone, suggestion
    detail: str = Field(default="", max_length=300)  # the file imported, the level cloned from, ...
    added: int = Field(default=0)
    changed: int = Field(default=0)
    removed: int = Field(default=0)


class MappingChange(SQLModel, table=True):
    """A block of one change set's platform SKUs, first_sku to last_sku in code-point order, with their components before and after.

    `changes` holds one line per component: platform SKU, '-' (before) or '+' (after), system SKU and
    quantity, separated by tabs, the lines in sorted order; SKUs never hold a tab or a line break
    (core.catalog.sku_problem), so a platform SKU's lines sort together.
    """

    __tablename__ = "mapping_change"
    __table_args__ = (Index("ix_mapping_change_lookup", "scope_id", "first_sku"),)

    change_set_id: int = Field(sa_column=Column(Integer, ForeignKey("mapping_change_set.id"), primary_key=True))
    part: int = Field(sa_column=Column(Integer, primary_key=True, autoincrement=False))
    scope_id: int = Field(sa_column=Column(Integer, nullable=False))  # the change set's, to find a SKU's blocks in one index
    first_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), nullable=False))
    last_sku: str = Field(sa_column=Column(String(SKU_MAX_LENGTH), nullable=False))
    changes: str = Field(sa_column=Column(Text, nullable=False))


# Like the audit trail, the history is append-only (core.db.models.append_only); migration 0006 makes the same triggers.
APPEND_ONLY = "the mapping history is append-only"
SET_TRIGGERS = append_only_triggers("mapping_change_set", ("id",), APPEND_ONLY)
CHANGE_TRIGGERS = append_only_triggers("mapping_change", ("change_set_id", "part"), APPEND_ONLY)
keep_append_only(table_of(MappingChangeSet), SET_TRIGGERS)
keep_append_only(table_of(MappingChange), CHANGE_TRIGGERS)
